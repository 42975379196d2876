-- Status transitions (docs/metrics.md §1) of every issue; the marts join them to live issues,
-- so this view costs no join of its own. An issue's changes are ordered by time, then
-- history id (numerically when it is a number: history_num), then the item's position
-- inside the history; `ord` packs (changed_at in µs, history_num, item_seq) into one
-- number for sorting. Status ids, never names, carry the meaning; the name as it was at
-- the time is kept for display and data-quality checks.
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
    c.to_status_name,
    -- ordering key within an issue: time (µs), then history id (numeric), then item position
    (epoch_us(c.changed_at)::HUGEINT << 64) + (coalesce(try_cast(c.history_id AS BIGINT), 0)::HUGEINT << 16)
        + c.item_seq AS ord
FROM raw_status_changes AS c
