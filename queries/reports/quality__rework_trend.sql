-- Rework per ISO week of completion (docs/metrics.md §3): issues completed that week, how many
-- had at least one backward transition (before completion), the rework rate, and their
-- QA bounces, reopens and rework days. Weeks with no completion are absent. Period:
-- completion date in $date_from..$date_to. Scope: $board_id / $project. A week's rework days
-- are added smallest first (sum_sorted): the same bits whatever order the rows come in.
SELECT
    completed_week AS week,
    count(*) AS completed,
    count(*) FILTER (WHERE backward_transitions > 0) AS with_rework,
    count(*) FILTER (WHERE backward_transitions > 0) / count(*) AS rework_rate,
    sum(qa_bounces) AS qa_bounces,
    sum(reopens) AS reopens,
    sum_sorted(list(rework_days)) AS rework_days
FROM fct_issue_scoped($as_of, $board_id, $project)
WHERE completed_at IS NOT NULL
  AND in_period(completed_on, $date_from, $date_to)
GROUP BY completed_week
ORDER BY week
