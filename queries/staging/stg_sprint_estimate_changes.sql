-- Changes of the story-point estimate (the connector's canonical field_key
-- 'story_points', whatever custom field the board estimates with), one row per changelog
-- item, values cast to DOUBLE ("3", "5.0" -> 3.0, 5.0; empty or non-numeric -> NULL,
-- counted as 0 by the marts). Jira puts number-field values in fromString/toString and
-- often leaves from/to empty, so the *_string columns are the fallback. Order keys as in
-- the sprint-field changes: changed_at, history_no (history_id), item_seq.
WITH changes AS (
    SELECT * FROM raw_field_changes WHERE field_key = 'story_points'
),
final AS (
    SELECT
        source,
        issue_id,
        changed_at,
        try_cast(nullif(trim(coalesce(nullif(trim(from_value), ''), from_string)), '') AS DOUBLE) AS from_points,
        try_cast(nullif(trim(coalesce(nullif(trim(to_value), ''), to_string)), '') AS DOUBLE) AS to_points,
        try_cast(history_id AS BIGINT) AS history_no,
        history_id,
        item_seq
    FROM changes
)
SELECT * FROM final
