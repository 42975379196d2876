-- Status transitions in a total order per issue (changed_at, then the history id,
-- numerically when it is a number, then the item's position), for the sprint replay.
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
        row_number() OVER (
            PARTITION BY source, issue_id
            ORDER BY changed_at, try_cast(history_id AS BIGINT) NULLS LAST, history_id, item_seq
        ) AS change_seq
    FROM changes
)
SELECT * FROM final
