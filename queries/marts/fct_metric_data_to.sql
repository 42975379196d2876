-- The last day each product metric's loaded data describes: the latest of its sources'
-- (fct_source_data_to). An as-of date after that day knows nothing of the days between: the
-- impact analysis calls a post window that ends after it too early (queries/impact.py), and a
-- product-metric agreement reviewed after it is too early too (fct_metric_agreements). A metric
-- whose sources recorded no such day has no row.
SELECT p.metric, max(s.data_to) AS data_to
FROM (SELECT DISTINCT source, metric FROM raw_metric_points) AS p
JOIN fct_source_data_to AS s USING (source)
GROUP BY p.metric
