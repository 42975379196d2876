-- Cumulative flow: issues in each status (level 'status') and each category (level
-- 'category', status NULL) at the end of each day (reporting timezone), as of $as_of.
-- Days run from $date_from (default: the first day an issue in scope was created) to
-- $date_to (default and at most: the day of $as_of). Counts come from +1/-1 events when a
-- stay starts/ends, summed up to each day, so the cost grows with history, not days × issues.
-- One band per status name and category (status_bands: two sources' statuses that share an
-- id stay apart); status_id: the ids of the band's statuses, comma-separated.
WITH scope AS MATERIALIZED (
    SELECT source, issue_id, created_on FROM fct_issue_scoped($as_of, $board_id, $project)
),
stays AS MATERIALIZED (
    SELECT s.source, s.status_id, s.status, coalesce(s.category, 'unknown') AS category, s.entered_at, s.left_at
    FROM fct_status_intervals($as_of) AS s
    SEMI JOIN scope AS f ON f.source = s.source AND f.issue_id = s.issue_id
),
bounds AS (
    SELECT
        coalesce($date_from::DATE, (SELECT min(created_on) FROM scope)) AS first_day,
        least(coalesce($date_to::DATE, local_ts($as_of)::DATE), local_ts($as_of)::DATE) AS last_day
),
statuses AS (
    -- a status is a source and an id (two sources may share an id). Its name is the same on
    -- every stay unless the warehouse has no current name for it; then the name the latest
    -- stay carried (docs/metrics.md), the same at every run
    SELECT source, status_id, arg_max(status, (entered_at, status)) AS status, any_value(category) AS category
    FROM stays GROUP BY source, status_id
),
banded AS (
    -- one band per status name and category (marts/status_bands.sql)
    SELECT * FROM status_bands('statuses')
),
bands AS (
    SELECT DISTINCT band AS status, category, band_ids AS status_id FROM banded
),
events AS (
    -- per status and day first (few rows), then per band
    SELECT b.band AS status, sum(e.delta) AS delta, e.day
    FROM (
        SELECT source, status_id, day, sum(delta) AS delta
        FROM (
            SELECT s.source, s.status_id, local_ts(s.entered_at)::DATE AS day, 1 AS delta
            FROM stays AS s
            UNION ALL
            SELECT s.source, s.status_id, local_ts(s.left_at)::DATE AS day, -1 AS delta
            FROM stays AS s
            WHERE s.left_at IS NOT NULL
        )
        GROUP BY source, status_id, day
    ) AS e
    JOIN banded AS b USING (source, status_id)
    GROUP BY b.band, e.day
),
days AS (
    SELECT unnest(generate_series(b.first_day, b.last_day, INTERVAL 1 DAY))::DATE AS day
    FROM bounds AS b
    WHERE b.first_day IS NOT NULL AND b.first_day <= b.last_day
),
opening AS (
    SELECT e.status, sum(e.delta) AS issues
    FROM events AS e CROSS JOIN bounds AS b
    WHERE e.day < b.first_day
    GROUP BY ALL
),
grid AS (
    SELECT d.day, s.status_id, s.status, s.category,
           coalesce(o.issues, 0) + sum(coalesce(e.delta, 0)) OVER (PARTITION BY s.status ORDER BY d.day) AS issues
    FROM days AS d
    CROSS JOIN bands AS s
    LEFT JOIN events AS e ON e.status = s.status AND e.day = d.day
    LEFT JOIN opening AS o ON o.status = s.status
),
final AS (
    SELECT day, category, status, issues::BIGINT AS issues, 'status' AS level, status_id FROM grid
    UNION ALL
    SELECT day, category, NULL AS status, sum(issues)::BIGINT AS issues, 'category' AS level, NULL AS status_id
    FROM grid GROUP BY day, category
)
SELECT * FROM final ORDER BY day, level DESC, category, status
