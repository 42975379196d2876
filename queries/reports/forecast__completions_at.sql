-- forecast__completions at an instant $at no later than $as_of: the items completed in scope
-- after $since, as known at $at (completion instant and its day in the reporting timezone),
-- read from fct_completion_spans as known at $as_of (the spans holding $at), so another
-- instant than the stored one costs a range predicate over the stored status stays.
SELECT s.completed_at, s.completed_on
FROM fct_completion_spans($as_of, $board_id, $project) AS s
WHERE s.valid_from <= $at::TIMESTAMPTZ AND (s.valid_to IS NULL OR s.valid_to > $at::TIMESTAMPTZ)
  AND s.completed_at > $since::TIMESTAMPTZ
ORDER BY s.completed_at
