-- Per board, the status ids mapped to its done column: the last column (by position)
-- that has statuses mapped to it. Jira's sprint reports count "done" this way.
WITH last_col AS (
    SELECT source, board_id, max(position) AS position
    FROM raw_board_columns
    GROUP BY ALL
),
final AS (
    SELECT c.source, c.board_id, c.status_id
    FROM raw_board_columns AS c
    JOIN last_col AS l USING (source, board_id, position)
)
SELECT * FROM final
