-- Per source, the last day its loaded data describes: the reporting timezone's day of the
-- instant its latest successful load says its data is as of (`retroscope refresh` brings no
-- data and is not counted). What an as-of date later than that day knows of the source's data
-- stops there: fct_metric_data_to (per product metric) and fct_delivery_data_to (the delivery
-- data) read it. A source whose loads recorded no such instant has no row.
SELECT source, local_ts(max(data_as_of))::DATE AS data_to
FROM raw_loads
WHERE status = 'ok' AND kind <> 'refresh' AND data_as_of IS NOT NULL
GROUP BY source
