-- Items completed in scope after $since, as known at $as_of: what a recorded forecast is
-- scored against (docs/metrics.md "Forecasts held to account"). The same issues the
-- forecast's throughput counts (fct_issue_scoped: epics and sub-tasks left out), with
-- the completion instant and its day in the reporting timezone.
SELECT f.completed_at, f.completed_on
FROM fct_issue_scoped($as_of, $board_id, $project) AS f
WHERE f.completed_at IS NOT NULL AND f.completed_at > $since::TIMESTAMPTZ
ORDER BY f.completed_at
