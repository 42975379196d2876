-- args: members, windows, as_of, in_board
-- The sprint members at `as_of` of the sprints running then whose stored window (at a later
-- instant, no load in between) ends later: every member then is a stored member (a pair that
-- counts by an earlier end counts by a later one), and a member's row depends on as_of only
-- through its window's end, so each stored row (`members`: facts.sprint_members) is read
-- again by sprint_member_rows, the rule that made it, from the trajectory it keeps, with the
-- window's end then (sprint_windows_compared); a pair that had not counted yet has no row.
-- Nothing is replayed from the history (docs/facts.md "Sprint members at an earlier
-- instant"). in_board: that board's sprints only (NULL = all).
WITH moved AS (
    SELECT source, sprint_id, t_end FROM sprint_windows_compared(windows, as_of, in_board) WHERE NOT same
),
moved_pairs AS (
    SELECT m.* REPLACE (w.t_end AS t_end)
    FROM query_table(members) AS m
    JOIN moved AS w USING (source, sprint_id)
    WHERE m.t_end > as_of AND m.t_start <= as_of   -- (implied by the join: the scan skips the rest)
)
SELECT * FROM sprint_member_rows('moved_pairs')
