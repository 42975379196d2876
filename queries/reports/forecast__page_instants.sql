-- The data instants ($board_id, $project scope) at which the page already recorded a forecast,
-- from the connection's copy of the user-input store: the page records at most one per scope
-- and day (docs/metrics.md "Forecasts held to account").
SELECT DISTINCT as_of
FROM temp.main.forecasts
WHERE source = 'page' AND board_id IS NOT DISTINCT FROM $board_id AND project IS NOT DISTINCT FROM $project
