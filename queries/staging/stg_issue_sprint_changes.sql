-- Changes of an issue's sprint field, as sprint-id lists (the connector writes
-- comma-separated ids, "38, 40"), in order (`seq` per issue). Used to replay which
-- sprints an issue belonged to at any instant (METRICS.md §4 membership rule).
WITH changes AS (
    SELECT c.*
    FROM raw_field_changes AS c
    SEMI JOIN raw_issues AS i
        ON i.source = c.source AND i.issue_id = c.issue_id AND NOT i.is_deleted
    WHERE c.field_key = 'sprint'
),
final AS (
    SELECT
        source,
        issue_id,
        changed_at,
        list_filter(list_transform(string_split(coalesce(from_value, ''), ','), lambda x: trim(x)),
                    lambda x: x <> '') AS from_sprint_ids,
        list_filter(list_transform(string_split(coalesce(to_value, ''), ','), lambda x: trim(x)),
                    lambda x: x <> '') AS to_sprint_ids,
        row_number() OVER (
            PARTITION BY source, issue_id
            ORDER BY changed_at, try_cast(history_id AS BIGINT), history_id, item_seq
        ) AS seq
    FROM changes
)
SELECT * FROM final
