-- How many forecasts the connection's copy of the user-input store holds (the dashboard's cache
-- key for the forecast history, which recording the page's own forecast does not invalidate).
SELECT count(*) AS n FROM temp.main.forecasts
