-- args: as_of, in_board
-- One row per sprint x issue that was in the sprint at some instant of its window
-- (t_start, t_end] or at t_start, as of as_of (docs/metrics.md §4). Sub-tasks excluded.
-- Replays membership, estimate and status at t_start, when the issue (first) joined,
-- when it (last) left, and at t_end; done = in the board's done column when the board
-- mapping is known (and use_board_done_column is on), else a done-category status.
-- The buckets, points and columns are sprint_member_rows', applied here to each pair's
-- trajectory over the window (its stays, and the status and estimate segments that reach
-- into the window), which the row keeps: a reader answers an earlier instant from the rows
-- stored at a later one with the same rule (sprint_members_moved).
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
    -- per sprint x issue, its stays, those that count in the window (in_sprint_window)
    SELECT
        s.source,
        s.sprint_id,
        s.issue_id,
        any_value(w.board_id) AS board_id,
        any_value(w.t_start) AS t_start,
        any_value(w.t_end) AS t_end,
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
    WHERE in_sprint_window(m.stays, m.t_start, m.t_end)
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
judged AS (
    -- per pair, the segments that begin by t_end, a status one judged done or not by the
    -- pair's board
    SELECT m.pair, m.t_start, s.*, coalesce(list_contains(m.done_ids, s.status_id), false) AS done
    FROM relevant AS m
    JOIN segments AS s
      ON s.source = m.source AND s.issue_id = m.issue_id AND (s.valid_from IS NULL OR s.valid_from <= m.t_end)
),
paths AS (
    -- per pair: the segments that reach into the window (end after t_start, begin by t_end);
    -- and the end of the last not-done status segment that ended by t_start
    SELECT
        pair,
        list({'valid_from': valid_from, 'valid_to': valid_to, 'status_id': status_id, 'done': done})
            FILTER (WHERE is_status AND (valid_to IS NULL OR valid_to > t_start)) AS status_path,
        list({'valid_from': valid_from, 'valid_to': valid_to, 'points': points})
            FILTER (WHERE NOT is_status AND (valid_to IS NULL OR valid_to > t_start)) AS points_path,
        max(valid_to) FILTER (WHERE is_status AND valid_to <= t_start AND NOT done) AS not_done_before
    FROM judged
    GROUP BY pair
),
pairs AS (
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
        -- in time order (list_sort: one order whatever order the rows were gathered in)
        list_sort(m.stays) AS stays,
        list_sort(p.status_path) AS status_path,
        list_sort(p.points_path) AS points_path,
        p.not_done_before
    FROM relevant AS m
    JOIN paths AS p USING (pair)
    JOIN stg_issues AS i ON i.source = m.source AND i.issue_id = m.issue_id AND NOT i.is_subtask
)
SELECT * FROM sprint_member_rows('pairs')
