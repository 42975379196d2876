-- args: as_of
-- One row per stay of an issue in a status, as of `as_of` (sub-tasks excluded; issues
-- created after as_of absent; changes after as_of ignored). seq 0 is the status the issue
-- was created in (the first change's `from`, else its current status) from created_at;
-- change n (in history order) opens stay n. Change instants earlier than the issue's
-- creation (clock anomalies, see data_quality) are moved to the creation instant.
-- left_at is NULL for the stay still open at as_of; until_at = coalesce(left_at, as_of).
-- Category/rank come from stg_statuses by status id (unknown ids: NULL, never done or
-- started). prev_* describe the stay before (NULL for seq 0).
-- One window pass over the changes (changes after as_of are a suffix of the ordered
-- history, so they can be dropped after it).
WITH issues AS (
    SELECT source, issue_id, status_id AS current_status_id, created_at
    FROM raw_issues
    WHERE NOT is_deleted AND NOT is_subtask AND created_at <= as_of
),
changes AS (
    SELECT
        c.source, c.issue_id, c.from_status_id, c.to_status_id, c.to_status_name, c.changed_at,
        i.created_at, i.current_status_id,
        row_number() OVER w AS seq,
        lead(c.changed_at) OVER w AS next_changed_at,
        lag(c.to_status_id) OVER w AS prev_to_status_id
    FROM stg_status_changes AS c
    JOIN issues AS i USING (source, issue_id)
    WINDOW w AS (PARTITION BY c.source, c.issue_id ORDER BY c.ord)
),
stays AS (
    -- the stay the issue was created in
    SELECT
        i.source, i.issue_id, 0::BIGINT AS seq,
        coalesce(c.from_status_id, i.current_status_id) AS status_id,
        NULL::VARCHAR AS status_name_then,
        i.created_at AS entered_at,
        CASE WHEN c.changed_at <= as_of THEN greatest(c.changed_at, i.created_at) END AS left_at,
        NULL::VARCHAR AS prev_status_id
    FROM issues AS i
    LEFT JOIN changes AS c ON c.source = i.source AND c.issue_id = i.issue_id AND c.seq = 1
    UNION ALL
    -- one stay per change up to as_of
    SELECT
        source, issue_id, seq, to_status_id, to_status_name,
        greatest(changed_at, created_at),
        CASE WHEN next_changed_at <= as_of THEN greatest(next_changed_at, created_at) END,
        CASE WHEN seq = 1 THEN coalesce(from_status_id, current_status_id) ELSE prev_to_status_id END
    FROM changes
    WHERE changed_at <= as_of
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
        s.left_at,
        coalesce(s.left_at, as_of) AS until_at,
        s.prev_status_id,
        pst.category AS prev_category,
        pst.stage_rank AS prev_stage_rank,
        CASE WHEN s.prev_status_id IS NOT NULL THEN coalesce(pst.is_review, false) END AS prev_is_review
    FROM stays AS s
    LEFT JOIN stg_statuses AS st ON st.source = s.source AND st.status_id = s.status_id
    LEFT JOIN stg_statuses AS pst ON pst.source = s.source AND pst.status_id = s.prev_status_id
)
SELECT * FROM final
