-- args: members, windows, as_of, in_board
-- The sprint members at `as_of` from the members and sprint windows stored at a later instant
-- (`members`, `windows`: facts.sprint_members and facts.sprint_windows), with no load in
-- between (docs/facts.md "Any as_of stays exact"). A sprint with a window at as_of had one
-- then, with the same start and an end no earlier (closed by as_of: the same window; running
-- at as_of: it ends there now, and later then), and a member then is a stored member (a pair
-- that counts by an earlier end counts by a later one). A member's row depends on as_of only
-- through its window's end, and its stored trajectory (stays, status and estimate segments)
-- reaches to the stored end. So: a sprint whose window at as_of is the stored one keeps its
-- stored rows; a sprint running at as_of has its stored rows read again by sprint_member_rows,
-- the rule that made them, at its end then (a pair that had not counted yet has no row); a
-- sprint not started by as_of has none. Nothing is replayed from the history.
-- in_board: only that board's sprints (NULL = all).
WITH at_as_of AS MATERIALIZED (
    SELECT * FROM fct_sprint_windows(as_of) WHERE in_board IS NULL OR board_id = in_board
),
same AS (
    SELECT source, sprint_id FROM (SELECT * FROM at_as_of INTERSECT SELECT * FROM query_table(windows))
),
moved AS (
    SELECT source, sprint_id, t_end FROM at_as_of ANTI JOIN same USING (source, sprint_id)
),
moved_pairs AS (
    SELECT s.* REPLACE (w.t_end AS t_end)
    FROM query_table(members) AS s
    JOIN moved AS w USING (source, sprint_id)
    WHERE s.t_end > as_of AND s.t_start <= as_of   -- (implied by the join: the scan skips the rest)
)
-- (the stored table is read twice, each narrowed by its own join and by the end its rows
-- must have, not shared)
SELECT * FROM query_table(members) SEMI JOIN same USING (source, sprint_id)
WHERE t_end <= as_of
UNION ALL BY NAME
SELECT * FROM sprint_member_rows('moved_pairs')
