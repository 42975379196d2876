-- The day each of $instants (a list of instants) falls on in the reporting timezone, one row
-- each in the list's order: the rule every local day follows (local_ts), for the analyses
-- written in Python (the forecast's day 0 and window, the day a forecast's claims are judged
-- on, the tech-health slide's period), so they read the zone nowhere else.
SELECT local_ts(u.instant)::DATE AS day
FROM (SELECT unnest($instants::TIMESTAMPTZ[]) AS instant, generate_subscripts($instants::TIMESTAMPTZ[], 1) AS i) AS u
ORDER BY u.i
