-- args: windows, as_of, in_board
-- The sprint windows at `as_of` (fct_sprint_windows; in_board: that board's only, NULL = all)
-- compared with `windows`, the windows stored at another instant (facts.sprint_windows):
-- `same` when the window at as_of is the stored one, every column alike. With the stored
-- instant later and no load in between, a sprint closed by as_of has the same window at both;
-- one running at as_of ends there (t_end) and later at the stored instant; one not started by
-- as_of has no row here. The sprint members at an earlier instant read its two parts
-- (sprint_members_kept, sprint_members_moved; docs/facts.md "Sprint members at an earlier
-- instant"); sprint_facts keeps the stored rows of the sprints that are `same` at any
-- instant (stored_sprint_rows_at).
SELECT a.source, a.sprint_id, a.t_end, a IS NOT DISTINCT FROM s AS same
FROM fct_sprint_windows(as_of) AS a
LEFT JOIN query_table(windows) AS s ON s.source = a.source AND s.sprint_id = a.sprint_id
WHERE in_board IS NULL OR a.board_id = in_board
