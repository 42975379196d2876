-- Bugs (work type `bug`) created per ISO week (reporting timezone) and how many of them are
-- escaped bugs (the configured "found in production" labels), as of $as_of. Weeks run from
-- the first bug (or $date_from) to $date_to (default: the week of $as_of); empty weeks are 0.
-- Scope: $board_id / $project.
WITH tz AS (
    SELECT (SELECT value FROM cfg_param WHERE key = 'timezone') AS tz
),
bugs AS (
    SELECT date_trunc('week', created_on)::DATE AS week, is_escaped_bug
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE work_type = 'bug'
),
bounds AS (
    SELECT
        coalesce(date_trunc('week', $date_from::DATE)::DATE, (SELECT min(week) FROM bugs)) AS first_week,
        least(date_trunc('week', coalesce($date_to::DATE, timezone(tz.tz, $as_of)::DATE))::DATE,
              date_trunc('week', timezone(tz.tz, $as_of))::DATE) AS last_week
    FROM tz
),
weeks AS (
    SELECT unnest(generate_series(first_week, last_week, INTERVAL 7 DAY))::DATE AS week
    FROM bounds WHERE first_week IS NOT NULL AND first_week <= last_week
)
SELECT
    w.week,
    count(b.week) AS bugs_created,
    count(b.week) FILTER (WHERE b.is_escaped_bug) AS escaped_bugs
FROM weeks AS w
LEFT JOIN bugs AS b USING (week)
GROUP BY w.week
ORDER BY w.week
