-- Changes of the sprint field, one row per changelog item, with the sprint-id lists
-- parsed ("38, 40" -> ['38', '40'], spaces and duplicates dropped; empty -> []), with the
-- changelog order `ord` (change_ord: time, then history id as a number, then the item's
-- position inside the history), which replaces the history id and item position.
WITH changes AS (
    SELECT * FROM raw_field_changes WHERE field_key = 'sprint'
),
final AS (
    SELECT
        source,
        issue_id,
        changed_at,
        CASE WHEN trim(coalesce(from_value, '')) = '' THEN []::VARCHAR[]
             ELSE list_distinct(string_split(replace(from_value, ' ', ''), ',')) END AS from_sprint_ids,
        CASE WHEN trim(coalesce(to_value, '')) = '' THEN []::VARCHAR[]
             ELSE list_distinct(string_split(replace(to_value, ' ', ''), ',')) END AS to_sprint_ids,
        change_ord(changed_at, history_id, item_seq) AS ord
    FROM changes
)
SELECT * FROM final
