-- Product metrics the warehouse knows (a definition or daily values): imports validate
-- hypotheses and shipped items against this list.
SELECT metric, better_direction, first_day, last_day FROM fct_metric_catalog ORDER BY metric
