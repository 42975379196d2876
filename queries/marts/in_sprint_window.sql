-- scalar: stays, t_start, t_end
-- Does a sprint x issue pair count in the sprint over its window (t_start, t_end] (docs/metrics.md
-- §4)? Yes when one of the issue's stays in the sprint (`stays`: a list of {joined_at, left_at},
-- [joined_at, left_at), NULL left_at = still there) holds at t_start, or begins inside the
-- window (joins_in_window). Other pairs (taken out before the start, added after the end) have no row.
member_at(stays, t_start) OR len(joins_in_window(stays, t_start, t_end)) > 0
