-- Which issues belong to a team board (source, board_id, issue_id): the issue's project is
-- the board's project, or the issue was ever in a sprint of that board (its current sprint
-- field or any value in its sprint history). Sub-tasks are included; metrics drop them.
WITH issues AS (
    SELECT source, issue_id, project_key, sprint_ids FROM raw_issues WHERE NOT is_deleted
),
by_project AS (
    SELECT b.source, b.board_id, i.issue_id
    FROM raw_boards AS b
    JOIN issues AS i ON i.source = b.source AND i.project_key = b.project_key
),
sprint_refs AS (
    -- (duplicates are dropped once, by the final UNION)
    SELECT source, issue_id, unnest(sprint_ids) AS sprint_id FROM issues
    UNION ALL
    SELECT c.source, c.issue_id, unnest(list_concat(c.from_sprint_ids, c.to_sprint_ids)) AS sprint_id
    FROM stg_sprint_field_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
by_sprint AS (
    SELECT s.source, s.board_id, r.issue_id
    FROM sprint_refs AS r
    JOIN raw_sprints AS s ON s.source = r.source AND s.sprint_id = r.sprint_id
    WHERE s.board_id IS NOT NULL
),
final AS (
    SELECT source, board_id, issue_id FROM by_project
    UNION
    SELECT source, board_id, issue_id FROM by_sprint
)
SELECT * FROM final
