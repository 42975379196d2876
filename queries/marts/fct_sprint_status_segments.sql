-- args: in_board
-- Each issue's status over time: one row per status, held in [valid_from, valid_to)
-- (NULL valid_from = since forever, NULL valid_to = still). The status before the first
-- transition is that transition's `from`; an issue without history has its current status
-- throughout (the changelog_intervals rule, transitions in change_ord order).
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
WITH issues AS MATERIALIZED (
    SELECT source, issue_id, status_id AS current_value, NULL::TIMESTAMPTZ AS since
    FROM stg_sprint_issues SEMI JOIN fct_sprint_scope(in_board) USING (source, issue_id)
),
changes AS (
    SELECT c.source, c.issue_id, c.ord, c.changed_at, c.from_status_id AS from_value, c.to_status_id AS to_value,
        NULL AS detail
    FROM stg_status_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
final AS (
    SELECT source, issue_id, valid_from, valid_to, value AS status_id
    FROM changelog_intervals('changes', 'issues')
)
SELECT * FROM final
