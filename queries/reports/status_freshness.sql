-- Per source: the last successful load and the instant its data describes. `retroscope
-- refresh` (kind 'refresh') rebuilds the stored facts and brings no data: not a source.
SELECT source, count(*) AS loads, max(finished_at) AS last_finished_at, max(data_as_of) AS data_as_of,
       arg_max(load_id, finished_at) AS last_load_id
FROM raw_loads
WHERE status = 'ok' AND kind <> 'refresh'
GROUP BY source
ORDER BY source
