-- args: in_board
-- The issues the sprint replay needs for one board (source, issue_id): those whose sprint
-- field (now or in any change) names a sprint of board in_board; every live non-sub-task
-- issue when in_board is NULL. Lets a one-board page replay only that board's history.
WITH board_sprints AS (
    SELECT source, sprint_id FROM stg_sprint_sprints WHERE board_id = in_board
),
refs AS (
    SELECT source, issue_id, unnest(sprint_ids) AS sprint_id
    FROM stg_sprint_issues
    WHERE in_board IS NOT NULL
    UNION ALL
    SELECT source, issue_id, unnest(list_concat(from_sprint_ids, to_sprint_ids)) AS sprint_id
    FROM stg_sprint_field_changes
    WHERE in_board IS NOT NULL
),
final AS (
    SELECT source, issue_id FROM stg_sprint_issues WHERE in_board IS NULL
    UNION ALL
    SELECT DISTINCT r.source, r.issue_id
    FROM refs AS r
    SEMI JOIN board_sprints AS b USING (source, sprint_id)
    SEMI JOIN stg_sprint_issues AS i USING (source, issue_id)
)
SELECT * FROM final
