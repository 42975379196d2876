-- Status transitions for the sprint replay, with the keys of their order per issue:
-- changed_at, then the history id (numerically when it is a number: history_no), then the
-- item's position inside the history (item_seq).
WITH changes AS (
    SELECT * FROM raw_status_changes
),
final AS (
    SELECT
        source,
        issue_id,
        changed_at,
        from_status_id,
        to_status_id,
        try_cast(history_id AS BIGINT) AS history_no,
        history_id,
        item_seq
    FROM changes
)
SELECT * FROM final
