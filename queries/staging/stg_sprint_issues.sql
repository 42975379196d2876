-- The issues the sprint replay looks at: live (not deleted), not sub-tasks (their parents
-- count), with the current values the replay falls back on when there is no history.
-- Read straight from raw_issues (the work type is joined once, at the end of the mart).
SELECT
    source,
    issue_id,
    issue_key,
    project_key,
    issue_type,
    summary,
    status_id,
    story_points,
    sprint_ids,
    created_at
FROM raw_issues
WHERE NOT is_deleted AND NOT is_subtask
