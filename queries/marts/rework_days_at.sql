-- scalar: closed_us, open_since, instant
-- An issue's rework days at `instant` (docs/metrics.md §3 "Rework"), from what
-- fct_issue_versions keeps of its rework intervals: closed_us, the union of the intervals that
-- had ended, in whole microseconds (0 when none), and open_since, where the part still
-- running at `instant` starts (NULL when nothing runs). Exact at any instant up to the
-- issue's next event, so the issue facts at a past instant are read from their versions
-- (fct_issue_versions) without replaying the history: the microseconds are added as whole
-- numbers and turned into days once, as the union's own sum is.
seconds_from_us(closed_us + CASE WHEN open_since IS NULL THEN 0 ELSE greatest(micros_between(open_since, instant), 0) END)
    / 86400.0
