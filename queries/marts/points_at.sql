-- scalar: path, instant
-- The estimate held at `instant` by a path of estimate segments ({valid_from, valid_to,
-- points}; holding), NULL when none holds. The sprint replay reads it at the sprint's start,
-- when the issue first joined, when it last left and at the end (sprint_member_rows).
list_max(list_transform(holding(path, instant), lambda s: s.points))
