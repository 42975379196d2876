-- args: versions, as_of
-- The issue versions as seen at `as_of`, from versions computed over a longer history: the one
-- clipping rule of fct_issue_versions, which applies it to its own versions (`versions` names
-- its CTE) and which a reader applies to the versions stored at a later instant
-- (queries/facts_delta.py; docs/facts.md "Any as_of stays exact"). A version's facts depend
-- only on the events up to its start, so the versions begun by as_of are those seen then, and
-- the one holding as_of holds it still (valid_to NULL) when the next event is later.
SELECT * REPLACE (CASE WHEN valid_to <= as_of THEN valid_to END AS valid_to)
FROM query_table(versions)
WHERE valid_from <= as_of
