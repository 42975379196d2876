-- args: pairs
-- The one rule that turns a sprint x issue pair's trajectory into its row of the sprint
-- members (docs/metrics.md §4), for the window (t_start, t_end] the pair carries: the
-- buckets, the estimates and statuses at the sprint's start, when the issue (first) joined,
-- when it (last) left and at the end, and completed_while_member. fct_sprint_board_members
-- applies it to its own pairs (`pairs` names its CTE, t_end its window's end at its as_of);
-- a reader applies it to the rows stored at a later instant with t_end set to the window's
-- end at an earlier one (sprint_members_moved; docs/facts.md "Sprint members at an earlier instant").
-- `pairs`: source, sprint_id, board_id, issue_id, the issue's columns (issue_key, project_key,
-- summary, issue_type, work_type, created_at), t_start, t_end and the trajectory, which does
-- not depend on t_end as long as t_end is no later than the window's end it was taken for:
--   stays           the pair's stays in the sprint, [joined_at, left_at) (NULL: still there)
--   status_path     the issue's status segments {valid_from, valid_to, status_id, done} that
--                   end after t_start and begin by the window's end, in time order (done: the
--                   status is in the board's done column, or of the done category, as
--                   fct_sprint_board_members judges it); the row keeps those begun by t_end
--   points_path     its estimate segments {valid_from, valid_to, points}, the same way
--   not_done_before the end of its last segment in a status not done that ended by t_start
-- (Every issue's first status and estimate segment starts at NULL, since ever: so a pair has
-- a segment of each holding every instant its row reads, whatever t_end it is read at.)
-- A pair counts when in_sprint_window holds (else no row). Buckets (issues that were members
-- and already done at t_start are in none of them):
--   committed = member at t_start, not done then        points: estimate at t_start
--   added     = not member at t_start, joined in (t_start, t_end]  points: when first joined
--   removed   = (committed or added) and not member at t_end       points: when last left
--   completed = (committed or added), member at t_end, done then   points: at t_end
--   carryover = (committed or added), member at t_end, not done    points: at t_end
-- estimate_change_points = exit points - entry points, so that per issue
--   entry (committed/added) + estimate_change = exit (completed/carryover/removed).
WITH counted AS (
    SELECT
        p.source, p.sprint_id, p.board_id, p.issue_id, p.issue_key, p.project_key, p.summary,
        p.issue_type, p.work_type, p.created_at, p.t_start, p.t_end,
        p.stays, p.status_path, p.points_path, p.not_done_before,
        joins_in_window(p.stays, p.t_start, p.t_end) AS joins,
        list_filter(p.stays, lambda s: s.left_at > p.t_start AND s.left_at <= p.t_end) AS leaves
    FROM query_table(pairs) AS p
    WHERE in_sprint_window(p.stays, p.t_start, p.t_end)
),
moments AS (
    SELECT
        *,
        member_at(stays, t_start) AS member_at_start,
        member_at(stays, t_end) AS member_at_end,
        len(joins) > 0 AS joined_during,
        len(joins)::INTEGER AS joins_during,
        len(leaves)::INTEGER AS leaves_during,
        list_min(list_transform(joins, lambda s: s.joined_at)) AS first_joined_at,
        list_max(list_transform(leaves, lambda s: s.left_at)) AS last_left_at
    FROM counted
),
replayed AS (
    -- the status and the estimate held at t_start, when the issue (first) joined, when it
    -- (last) left and at t_end, and the end of the last segment by t_end whose status the
    -- board does not count as done
    SELECT
        *,
        holding(status_path, t_start)[1] AS at_start,
        holding(status_path, t_end)[1] AS at_end,
        coalesce(points_at(points_path, t_start), 0) AS estimate_at_start,
        CASE WHEN first_joined_at IS NOT NULL THEN points_at(points_path, first_joined_at) END AS estimate_when_joined,
        CASE WHEN last_left_at IS NOT NULL THEN points_at(points_path, last_left_at) END AS estimate_when_left,
        coalesce(points_at(points_path, t_end), 0) AS estimate_at_end,
        greatest(not_done_before, list_max(list_transform(
            list_filter(status_path, lambda s: s.valid_to <= t_end AND NOT s.done), lambda s: s.valid_to)))
            AS last_not_done_until
    FROM moments
),
joined AS (
    SELECT
        source,
        sprint_id,
        board_id,
        issue_id,
        issue_key,
        project_key,
        summary,
        issue_type,
        work_type,
        created_at,
        t_start,
        t_end,
        member_at_start,
        member_at_end,
        joined_during,
        joins_during,
        leaves_during,
        first_joined_at,
        last_left_at,
        estimate_at_start,
        estimate_when_joined,
        estimate_when_left,
        estimate_at_end,
        at_start.status_id AS status_at_start,
        at_end.status_id AS status_at_end,
        coalesce(at_start.done, false) AS done_at_start,
        coalesce(at_end.done, false) AS done_at_end,
        last_not_done_until,
        stays,
        status_path,
        points_path,
        not_done_before
    FROM replayed
),
bucketed AS (
    SELECT
        * EXCLUDE (last_not_done_until, stays, status_path, points_path, not_done_before),
        CASE WHEN done_at_end THEN coalesce(last_not_done_until, created_at) END AS done_since_at,
        member_at_start AND done_at_start AS is_excluded,
        member_at_start AND NOT done_at_start AS committed,
        NOT member_at_start AND joined_during AS added,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND NOT member_at_end AS removed,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND member_at_end AND done_at_end AS completed,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND member_at_end AND NOT done_at_end AS carryover,
        stays,
        status_path,
        points_path,
        not_done_before
    FROM joined
),
final AS (
    SELECT
        b.* EXCLUDE (stays, status_path, points_path, not_done_before),
        CASE WHEN b.committed THEN b.estimate_at_start
             WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS entry_points,
        CASE WHEN b.removed THEN coalesce(b.estimate_when_left, 0)
             WHEN b.completed OR b.carryover THEN b.estimate_at_end END AS exit_points,
        CASE WHEN b.completed OR b.carryover THEN b.estimate_at_end
             WHEN b.removed THEN coalesce(b.estimate_when_left, 0) END
        - CASE WHEN b.committed THEN b.estimate_at_start
               WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS estimate_change_points,
        -- was the issue a member of the sprint at the instant it (finally) became done?
        CASE WHEN b.completed THEN coalesce(member_at(b.stays, b.done_since_at), false) END
            AS completed_while_member,
        b.stays,
        -- the segments begun by t_end: read again at an earlier end, a row keeps what it would
        -- have had there
        list_filter(b.status_path, lambda s: s.valid_from IS NULL OR s.valid_from <= b.t_end) AS status_path,
        list_filter(b.points_path, lambda s: s.valid_from IS NULL OR s.valid_from <= b.t_end) AS points_path,
        b.not_done_before
    FROM bucketed AS b
)
SELECT * FROM final
