-- args: as_of
-- One row per issue as of `as_of` (docs/metrics.md §1–3, §6): the contract the other marts,
-- reports and pages build on. Sub-tasks are excluded (their parents count); issues created
-- after as_of are absent; history after as_of is ignored. Each issue's version holding as_of
-- (fct_issue_versions, where every rule and column is described) with its current values
-- (issue_facts_of).
WITH versions AS (
    SELECT * FROM fct_issue_versions(as_of)
)
SELECT * FROM issue_facts_of('versions', as_of)
