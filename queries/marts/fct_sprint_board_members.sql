-- args: as_of, in_board
-- One row per sprint x issue that was in the sprint at some instant of its window
-- (t_start, t_end] or at t_start, as of as_of (docs/metrics.md §4). Sub-tasks excluded.
-- Replays membership, estimate and status at t_start, when the issue (first) joined,
-- when it (last) left, and at t_end; done = in the board's done column when the board
-- mapping is known (and use_board_done_column is on), else a done-category status.
-- Buckets (issues that were members and already done at t_start are in none of them):
--   committed = member at t_start, not done then        points: estimate at t_start
--   added     = not member at t_start, joined in (t_start, t_end]  points: when first joined
--   removed   = (committed or added) and not member at t_end       points: when last left
--   completed = (committed or added), member at t_end, done then   points: at t_end
--   carryover = (committed or added), member at t_end, not done    points: at t_end
-- estimate_change_points = exit points - entry points, so that per issue
--   entry (committed/added) + estimate_change = exit (completed/carryover/removed).
-- Column names are a contract (work mix and debt share attribute work through them).
-- in_board: only that board's sprints, replaying only the issues they involve (NULL = all);
-- The all-boards macro (as_of only) wraps this one with in_board NULL.
WITH windows AS MATERIALIZED (
    SELECT * FROM fct_sprint_windows(as_of) WHERE in_board IS NULL OR board_id = in_board
),
done_rule AS (
    SELECT coalesce((SELECT lower(value) FROM cfg_param WHERE key = 'use_board_done_column'), 'true') = 'true' AS use_board
),
board_done AS (
    SELECT source, board_id, status_id FROM stg_board_done_statuses
),
boards_mapped AS (
    SELECT DISTINCT source, board_id FROM board_done
),
done_statuses AS (
    -- per sprint, the statuses its board (none: NULL) counts as done: the board's done
    -- column when its columns are known and the rule is on, else the done-category
    -- statuses; a short list, so a status is judged without a join
    SELECT w.source, w.sprint_id, list(d.status_id) AS done_ids
    FROM windows AS w
    JOIN (
        SELECT b.source, b.board_id, b.status_id
        FROM board_done AS b
        WHERE (SELECT use_board FROM done_rule)
        UNION ALL
        SELECT b.source, b.board_id, st.status_id
        FROM (SELECT DISTINCT source, board_id FROM windows) AS b
        JOIN stg_statuses AS st ON st.source = b.source AND st.category = 'done'
        WHERE NOT ((SELECT use_board FROM done_rule) AND EXISTS (
            SELECT 1 FROM boards_mapped AS bm WHERE bm.source = b.source AND bm.board_id = b.board_id))
    ) AS d ON d.source = w.source AND d.board_id IS NOT DISTINCT FROM w.board_id
    GROUP BY w.source, w.sprint_id
),
membership AS (
    -- per sprint x issue, its stays replayed against the window; `stays` is kept for the
    -- membership at the completion instant (completed_while_member, below)
    SELECT
        s.source,
        s.sprint_id,
        s.issue_id,
        any_value(w.board_id) AS board_id,
        any_value(w.t_start) AS t_start,
        any_value(w.t_end) AS t_end,
        bool_or(s.joined_at <= w.t_start AND (s.left_at IS NULL OR s.left_at > w.t_start)) AS member_at_start,
        bool_or(s.joined_at <= w.t_end AND (s.left_at IS NULL OR s.left_at > w.t_end)) AS member_at_end,
        bool_or(s.joined_at > w.t_start AND s.joined_at <= w.t_end) AS joined_during,
        min(s.joined_at) FILTER (WHERE s.joined_at > w.t_start AND s.joined_at <= w.t_end) AS first_joined_at,
        max(s.left_at) FILTER (WHERE s.left_at > w.t_start AND s.left_at <= w.t_end) AS last_left_at,
        count(*) FILTER (WHERE s.joined_at > w.t_start AND s.joined_at <= w.t_end)::INTEGER AS joins_during,
        count(*) FILTER (WHERE s.left_at > w.t_start AND s.left_at <= w.t_end)::INTEGER AS leaves_during,
        list({'joined_at': s.joined_at, 'left_at': s.left_at}) AS stays
    FROM fct_sprint_membership_intervals(in_board) AS s
    JOIN windows AS w ON w.source = s.source AND w.sprint_id = s.sprint_id
    GROUP BY s.source, s.sprint_id, s.issue_id
),
relevant AS MATERIALIZED (
    -- the sprint x issue pairs with a row, numbered (pair): the replay below groups by it
    SELECT row_number() OVER () AS pair, m.*, d.done_ids
    FROM membership AS m
    LEFT JOIN done_statuses AS d USING (source, sprint_id)
    WHERE m.member_at_start OR m.joined_during
),
segments AS (
    -- each relevant issue's status and estimate segments; a segment that starts after
    -- every sprint's t_end matters to none of the figures below
    SELECT source, issue_id, true AS is_status, valid_from, valid_to, status_id, NULL::DOUBLE AS points
    FROM fct_sprint_status_segments(in_board)
    UNION ALL
    SELECT source, issue_id, false AS is_status, valid_from, valid_to, NULL::VARCHAR AS status_id, points
    FROM fct_sprint_estimate_segments(in_board)
),
replayed AS (
    -- per pair: the status and the estimate held at t_start, when the issue (first) joined,
    -- when it (last) left and at t_end (the segments of one field partition time, so one
    -- holds at each instant), and the end of the last segment before t_end whose status
    -- the board does not count as done
    SELECT
        m.pair,
        any_value(s.status_id) FILTER (WHERE s.is_status AND coalesce(s.valid_from <= m.t_start, true) AND (s.valid_to IS NULL OR s.valid_to > m.t_start)) AS status_at_start,
        any_value(s.status_id) FILTER (WHERE s.is_status AND coalesce(s.valid_from <= m.t_end, true) AND (s.valid_to IS NULL OR s.valid_to > m.t_end)) AS status_at_end,
        max(s.valid_to) FILTER (WHERE s.is_status AND s.valid_to <= m.t_end AND NOT coalesce(list_contains(m.done_ids, s.status_id), false)) AS last_not_done_until,
        coalesce(max(s.points) FILTER (WHERE NOT s.is_status AND coalesce(s.valid_from <= m.t_start, true) AND (s.valid_to IS NULL OR s.valid_to > m.t_start)), 0) AS estimate_at_start,
        max(s.points) FILTER (WHERE NOT s.is_status AND m.first_joined_at IS NOT NULL AND coalesce(s.valid_from <= m.first_joined_at, true) AND (s.valid_to IS NULL OR s.valid_to > m.first_joined_at)) AS estimate_when_joined,
        max(s.points) FILTER (WHERE NOT s.is_status AND m.last_left_at IS NOT NULL AND coalesce(s.valid_from <= m.last_left_at, true) AND (s.valid_to IS NULL OR s.valid_to > m.last_left_at)) AS estimate_when_left,
        coalesce(max(s.points) FILTER (WHERE NOT s.is_status AND coalesce(s.valid_from <= m.t_end, true) AND (s.valid_to IS NULL OR s.valid_to > m.t_end)), 0) AS estimate_at_end
    FROM relevant AS m
    JOIN segments AS s
      ON s.source = m.source AND s.issue_id = m.issue_id AND (s.valid_from IS NULL OR s.valid_from <= m.t_end)
    GROUP BY m.pair
),
joined AS (
    SELECT
        m.source,
        m.sprint_id,
        m.board_id,
        m.issue_id,
        i.issue_key,
        i.project_key,
        i.summary,
        i.issue_type,
        i.work_type,
        i.created_at,
        m.t_start,
        m.t_end,
        m.member_at_start,
        m.member_at_end,
        m.joined_during,
        m.joins_during,
        m.leaves_during,
        m.first_joined_at,
        m.last_left_at,
        r.estimate_at_start,
        r.estimate_when_joined,
        r.estimate_when_left,
        r.estimate_at_end,
        r.status_at_start,
        r.status_at_end,
        coalesce(list_contains(m.done_ids, r.status_at_start), false) AS done_at_start,
        coalesce(list_contains(m.done_ids, r.status_at_end), false) AS done_at_end,
        r.last_not_done_until,
        m.stays
    FROM relevant AS m
    JOIN replayed AS r USING (pair)
    JOIN stg_issues AS i ON i.source = m.source AND i.issue_id = m.issue_id AND NOT i.is_subtask
),
bucketed AS (
    SELECT
        * EXCLUDE (last_not_done_until, stays),
        CASE WHEN done_at_end THEN coalesce(last_not_done_until, created_at) END AS done_since_at,
        member_at_start AND done_at_start AS is_excluded,
        member_at_start AND NOT done_at_start AS committed,
        NOT member_at_start AND joined_during AS added,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND NOT member_at_end AS removed,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND member_at_end AND done_at_end AS completed,
        (member_at_start AND NOT done_at_start OR NOT member_at_start AND joined_during) AND member_at_end AND NOT done_at_end AS carryover,
        stays
    FROM joined
),
final AS (
    SELECT
        b.* EXCLUDE (stays),
        CASE WHEN b.committed THEN b.estimate_at_start
             WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS entry_points,
        CASE WHEN b.removed THEN coalesce(b.estimate_when_left, 0)
             WHEN b.completed OR b.carryover THEN b.estimate_at_end END AS exit_points,
        CASE WHEN b.completed OR b.carryover THEN b.estimate_at_end
             WHEN b.removed THEN coalesce(b.estimate_when_left, 0) END
        - CASE WHEN b.committed THEN b.estimate_at_start
               WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS estimate_change_points,
        -- was the issue a member of the sprint at the instant it (finally) became done?
        CASE WHEN b.completed THEN coalesce(list_bool_or(list_transform(b.stays, lambda s:
            s.joined_at <= b.done_since_at AND (s.left_at IS NULL OR s.left_at > b.done_since_at))), false) END
            AS completed_while_member
    FROM bucketed AS b
)
SELECT * FROM final
