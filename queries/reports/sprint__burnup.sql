-- The chosen sprint's burnup, replayed from history: one row per instant at which its scope
-- or its done work changed (the sprint's start, every join or leave of an issue, every
-- estimate change of a member, every final completion, and the window's end), with the
-- scope and the done work just after that instant, in issues and in story points.
-- Scope at instant t = the sprint's committed and added issues that are members at t
-- (joined at or before t, not yet left); done at t = those in scope whose final done stay
-- (the one still going at the window's end) had begun by t; points = each issue's estimate
-- at t. At the window's end scope = completed + carried over, done = completed, as in
-- sprint_facts. $board_id is the sprint's board (only its issues are replayed).
WITH members AS MATERIALIZED (
    SELECT source, sprint_id, issue_id, t_start, t_end, done_since_at
    FROM fct_sprint_board_members($as_of, $board_id)
    WHERE sprint_id = $sprint_id AND (committed OR added)
),
stays AS MATERIALIZED (
    SELECT s.source, s.issue_id, s.joined_at, s.left_at
    FROM fct_sprint_membership_intervals($board_id) AS s
    SEMI JOIN members AS m ON m.source = s.source AND m.issue_id = s.issue_id AND m.sprint_id = s.sprint_id
),
estimates AS MATERIALIZED (
    SELECT e.*
    FROM fct_sprint_estimate_segments($board_id) AS e
    SEMI JOIN members AS m ON m.source = e.source AND m.issue_id = e.issue_id
),
win AS (
    SELECT any_value(t_start) AS t_start, any_value(t_end) AS t_end FROM members
),
instants AS (
    SELECT t_start AS instant FROM win
    UNION SELECT t_end FROM win
    UNION SELECT joined_at FROM stays
    UNION SELECT left_at FROM stays
    UNION SELECT valid_from FROM estimates
    UNION SELECT done_since_at FROM members
),
grid AS (
    SELECT i.instant
    FROM instants AS i, win AS w
    WHERE i.instant IS NOT NULL AND i.instant >= w.t_start AND i.instant <= w.t_end
),
in_scope AS (
    SELECT DISTINCT g.instant, m.source, m.issue_id, m.done_since_at IS NOT NULL AND m.done_since_at <= g.instant AS is_done
    FROM grid AS g
    JOIN members AS m ON true
    JOIN stays AS s ON s.source = m.source AND s.issue_id = m.issue_id
    WHERE s.joined_at <= g.instant AND (s.left_at IS NULL OR s.left_at > g.instant)
),
valued AS (
    SELECT
        c.instant,
        c.is_done,
        coalesce(max(e.points), 0) AS points
    FROM in_scope AS c
    LEFT JOIN estimates AS e
      ON e.source = c.source AND e.issue_id = c.issue_id
     AND coalesce(e.valid_from <= c.instant, true) AND (e.valid_to IS NULL OR e.valid_to > c.instant)
    GROUP BY c.instant, c.source, c.issue_id, c.is_done
),
final AS (
    SELECT
        g.instant,
        epoch(g.instant - w.t_start) / 86400.0 AS days_into_sprint,
        count(v.instant)::INTEGER AS scope_issues,
        coalesce(sum_sorted(list(v.points)), 0)::DOUBLE AS scope_points,
        count(v.instant) FILTER (WHERE v.is_done)::INTEGER AS done_issues,
        coalesce(sum_sorted(list(v.points) FILTER (WHERE v.is_done)), 0)::DOUBLE AS done_points
    FROM grid AS g
    CROSS JOIN win AS w
    LEFT JOIN valued AS v ON v.instant = g.instant
    GROUP BY g.instant, w.t_start
)
SELECT *, scope_issues - done_issues AS remaining_issues, scope_points - done_points AS remaining_points
FROM final
ORDER BY instant
