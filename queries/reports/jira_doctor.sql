-- Problems in the loaded Jira data of $source that `retroscope doctor` reports, one row per
-- finding (check, subject, detail):
--   board_without_sprints  a scrum board in the warehouse with no sprint (velocity and sprint
--                          figures will be empty for it)
--   history_cut_short      a live issue whose last status change does not lead to its current
--                          status (its changelog came back incomplete)
--   loaded_issues          one row: subject = the number of live issues loaded from $source
--   unmapped_status        with explicit [workflow] stages: a status used in the data that no
--                          stage names (by id or name)
--   override_unknown       a [workflow.category_overrides] entry that changes nothing: a table
--                          named by a source the warehouse has no statuses from, an id of
--                          $source's table that is no status of $source, or an id for every
--                          source that is no status of any source
WITH boards AS (
    SELECT 'board_without_sprints' AS "check", b.board_id AS subject,
           b.name || ' (' || coalesce(b.project_key, '?') || ')' AS detail
    FROM raw_boards AS b
    WHERE b.source = $source
      AND coalesce(b.board_type, 'scrum') = 'scrum'
      AND NOT EXISTS (SELECT 1 FROM raw_sprints AS s WHERE s.source = b.source AND s.board_id = b.board_id)
),
last_change AS (
    SELECT issue_id, arg_max(to_status_id, (changed_at, history_id, item_seq)) AS last_to
    FROM raw_status_changes
    WHERE source = $source
    GROUP BY issue_id
),
cut AS (
    SELECT 'history_cut_short' AS "check", i.issue_key AS subject,
           'history ends in status ' || l.last_to || ', the issue is in ' || i.status_id AS detail
    FROM raw_issues AS i
    JOIN last_change AS l USING (issue_id)
    WHERE i.source = $source AND NOT i.is_deleted AND l.last_to <> i.status_id
),
used AS (
    SELECT DISTINCT status_id FROM raw_issues WHERE source = $source AND NOT is_deleted
    UNION
    SELECT DISTINCT to_status_id FROM raw_status_changes WHERE source = $source
),
unmapped AS (
    SELECT 'unmapped_status' AS "check", s.status_id AS subject,
           s.name || ' (' || s.category_key || ')' AS detail
    FROM raw_statuses AS s
    JOIN used AS u USING (status_id)
    WHERE s.source = $source
      AND EXISTS (SELECT 1 FROM cfg_stage)
      AND NOT EXISTS (SELECT 1 FROM cfg_stage AS c
                      WHERE c.status_ref = s.status_id OR lower(c.status_ref) = lower(s.name))
),
overrides AS (
    SELECT 'override_unknown' AS "check", o.source AS subject,
           'a source with no statuses in the warehouse' AS detail
    FROM (SELECT DISTINCT source FROM cfg_status_override WHERE source IS NOT NULL) AS o
    WHERE NOT EXISTS (SELECT 1 FROM raw_statuses AS s WHERE s.source = o.source)
    UNION ALL
    SELECT 'override_unknown', o.status_id,
           CASE WHEN o.source IS NULL THEN 'no status of any source' ELSE 'no status of this site' END
    FROM cfg_status_override AS o
    WHERE (o.source = $source OR o.source IS NULL)
      AND NOT EXISTS (SELECT 1 FROM raw_statuses AS s
                      WHERE s.status_id = o.status_id AND (o.source IS NULL OR s.source = o.source))
)
SELECT 'loaded_issues' AS "check", CAST(count(*) AS VARCHAR) AS subject, '' AS detail
FROM raw_issues WHERE source = $source AND NOT is_deleted
UNION ALL SELECT * FROM boards
UNION ALL SELECT * FROM cut
UNION ALL SELECT * FROM unmapped
UNION ALL SELECT * FROM overrides
ORDER BY 1, 2
