-- Scope changes of each sprint after it started: every added issue (when it first joined,
-- with its estimate then) and every removed issue (when it last left, with its estimate
-- then), newest sprint first. Sums match sprint_facts' added_points and removed_points.
-- Filters as sprint_facts.
WITH members AS (
    SELECT m.*, w.sprint_name, w.state
    FROM fct_sprint_board_members($as_of, $board_id) AS m
    JOIN fct_sprint_windows($as_of) AS w USING (source, sprint_id)
    WHERE (m.added OR m.removed)
      AND ($board_id IS NULL OR m.board_id = $board_id)
      AND ($project IS NULL OR m.project_key = $project)
      AND in_period(local_ts(m.t_start)::DATE, $date_from, $date_to)
),
events AS (
    SELECT source, sprint_id, sprint_name, board_id, state, t_start, issue_id, issue_key, summary,
           issue_type, work_type, 'added' AS direction, first_joined_at AS changed_at, entry_points AS points
    FROM members WHERE added
    UNION ALL
    SELECT source, sprint_id, sprint_name, board_id, state, t_start, issue_id, issue_key, summary,
           issue_type, work_type, 'removed' AS direction, last_left_at AS changed_at, exit_points AS points
    FROM members WHERE removed
),
final AS (
    SELECT
        sprint_id,
        sprint_name,
        board_id,
        state,
        issue_id,
        issue_key,
        summary,
        issue_type,
        work_type,
        direction,
        changed_at,
        epoch(changed_at - t_start) / 86400.0 AS days_into_sprint,
        points,
        source
    FROM events
)
SELECT * FROM final
ORDER BY board_id, sprint_id DESC, changed_at, issue_key
