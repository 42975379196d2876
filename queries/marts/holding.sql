-- scalar: path, instant
-- The segments of a path (a list of {valid_from, valid_to, ...}: a field's values over time,
-- each held in [valid_from, valid_to); NULL valid_from = since forever, NULL valid_to = still)
-- that hold at `instant`. The segments of one field partition time, so one holds at most; a
-- zero-length segment (two changes at one instant) holds at none. The sprint replay reads a
-- member's status and estimate at its sprint's start, when it joined or left and at the end
-- through it (sprint_member_rows).
list_filter(path, lambda s: coalesce(s.valid_from <= instant, true) AND (s.valid_to IS NULL OR s.valid_to > instant))
