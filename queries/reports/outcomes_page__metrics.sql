-- Product metrics for the Outcomes page's picker: name, unit, better direction, description
-- and how many daily values (all users) there are, metrics with data first.
SELECT metric, unit, better_direction, description, first_day, last_day, days_all_users
FROM fct_metric_catalog
ORDER BY days_all_users = 0, metric
