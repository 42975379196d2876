-- args: totals, stays, as_of
-- The status totals (fct_status_totals) at `as_of` from those stored at a later instant
-- (docs/facts.md "Any as_of stays exact"): `totals` and `stays` name the stored tables
-- (facts.status_totals, facts.status_stays). A row holds at both instants for every issue
-- with no stay entered or left in between (its open stay is still open at as_of, and a
-- reader adds its time up to as_of: time_in_status), so those are read as stored; the few
-- issues with one are totalled again (status_totals_of) over their stored stays clipped to
-- as_of (status_stays_at, fct_status_intervals' own clipping rule). An issue created after
-- as_of entered its first stay after it: it is among those, and has no stay at as_of.
WITH changed AS (
    SELECT DISTINCT source, issue_id FROM query_table(stays) WHERE entered_at > as_of OR left_at > as_of
),
changed_stays AS (
    SELECT s.* FROM query_table(stays) AS s SEMI JOIN changed USING (source, issue_id)
),
clipped AS (
    SELECT * FROM status_stays_at('changed_stays', as_of)
)
SELECT t.* FROM query_table(totals) AS t ANTI JOIN changed USING (source, issue_id)
UNION ALL BY NAME
SELECT * FROM status_totals_of('clipped')
