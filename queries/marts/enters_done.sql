-- scalar: from_category, to_category
-- A status change is an entry into done (docs/metrics.md §1 "Completion") when it goes to a
-- done-category status from one that is not done (an unknown status is not done), each side
-- judged by its own status: moving between done statuses (Done -> Closed) is no entry.
to_category = 'done' AND from_category IS DISTINCT FROM 'done'
