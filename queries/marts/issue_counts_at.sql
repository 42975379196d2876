-- scalar: is_subtask, created_at, as_of
-- Whether an issue is among the issues seen at `as_of`: not a sub-task (sub-tasks are left
-- out everywhere, their parents count: docs/metrics.md) and created by then. Deleted issues
-- never get this far (stg_issues leaves them out; a mart over raw_issues drops them itself).
-- The issue versions, the issue facts and the status stays all start from these issues.
NOT is_subtask AND created_at <= as_of
