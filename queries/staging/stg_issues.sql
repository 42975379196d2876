-- Live (not deleted) issues with their work type (docs/metrics.md §6): the first config rule
-- that matches (issue type, any label, or any component; case-insensitive regex), else
-- the default work type. Sub-tasks are kept here (flag is_subtask); metrics drop them.
-- is_escaped_bug: a bug (work type `bug`) carrying one of the configured "found in
-- production" labels (default: production, escaped; case-insensitive).
-- Rules are matched against the distinct types / labels / components (a few hundred
-- values), not per issue, so a million issues cost a few map lookups each, not a million
-- regexes.
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
rule_maps AS (
    -- per matching type, label and component, the first rule it matches (lowest position):
    -- three short maps, so that each issue looks its values up in place (a join with the
    -- matches would carry a million wide issue rows through a hash table)
    SELECT
        (SELECT map_from_entries(list((issue_type, best))) FROM (
            SELECT issue_type, min({'position': position, 'work_type': work_type}) AS best
            FROM type_rules GROUP BY issue_type)) AS by_type,
        (SELECT map_from_entries(list((label, best))) FROM (
            SELECT label, min({'position': position, 'work_type': work_type}) AS best
            FROM label_rules GROUP BY label)) AS by_label,
        (SELECT map_from_entries(list((component, best))) FROM (
            SELECT component, min({'position': position, 'work_type': work_type}) AS best
            FROM component_rules GROUP BY component)) AS by_component,
        (SELECT list(DISTINCT lower(trim(e.label))) FILTER (WHERE trim(e.label) <> '') FROM (
            SELECT unnest(string_split(coalesce(value, ''), ',')) AS label
            FROM cfg_param WHERE key = 'escaped_bug_labels') AS e) AS escaped_labels,
        (SELECT value FROM cfg_param WHERE key = 'default_work_type') AS default_work_type
),
typed AS (
    -- the first rule any of the issue's type, labels or components matches (positions
    -- are unique, so the lowest one names one rule)
    SELECT
        i.*,
        coalesce(list_min(list_concat(
            [r.by_type[i.issue_type]],
            list_transform(i.labels, lambda l: r.by_label[l]),
            list_transform(i.components, lambda c: r.by_component[c]))).work_type,
            r.default_work_type) AS work_type,
        coalesce(list_has_any(list_transform(i.labels, lambda l: lower(l)), r.escaped_labels), false) AS has_escaped_label
    FROM issues AS i CROSS JOIN rule_maps AS r
),
final AS (
    SELECT
        * EXCLUDE (has_escaped_label),
        work_type = 'bug' AND has_escaped_label AS is_escaped_bug
    FROM typed
)
SELECT * FROM final
