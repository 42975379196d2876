-- scalar: stays, t_start, t_end
-- The stays of a sprint x issue pair (`stays`: a list of {joined_at, left_at}, [joined_at,
-- left_at), NULL left_at = still there) that begin inside the sprint's window (t_start, t_end]:
-- the issue joined the sprint after it started (docs/metrics.md §4, "added"). The sprint
-- replay counts them and reads the first (sprint_member_rows); a pair with one counts in the
-- window (in_sprint_window).
list_filter(stays, lambda s: s.joined_at > t_start AND s.joined_at <= t_end)
