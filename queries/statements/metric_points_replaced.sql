-- Before a load (an import, a metric sync) writes its metric values (the registered frame
-- `_import_keys`: source, metric, day, segment, value): the stored values it will change, per
-- source. A value is kept per metric, day and segment whichever source brought it; the same
-- value from the same source again changes nothing and is not counted.
SELECT r.source, count(*) AS values_replaced
FROM raw_metric_points AS r
JOIN _import_keys AS k ON r.metric = k.metric AND r.day = k.day AND r.segment = k.segment
WHERE r.source <> k.source OR r.value IS DISTINCT FROM k.value
GROUP BY r.source
ORDER BY r.source
