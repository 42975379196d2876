-- Velocity per sprint (docs/metrics.md §4): committed vs completed points and issues, with the
-- mean completed points of the board's last three closed sprints up to this one
-- (the line a velocity chart draws). Filters as sprint_facts. is_running as in sprint_facts
-- (a running sprint has no rolling velocity).
WITH windows AS (
    SELECT *
    FROM fct_sprint_windows($as_of)
    WHERE ($board_id IS NULL OR board_id = $board_id)
      AND in_period(local_ts(t_start)::DATE, $date_from, $date_to)
),
members AS (
    SELECT * FROM fct_sprint_board_members($as_of, $board_id)
    WHERE ($project IS NULL OR project_key = $project) AND (committed OR added)
),
totals AS (
    SELECT
        w.source, w.sprint_id, w.sprint_name, w.board_id, w.state, w.t_start, w.t_end,
        coalesce(sum_sorted(list(m.entry_points) FILTER (WHERE m.committed)), 0) AS committed_points,
        coalesce(sum_sorted(list(m.exit_points) FILTER (WHERE m.completed)), 0) AS completed_points,
        count(m.issue_id) FILTER (WHERE m.committed) AS committed_issues,
        count(m.issue_id) FILTER (WHERE m.completed) AS completed_issues,
        count(m.issue_id) AS member_issues
    FROM windows AS w
    LEFT JOIN members AS m USING (source, sprint_id)
    GROUP BY ALL
),
final AS (
    SELECT
        sprint_id,
        sprint_name,
        board_id,
        state,
        t_start AS start_at,
        t_end AS end_at,
        state <> 'closed' AS is_running,
        committed_points,
        completed_points,
        committed_issues,
        completed_issues,
        CASE WHEN state = 'closed' THEN avg(completed_points) FILTER (WHERE state = 'closed') OVER (
            PARTITION BY source, board_id ORDER BY t_start, sprint_id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) END
            AS rolling_velocity_points,
        source
    FROM totals
    WHERE $project IS NULL OR member_issues > 0
)
SELECT * FROM final
ORDER BY board_id, start_at, sprint_id
