-- Issues carried over at the end of each closed sprint (member at completion, not done),
-- with how many sprints each has been carried over by then (this one included) and the
-- sprint it was first carried from. Filters as sprint_facts; $as_of fixes what is known.
WITH members AS (
    SELECT m.*, w.state, w.sprint_name
    FROM fct_sprint_board_members($as_of, $board_id) AS m
    JOIN fct_sprint_windows($as_of) AS w USING (source, sprint_id)
    WHERE w.state = 'closed' AND m.carryover
),
counted AS (
    SELECT
        *,
        count(*) OVER (PARTITION BY source, issue_id ORDER BY t_start, sprint_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS times_carried,
        first_value(sprint_name) OVER (PARTITION BY source, issue_id ORDER BY t_start, sprint_id) AS first_carried_from
    FROM members
),
final AS (
    SELECT
        sprint_id,
        sprint_name,
        board_id,
        t_end AS sprint_end_at,
        issue_id,
        issue_key,
        summary,
        issue_type,
        work_type,
        project_key,
        status_at_end AS status_id,
        estimate_at_end AS points,
        times_carried::INTEGER AS times_carried,
        first_carried_from,
        source
    FROM counted
    WHERE ($board_id IS NULL OR board_id = $board_id)
      AND ($project IS NULL OR project_key = $project)
      AND in_period(local_ts(t_start)::DATE, $date_from, $date_to)
)
SELECT f.*, s.name AS status
FROM final AS f
LEFT JOIN stg_statuses AS s ON s.source = f.source AND s.status_id = f.status_id
ORDER BY f.board_id, f.sprint_end_at, f.times_carried DESC, f.issue_key
