-- args: changes, issues
-- The one rule that turns a field's changelog into the intervals over which each value
-- held (status stays, sprint membership, estimates): every mart that replays a history
-- calls it with the names of two of its own CTEs.
--   changes: source, issue_id, ord, changed_at, from_value, to_value, detail — the field's
--            changes of the issues in `issues` only (the caller filters); ord =
--            change_ord(...); detail: anything to carry along with the change's interval
--            (e.g. the status name at the time; NULL when nothing);
--   issues:  source, issue_id, current_value, since — the issues to replay, the field's
--            value now (what holds throughout when the issue has no change) and when the
--            first interval starts (NULL = since forever).
-- Returns, per issue, one row per interval, seq ascending in history order:
--   seq 0: the value before the first change — that change's `from`, or current_value when
--          there is no change — over [since, first change's changed_at) (NULL end = still);
--   seq n: change n's `to` (and detail), over [its changed_at, the next change's changed_at);
--   prev_value: the value of interval seq - 1 (NULL for seq 0).
-- One window pass over the changes; callers clip to creation and to as_of themselves.
WITH cl_ordered AS MATERIALIZED (
    SELECT
        source,
        issue_id,
        changed_at,
        from_value,
        to_value,
        detail,
        row_number() OVER w AS seq,
        lead(changed_at) OVER w AS next_changed_at,
        CASE WHEN row_number() OVER w = 1 THEN from_value ELSE lag(to_value) OVER w END AS prev_value
    FROM query_table(changes)
    WINDOW w AS (PARTITION BY source, issue_id ORDER BY ord)
)
SELECT
    i.source,
    i.issue_id,
    0::BIGINT AS seq,
    i.since AS valid_from,
    f.changed_at AS valid_to,
    CASE WHEN f.issue_id IS NULL THEN i.current_value ELSE f.from_value END AS value,
    NULL AS prev_value,
    NULL AS detail
FROM query_table(issues) AS i
LEFT JOIN cl_ordered AS f ON f.source = i.source AND f.issue_id = i.issue_id AND f.seq = 1
UNION ALL
SELECT source, issue_id, seq, changed_at, next_changed_at, to_value, prev_value, detail
FROM cl_ordered
