-- One row per issue as of $as_of (sub-tasks excluded): start, completion, cycle and lead
-- time, estimates, rework. Epics are listed too (is_epic). Period filter: issues active in the period, i.e. created on or
-- before $date_to and not completed before $date_from (dates in the reporting timezone).
SELECT
    issue_id, issue_key, issue_type, work_type, status, created_at, start_at, completed_at,
    cycle_time_days, lead_time_days, story_points, estimate_best, estimate_likely, estimate_worst,
    backward_transitions, qa_bounces, reopens, rework_days,
    project_key, status_category, original_estimate_seconds, time_spent_seconds,
    labels, components, is_escaped_bug, is_epic, epic_id, parent_id
FROM fct_issue_facts($as_of) AS f
WHERE ($project IS NULL OR f.project_key = $project)
  AND ($board_id IS NULL OR EXISTS (
        SELECT 1 FROM stg_board_issues AS b
        WHERE b.source = f.source AND b.issue_id = f.issue_id AND b.board_id = $board_id))
  AND overlaps_period(created_on, completed_on, $date_from, $date_to)
ORDER BY created_at, issue_key
