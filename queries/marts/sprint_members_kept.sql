-- args: members, windows, as_of, in_board
-- The sprint members at `as_of` of the sprints whose window then is the one stored at a later
-- instant (sprint_windows_compared): their stored rows (`members`: facts.sprint_members), as
-- they are. A member's row depends on as_of only through its sprint's window (docs/facts.md
-- "Sprint members at an earlier instant"); the sprints running at as_of are
-- sprint_members_moved's. in_board: that board's sprints only (NULL = all).
-- (No CTE here: a query reading a few columns of these rows reads only those of the table.)
SELECT m.*
FROM query_table(members) AS m
WHERE m.t_end <= as_of   -- (a sprint closed by as_of: implied by the window, lets the scan skip the rest)
  AND (in_board IS NULL OR m.board_id = in_board)
  AND (m.source, m.sprint_id) IN (
      SELECT source, sprint_id FROM sprint_windows_compared(windows, as_of, in_board) WHERE same)
