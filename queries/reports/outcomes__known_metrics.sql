-- Product metrics the warehouse knows (a definition or daily values): imports validate
-- hypotheses and shipped items against this list. Reads raw tables only, so it also runs
-- on a connection opened without the derived layers.
SELECT metric FROM raw_metric_definitions
UNION
SELECT DISTINCT metric FROM raw_metric_points
ORDER BY metric
