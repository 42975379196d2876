-- args: figures, windows, as_of
-- The rows of `figures` (one per sprint, stored with the sprint windows `windows` at another
-- instant: facts.sprint_facts and facts.sprint_windows) that hold at `as_of`: those of the
-- sprints whose window at as_of is the stored one, every column alike. Without a project
-- filter a sprint's row is a function of its window and of its members' rows, and a member's
-- row depends on as_of only through the window (fct_sprint_board_members reads as_of only in
-- fct_sprint_windows; the membership, status and estimate segments it replays are not
-- clipped to as_of). So with the same data the stored row is the row at as_of (docs/facts.md
-- "Sprints whose window did not move"). A sprint not started by as_of has no window then.
SELECT f.*
FROM query_table(figures) AS f
SEMI JOIN (SELECT source, sprint_id FROM sprint_windows_compared(windows, as_of, NULL) WHERE same) AS w
    USING (source, sprint_id)
