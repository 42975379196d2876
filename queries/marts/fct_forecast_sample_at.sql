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
--     `instant` up to as_of; else replayed as fct_issue_facts does (the last change up to `instant`,
--     else the first change's `from`).
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
estimates AS (
    SELECT
        f.source, f.issue_id,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_best' AND changed_at <= instant) AS eb_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_best') AS eb_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_likely' AND changed_at <= instant) AS el_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_likely') AS el_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_worst' AND changed_at <= instant) AS ew_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_worst') AS ew_first,
        arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'time_spent' AND changed_at <= instant) AS ts_last,
        arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'time_spent') AS ts_first
    FROM stg_issue_field_changes AS f
    SEMI JOIN changed AS c ON c.source = f.source AND c.issue_id = f.issue_id
    WHERE f.field_key IN ('estimate_best', 'estimate_likely', 'estimate_worst', 'time_spent')
    GROUP BY ALL
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
        CASE WHEN e.issue_id IS NULL THEN i.time_spent_seconds
             WHEN e.ts_last IS NOT NULL THEN e.ts_last.v WHEN e.ts_first IS NOT NULL THEN e.ts_first.v
             ELSE i.time_spent_seconds END AS time_spent_seconds,
        CASE WHEN e.issue_id IS NULL THEN i.estimate_best
             WHEN e.eb_last IS NOT NULL THEN e.eb_last.v WHEN e.eb_first IS NOT NULL THEN e.eb_first.v
             ELSE i.estimate_best END AS estimate_best,
        CASE WHEN e.issue_id IS NULL THEN i.estimate_likely
             WHEN e.el_last IS NOT NULL THEN e.el_last.v WHEN e.el_first IS NOT NULL THEN e.el_first.v
             ELSE i.estimate_likely END AS estimate_likely,
        CASE WHEN e.issue_id IS NULL THEN i.estimate_worst
             WHEN e.ew_last IS NOT NULL THEN e.ew_last.v WHEN e.ew_first IS NOT NULL THEN e.ew_first.v
             ELSE i.estimate_worst END AS estimate_worst
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
