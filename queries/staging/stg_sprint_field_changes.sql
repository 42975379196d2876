-- Changes of the sprint field, one row per changelog item, with the sprint-id lists
-- parsed ("38, 40" -> ['38', '40'], duplicates and blanks dropped) and a total order per
-- issue: changed_at, then the history id (numerically when it is a number), then the
-- item's position inside the history.
WITH changes AS (
    SELECT * FROM raw_field_changes WHERE field_key = 'sprint'
),
final AS (
    SELECT
        source,
        issue_id,
        changed_at,
        list_distinct(list_filter(
            list_transform(string_split(coalesce(from_value, ''), ','), lambda x: trim(x)),
            lambda x: x <> '')) AS from_sprint_ids,
        list_distinct(list_filter(
            list_transform(string_split(coalesce(to_value, ''), ','), lambda x: trim(x)),
            lambda x: x <> '')) AS to_sprint_ids,
        row_number() OVER (
            PARTITION BY source, issue_id
            ORDER BY changed_at, try_cast(history_id AS BIGINT) NULLS LAST, history_id, item_seq
        ) AS change_seq
    FROM changes
)
SELECT * FROM final
