-- Live (not deleted) issues with their work type (docs/metrics.md §6): the first config rule
-- that matches (issue type, any label, or any component; case-insensitive regex), else
-- the default work type. Sub-tasks are kept here (flag is_subtask); metrics drop them.
-- is_escaped_bug: a bug (work type `bug`) carrying one of the configured "found in
-- production" labels (default: production, escaped; case-insensitive).
-- Rules are matched against the distinct types / labels / components (a few hundred
-- values), not per issue, so a million issues cost one join, not a million regexes.
WITH issues AS (
    -- (the columns no figure reads are left out: this parse is stored with every load)
    SELECT * EXCLUDE (is_deleted, resolution, fix_versions, updated_at) FROM raw_issues WHERE NOT is_deleted
),
issue_labels AS (
    SELECT source, issue_id, unnest(labels) AS label FROM issues
),
issue_components AS (
    SELECT source, issue_id, unnest(components) AS component FROM issues
),
type_rules AS (
    SELECT t.issue_type, r.position, r.work_type
    FROM (SELECT DISTINCT issue_type FROM issues) AS t
    JOIN cfg_work_type_rule AS r ON r.field = 'issue_type' AND regexp_matches(t.issue_type, r.pattern, 'i')
),
label_rules AS (
    SELECT l.label, r.position, r.work_type
    FROM (SELECT DISTINCT label FROM issue_labels) AS l
    JOIN cfg_work_type_rule AS r ON r.field = 'label' AND regexp_matches(l.label, r.pattern, 'i')
),
component_rules AS (
    SELECT c.component, r.position, r.work_type
    FROM (SELECT DISTINCT component FROM issue_components) AS c
    JOIN cfg_work_type_rule AS r ON r.field = 'component' AND regexp_matches(c.component, r.pattern, 'i')
),
matches AS (
    SELECT source, issue_id, arg_min(work_type, position) AS work_type
    FROM (
        SELECT i.source, i.issue_id, t.position, t.work_type
        FROM issues AS i JOIN type_rules AS t USING (issue_type)
        UNION ALL
        SELECT l.source, l.issue_id, r.position, r.work_type
        FROM issue_labels AS l JOIN label_rules AS r USING (label)
        UNION ALL
        SELECT c.source, c.issue_id, r.position, r.work_type
        FROM issue_components AS c JOIN component_rules AS r USING (component)
    )
    GROUP BY source, issue_id
),
escaped AS (
    SELECT DISTINCT l.source, l.issue_id
    FROM issue_labels AS l
    JOIN (
        SELECT unnest(string_split(coalesce(value, ''), ',')) AS label
        FROM cfg_param WHERE key = 'escaped_bug_labels'
    ) AS e ON lower(trim(e.label)) = lower(l.label) AND trim(e.label) <> ''
),
final AS (
    SELECT
        i.*,
        coalesce(m.work_type, (SELECT value FROM cfg_param WHERE key = 'default_work_type')) AS work_type,
        coalesce(m.work_type, (SELECT value FROM cfg_param WHERE key = 'default_work_type')) = 'bug'
            AND e.issue_id IS NOT NULL AS is_escaped_bug
    FROM issues AS i
    LEFT JOIN matches AS m USING (source, issue_id)
    LEFT JOIN escaped AS e USING (source, issue_id)
)
SELECT * FROM final
