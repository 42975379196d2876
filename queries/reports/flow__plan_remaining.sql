-- Issues not complete at $as_of with a usable range estimate (best <= likely <= worst,
-- likely > 0), converted to days (estimates in hours / 24), for the bias-corrected plan
-- check; plus a count of remaining issues without one (`unestimated`, one summary row with
-- issue_key NULL). Scope: $board_id / $project (epics and sub-tasks excluded).
WITH cfg AS (
    SELECT CASE (SELECT value FROM cfg_param WHERE key = 'estimate_unit') WHEN 'hours' THEN 24.0 ELSE 1.0 END AS per_day
),
remaining AS (
    SELECT * FROM fct_issue_scoped($as_of, $board_id, $project) WHERE completed_at IS NULL
),
usable AS (
    SELECT issue_key, status, status_category,
           estimate_best / c.per_day AS best_days,
           estimate_likely / c.per_day AS likely_days,
           estimate_worst / c.per_day AS worst_days,
           false AS unestimated
    FROM remaining CROSS JOIN cfg AS c
    WHERE estimate_likely > 0 AND estimate_best <= estimate_likely AND estimate_likely <= estimate_worst
)
SELECT * FROM usable
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, true
FROM remaining
WHERE NOT (coalesce(estimate_likely > 0 AND estimate_best <= estimate_likely AND estimate_likely <= estimate_worst, false))
ORDER BY issue_key NULLS LAST
