-- Bugs (work type `bug`) created per ISO week (reporting timezone) and how many of them are
-- escaped bugs (the configured "found in production" labels), as of $as_of. Weeks run from
-- the first bug (or $date_from) to $date_to (default: the week of $as_of); empty weeks are 0.
-- Scope: $board_id / $project.
WITH bugs AS (
    SELECT date_trunc('week', created_on)::DATE AS week, is_escaped_bug
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE work_type = 'bug'
),
weeks AS (
    SELECT week FROM week_spine((SELECT min(week) FROM bugs), $as_of, $date_from, $date_to)
)
SELECT
    w.week,
    count(b.week) AS bugs_created,
    count(b.week) FILTER (WHERE b.is_escaped_bug) AS escaped_bugs
FROM weeks AS w
LEFT JOIN bugs AS b USING (week)
GROUP BY w.week
ORDER BY w.week
