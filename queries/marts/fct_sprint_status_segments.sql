-- args: in_board
-- Each issue's status over time: one row per status, held in [valid_from, valid_to)
-- (NULL valid_from = since forever, NULL valid_to = still). The status before the first
-- transition is that transition's `from`; an issue without history has its current status
-- throughout. Transitions are ordered by changed_at, history id, item position; one
-- window pass gives each its successor and its rank.
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
WITH issues AS MATERIALIZED (
    SELECT source, issue_id, status_id FROM stg_sprint_issues SEMI JOIN fct_sprint_scope(in_board) USING (source, issue_id)
),
ordered AS MATERIALIZED (
    SELECT
        c.source,
        c.issue_id,
        c.changed_at,
        c.from_status_id,
        c.to_status_id,
        lead(c.changed_at) OVER w AS next_changed_at,
        row_number() OVER w AS change_seq
    FROM stg_status_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
    WINDOW w AS (PARTITION BY c.source, c.issue_id ORDER BY c.ord)
),
final AS (
    -- before the first transition (or throughout, without history)
    SELECT
        i.source,
        i.issue_id,
        NULL::TIMESTAMPTZ AS valid_from,
        f.changed_at AS valid_to,
        CASE WHEN f.issue_id IS NULL THEN i.status_id ELSE f.from_status_id END AS status_id
    FROM issues AS i
    LEFT JOIN ordered AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.change_seq = 1
    UNION ALL
    SELECT source, issue_id, changed_at, next_changed_at, to_status_id
    FROM ordered
)
SELECT * FROM final
