-- args: as_of, in_board, in_project
-- fct_issue_facts(as_of) narrowed to a team board and/or a project (NULL = no filter):
-- the one place the public queries apply their `$board_id` / `$project` filters.
-- Board membership is stg_board_issues (the board's project, or ever in one of its sprints).
-- Epics are left out: they are containers, not work items (one epic would count as one
-- item of throughput with a cycle time of months); issue_facts still lists them.
SELECT f.*
FROM fct_issue_facts(as_of) AS f
WHERE NOT f.is_epic
  AND (in_project IS NULL OR f.project_key = in_project)
  AND (in_board IS NULL OR EXISTS (
        SELECT 1 FROM stg_board_issues AS b
        WHERE b.source = f.source AND b.issue_id = f.issue_id AND b.board_id = in_board))
