-- Completed work per sprint by work type (docs/metrics.md §6), as of $as_of. An issue's
-- completion counts for the sprint it completed in by the sprint rules of §4
-- (fct_sprint_members: a member at the sprint's end and done then), with the points it had
-- at the sprint's end (unestimated = 0), so the totals match sprint_facts' completed
-- issues/points. share = the work type's share of the sprint's completed points, or of
-- its completed issues when the sprint completed no points (share_basis says which).
-- Every configured work type gets a row per sprint (0 when none). Period filter: sprints
-- that started in $date_from..$date_to (reporting timezone); $board_id: the sprint's board;
-- $project: the issue's project. A sprint that completed nothing has no share (NULL, not
-- 0 %). is_running as in sprint_facts: a running sprint's mix is "so far".
WITH sprints AS (
    SELECT w.source, w.sprint_id, w.sprint_name, w.board_id, w.t_start, w.state
    FROM fct_sprint_windows($as_of) AS w
    WHERE ($board_id IS NULL OR w.board_id = $board_id)
      AND in_period(local_ts(w.t_start)::DATE, $date_from, $date_to)
),
completed AS (
    SELECT m.source, m.sprint_id, m.work_type, coalesce(m.estimate_at_end, 0) AS points
    FROM fct_sprint_members($as_of) AS m
    WHERE m.completed AND ($project IS NULL OR m.project_key = $project)
),
work_types AS (
    SELECT work_type FROM cfg_work_type_rule
    UNION SELECT value FROM cfg_param WHERE key = 'default_work_type'
    UNION SELECT work_type FROM completed
),
per_type AS (
    SELECT s.source, s.sprint_id, s.sprint_name, s.board_id, s.t_start, s.state, t.work_type,
           coalesce(sum_sorted(list(c.points)), 0) AS completed_points,
           count(c.sprint_id) AS completed_issues
    FROM sprints AS s
    CROSS JOIN work_types AS t
    LEFT JOIN completed AS c ON c.source = s.source AND c.sprint_id = s.sprint_id AND c.work_type = t.work_type
    GROUP BY ALL
),
final AS (
    SELECT
        sprint_id,
        work_type,
        completed_points,
        completed_issues,
        -- the sprint's points added smallest first (sum_sorted): the same bits in any row order
        CASE WHEN sum_sorted(list(completed_points) OVER sprint) > 0
             THEN completed_points / sum_sorted(list(completed_points) OVER sprint)
             WHEN sum(completed_issues) OVER sprint > 0 THEN completed_issues / sum(completed_issues) OVER sprint
        END AS share,
        CASE WHEN sum_sorted(list(completed_points) OVER sprint) > 0 THEN 'points'
             WHEN sum(completed_issues) OVER sprint > 0 THEN 'issues' END AS share_basis,
        sprint_name,
        board_id,
        t_start AS sprint_start_at,
        state <> 'closed' AS is_running
    FROM per_type
    WINDOW sprint AS (PARTITION BY source, sprint_id)
)
SELECT * FROM final ORDER BY sprint_start_at, sprint_id, work_type
