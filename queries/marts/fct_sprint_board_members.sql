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
all_stays AS MATERIALIZED (
    SELECT * FROM fct_sprint_membership_intervals(in_board)
),
issues AS (
    SELECT source, issue_id, issue_key, project_key, summary, issue_type, work_type, created_at
    FROM stg_issues
    WHERE NOT is_subtask
),
stays AS (
    SELECT s.*, w.t_start, w.t_end
    FROM all_stays AS s
    JOIN windows AS w USING (source, sprint_id)
),
membership AS (
    SELECT
        source,
        sprint_id,
        issue_id,
        any_value(t_start) AS t_start,
        any_value(t_end) AS t_end,
        bool_or(joined_at <= t_start AND (left_at IS NULL OR left_at > t_start)) AS member_at_start,
        bool_or(joined_at <= t_end AND (left_at IS NULL OR left_at > t_end)) AS member_at_end,
        bool_or(joined_at > t_start AND joined_at <= t_end) AS joined_during,
        min(joined_at) FILTER (WHERE joined_at > t_start AND joined_at <= t_end) AS first_joined_at,
        max(left_at) FILTER (WHERE left_at > t_start AND left_at <= t_end) AS last_left_at,
        count(*) FILTER (WHERE joined_at > t_start AND joined_at <= t_end)::INTEGER AS joins_during,
        count(*) FILTER (WHERE left_at > t_start AND left_at <= t_end)::INTEGER AS leaves_during
    FROM stays
    GROUP BY source, sprint_id, issue_id
),
relevant AS MATERIALIZED (
    SELECT * FROM membership WHERE member_at_start OR joined_during
),
estimates AS (
    SELECT
        m.source,
        m.sprint_id,
        m.issue_id,
        coalesce(max(e.points) FILTER (WHERE coalesce(e.valid_from <= m.t_start, true) AND (e.valid_to IS NULL OR e.valid_to > m.t_start)), 0) AS estimate_at_start,
        max(e.points) FILTER (WHERE m.first_joined_at IS NOT NULL AND coalesce(e.valid_from <= m.first_joined_at, true) AND (e.valid_to IS NULL OR e.valid_to > m.first_joined_at)) AS estimate_when_joined,
        max(e.points) FILTER (WHERE m.last_left_at IS NOT NULL AND coalesce(e.valid_from <= m.last_left_at, true) AND (e.valid_to IS NULL OR e.valid_to > m.last_left_at)) AS estimate_when_left,
        coalesce(max(e.points) FILTER (WHERE coalesce(e.valid_from <= m.t_end, true) AND (e.valid_to IS NULL OR e.valid_to > m.t_end)), 0) AS estimate_at_end
    FROM relevant AS m
    LEFT JOIN fct_sprint_estimate_segments(in_board) AS e ON e.source = m.source AND e.issue_id = m.issue_id
    GROUP BY m.source, m.sprint_id, m.issue_id
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
    -- statuses; a short list, so each segment below is judged without a join
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
status_done AS (
    -- each status segment of each relevant issue, judged done by the sprint board's rule
    -- (a segment that starts after t_end matters to none of the figures below)
    SELECT
        m.source,
        m.sprint_id,
        m.issue_id,
        m.t_start,
        m.t_end,
        s.valid_from,
        s.valid_to,
        s.status_id,
        coalesce(list_contains(d.done_ids, s.status_id), false) AS is_done
    FROM relevant AS m
    LEFT JOIN done_statuses AS d USING (source, sprint_id)
    JOIN fct_sprint_status_segments(in_board) AS s
      ON s.source = m.source AND s.issue_id = m.issue_id AND (s.valid_from IS NULL OR s.valid_from <= m.t_end)
),
statuses AS (
    SELECT
        source,
        sprint_id,
        issue_id,
        any_value(status_id) FILTER (WHERE coalesce(valid_from <= t_start, true) AND (valid_to IS NULL OR valid_to > t_start)) AS status_at_start,
        any_value(status_id) FILTER (WHERE coalesce(valid_from <= t_end, true) AND (valid_to IS NULL OR valid_to > t_end)) AS status_at_end,
        coalesce(bool_or(is_done) FILTER (WHERE coalesce(valid_from <= t_start, true) AND (valid_to IS NULL OR valid_to > t_start)), false) AS done_at_start,
        coalesce(bool_or(is_done) FILTER (WHERE coalesce(valid_from <= t_end, true) AND (valid_to IS NULL OR valid_to > t_end)), false) AS done_at_end,
        -- start of the final uninterrupted done stay that is still going at t_end
        max(valid_to) FILTER (WHERE NOT is_done AND valid_to IS NOT NULL AND valid_to <= t_end) AS last_not_done_until
    FROM status_done
    GROUP BY source, sprint_id, issue_id
),
joined AS (
    SELECT
        m.source,
        m.sprint_id,
        w.board_id,
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
        e.estimate_at_start,
        e.estimate_when_joined,
        e.estimate_when_left,
        e.estimate_at_end,
        s.status_at_start,
        s.status_at_end,
        s.done_at_start,
        s.done_at_end,
        CASE WHEN s.done_at_end THEN coalesce(s.last_not_done_until, i.created_at) END AS done_since_at,
        m.member_at_start AND s.done_at_start AS is_excluded,
        m.member_at_start AND NOT s.done_at_start AS committed,
        NOT m.member_at_start AND m.joined_during AS added
    FROM relevant AS m
    JOIN windows AS w USING (source, sprint_id)
    JOIN issues AS i ON i.source = m.source AND i.issue_id = m.issue_id
    JOIN estimates AS e ON e.source = m.source AND e.sprint_id = m.sprint_id AND e.issue_id = m.issue_id
    JOIN statuses AS s ON s.source = m.source AND s.sprint_id = m.sprint_id AND s.issue_id = m.issue_id
),
bucketed AS (
    SELECT
        *,
        (committed OR added) AND NOT member_at_end AS removed,
        (committed OR added) AND member_at_end AND done_at_end AS completed,
        (committed OR added) AND member_at_end AND NOT done_at_end AS carryover
    FROM joined
),
completion_membership AS (
    -- was the issue a member of the sprint at the instant it (finally) became done?
    SELECT
        b.source,
        b.sprint_id,
        b.issue_id,
        bool_or(s.joined_at <= b.done_since_at AND (s.left_at IS NULL OR s.left_at > b.done_since_at)) AS completed_while_member
    FROM bucketed AS b
    JOIN all_stays AS s
      ON s.source = b.source AND s.issue_id = b.issue_id AND s.sprint_id = b.sprint_id
    WHERE b.completed
    GROUP BY b.source, b.sprint_id, b.issue_id
),
final AS (
    SELECT
        b.*,
        CASE WHEN b.committed THEN b.estimate_at_start
             WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS entry_points,
        CASE WHEN b.removed THEN coalesce(b.estimate_when_left, 0)
             WHEN b.completed OR b.carryover THEN b.estimate_at_end END AS exit_points,
        CASE WHEN b.completed OR b.carryover THEN b.estimate_at_end
             WHEN b.removed THEN coalesce(b.estimate_when_left, 0) END
        - CASE WHEN b.committed THEN b.estimate_at_start
               WHEN b.added THEN coalesce(b.estimate_when_joined, 0) END AS estimate_change_points,
        CASE WHEN b.completed THEN coalesce(c.completed_while_member, false) END AS completed_while_member
    FROM bucketed AS b
    LEFT JOIN completion_membership AS c USING (source, sprint_id, issue_id)
)
SELECT * FROM final
