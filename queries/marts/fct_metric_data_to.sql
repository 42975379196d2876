-- The last day each product metric's loaded data describes: the reporting timezone's day of the
-- latest successful load of the sources its points came from (the instant a load says its data
-- is as of: a metric import, its last day's end). An as-of date after that day knows nothing
-- of the days between: the impact analysis calls a post window that ends after it too early
-- (queries/impact.py), and a product-metric agreement reviewed after it is too early too
-- (fct_metric_agreements). A metric whose sources recorded no such instant has no row.
SELECT p.metric, local_ts(max(l.data_as_of))::DATE AS data_to
FROM (SELECT DISTINCT source, metric FROM raw_metric_points) AS p
JOIN raw_loads AS l ON l.source = p.source
WHERE l.status = 'ok' AND l.kind <> 'refresh' AND l.data_as_of IS NOT NULL
GROUP BY p.metric
