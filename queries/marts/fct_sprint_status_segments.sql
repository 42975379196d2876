-- Each issue's status over time: one row per status, held in [valid_from, valid_to)
-- (NULL valid_from = since forever, NULL valid_to = still). The status before the first
-- transition is that transition's `from`; an issue without history has its current status
-- throughout.
WITH issues AS (
    SELECT source, issue_id, status_id FROM stg_issues WHERE NOT is_subtask
),
changes AS (
    SELECT c.*
    FROM stg_sprint_status_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
segments AS (
    SELECT
        i.source,
        i.issue_id,
        0::BIGINT AS change_seq,
        NULL::TIMESTAMPTZ AS valid_from,
        CASE WHEN f.issue_id IS NULL THEN i.status_id ELSE f.from_status_id END AS status_id
    FROM issues AS i
    LEFT JOIN changes AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.change_seq = 1
    UNION ALL
    SELECT source, issue_id, change_seq, changed_at, to_status_id FROM changes
),
final AS (
    SELECT
        source,
        issue_id,
        valid_from,
        lead(valid_from) OVER (PARTITION BY source, issue_id ORDER BY change_seq) AS valid_to,
        status_id
    FROM segments
)
SELECT * FROM final
