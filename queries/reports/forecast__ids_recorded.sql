-- Which of $ids (forecast ids) the connection's copy of the user-input store holds already: the
-- page writes only the others.
SELECT forecast_id FROM temp.main.forecasts WHERE list_contains($ids::VARCHAR[], forecast_id)
