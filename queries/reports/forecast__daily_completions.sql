-- Issues completed per day from $window_from to $window_to inclusive (completion day in the
-- reporting timezone), as known at $as_of, in scope $board_id / $project: the daily
-- throughput the Monte Carlo forecast resamples, counted in SQL. The same issues as the
-- 'completed' rows of flow__forecast_inputs (fct_issue_scoped: epics and sub-tasks left
-- out); days without completions have no row. `day_no` = days after $window_from (0 for
-- that day). The backtest reads it at each past instant.
SELECT date_diff('day', $window_from::DATE, f.completed_on) AS day_no, count(*) AS completed
FROM fct_issue_scoped($as_of, $board_id, $project) AS f
WHERE f.completed_at IS NOT NULL AND f.completed_on BETWEEN $window_from::DATE AND $window_to::DATE
GROUP BY f.completed_on
ORDER BY f.completed_on
