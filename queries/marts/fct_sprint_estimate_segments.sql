-- args: in_board
-- Each issue's story-point estimate over time: one row per value, valid in
-- [valid_from, valid_to) (NULL valid_from = since forever, NULL valid_to = still).
-- The value before the first change is that change's `from`; an issue without history
-- has its current value throughout. A missing estimate counts as 0 points. Changes are
-- ordered by changed_at, history id, item position (one window pass).
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
WITH issues AS MATERIALIZED (
    SELECT source, issue_id, story_points FROM stg_sprint_issues SEMI JOIN fct_sprint_scope(in_board) USING (source, issue_id)
),
ordered AS MATERIALIZED (
    SELECT
        c.source,
        c.issue_id,
        c.changed_at,
        c.from_number AS from_points,
        c.to_number AS to_points,
        lead(c.changed_at) OVER w AS next_changed_at,
        row_number() OVER w AS change_seq
    FROM stg_issue_field_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
    WHERE c.field_key = 'story_points'
    WINDOW w AS (PARTITION BY c.source, c.issue_id ORDER BY c.ord)
),
segments AS (
    SELECT
        i.source,
        i.issue_id,
        NULL::TIMESTAMPTZ AS valid_from,
        f.changed_at AS valid_to,
        CASE WHEN f.issue_id IS NULL THEN i.story_points ELSE f.from_points END AS points
    FROM issues AS i
    LEFT JOIN ordered AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.change_seq = 1
    UNION ALL
    SELECT source, issue_id, changed_at, next_changed_at, to_points
    FROM ordered
),
final AS (
    SELECT source, issue_id, valid_from, valid_to, coalesce(points, 0)::DOUBLE AS points
    FROM segments
)
SELECT * FROM final
