-- args: current, versions, as_of
-- The issue facts at an instant `as_of` before the stored one, from what is stored
-- (docs/facts.md "Any as_of stays exact"): `current` names the stored issue facts
-- (facts.issue_facts), `versions` the stored versions (facts.issue_versions). The stored row
-- of every issue that issues_stale_at does not name holds at as_of; the others take the
-- version holding as_of (stale_versions_at) with their stored key, type and labels
-- (issue_facts_of). Exactly fct_issue_facts(as_of); issues created later have neither.
WITH stale_versions AS (
    SELECT * FROM stale_versions_at(versions, as_of)
)
SELECT f.*
FROM query_table(current) AS f
ANTI JOIN issues_stale_at(versions, as_of) AS s USING (source, issue_id)
UNION ALL
SELECT * FROM issue_facts_of(current, 'stale_versions', as_of)
