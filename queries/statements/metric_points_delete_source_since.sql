-- A metric source's incremental sync re-fetches every day from $since on: its earlier
-- values for those days are removed first, so a row deleted at the source goes too.
DELETE FROM raw_metric_points WHERE source = $source AND day >= $since
