-- args: current, versions, as_of
-- The issue facts at an instant `as_of` before the stored one, from what is stored
-- (docs/facts.md "Any as_of stays exact"): `current` names the stored issue facts
-- (facts.issue_facts), `versions` the stored versions (facts.issue_versions). An issue whose
-- last version began by as_of has had no event since, so its stored row holds at as_of
-- (only rework still running is read again at as_of, rework_days_at); the others, which had
-- an event after as_of, take the version holding as_of (issue_facts_of, with their stored
-- key, type and labels). Exactly fct_issue_facts(as_of); issues created later have neither.
WITH last_versions AS (
    SELECT source, issue_id, valid_from, rework_closed_us, rework_open_since
    FROM query_table(versions)
    WHERE valid_to IS NULL
),
older_versions AS (
    SELECT * FROM query_table(versions) WHERE valid_to IS NOT NULL AND valid_from <= as_of AND valid_to > as_of
),
kept AS (
    SELECT f.* REPLACE (coalesce(rework_days_at(r.rework_closed_us, r.rework_open_since, as_of), f.rework_days)
                            AS rework_days)
    FROM query_table(current) AS f
    SEMI JOIN (SELECT source, issue_id FROM last_versions WHERE valid_from <= as_of) AS k USING (source, issue_id)
    LEFT JOIN (SELECT * FROM last_versions WHERE rework_open_since IS NOT NULL) AS r USING (source, issue_id)
)
SELECT * FROM kept
UNION ALL
SELECT * FROM issue_facts_of(current, 'older_versions', as_of)
