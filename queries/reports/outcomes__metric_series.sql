-- Daily values of the product metrics $metrics up to $as_of's day, for the analysed
-- segment $segment ('' = all users) and the optional control segment $control_segment.
SELECT metric, segment, day, value
FROM raw_metric_points
WHERE metric IN (SELECT unnest($metrics::VARCHAR[]))
  AND (segment = $segment OR segment = $control_segment)
  AND day <= local_ts($as_of)::DATE
ORDER BY metric, segment, day
