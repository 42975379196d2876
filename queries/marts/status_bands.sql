-- args: statuses
-- The one rule saying which statuses a per-status report (cfd_daily, flow__time_in_status)
-- shows as one row or band (docs/metrics.md §2 "One row per status"). A status is a source
-- and a status id: two Jira sources may use one id for different statuses, so an id alone
-- never joins two statuses. Statuses with the same name and the same category are one band
-- (the "In Progress" of two sites, or of two team-managed projects, is the same step of the
-- work); statuses that differ in name or category never share one. A band's label is the
-- name, with the category added in words when that name also labels a band of another
-- category ("Closed (to do)", "Closed (done)"), so every band has a label of its own.
--   statuses: one row per status (source, status_id) the caller counts, with `status`
--             (the name it shows) and `category` (todo | in_progress | done; NULL or
--             'unknown' for a status the warehouse has no category for).
-- Returns those rows with `band` (the label) and `band_ids` (the ids of the band's
-- statuses, distinct, sorted, comma-separated).
SELECT
    s.*,
    CASE
        WHEN count(DISTINCT coalesce(s.category, 'unknown')) OVER (PARTITION BY s.status) > 1
        THEN s.status || ' (' || CASE coalesce(s.category, 'unknown')
                                     WHEN 'todo' THEN 'to do'
                                     WHEN 'in_progress' THEN 'in progress'
                                     WHEN 'done' THEN 'done'
                                     ELSE 'category unknown' END || ')'
        ELSE s.status
    END AS band,
    string_agg(DISTINCT s.status_id, ', ' ORDER BY s.status_id)
        OVER (PARTITION BY s.status, coalesce(s.category, 'unknown')) AS band_ids
FROM query_table(statuses) AS s
