-- args: as_of
-- One row per stay of an issue in a status, as of `as_of` (sub-tasks excluded; issues
-- created after as_of absent; changes after as_of ignored). seq 0 is the status the issue
-- was created in (the first change's `from`, else its current status) from created_at;
-- change n (in history order) opens stay n. Change instants earlier than the issue's
-- creation (clock anomalies, see data_quality) are moved to the creation instant.
-- left_at is NULL for the stay still open at as_of; until_at = coalesce(left_at, as_of).
-- Category/rank come from stg_statuses by status id (unknown ids: NULL, never done or
-- started). The stay before is the issue's stay seq - 1 (none for seq 0).
-- The intervals are the changelog_intervals rule over the status changes (in change_ord
-- order; changes after as_of are a suffix of that order, so they are dropped after it, by
-- status_stays_at: the stays at as_of are those entered by as_of, clipped to it).
WITH issues AS (
    SELECT source, issue_id, status_id AS current_value, created_at AS since
    FROM raw_issues
    WHERE NOT is_deleted AND issue_counts_at(is_subtask, created_at, as_of)
),
changes AS (
    -- a first change without a `from` falls back on the current status (as seq 0 does);
    -- instants before creation are moved to it (the order stays the changelog's)
    SELECT
        c.source, c.issue_id, c.ord,
        greatest(c.changed_at, i.since) AS changed_at,
        coalesce(c.from_status_id, i.current_value) AS from_value,
        c.to_status_id AS to_value,
        c.to_status_name AS detail
    FROM stg_status_changes AS c
    JOIN issues AS i USING (source, issue_id)
),
stays AS (
    -- seq 0 (the stay the issue was created in) and one stay per change, over the whole
    -- history (clipped to as_of at the end, by status_stays_at)
    SELECT
        source, issue_id, seq,
        value AS status_id,
        detail AS status_name_then,
        valid_from AS entered_at,
        valid_to AS left_at
    FROM changelog_intervals('changes', 'issues')
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
        NULL::TIMESTAMPTZ AS until_at
    FROM stays AS s
    LEFT JOIN stg_statuses AS st ON st.source = s.source AND st.status_id = s.status_id
)
-- the stays entered by as_of, left_at and until_at as seen at as_of (the rule a reader also
-- applies to the stored stays for an earlier as_of)
SELECT * FROM status_stays_at('final', as_of)
