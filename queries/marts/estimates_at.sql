-- args: changes
-- The one rule that replays an issue's estimate and time-tracking fields to their value at
-- an instant `fact_at` (docs/metrics.md §1): the last change up to it (its `to`), else the first
-- change's `from` (the value before any change, when every change is later); a field with no
-- change keeps the issue's current value, which the caller supplies through replayed_or_current.
--   changes: the name of a caller's CTE of stg_issue_field_changes rows (source, issue_id,
--            field_key, changed_at, from_number, to_number, ord) with the instant `fact_at` to
--            replay them to, of the issues to replay only (the caller filters); an issue may
--            come with several instants (all its changes once per instant). `source` and
--            `issue_id` only group the rows: a caller may pass any key of the issue in them
--            (fct_issue_versions passes its number per issue, with a NULL source).
-- Returns one row per issue and instant in `changes`, one column per field: a struct
-- {'v': value} (its value may be NULL: a field cleared), or NULL when the field has no change.
SELECT
    source,
    issue_id,
    fact_at,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'story_points' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'story_points')) AS story_points,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_best' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_best')) AS estimate_best,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_likely' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_likely')) AS estimate_likely,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'estimate_worst' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'estimate_worst')) AS estimate_worst,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'original_estimate' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'original_estimate')) AS original_estimate,
    coalesce(arg_max({'v': to_number}, ord) FILTER (WHERE field_key = 'time_spent' AND changed_at <= fact_at),
             arg_min({'v': from_number}, ord) FILTER (WHERE field_key = 'time_spent')) AS time_spent
FROM query_table(changes)
GROUP BY source, issue_id, fact_at
