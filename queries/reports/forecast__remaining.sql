-- How many issues in scope $board_id / $project are not complete at $as_of: the 'remaining'
-- rows of flow__forecast_inputs (fct_forecast_sample), counted in SQL. The page's default
-- 'items left' (forecast.remaining_items) at the stored instant, without fetching the
-- forecast's inputs a row per issue.
SELECT count(*) AS remaining
FROM fct_forecast_sample($as_of, $board_id, $project, DATE '0001-01-01', DATE '0001-01-01') AS f
WHERE f.completed_at IS NULL
