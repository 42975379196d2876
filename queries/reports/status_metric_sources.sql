-- Per loaded source: the metric values it holds (count, metrics, first and last day) and
-- its last successful load. `retroscope status` and the Data page keep the configured
-- metric sources ([[metrics.sources]]) and add the last error from the failed-load log.
WITH pts AS (
    SELECT source, count(*) AS points, count(DISTINCT metric) AS metrics, min(day) AS first_day, max(day) AS last_day
    FROM raw_metric_points
    GROUP BY source
), loads AS (
    SELECT source, max(finished_at) AS last_sync, max(data_as_of) AS data_as_of
    FROM raw_loads
    WHERE status = 'ok'
    GROUP BY source
)
SELECT coalesce(p.source, l.source) AS source, p.points, p.metrics, p.first_day, p.last_day, l.last_sync, l.data_as_of
FROM pts p
FULL OUTER JOIN loads l ON l.source = p.source
ORDER BY 1
