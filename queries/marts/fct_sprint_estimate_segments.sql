-- Each issue's story-point estimate over time: one row per value, valid in
-- [valid_from, valid_to) (NULL valid_from = since forever, NULL valid_to = still).
-- The value before the first change is that change's `from`; an issue without history
-- has its current value throughout. A missing estimate counts as 0 points.
WITH issues AS (
    SELECT source, issue_id, story_points FROM stg_issues WHERE NOT is_subtask
),
changes AS (
    SELECT c.*
    FROM stg_sprint_estimate_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
segments AS (
    SELECT
        i.source,
        i.issue_id,
        0::BIGINT AS change_seq,
        NULL::TIMESTAMPTZ AS valid_from,
        CASE WHEN f.issue_id IS NULL THEN i.story_points ELSE f.from_points END AS points
    FROM issues AS i
    LEFT JOIN changes AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.change_seq = 1
    UNION ALL
    SELECT source, issue_id, change_seq, changed_at, to_points FROM changes
),
final AS (
    SELECT
        source,
        issue_id,
        valid_from,
        lead(valid_from) OVER (PARTITION BY source, issue_id ORDER BY change_seq) AS valid_to,
        coalesce(points, 0)::DOUBLE AS points
    FROM segments
)
SELECT * FROM final
