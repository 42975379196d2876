-- scalar: stays, instant
-- Was a sprint x issue pair in the sprint at `instant`? Yes when one of its stays (`stays`: a
-- list of {joined_at, left_at}, [joined_at, left_at), NULL left_at = still there) holds it.
-- The sprint replay reads it at the sprint's start and end and at the instant the issue
-- became done (sprint_member_rows), and to tell which pairs count (in_sprint_window).
list_bool_or(list_transform(stays, lambda s: s.joined_at <= instant AND (s.left_at IS NULL OR s.left_at > instant)))
