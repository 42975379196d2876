-- Live (not deleted) issues with their work type (METRICS.md §6): the first config rule
-- that matches (issue type, any label, or any component; case-insensitive regex), else
-- the default work type. Sub-tasks are kept here (flag is_subtask); metrics drop them.
WITH issues AS (
    SELECT * FROM raw_issues WHERE NOT is_deleted
),
typed AS (
    SELECT
        i.*,
        coalesce(
            (
                SELECT r.work_type
                FROM cfg_work_type_rule AS r
                WHERE CASE r.field
                    WHEN 'issue_type' THEN regexp_matches(i.issue_type, r.pattern, 'i')
                    WHEN 'label' THEN len(list_filter(coalesce(i.labels, []::VARCHAR[]), lambda x: regexp_matches(x, r.pattern, 'i'))) > 0
                    WHEN 'component' THEN len(list_filter(coalesce(i.components, []::VARCHAR[]), lambda x: regexp_matches(x, r.pattern, 'i'))) > 0
                    ELSE false
                END
                ORDER BY r.position
                LIMIT 1
            ),
            (SELECT value FROM cfg_param WHERE key = 'default_work_type')
        ) AS work_type
    FROM issues AS i
)
SELECT * FROM typed
