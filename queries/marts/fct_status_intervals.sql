-- args: as_of
-- One row per stay of an issue in a status, as of `as_of` (sub-tasks excluded; issues
-- created after as_of absent; changes after as_of ignored). seq 0 is the status the issue
-- was created in (the first change's `from`, else its current status) from created_at;
-- each change up to as_of opens the next stay. Change instants earlier than the issue's
-- creation (clock anomalies, see data_quality) are moved to the creation instant.
-- left_at is NULL for the stay still open at as_of; until_at = coalesce(left_at, as_of).
-- Category/rank come from stg_statuses by status id (unknown ids: NULL, never done or
-- started). prev_* describe the stay before (NULL for seq 0).
WITH issues AS (
    SELECT source, issue_id, status_id AS current_status_id, created_at
    FROM stg_issues
    WHERE NOT is_subtask AND created_at <= as_of
),
changes AS (
    SELECT
        c.source, c.issue_id, c.seq, c.from_status_id, c.to_status_id, c.to_status_name,
        greatest(c.changed_at, i.created_at) AS entered_at,
        c.changed_at <= as_of AS is_visible
    FROM stg_status_changes AS c
    JOIN issues AS i USING (source, issue_id)
),
initial AS (
    SELECT
        i.source, i.issue_id, 0::BIGINT AS seq,
        coalesce(c.from_status_id, i.current_status_id) AS status_id,
        NULL::VARCHAR AS status_name_then,
        i.created_at AS entered_at
    FROM issues AS i
    LEFT JOIN changes AS c ON c.source = i.source AND c.issue_id = i.issue_id AND c.seq = 1
),
stays AS (
    SELECT * FROM initial
    UNION ALL
    SELECT source, issue_id, seq, to_status_id, to_status_name, entered_at
    FROM changes
    WHERE is_visible
),
final AS (
    SELECT
        s.source,
        s.issue_id,
        s.seq,
        s.status_id,
        coalesce(st.name, s.status_name_then, s.status_id) AS status,
        st.category,
        st.stage_rank,
        coalesce(st.is_review, false) AS is_review,
        s.entered_at,
        lead(s.entered_at) OVER w AS left_at,
        coalesce(lead(s.entered_at) OVER w, as_of) AS until_at,
        lag(s.status_id) OVER w AS prev_status_id,
        lag(st.category) OVER w AS prev_category,
        lag(st.stage_rank) OVER w AS prev_stage_rank,
        lag(coalesce(st.is_review, false)) OVER w AS prev_is_review
    FROM stays AS s
    LEFT JOIN stg_statuses AS st ON st.source = s.source AND st.status_id = s.status_id
    WINDOW w AS (PARTITION BY s.source, s.issue_id ORDER BY s.seq)
)
SELECT * FROM final
