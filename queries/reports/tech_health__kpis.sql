-- The tech-health slide's figures for a period and the same-length period just before it
-- (previous_value), as of $as_of. Period = $date_from..$date_to (reporting-timezone dates;
-- default: the 84 days ending on the day of $as_of; choosing e.g. the last 6 sprints is the
-- caller's job). One row per KPI:
--   debt_share      completed points of `debt` issues / all completed points (issue counts
--                   when nothing completed had points); target cfg debt_share_target
--   cycle_time_p85  p85 (continuous) cycle time, days, of issues completed in the period
--   rework_rate     share of issues completed in the period with >= 1 backward transition
--   escaped_bugs    escaped bugs created in the period
--   range_hit_rate  share of range-estimated issues completed in the period with
--                   best <= actual <= worst; target cfg hit_rate_target
--   carry_over      share of sprint scope (committed + added issues) carried over, over the
--                   sprints of $board_id that closed in the period (fct_sprint_members)
-- better: which direction is good (up | down | target = near the target). n / previous_n:
-- what each period's figure rests on (issues; range-estimated issues; sprints for carry-over).
-- Issue scope: $board_id / $project, epics and sub-tasks excluded.
WITH cfg AS (
    SELECT
        (SELECT value::DOUBLE FROM cfg_param WHERE key = 'debt_share_target') AS debt_target,
        (SELECT value::DOUBLE FROM cfg_param WHERE key = 'hit_rate_target') AS hit_target
),
bounds AS (
    SELECT
        coalesce($date_to::DATE, local_ts($as_of)::DATE) AS to_day,
        coalesce($date_from::DATE, coalesce($date_to::DATE, local_ts($as_of)::DATE) - 83) AS from_day
    FROM cfg
),
periods AS (
    SELECT 'current' AS period, from_day, to_day FROM bounds
    UNION ALL
    SELECT 'previous', from_day - (to_day - from_day + 1)::INTEGER, from_day - 1 FROM bounds
),
facts AS MATERIALIZED (
    SELECT
        f.*,
        estimate_actual(f.cycle_time_days, f.time_spent_seconds) AS actual
    FROM fct_issue_scoped($as_of, $board_id, $project) AS f
),
completed AS (
    SELECT
        p.period,
        count(*) AS n,
        -- points added smallest first (sum_sorted): the same bits in any row order
        sum_sorted(list(coalesce(f.story_points, 0))) AS points,
        sum_sorted(list(coalesce(f.story_points, 0)) FILTER (WHERE f.work_type = 'debt')) AS debt_points,
        count(*) FILTER (WHERE f.work_type = 'debt') AS debt_issues,
        quantile_cont(f.cycle_time_days, 0.85) AS cycle_time_p85,
        count(f.cycle_time_days) AS n_cycle,
        count(*) FILTER (WHERE f.backward_transitions > 0) AS with_rework,
        count(*) FILTER (WHERE usable_range(f.estimate_best, f.estimate_likely, f.estimate_worst)
                           AND f.actual IS NOT NULL) AS n_range,
        count(*) FILTER (WHERE usable_range(f.estimate_best, f.estimate_likely, f.estimate_worst)
                           AND range_hit(f.actual, f.estimate_best, f.estimate_worst)) AS hits
    FROM periods AS p
    JOIN facts AS f ON f.completed_on BETWEEN p.from_day AND p.to_day
    GROUP BY p.period
),
escaped AS (
    SELECT p.period, count(f.issue_id) AS escaped_bugs
    FROM periods AS p
    LEFT JOIN facts AS f ON f.is_escaped_bug AND f.created_on BETWEEN p.from_day AND p.to_day
    GROUP BY p.period
),
carry AS (
    SELECT
        p.period,
        count(DISTINCT m.sprint_id) AS sprints,
        count(*) FILTER (WHERE m.committed OR m.added) AS scope_issues,
        count(*) FILTER (WHERE m.carryover) AS carryover_issues
    FROM periods AS p
    CROSS JOIN cfg
    JOIN fct_sprint_windows($as_of) AS w
        ON w.state = 'closed' AND local_ts(w.t_end)::DATE BETWEEN p.from_day AND p.to_day
       AND ($board_id IS NULL OR w.board_id = $board_id)
    JOIN fct_sprint_members($as_of) AS m
        ON m.source = w.source AND m.sprint_id = w.sprint_id
       AND ($project IS NULL OR m.project_key = $project)
    GROUP BY p.period
),
per_period AS (
    SELECT
        p.period,
        debt_share(c.points, c.debt_points, c.n, c.debt_issues) AS debt_share,
        c.cycle_time_p85,
        c.with_rework / nullif(c.n, 0) AS rework_rate,
        e.escaped_bugs::DOUBLE AS escaped_bugs,
        c.hits / nullif(c.n_range, 0) AS range_hit_rate,
        k.carryover_issues / nullif(k.scope_issues, 0) AS carry_over,
        coalesce(c.n, 0) AS n_completed,
        coalesce(c.n_cycle, 0) AS n_cycle,
        coalesce(c.n_range, 0) AS n_range,
        coalesce(k.sprints, 0) AS n_sprints
    FROM periods AS p
    LEFT JOIN completed AS c USING (period)
    LEFT JOIN escaped AS e USING (period)
    LEFT JOIN carry AS k USING (period)
),
cur AS (SELECT * FROM per_period WHERE period = 'current'),
prev AS (SELECT * FROM per_period WHERE period = 'previous'),
final AS (
    SELECT 1 AS pos, 'debt_share' AS kpi, 'Tech-debt share' AS label, cur.debt_share AS value,
           prev.debt_share AS previous_value, cfg.debt_target AS target, 'up' AS better, 'share' AS unit,
           cur.n_completed AS n, prev.n_completed AS previous_n
    FROM cur, prev, cfg
    UNION ALL
    SELECT 2, 'cycle_time_p85', 'Cycle time p85', cur.cycle_time_p85, prev.cycle_time_p85, NULL, 'down', 'days', cur.n_cycle,
           prev.n_cycle
    FROM cur, prev
    UNION ALL
    SELECT 3, 'rework_rate', 'Rework rate', cur.rework_rate, prev.rework_rate, NULL, 'down', 'share', cur.n_completed,
           prev.n_completed
    FROM cur, prev
    UNION ALL
    SELECT 4, 'escaped_bugs', 'Escaped bugs', cur.escaped_bugs, prev.escaped_bugs, NULL, 'down', 'bugs', NULL, NULL
    FROM cur, prev
    UNION ALL
    SELECT 5, 'range_hit_rate', 'Estimate hit rate', cur.range_hit_rate, prev.range_hit_rate, cfg.hit_target,
           'target', 'share', cur.n_range, prev.n_range
    FROM cur, prev, cfg
    UNION ALL
    SELECT 6, 'carry_over', 'Carry-over', cur.carry_over, prev.carry_over, NULL, 'down', 'share', cur.n_sprints,
           prev.n_sprints
    FROM cur, prev
)
SELECT
    f.kpi, f.label, f.value, f.previous_value, f.target, f.better, f.unit, f.n, f.previous_n,
    b.from_day AS period_from, b.to_day AS period_to
FROM final AS f CROSS JOIN bounds AS b
ORDER BY f.pos
