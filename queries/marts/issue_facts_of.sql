-- args: statics, versions, as_of
-- The issue facts at `as_of` (fct_issue_facts) from issue versions: `versions` names a
-- relation of versions (fct_issue_versions, seen at as_of or at any later instant, such as
-- the stored facts.issue_versions), `statics` one of the issues' columns that do not follow
-- the history (key, type, summary, labels, created_at and created_on, resolved_at, is_epic,
-- ...; fct_issue_facts' own from the parsed issues, or the stored facts.issue_facts). Each
-- issue created by as_of with the version holding as_of, its rework_days computed at as_of
-- (rework_days_at). The one place the two are put together: the mart at any as_of, and a
-- reader of the stored versions (issue_facts_between).
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
    v.cycle_time_days,
    v.lead_time_days,
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
    i.is_epic,
    i.epic_id,
    i.parent_id,
    i.sprint_ids,
    i.created_on,
    v.start_on,
    v.completed_on,
    v.completed_week
FROM query_table(statics) AS i
JOIN query_table(versions) AS v USING (source, issue_id)
WHERE i.created_at <= as_of
  AND v.valid_from <= as_of AND (v.valid_to IS NULL OR v.valid_to > as_of)
