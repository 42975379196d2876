-- The forecasts recorded in the user-input store for exactly this scope ($board_id,
-- $project; NULL = every board / project), made from data up to $as_of at the latest.
SELECT *
FROM forecasts
WHERE board_id IS NOT DISTINCT FROM $board_id
  AND project IS NOT DISTINCT FROM $project
  AND as_of <= $as_of::TIMESTAMPTZ
ORDER BY as_of, kind, forecast_id
