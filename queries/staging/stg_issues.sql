-- Live (not deleted) issues with their work type (METRICS.md §6): the first config rule
-- that matches (issue type, any label, or any component; case-insensitive regex), else
-- the default work type. Sub-tasks are kept here (flag is_subtask); metrics drop them.
-- is_escaped_bug: a bug (work type `bug`) carrying one of the configured "found in
-- production" labels (default: production, escaped; case-insensitive).
WITH issues AS (
    SELECT * FROM raw_issues WHERE NOT is_deleted
),
matches AS (
    SELECT
        i.source,
        i.issue_id,
        arg_min(r.work_type, r.position) AS work_type
    FROM issues AS i
    CROSS JOIN cfg_work_type_rule AS r
    WHERE CASE r.field
        WHEN 'issue_type' THEN regexp_matches(i.issue_type, r.pattern, 'i')
        WHEN 'label' THEN len(list_filter(coalesce(i.labels, []::VARCHAR[]), lambda x: regexp_matches(x, r.pattern, 'i'))) > 0
        WHEN 'component' THEN len(list_filter(coalesce(i.components, []::VARCHAR[]), lambda x: regexp_matches(x, r.pattern, 'i'))) > 0
        ELSE false
    END
    GROUP BY ALL
),
escaped_labels AS (
    SELECT list_transform(string_split(coalesce(value, ''), ','), lambda x: lower(trim(x))) AS labels
    FROM cfg_param
    WHERE key = 'escaped_bug_labels'
),
typed AS (
    SELECT
        i.*,
        coalesce(m.work_type, (SELECT value FROM cfg_param WHERE key = 'default_work_type')) AS work_type
    FROM issues AS i
    LEFT JOIN matches AS m USING (source, issue_id)
),
final AS (
    SELECT
        t.*,
        t.work_type = 'bug'
            AND len(list_intersect(list_transform(coalesce(t.labels, []::VARCHAR[]), lambda x: lower(x)),
                                   (SELECT labels FROM escaped_labels))) > 0 AS is_escaped_bug
    FROM typed AS t
)
SELECT * FROM final
