-- args: in_board
-- When each issue was in each sprint: one row per uninterrupted stay, [joined_at, left_at)
-- (left_at NULL = still there). Replays the sprint field's history (docs/metrics.md §4): the
-- value before the first change is that change's `from`; an issue without history has
-- its current value throughout (the changelog_intervals rule, changes in change_ord
-- order). Nothing is a member before the issue was created, so the first stay starts at
-- creation at the earliest (an issue created straight into a running sprint joins it
-- then). Changes that share an instant leave no zero-length stay.
-- Sub-tasks and deleted issues are left out (their parents count).
-- in_board: only the issues fct_sprint_scope(in_board) names (NULL = every issue).
WITH issues AS MATERIALIZED (
    SELECT source, issue_id, created_at, sprint_ids AS current_value, NULL::TIMESTAMPTZ AS since
    FROM stg_sprint_issues
    SEMI JOIN fct_sprint_scope(in_board) USING (source, issue_id)
),
changes AS (
    SELECT c.source, c.issue_id, c.ord, c.changed_at, c.from_sprint_ids AS from_value, c.to_sprint_ids AS to_value,
        NULL AS detail
    FROM stg_sprint_field_changes AS c
    SEMI JOIN issues AS i USING (source, issue_id)
),
segments AS (
    -- the current field (the value of an issue without history, seq 0 with no end) is
    -- cleaned of blanks and duplicates as the changelog's lists are
    SELECT
        source, issue_id, valid_from, valid_to,
        CASE WHEN seq = 0 AND valid_to IS NULL
             THEN list_distinct(list_filter(coalesce(value, []::VARCHAR[]), lambda x: x IS NOT NULL AND trim(x) <> ''))
             ELSE value END AS sprint_ids
    FROM changelog_intervals('changes', 'issues')
),
clipped AS (
    -- a stay cannot start before the issue existed; zero-length segments are dropped
    SELECT
        s.source,
        s.issue_id,
        CASE WHEN s.valid_from IS NULL OR s.valid_from < i.created_at THEN i.created_at ELSE s.valid_from END AS valid_from,
        s.valid_to,
        s.sprint_ids
    FROM segments AS s
    JOIN issues AS i USING (source, issue_id)
    WHERE len(s.sprint_ids) > 0
),
per_sprint AS (
    SELECT source, issue_id, unnest(sprint_ids) AS sprint_id, valid_from, valid_to
    FROM clipped
    WHERE valid_to IS NULL OR valid_to > valid_from
),
islands AS (
    -- consecutive segments that both contain the sprint are one stay
    SELECT
        *,
        sum(CASE WHEN prev_valid_to = valid_from THEN 0 ELSE 1 END) OVER w2 AS stay_no
    FROM (
        SELECT *, lag(valid_to) OVER w AS prev_valid_to
        FROM per_sprint
        WINDOW w AS (PARTITION BY source, issue_id, sprint_id ORDER BY valid_from)
    )
    WINDOW w2 AS (PARTITION BY source, issue_id, sprint_id ORDER BY valid_from)
),
final AS (
    SELECT
        source,
        issue_id,
        sprint_id,
        stay_no::INTEGER AS stay_no,
        min(valid_from) AS joined_at,
        CASE WHEN bool_or(valid_to IS NULL) THEN NULL ELSE max(valid_to) END AS left_at
    FROM islands
    GROUP BY source, issue_id, sprint_id, stay_no
)
SELECT * FROM final
