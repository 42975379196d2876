-- args: versions, as_of
-- The versions holding `as_of` of the issues issues_stale_at names (issues created after
-- as_of have none): an issue with an event since holds as_of in a version that has ended
-- (valid_from <= as_of < valid_to); one with rework still running and no event since, in its
-- last version. Two range predicates, kept apart so that each is pushed into the table scan
-- as a filter (an OR of the two was evaluated row by row, 1.4x the CPU at 100k issues).
SELECT * FROM query_table(versions) WHERE valid_from <= as_of AND valid_to > as_of
UNION ALL
SELECT * FROM query_table(versions)
WHERE valid_to IS NULL AND rework_open_since IS NOT NULL AND valid_from <= as_of
