-- args: as_of
-- One row per issue as of `as_of` (docs/metrics.md §1–3, §6): the contract the other marts,
-- reports and pages build on. Sub-tasks are excluded (their parents count); issues created
-- after as_of are absent; history after as_of is ignored. Each issue's version holding as_of
-- (fct_issue_versions, where every rule and column is described) with its current values
-- (issue_facts_of). created_on is a date in the configured reporting timezone.
WITH statics AS (
    SELECT source, issue_id, issue_key, project_key, issue_type, work_type, summary, created_at, resolved_at,
           labels, components, is_escaped_bug, is_epic_type(issue_type) AS is_epic, epic_id, parent_id,
           sprint_ids, local_ts(created_at)::DATE AS created_on
    FROM stg_issues
    WHERE issue_counts_at(is_subtask, created_at, as_of)
),
versions AS (
    SELECT * FROM fct_issue_versions(as_of)
)
SELECT * FROM issue_facts_of('statics', 'versions', as_of)
