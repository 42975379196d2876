-- args: statuses
-- The one rule saying which statuses a per-status report (cfd_daily, flow__time_in_status)
-- shows as one row or band (docs/metrics.md §2 "One row per status"). A status is a source
-- and a status id: two Jira sources may use one id for different statuses, so an id alone
-- never joins two statuses. Statuses with the same name and the same category are one band
-- (the "In Progress" of two sites, or of two team-managed projects, is the same step of the
-- work); statuses that differ in name or category never share one. A band's label is the
-- name, with the category added in words when that name also labels a status of another
-- category anywhere in the warehouse ("Closed (to do)", "Closed (done)"), so every band has a
-- label of its own, and a status keeps its label under any filter and in every report.
--   statuses: one row per status (source, status_id) the caller counts, with `status`
--             (the name it shows) and `category` (todo | in_progress | done; NULL or
--             'unknown' for a status the warehouse has no category for).
-- Returns those rows with `band` (the label) and `band_ids` (the ids of the band's
-- statuses, distinct, sorted, comma-separated).
WITH counted AS (
    SELECT s.*, coalesce(s.category, 'unknown') AS cat FROM query_table(statuses) AS s
),
names AS (
    -- the categories each name has: in the warehouse's statuses and among the caller's (a
    -- status with no current name is named by its stays)
    SELECT status, count(DISTINCT cat) AS categories
    FROM (SELECT name AS status, category AS cat FROM stg_statuses
          UNION ALL
          SELECT status, cat FROM counted)
    GROUP BY status
)
SELECT
    c.* EXCLUDE (cat),
    CASE
        WHEN coalesce(n.categories, 1) > 1
        THEN c.status || ' (' || CASE c.cat
                                     WHEN 'todo' THEN 'to do'
                                     WHEN 'in_progress' THEN 'in progress'
                                     WHEN 'done' THEN 'done'
                                     ELSE 'category unknown' END || ')'
        ELSE c.status
    END AS band,
    string_agg(DISTINCT c.status_id, ', ' ORDER BY c.status_id) OVER (PARTITION BY c.status, c.cat) AS band_ids
FROM counted AS c
LEFT JOIN names AS n USING (status)
