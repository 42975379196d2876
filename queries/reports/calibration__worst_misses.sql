-- The range estimates furthest off: complete issues (completed in $date_from..$date_to)
-- with a usable range, ordered by how far the actual fell outside [best, worst] relative
-- to likely (overruns and underruns), then by MRE. Actual as in estimate_calibration.
-- At most $limit rows (default 20). Scope: $board_id / $project.
WITH cfg AS (
    SELECT
        (SELECT value FROM cfg_param WHERE key = 'estimate_unit') AS unit,
        (SELECT value FROM cfg_param WHERE key = 'range_actual') AS actual_kind
),
scored AS (
    SELECT
        f.issue_key, f.summary, f.issue_type, f.work_type, f.completed_at,
        f.estimate_best AS best, f.estimate_likely AS likely, f.estimate_worst AS worst,
        estimate_actual(f.cycle_time_days, f.time_spent_seconds) AS actual,
        c.unit
    FROM fct_issue_scoped($as_of, $board_id, $project) AS f
    CROSS JOIN cfg AS c
    WHERE f.completed_at IS NOT NULL
      AND usable_range(f.estimate_best, f.estimate_likely, f.estimate_worst)
      AND in_period(f.completed_on, $date_from, $date_to)
)
SELECT
    issue_key, summary, issue_type, work_type, completed_at, best, likely, worst, actual, unit,
    CASE WHEN range_hit(actual, best, worst) THEN 'hit' WHEN actual > worst THEN 'overrun' ELSE 'underrun' END AS outcome,
    actual / likely AS ratio,
    greatest(actual - worst, best - actual, 0) / likely AS miss_relative
FROM scored
WHERE actual IS NOT NULL
ORDER BY miss_relative DESC, abs(actual - likely) / nullif(actual, 0) DESC NULLS LAST, issue_key
LIMIT coalesce($limit::INTEGER, 20)
