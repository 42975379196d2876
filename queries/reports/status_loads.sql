-- The most recent loads, newest first.
SELECT load_id, source, kind, status, started_at, finished_at, data_as_of,
       date_diff('millisecond', started_at, finished_at) / 1000.0 AS seconds,
       coalesce((SELECT sum(v::BIGINT) FROM (SELECT unnest(json_extract(row_counts, '$.*')::VARCHAR[]) AS v)), 0)::BIGINT AS rows,
       row_counts, detail
FROM raw_loads
ORDER BY finished_at DESC
LIMIT 20
