-- args: stays, as_of
-- The status stays as seen at `as_of`, from stays replayed over a longer history: the one
-- clipping rule of fct_status_intervals, which applies it to its own replay (`stays` names
-- its CTE) and which a reader applies to the stays stored at a later instant
-- (queries/facts_delta.py; docs/facts.md "Any as_of stays exact"). `stays`: one row per
-- stay with entered_at and left_at as the longer history has them (left_at NULL: still
-- open then) and an until_at column (replaced). A stay is visible once entered: seq 0 is
-- entered at the issue's creation and every later stay no earlier, so an issue created
-- after as_of has none; a stay left after as_of is still open at as_of (left_at NULL,
-- until_at = as_of).
SELECT * REPLACE (
    CASE WHEN left_at <= as_of THEN left_at END AS left_at,
    coalesce(CASE WHEN left_at <= as_of THEN left_at END, as_of) AS until_at)
FROM query_table(stays)
WHERE entered_at <= as_of
