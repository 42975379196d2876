-- args: versions, as_of
-- The issues whose issue facts stored at a later instant may not hold at `as_of`, from the
-- issue versions stored with them (`versions` names them, facts.issue_versions): an issue
-- whose last version began after as_of had an event since (issues created later included),
-- and one whose rework still runs has its rework_days read again at as_of. Every other
-- issue's stored row holds at as_of as stored (docs/facts.md "Issue facts at an earlier
-- instant"). Their versions holding as_of are stale_versions_at.
SELECT source, issue_id
FROM query_table(versions)
WHERE valid_to IS NULL AND (valid_from > as_of OR rework_open_since IS NOT NULL)
