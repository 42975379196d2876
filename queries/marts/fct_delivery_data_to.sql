-- The last day the loaded delivery data (issues, sprints) describes: the latest of the sources
-- that hold workflow statuses (a Jira sync, the demo, a delivery import; fct_source_data_to).
-- An as-of date after that day knows nothing of the days between: a working agreement on a
-- delivery metric reviewed after it is too early (fct_retro_agreements), as one on a product
-- metric is after fct_metric_data_to. NULL when no such load recorded the day.
SELECT max(data_to) AS data_to
FROM fct_source_data_to
WHERE source IN (SELECT DISTINCT source FROM raw_statuses)
