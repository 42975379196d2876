-- args: versions, as_of
-- The versions holding `as_of` of the issues issues_stale_at names (issues created after
-- as_of have none): an issue with an event since holds as_of in a version that has ended
-- (valid_from <= as_of < valid_to); one with rework still running and no event since, in its
-- last version. Two range predicates, kept apart so that each prunes the stored table by its
-- own column.
SELECT * FROM query_table(versions) WHERE valid_from <= as_of AND valid_to > as_of
UNION ALL
SELECT * FROM query_table(versions)
WHERE valid_to IS NULL AND rework_open_since IS NOT NULL AND valid_from <= as_of
