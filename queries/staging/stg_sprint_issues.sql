-- The issues the sprint replay looks at: live (not deleted), not sub-tasks (their parents
-- count), with the current values the replay falls back on when there is no history.
-- Read straight from raw_issues; only the columns the replay reads (the issue's key, type,
-- work type and summary are joined once, at the end of the mart, from stg_issues).
SELECT
    source,
    issue_id,
    status_id,
    story_points,
    sprint_ids,
    created_at
FROM raw_issues
WHERE NOT is_deleted AND NOT is_subtask
