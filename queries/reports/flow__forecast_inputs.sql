-- Everything the Monte Carlo forecast and the plan check need, from one pass over the
-- issue facts as of $at (scope $board_id / $project; epics and sub-tasks excluded), read as
-- known at $as_of, no earlier than $at (fct_forecast_sample_at: at an earlier instant than
-- the stored one, $as_of is the stored instant and nothing is recomputed):
--   kind 'completed': issues completed from $window_from to $window_to inclusive, with
--     their completion day (reporting timezone), actual in days (cycle time, or time spent
--     when cfg range_actual = time_spent) and, if they had a usable range estimate
--     (best <= likely <= worst, likely > 0), likely in days (hours / 24);
--   kind 'remaining': issues not complete at $at, with likely in days when usable.
WITH cfg AS (
    SELECT
        (SELECT value FROM cfg_param WHERE key = 'range_actual') AS actual_kind
),
facts AS (
    SELECT
        f.*,
        usable_range(f.estimate_best, f.estimate_likely, f.estimate_worst) AS usable_range
    FROM fct_forecast_sample_at($as_of, $at, $board_id, $project, $window_from, $window_to) AS f
)
SELECT
    CASE WHEN f.completed_at IS NULL THEN 'remaining' ELSE 'completed' END AS kind,
    f.issue_key,
    f.completed_on,
    CASE WHEN f.completed_at IS NULL THEN NULL
         WHEN c.actual_kind = 'time_spent' THEN f.time_spent_seconds / 86400.0
         ELSE f.cycle_time_days END AS actual_days,
    CASE WHEN coalesce(f.usable_range, false) THEN estimate_days(f.estimate_likely) END AS likely_days
FROM facts AS f
CROSS JOIN cfg AS c
-- the order the draws map onto (kind, completion day, key; then source and id, for two sites
-- with the same key): 'completed' rows first, sorted by the flag rather than the text it is
-- spelled as. A total order, so the same data gives the same draws on every run.
ORDER BY f.completed_at IS NULL, f.completed_on, f.issue_key, f.source, f.issue_id
