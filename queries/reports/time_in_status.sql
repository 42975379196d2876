-- Total days each issue spent in each status as of $as_of (sum of its stays; the stay
-- open at $as_of counts up to $as_of), summed in whole microseconds (exact in any order).
-- Status = the status's current name (by id).
-- Period filter as issue_facts: issues created on or before $date_to and not completed
-- before $date_from.
WITH scope AS (
    SELECT source, issue_id, issue_key
    FROM fct_issue_scoped($as_of, $board_id, $project)
    WHERE ($date_to IS NULL OR created_on <= $date_to)
      AND ($date_from IS NULL OR completed_on IS NULL OR completed_on >= $date_from)
),
final AS (
    SELECT
        f.issue_id,
        f.issue_key,
        any_value(s.status) AS status,
        s.status_id,
        any_value(s.category) AS category,
        count(*) AS stays,
        seconds_from_us(sum(micros_between(s.entered_at, s.until_at))) / 86400.0 AS days
    FROM fct_status_intervals($as_of) AS s
    JOIN scope AS f USING (source, issue_id)
    GROUP BY f.issue_id, f.issue_key, s.status_id
)
SELECT * FROM final ORDER BY issue_key, status
