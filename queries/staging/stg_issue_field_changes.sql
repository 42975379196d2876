-- Numeric estimate/time-tracking field changes of live issues, in order (`seq` per issue
-- and field), with the values parsed as numbers (value first, display string second).
-- Used to replay an issue's estimates as of any instant.
WITH changes AS (
    SELECT c.*
    FROM raw_field_changes AS c
    SEMI JOIN raw_issues AS i
        ON i.source = c.source AND i.issue_id = c.issue_id AND NOT i.is_deleted
    WHERE c.field_key IN ('story_points', 'estimate_best', 'estimate_likely', 'estimate_worst',
                          'original_estimate', 'time_spent')
),
final AS (
    SELECT
        source,
        issue_id,
        field_key,
        changed_at,
        coalesce(try_cast(from_value AS DOUBLE), try_cast(from_string AS DOUBLE)) AS from_number,
        coalesce(try_cast(to_value AS DOUBLE), try_cast(to_string AS DOUBLE)) AS to_number,
        row_number() OVER (
            PARTITION BY source, issue_id, field_key
            ORDER BY changed_at, try_cast(history_id AS BIGINT), history_id, item_seq
        ) AS seq
    FROM changes
)
SELECT * FROM final
