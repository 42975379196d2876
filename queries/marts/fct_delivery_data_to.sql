-- The last day the loaded delivery data (issues, sprints) describes: the reporting timezone's day
-- of the latest successful load of a source that holds workflow statuses (a Jira sync, the
-- demo, a delivery import). An as-of date after that day knows nothing of the days between: a
-- working agreement on a delivery metric reviewed after it is too early (fct_retro_agreements),
-- as one on a product metric is after fct_metric_data_to. No row's value (NULL) when no such
-- load recorded the instant its data describes.
SELECT local_ts(max(l.data_as_of))::DATE AS data_to
FROM raw_loads AS l
WHERE l.status = 'ok' AND l.kind <> 'refresh' AND l.data_as_of IS NOT NULL
  AND l.source IN (SELECT DISTINCT source FROM raw_statuses)
