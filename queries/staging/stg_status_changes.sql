-- Status transitions (docs/metrics.md §1) of every issue; the marts join them to live issues,
-- so this view costs no join of its own. `ord` is the changelog order (change_ord: time,
-- then history id as a number, then the item's position inside the history); every mart
-- orders an issue's changes by it, so the history id and item position themselves are not
-- kept. Status ids, never names, carry the meaning; the target status's name as it was at
-- the time is kept for display (the name of a status no longer in the status table).
SELECT
    c.source,
    c.issue_id,
    c.changed_at,
    c.from_status_id,
    c.to_status_id,
    c.to_status_name,
    change_ord(c.changed_at, c.history_id, c.item_seq) AS ord
FROM raw_status_changes AS c
