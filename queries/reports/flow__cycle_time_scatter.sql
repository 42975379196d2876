-- One point per issue completed (at $as_of) in $date_from..$date_to that has a cycle time:
-- completion instant vs cycle time, for the scatter with p50/p85/p95 lines (the quantiles
-- over the same set are repeated on every row). Scope: $board_id / $project.
WITH pts AS (
    SELECT issue_key, summary, issue_type, work_type, story_points, completed_at, completed_on,
           cycle_time_days, backward_transitions
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE cycle_time_days IS NOT NULL
      AND in_period(completed_on, $date_from, $date_to)
)
SELECT
    p.*,
    quantile_cont(cycle_time_days, 0.50) OVER () AS p50,
    quantile_cont(cycle_time_days, 0.85) OVER () AS p85,
    quantile_cont(cycle_time_days, 0.95) OVER () AS p95
FROM pts AS p
ORDER BY completed_at, issue_key
