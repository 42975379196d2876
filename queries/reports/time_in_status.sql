-- Total days each issue spent in each status as of $as_of (sum of its stays; the stay
-- open at $as_of counts up to $as_of), summed in whole microseconds (exact in any order):
-- the left stays' total from fct_status_totals plus the open one's time up to $as_of.
-- Status = the status's current name (by id).
-- Period filter as issue_facts: issues created on or before $date_to and not completed
-- before $date_from.
-- order: issue_key, status, status_id, issue_id
WITH scope AS (
    SELECT source, issue_id
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE overlaps_period(created_on, completed_on, $date_from, $date_to)
),
totals AS (
    SELECT t.*
    FROM fct_status_totals($as_of) AS t
    SEMI JOIN scope USING (source, issue_id)
    WHERE NOT ($board_id IS NULL AND $project IS NULL AND $date_from IS NULL AND $date_to IS NULL)
    UNION ALL
    -- no filter: the scope is every issue with status stays (the same issues as
    -- fct_issue_facts: not sub-tasks, created by $as_of) but the epics fct_issue_scoped
    -- leaves out, so only those few are taken out (a join with the whole scope costs a
    -- third of the query at 1M issues), by a filter: a scan and a filter keep the stored
    -- rows' order (report order after a full build), so the final sort has nothing to do
    -- (queries/frames.py, `-- order:`). The parameters are constants when DuckDB binds
    -- the query: it keeps one of the two branches.
    SELECT t.*
    FROM fct_status_totals($as_of) AS t
    WHERE NOT t.is_epic
      AND $board_id IS NULL AND $project IS NULL AND $date_from IS NULL AND $date_to IS NULL
),
final AS (
    SELECT
        issue_id,
        issue_key,
        status,
        status_id,
        category,
        stays,
        seconds_from_us(closed_us + coalesce(micros_between(open_since, $as_of), 0)) / 86400.0 AS days
    FROM totals
)
SELECT * FROM final ORDER BY issue_key, status, status_id, issue_id
