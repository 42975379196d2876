-- args: as_of, instant, in_board, in_project, window_from, window_to
-- fct_forecast_sample at `instant`, no later than as_of (the instant the facts are
-- read as known at: the stored one, when `instant` is not later): the columns the forecast reads
-- (flow__forecast_inputs). At `instant` = as_of it is fct_forecast_sample itself. At an earlier
-- instant it is read from what is known at as_of instead of computing the issue facts at
-- `instant` (docs/facts.md "Completions at many instants"):
--   the issues: those of fct_issue_scoped(as_of) created by `instant`;
--   completion: the completion span holding `instant` (fct_completion_spans);
--   start: an issue's start is its first entry into progress (or creation), so at `instant` it is
--     the start known at as_of if that is no later than `instant`, else none (cycle time: none);
--   estimates and time spent: the value known at as_of when the field has no change after
--     `instant` up to as_of; else replayed to `instant` by estimates_at, the rule fct_issue_facts
--     replays them to as_of with (the last change up to `instant`, else the first change's `from`).
-- Only one branch is computed: `instant` and as_of are bound parameters, compared when the
-- query is bound.
WITH issues AS (
    SELECT * FROM fct_issue_scoped(as_of, in_board, in_project)
    WHERE instant IS DISTINCT FROM as_of AND created_at <= instant
),
spans AS (
    SELECT source, issue_id, completed_at, completed_on
    FROM fct_completion_spans(as_of, in_board, in_project)
    WHERE instant IS DISTINCT FROM as_of AND valid_from <= instant AND (valid_to IS NULL OR valid_to > instant)
),
changed AS (
    -- issues with a change of an estimate or time spent after `instant` (up to as_of)
    SELECT DISTINCT source, issue_id
    FROM stg_issue_field_changes
    WHERE instant IS DISTINCT FROM as_of
      AND field_key IN ('estimate_best', 'estimate_likely', 'estimate_worst', 'time_spent')
      AND changed_at > instant AND changed_at <= as_of
),
changed_fields AS (
    SELECT f.*, instant AS fact_at
    FROM stg_issue_field_changes AS f
    SEMI JOIN changed AS c ON c.source = f.source AND c.issue_id = f.issue_id
    WHERE f.field_key IN ('estimate_best', 'estimate_likely', 'estimate_worst', 'time_spent')
),
estimates AS (
    SELECT * FROM estimates_at('changed_fields')
),
earlier AS (
    SELECT
        i.source,
        i.issue_id,
        i.issue_key,
        s.completed_at,
        s.completed_on,
        CASE WHEN s.completed_at IS NOT NULL AND i.start_at <= instant
             THEN seconds_between(i.start_at, s.completed_at) / 86400.0 END AS cycle_time_days,
        replayed_or_current(e.time_spent, i.time_spent_seconds) AS time_spent_seconds,
        replayed_or_current(e.estimate_best, i.estimate_best) AS estimate_best,
        replayed_or_current(e.estimate_likely, i.estimate_likely) AS estimate_likely,
        replayed_or_current(e.estimate_worst, i.estimate_worst) AS estimate_worst
    FROM issues AS i
    LEFT JOIN spans AS s USING (source, issue_id)
    LEFT JOIN estimates AS e USING (source, issue_id)
    WHERE s.completed_at IS NULL OR s.completed_on BETWEEN window_from::DATE AND window_to::DATE
)
SELECT source, issue_id, issue_key, completed_at, completed_on, cycle_time_days, time_spent_seconds,
       estimate_best, estimate_likely, estimate_worst
FROM fct_forecast_sample(as_of, in_board, in_project, window_from, window_to)
WHERE instant IS NOT DISTINCT FROM as_of
UNION ALL
SELECT * FROM earlier
