-- Exact row count of every raw table (for `retroscope status` and the Data page).
-- tests/test_schema.py checks that every table of schema/warehouse.sql is listed.
SELECT 'raw_projects' AS table_name, count(*) AS row_count FROM raw_projects
UNION ALL SELECT 'raw_boards' AS table_name, count(*) AS row_count FROM raw_boards
UNION ALL SELECT 'raw_board_columns' AS table_name, count(*) AS row_count FROM raw_board_columns
UNION ALL SELECT 'raw_statuses' AS table_name, count(*) AS row_count FROM raw_statuses
UNION ALL SELECT 'raw_sprints' AS table_name, count(*) AS row_count FROM raw_sprints
UNION ALL SELECT 'raw_issues' AS table_name, count(*) AS row_count FROM raw_issues
UNION ALL SELECT 'raw_status_changes' AS table_name, count(*) AS row_count FROM raw_status_changes
UNION ALL SELECT 'raw_field_changes' AS table_name, count(*) AS row_count FROM raw_field_changes
UNION ALL SELECT 'raw_versions' AS table_name, count(*) AS row_count FROM raw_versions
UNION ALL SELECT 'raw_metric_points' AS table_name, count(*) AS row_count FROM raw_metric_points
UNION ALL SELECT 'raw_metric_definitions' AS table_name, count(*) AS row_count FROM raw_metric_definitions
UNION ALL SELECT 'raw_shipped_items' AS table_name, count(*) AS row_count FROM raw_shipped_items
UNION ALL SELECT 'raw_loads' AS table_name, count(*) AS row_count FROM raw_loads
UNION ALL SELECT 'raw_sync_state' AS table_name, count(*) AS row_count FROM raw_sync_state
