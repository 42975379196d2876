-- When each issue was in each sprint: one row per uninterrupted stay, [joined_at, left_at)
-- (left_at NULL = still there). Replays the sprint field's history (METRICS.md §4): the
-- value before the first change is that change's `from`; an issue without history has
-- its current value throughout. Nothing is a member before the issue was created, so the
-- first stay starts at creation at the earliest (an issue created straight into a running
-- sprint joins it then). Changes that share an instant leave no zero-length stay.
-- Sub-tasks and deleted issues are left out (their parents count).
WITH issues AS (
    SELECT source, issue_id, created_at, sprint_ids
    FROM stg_issues
    WHERE NOT is_subtask
),
changes AS (
    SELECT c.*
    FROM stg_sprint_field_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
initial_values AS (
    SELECT
        i.source,
        i.issue_id,
        0::BIGINT AS change_seq,
        NULL::TIMESTAMPTZ AS valid_from,
        CASE WHEN f.issue_id IS NULL
             THEN list_distinct(list_filter(coalesce(i.sprint_ids, []::VARCHAR[]), lambda x: x IS NOT NULL AND trim(x) <> ''))
             ELSE f.from_sprint_ids END AS sprint_ids
    FROM issues AS i
    LEFT JOIN changes AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.change_seq = 1
),
segments AS (
    SELECT source, issue_id, change_seq, valid_from, sprint_ids FROM initial_values
    UNION ALL
    SELECT source, issue_id, change_seq, changed_at, to_sprint_ids FROM changes
),
bounded AS (
    SELECT
        s.*,
        lead(s.valid_from) OVER (PARTITION BY s.source, s.issue_id ORDER BY s.change_seq) AS valid_to
    FROM segments AS s
),
clipped AS (
    -- a stay cannot start before the issue existed
    SELECT
        b.source,
        b.issue_id,
        CASE WHEN b.valid_from IS NULL OR b.valid_from < i.created_at THEN i.created_at ELSE b.valid_from END AS valid_from,
        b.valid_to,
        b.sprint_ids
    FROM bounded AS b
    JOIN issues AS i USING (source, issue_id)
),
nonempty AS (
    SELECT * FROM clipped WHERE valid_to IS NULL OR valid_to > valid_from
),
per_sprint AS (
    SELECT source, issue_id, unnest(sprint_ids) AS sprint_id, valid_from, valid_to
    FROM nonempty
),
islands AS (
    -- consecutive segments that both contain the sprint are one stay
    SELECT
        *,
        CASE WHEN lag(valid_to) OVER w = valid_from THEN 0 ELSE 1 END AS is_new_stay
    FROM per_sprint
    WINDOW w AS (PARTITION BY source, issue_id, sprint_id ORDER BY valid_from)
),
numbered AS (
    SELECT *, sum(is_new_stay) OVER (PARTITION BY source, issue_id, sprint_id ORDER BY valid_from) AS stay_no
    FROM islands
),
final AS (
    SELECT
        source,
        issue_id,
        sprint_id,
        stay_no::INTEGER AS stay_no,
        min(valid_from) AS joined_at,
        CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS left_at
    FROM numbered
    GROUP BY source, issue_id, sprint_id, stay_no
)
SELECT * FROM final
