-- Issues completed per day (reporting timezone) from $window_from to $window_to inclusive,
-- as of $as_of, one row per day (0 when none): the sample the Monte Carlo forecast
-- resamples. Scope: $board_id / $project (epics and sub-tasks excluded).
WITH days AS (
    SELECT unnest(generate_series($window_from::DATE, $window_to::DATE, INTERVAL 1 DAY))::DATE AS day
),
done AS (
    SELECT completed_on AS day, count(*) AS completed
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE completed_on BETWEEN $window_from::DATE AND $window_to::DATE
    GROUP BY ALL
)
SELECT d.day, coalesce(n.completed, 0) AS completed
FROM days AS d
LEFT JOIN done AS n USING (day)
ORDER BY d.day
