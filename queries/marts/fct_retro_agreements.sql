-- args: as_of, in_board
-- Working agreements of retros held on or before as_of's day, judged (docs/metrics.md §8):
-- the linked metric over during = [start_on, review_on] vs before = the same number of days
-- just before start_on, over the team's boards (fct_retro_team_boards). Verdict, in order:
--   'not measurable'  no metric linked, an unknown metric, or no data in a window
--   'product metric'  a product metric: judged by the impact engine (fct_metric_agreements);
--                     fct_agreement_verdicts merges the two, and every report reads that
--   'too early'       review_on is after as_of's day, or after the last day the loaded delivery
--                     data describes (fct_delivery_data_to; values so far are still shown)
--   'met' / 'not met' with a target: during is at or beyond the target in the agreement's
--                     direction (default: the metric's better direction); without one:
--                     during is strictly better than before.
-- Issue metrics use issues completed in the window (completion day, reporting timezone);
-- sprint metrics use sprints that closed in the window (sprint end day).
-- in_board: only the agreements of the team whose name is that board's, measured on that
-- board alone, replaying only its sprints (NULL = every agreement).
WITH cfg AS (
    SELECT
        local_ts(as_of)::DATE AS as_of_on,
        -- the last day known of the delivery data at as_of: as_of's day, or the data's last day
        least(local_ts(as_of)::DATE, coalesce((SELECT data_to FROM fct_delivery_data_to), local_ts(as_of)::DATE))
            AS known_on
),
product_metrics AS (
    SELECT DISTINCT metric FROM raw_metric_points
    UNION SELECT metric FROM raw_metric_definitions
),
agreements_in AS (
    SELECT
        g.*,
        r.team,
        r.held_on,
        trim(g.metric) AS metric_name,
        date_diff('day', g.start_on, g.review_on) + 1 AS window_days
    FROM agreements AS g
    JOIN retros AS r USING (retro_id)
    WHERE r.held_on <= (SELECT as_of_on FROM cfg)
      AND retro_team_in_scope(r.team, in_board, NULL)
),
classified AS (
    SELECT
        a.*,
        d.better_direction,
        d.unit AS metric_unit,
        CASE WHEN a.metric_name IS NULL OR a.metric_name = '' THEN 'none'
             WHEN d.metric IS NOT NULL THEN 'delivery'
             WHEN a.metric_name IN (SELECT metric FROM product_metrics) THEN 'product'
             ELSE 'unknown' END AS metric_kind,
        coalesce(a.direction, d.better_direction) AS judged_direction
    FROM agreements_in AS a
    LEFT JOIN fct_retro_delivery_metrics AS d ON d.metric = a.metric_name
),
windows AS (
    SELECT agreement_id, team, metric_name, 'before' AS phase,
           start_on - window_days::INTEGER AS from_on, start_on - 1 AS to_on
    FROM classified WHERE metric_kind = 'delivery'
    UNION ALL
    SELECT agreement_id, team, metric_name, 'during' AS phase, start_on AS from_on,
           least(review_on, (SELECT known_on FROM cfg)) AS to_on
    FROM classified WHERE metric_kind = 'delivery'
),
team_boards AS (
    SELECT DISTINCT team, source, board_id, team_matched FROM fct_retro_team_boards
    WHERE in_board IS NULL OR board_id = in_board OR NOT team_matched
),
issues AS MATERIALIZED (
    SELECT
        f.source, f.issue_id, f.completed_on, f.cycle_time_days, f.work_type, f.story_points,
        f.backward_transitions, f.estimate_best, f.estimate_worst,
        -- a usable range, as the calibration page scores it: all three, in order, likely > 0
        coalesce(usable_range(f.estimate_best, f.estimate_likely, f.estimate_worst), false) AS has_range,
        estimate_actual(f.cycle_time_days, f.time_spent_seconds) AS actual
    FROM fct_issue_scoped(as_of, in_board, NULL) AS f
    WHERE f.completed_at IS NOT NULL
      AND EXISTS (SELECT 1 FROM windows)
),
matched_teams AS (
    SELECT DISTINCT team FROM team_boards WHERE team_matched
),
team_issue_ids AS (
    -- the issues of each matching team's boards (an issue on two of them once)
    SELECT DISTINCT t.team, b.source, b.issue_id
    FROM team_boards AS t
    JOIN stg_board_issues AS b ON b.source = t.source AND b.board_id = t.board_id
    WHERE t.team_matched
),
team_issues AS (
    -- a team that matches a board: issues of its boards; otherwise every issue (two
    -- disjoint branches joined on keys: a per-row EXISTS here cost most of the query)
    SELECT DISTINCT * FROM (
        SELECT w.agreement_id, w.phase, w.metric_name, i.*
        FROM windows AS w
        ANTI JOIN matched_teams AS m ON m.team = w.team
        JOIN issues AS i ON i.completed_on BETWEEN w.from_on AND w.to_on
        UNION ALL
        SELECT w.agreement_id, w.phase, w.metric_name, i.*
        FROM windows AS w
        JOIN team_issue_ids AS k ON k.team = w.team
        JOIN issues AS i ON i.source = k.source AND i.issue_id = k.issue_id
                        AND i.completed_on BETWEEN w.from_on AND w.to_on
    )
),
issue_values AS (
    SELECT
        agreement_id,
        phase,
        CASE any_value(metric_name)
            WHEN 'cycle_time_p85' THEN quantile_cont(cycle_time_days, 0.85)
            WHEN 'rework_rate' THEN avg(CASE WHEN backward_transitions >= 1 THEN 1.0 ELSE 0.0 END)
            WHEN 'debt_share' THEN debt_share(   -- points added smallest first (sum_sorted)
                sum_sorted(list(coalesce(story_points, 0))),
                sum_sorted(list(coalesce(story_points, 0)) FILTER (WHERE work_type = 'debt')),
                count(*), count(*) FILTER (WHERE work_type = 'debt'))
            WHEN 'hit_rate' THEN avg(CASE WHEN range_hit(actual, estimate_best, estimate_worst) THEN 1.0 ELSE 0.0 END)
                FILTER (WHERE has_range AND actual IS NOT NULL)
        END AS value,
        CASE any_value(metric_name)
            WHEN 'cycle_time_p85' THEN count(cycle_time_days)
            WHEN 'hit_rate' THEN count(*) FILTER (WHERE has_range AND actual IS NOT NULL)
            ELSE count(*)
        END AS n
    FROM team_issues
    WHERE metric_name IN ('cycle_time_p85', 'rework_rate', 'debt_share', 'hit_rate')
    GROUP BY agreement_id, phase
),
team_sprints AS (
    SELECT DISTINCT w.agreement_id, w.phase, w.metric_name, s.source, s.sprint_id
    FROM windows AS w
    JOIN fct_sprint_windows(as_of) AS s
      ON s.state = 'closed' AND local_ts(s.t_end)::DATE BETWEEN w.from_on AND w.to_on
    WHERE w.metric_name IN ('scope_change', 'say_do')
      AND (NOT EXISTS (SELECT 1 FROM team_boards AS t WHERE t.team = w.team AND t.team_matched)
           OR EXISTS (SELECT 1 FROM team_boards AS t
                      WHERE t.team = w.team AND t.team_matched AND t.source = s.source AND t.board_id = s.board_id))
),
team_members AS MATERIALIZED (
    SELECT ts.agreement_id, ts.phase, ts.metric_name, ts.source, ts.sprint_id,
           m.committed, m.added, m.removed, m.completed, m.entry_points, m.exit_points
    FROM team_sprints AS ts
    LEFT JOIN fct_sprint_board_members(as_of, in_board) AS m ON m.source = ts.source AND m.sprint_id = ts.sprint_id
),
committing AS (
    -- the sprints that committed points: say/do over several sprints is the completed points of
    -- these over their committed points (a sprint that committed nothing has no say/do of its
    -- own; the slide's per-team say/do, queries.tech_health.team_rows, pools them the same way)
    SELECT agreement_id, phase, source, sprint_id
    FROM team_members
    GROUP BY ALL
    HAVING coalesce(sum(entry_points) FILTER (WHERE committed), 0) > 0
),
sprint_totals AS (
    SELECT
        tm.agreement_id,
        tm.phase,
        any_value(tm.metric_name) AS metric_name,
        count(DISTINCT tm.sprint_id) AS n,
        -- added smallest first (sum_sorted): the same bits in any row order
        coalesce(sum_sorted(list(tm.entry_points) FILTER (WHERE tm.committed)), 0) AS committed_points,
        coalesce(sum_sorted(list(tm.entry_points) FILTER (WHERE tm.added)), 0) AS added_points,
        coalesce(sum_sorted(list(tm.exit_points) FILTER (WHERE tm.removed)), 0) AS removed_points,
        coalesce(sum_sorted(list(tm.exit_points) FILTER (WHERE tm.completed AND c.sprint_id IS NOT NULL)), 0)
            AS completed_of_committed
    FROM team_members AS tm
    LEFT JOIN committing AS c USING (agreement_id, phase, source, sprint_id)
    GROUP BY tm.agreement_id, tm.phase
),
sprint_values AS (
    SELECT
        agreement_id,
        phase,
        CASE metric_name
            WHEN 'scope_change' THEN (added_points + removed_points) / nullif(committed_points, 0)
            WHEN 'say_do' THEN completed_of_committed / nullif(committed_points, 0)
        END AS value,
        n
    FROM sprint_totals
),
all_values AS (
    SELECT * FROM issue_values
    UNION ALL
    SELECT * FROM sprint_values
),
pivoted AS (
    SELECT
        agreement_id,
        max(value) FILTER (WHERE phase = 'before') AS before_value,
        max(value) FILTER (WHERE phase = 'during') AS during_value,
        coalesce(max(n) FILTER (WHERE phase = 'before'), 0) AS before_n,
        coalesce(max(n) FILTER (WHERE phase = 'during'), 0) AS during_n
    FROM all_values
    GROUP BY agreement_id
),
judged AS (
    SELECT
        c.*,
        p.before_value,
        p.during_value,
        coalesce(p.before_n, 0) AS before_n,
        coalesce(p.during_n, 0) AS during_n,
        CASE WHEN c.metric_kind = 'delivery' THEN c.start_on - c.window_days::INTEGER END AS before_from_on,
        CASE WHEN c.metric_kind = 'delivery' THEN c.start_on - 1 END AS before_to_on
    FROM classified AS c
    LEFT JOIN pivoted AS p USING (agreement_id)
),
final AS (
    SELECT
        agreement_id,
        retro_id,
        team,
        held_on,
        text,
        start_on,
        review_on,
        metric_name AS metric,
        metric_kind,
        target,
        judged_direction AS direction,
        before_from_on,
        before_to_on,
        before_value,
        during_value,
        before_n,
        during_n,
        CASE
            WHEN metric_kind IN ('none', 'unknown') THEN 'not measurable'
            WHEN metric_kind = 'product' THEN 'product metric'
            ELSE agreement_verdict(judged_direction, target, before_value, during_value, review_on,
                                   (SELECT known_on FROM cfg))
        END AS verdict,
        CASE
            WHEN metric_kind = 'none' THEN 'no metric linked'
            WHEN metric_kind = 'unknown' THEN 'unknown metric ''' || metric_name || ''' (no delivery metric or product data of that name)'
            WHEN metric_kind = 'product' THEN 'product metric: judged by the impact engine'
            -- (days in a sentence as the pages write them: '23 Nov 2026')
            WHEN review_on > (SELECT as_of_on FROM cfg) THEN 'review on ' || strftime(review_on, '%-d %b %Y') || '; values so far'
            WHEN review_on > (SELECT known_on FROM cfg) THEN 'review on ' || strftime(review_on, '%-d %b %Y')
                || ', after the last day of delivery data loaded (' || strftime((SELECT known_on FROM cfg), '%-d %b %Y')
                || '); values so far'
            WHEN during_value IS NULL THEN 'no data between start and review'
            WHEN target IS NULL AND before_value IS NULL THEN 'no target and no data before the start to compare with'
            -- which side of its target the value during the agreement fell, in words (the figures
            -- stand beside it, each in the metric's unit as the pages show it; the verdict's own rule)
            WHEN target IS NOT NULL THEN CASE
                WHEN agreement_verdict(judged_direction, target, before_value, during_value, review_on,
                                       (SELECT known_on FROM cfg)) = 'met' THEN 'reached its target during the agreement'
                WHEN judged_direction = 'up' THEN 'below its target during the agreement'
                ELSE 'above its target during the agreement' END
            ELSE 'compared with the ' || window_days::VARCHAR || ' days before the start'
        END AS reason
    FROM judged
)
SELECT * FROM final
