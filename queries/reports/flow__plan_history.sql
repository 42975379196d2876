-- Issues completed from $window_from to $window_to (as of $as_of) with their actual in
-- days (cycle time, or time spent when cfg range_actual = time_spent) and, when they had a
-- usable range estimate, its likely value in days: the team's measured estimate ratios and
-- capacity (actual days delivered per calendar day) for the bias-corrected plan check.
WITH cfg AS (
    SELECT
        CASE (SELECT value FROM cfg_param WHERE key = 'estimate_unit') WHEN 'hours' THEN 24.0 ELSE 1.0 END AS per_day,
        (SELECT value FROM cfg_param WHERE key = 'range_actual') AS actual_kind
)
SELECT
    f.issue_key,
    CASE WHEN c.actual_kind = 'time_spent' THEN f.time_spent_seconds / 86400.0 ELSE f.cycle_time_days END AS actual_days,
    CASE WHEN f.estimate_likely > 0 AND f.estimate_best <= f.estimate_likely AND f.estimate_likely <= f.estimate_worst
         THEN f.estimate_likely / c.per_day END AS likely_days
FROM fct_issue_scoped($as_of, $board_id, $project) AS f
CROSS JOIN cfg AS c
WHERE f.completed_on BETWEEN $window_from::DATE AND $window_to::DATE
ORDER BY f.completed_at, f.issue_key
