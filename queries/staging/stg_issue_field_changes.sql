-- Numeric estimate/time-tracking field changes (of every issue: the marts join to live
-- issues), with the values parsed as
-- numbers (value first, display string second) and the changelog order `ord` (change_ord)
-- for windows and arg_max / arg_min (it replaces the history id and item position).
-- Used to replay an issue's estimates as of any instant.
SELECT
    c.source,
    c.issue_id,
    c.field_key,
    c.changed_at,
    coalesce(try_cast(c.from_value AS DOUBLE), try_cast(c.from_string AS DOUBLE)) AS from_number,
    coalesce(try_cast(c.to_value AS DOUBLE), try_cast(c.to_string AS DOUBLE)) AS to_number,
    change_ord(c.changed_at, c.history_id, c.item_seq) AS ord
FROM raw_field_changes AS c
WHERE c.field_key IN ('story_points', 'estimate_best', 'estimate_likely', 'estimate_worst',
                      'original_estimate', 'time_spent')
