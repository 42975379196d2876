-- Work in progress at $as_of: issues started and not complete, with their age (as_of -
-- start, days), current status and how long they have been in it, oldest first.
-- Scope: $board_id / $project.
WITH scope AS (
    SELECT * FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE start_at IS NOT NULL AND completed_at IS NULL
),
current_stay AS (
    SELECT s.source, s.issue_id, s.entered_at
    FROM fct_status_intervals($as_of) AS s
    SEMI JOIN scope AS f ON f.source = s.source AND f.issue_id = s.issue_id
    WHERE s.left_at IS NULL
)
SELECT
    f.issue_id, f.issue_key, f.summary, f.issue_type, f.work_type, f.status, f.status_category,
    f.start_at,
    epoch($as_of - f.start_at) / 86400.0 AS age_days,
    epoch($as_of - c.entered_at) / 86400.0 AS days_in_status,
    f.story_points, f.estimate_likely, f.backward_transitions, f.qa_bounces, f.reopens
FROM scope AS f
LEFT JOIN current_stay AS c USING (source, issue_id)
ORDER BY age_days DESC, f.issue_key
