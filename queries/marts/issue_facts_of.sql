-- args: versions, as_of
-- The issue facts at `as_of` (fct_issue_facts) from issue versions (fct_issue_versions:
-- `versions` names a relation of them, seen at as_of or at any later instant, such as the
-- stored facts.issue_versions): each issue created by as_of, not a sub-task, with the version
-- holding as_of for the columns that follow its history (rework_days computed at as_of:
-- rework_days_at; cycle and lead time from its start and completion; *_on / completed_week:
-- dates in the configured reporting timezone, ISO week Monday) and its current values for
-- the others. The one place the two are put together, for the mart at any as_of and for a
-- reader of the stored versions.
SELECT
    i.source,
    i.issue_id,
    i.issue_key,
    i.project_key,
    i.issue_type,
    i.work_type,
    v.status,
    v.status_id,
    v.status_category,
    i.summary,
    i.created_at,
    v.start_at,
    v.completed_at,
    i.resolved_at,
    CASE WHEN v.completed_at IS NOT NULL AND v.start_at IS NOT NULL
         THEN seconds_between(v.start_at, v.completed_at) / 86400.0 END AS cycle_time_days,
    CASE WHEN v.completed_at IS NOT NULL
         THEN seconds_between(i.created_at, v.completed_at) / 86400.0 END AS lead_time_days,
    v.story_points,
    v.estimate_best,
    v.estimate_likely,
    v.estimate_worst,
    v.original_estimate_seconds,
    v.time_spent_seconds,
    v.backward_transitions,
    v.qa_bounces,
    v.reopens,
    rework_days_at(v.rework_closed_us, v.rework_open_since, as_of) AS rework_days,
    i.labels,
    i.components,
    i.is_escaped_bug,
    is_epic_type(i.issue_type) AS is_epic,
    i.epic_id,
    i.parent_id,
    i.sprint_ids,
    local_ts(i.created_at)::DATE AS created_on,
    local_ts(v.start_at)::DATE AS start_on,
    local_ts(v.completed_at)::DATE AS completed_on,
    date_trunc('week', local_ts(v.completed_at))::DATE AS completed_week
FROM stg_issues AS i
JOIN query_table(versions) AS v USING (source, issue_id)
WHERE NOT i.is_subtask AND i.created_at <= as_of
  AND v.valid_from <= as_of AND (v.valid_to IS NULL OR v.valid_to > as_of)
