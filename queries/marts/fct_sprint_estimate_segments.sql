-- args: in_board
-- Each issue's story-point estimate over time: one row per value, valid in
-- [valid_from, valid_to) (NULL valid_from = since forever, NULL valid_to = still).
-- The value before the first change is that change's `from`; an issue without history
-- has its current value throughout (the changelog_intervals rule, changes in change_ord
-- order). A missing estimate counts as 0 points.
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
WITH issues AS MATERIALIZED (
    SELECT source, issue_id, story_points AS current_value, NULL::TIMESTAMPTZ AS since
    FROM stg_sprint_issues SEMI JOIN fct_sprint_scope(in_board) USING (source, issue_id)
),
changes AS (
    SELECT c.source, c.issue_id, c.ord, c.changed_at, c.from_number AS from_value, c.to_number AS to_value,
        NULL AS detail
    FROM stg_issue_field_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
    WHERE c.field_key = 'story_points'
),
final AS (
    SELECT source, issue_id, valid_from, valid_to, coalesce(value, 0)::DOUBLE AS points
    FROM changelog_intervals('changes', 'issues')
)
SELECT * FROM final
