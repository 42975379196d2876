-- args: as_of
-- One row per sprint x issue of every board's sprints as of as_of (docs/metrics.md §4): the
-- buckets (committed, added, removed, completed, carryover), the estimates and statuses
-- replayed at the sprint's start, joins, leaves and end, and completed_while_member.
-- Definitions and columns: fct_sprint_board_members (this is it with no board filter).
-- Column names are a contract (work mix and debt share attribute work through them).
SELECT * FROM fct_sprint_board_members(as_of, NULL)
