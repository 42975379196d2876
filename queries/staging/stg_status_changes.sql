-- Status transitions (METRICS.md §1), of every issue: join to stg_issues / raw_issues to
-- drop deleted ones (the marts do, so this view costs no join of its own). An issue's changes are ordered by
-- time, then history id (numerically when it is a number: history_num), then the item's
-- position inside the history; marts order by (changed_at, history_num, history_id,
-- item_seq). Status ids, never names, carry the meaning; the name as it was at the time
-- is kept for display and data-quality checks.
SELECT
    c.source,
    c.issue_id,
    c.history_id,
    try_cast(c.history_id AS BIGINT) AS history_num,
    c.item_seq,
    c.changed_at,
    c.from_status_id,
    c.from_status_name,
    c.to_status_id,
    c.to_status_name
FROM raw_status_changes AS c
