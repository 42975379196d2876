-- Issues completed per day from $window_from to $window_to inclusive (completion day in the
-- reporting timezone), as known at $as_of, in scope $board_id / $project: the daily
-- throughput the Monte Carlo forecast resamples, counted in SQL: the completed issues of
-- fct_forecast_sample, as the 'completed' rows of flow__forecast_inputs; days without
-- completions have no row. `day_no` = days after $window_from (0 for
-- that day). The backtest reads it at each past instant.
SELECT date_diff('day', $window_from::DATE, f.completed_on) AS day_no, count(*) AS completed
FROM fct_forecast_sample($as_of, $board_id, $project, $window_from, $window_to) AS f
WHERE f.completed_at IS NOT NULL
GROUP BY f.completed_on
ORDER BY f.completed_on
