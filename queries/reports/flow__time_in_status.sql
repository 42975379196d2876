-- Time in each status of the issues completed (at $as_of) in $date_from..$date_to that have
-- a cycle time (the cycle-time scatter's set, docs/metrics.md §2): each issue's days in a
-- status = the sum of its stays there before its completion (in whole microseconds: exact in
-- any order); per status, how many of the issues were ever in it and the median and p85
-- (quantile_cont) of their days there.
-- Done statuses are left out. is_waiting / is_blocked: an in-progress status whose name
-- matches [workflow] waiting_pattern / blocked_pattern. Scope: $board_id / $project.
WITH done AS (
    SELECT source, issue_id, completed_at
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE cycle_time_days IS NOT NULL
      AND ($date_from IS NULL OR completed_on >= $date_from)
      AND ($date_to IS NULL OR completed_on <= $date_to)
),
per_issue AS (
    SELECT
        s.source,
        s.status_id,
        arg_max(s.status, (s.entered_at, s.status)) AS status,
        max(s.entered_at) AS last_entered_at,
        any_value(s.category) AS category,
        any_value(s.stage_rank) AS stage_rank,
        seconds_from_us(sum(micros_between(s.entered_at, least(s.until_at, d.completed_at)))) / 86400.0 AS days
    FROM fct_status_intervals($as_of) AS s
    JOIN done AS d USING (source, issue_id)
    WHERE s.entered_at < d.completed_at AND coalesce(s.category, '') <> 'done'
    GROUP BY s.source, s.issue_id, s.status_id
),
named AS (
    -- a status's name is the same on every stay unless the warehouse has no current name
    -- for it; then the name the latest stay carried (docs/metrics.md), the same at every run
    SELECT p.* REPLACE (n.status AS status)
    FROM per_issue AS p
    JOIN (SELECT source, status_id, arg_max(status, (last_entered_at, status)) AS status
          FROM per_issue GROUP BY source, status_id) AS n USING (source, status_id)
),
final AS (
    SELECT
        any_value(status) AS status,
        any_value(category) AS category,
        min(stage_rank) AS stage_rank,
        count(*) AS issues,
        quantile_cont(days, 0.5) AS median_days,
        quantile_cont(days, 0.85) AS p85_days,
        any_value(category) = 'in_progress'
            AND regexp_matches(any_value(status), (SELECT value FROM cfg_param WHERE key = 'waiting_pattern'), 'i')
            AS is_waiting,
        any_value(category) = 'in_progress'
            AND regexp_matches(any_value(status), (SELECT value FROM cfg_param WHERE key = 'blocked_pattern'), 'i')
            AS is_blocked
    FROM named
    GROUP BY status
)
SELECT * FROM final
ORDER BY stage_rank NULLS LAST, status
