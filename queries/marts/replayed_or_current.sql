-- scalar: replayed, current_value
-- A field's value at an instant from its replay (a column of estimates_at, NULL when the
-- field has no change) and the issue's current value (what holds when nothing changed it).
CASE WHEN replayed IS NOT NULL THEN replayed.v ELSE current_value END
