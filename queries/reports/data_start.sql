-- The first instant the warehouse holds data for: the earliest issue created or metric day
-- (NULL: neither). An as_of before it sees nothing (the CLI says so instead of printing
-- empty answers).
SELECT least((SELECT min(created_at) FROM raw_issues WHERE NOT is_deleted),
             (SELECT min(day)::TIMESTAMPTZ FROM raw_metric_points)) AS data_start
