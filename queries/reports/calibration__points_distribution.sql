-- Per story-point value: n, p25 / p50 / p75 / p85 cycle time (continuous quantiles) of
-- issues complete at $as_of, completed in $date_from..$date_to, with points and a cycle
-- time. Scope: $board_id / $project.
SELECT
    story_points,
    count(*) AS n,
    quantile_cont(cycle_time_days, 0.25) AS cycle_time_p25,
    quantile_cont(cycle_time_days, 0.50) AS cycle_time_p50,
    quantile_cont(cycle_time_days, 0.75) AS cycle_time_p75,
    quantile_cont(cycle_time_days, 0.85) AS cycle_time_p85,
    min(cycle_time_days) AS cycle_time_min,
    max(cycle_time_days) AS cycle_time_max,
    count(*) < (SELECT value::INTEGER FROM cfg_param WHERE key = 'small_group') AS too_small
FROM fct_issue_scoped($as_of, $board_id, $project)
WHERE story_points IS NOT NULL AND cycle_time_days IS NOT NULL
  AND in_period(completed_on, $date_from, $date_to)
GROUP BY story_points
ORDER BY story_points
