-- Status transitions of live issues in a stable order (METRICS.md §1): `seq` numbers an
-- issue's changes 1..n by time, then history id (numerically when it is a number), then
-- the item's position inside the history. Status ids, never names, carry the meaning;
-- the name as it was at the time is kept for display and data-quality checks.
WITH changes AS (
    SELECT c.*
    FROM raw_status_changes AS c
    SEMI JOIN raw_issues AS i
        ON i.source = c.source AND i.issue_id = c.issue_id AND NOT i.is_deleted
),
final AS (
    SELECT
        source,
        issue_id,
        history_id,
        item_seq,
        changed_at,
        from_status_id,
        from_status_name,
        to_status_id,
        to_status_name,
        row_number() OVER (
            PARTITION BY source, issue_id
            ORDER BY changed_at, try_cast(history_id AS BIGINT), history_id, item_seq
        ) AS seq
    FROM changes
)
SELECT * FROM final
