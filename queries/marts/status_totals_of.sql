-- args: stays
-- fct_status_totals' rule over `stays`, the name of a caller's relation of status stays as
-- fct_status_intervals gives them at one instant (as_of): one row per issue and status it has
-- been in (see fct_status_totals for the columns). Written once for the two places that
-- total stays: fct_status_totals over its own stays, and status_totals_between over the
-- stored stays of the issues whose totals differ at an earlier instant.
WITH totals AS (
    -- each issue's stays in a status added up first, the issue's own columns joined after: the
    -- aggregation (millions of groups at 1M issues) carries no issue key or type per stay
    SELECT
        s.source,
        s.issue_id,
        s.status_id,
        arg_max(s.status, s.seq) AS status,
        any_value(s.category) AS category,
        count(*) AS stays,
        coalesce(sum(micros_between(s.entered_at, s.left_at)), 0) AS closed_us,
        max(s.entered_at) FILTER (WHERE s.left_at IS NULL) AS open_since
    FROM query_table(stays) AS s
    GROUP BY s.source, s.issue_id, s.status_id
)
SELECT
    t.source,
    t.issue_id,
    i.issue_key,
    t.status_id,
    t.status,
    t.category,
    t.stays,
    t.closed_us,
    t.open_since,
    is_epic_type(i.issue_type) AS is_epic
FROM totals AS t
JOIN raw_issues AS i USING (source, issue_id)
