-- Each of $instants (a list of instants) as the reporting timezone's wall clock, to the minute,
-- with the zone's name ('2026-11-19 06:00 Pacific/Auckland'; NULL for a missing one), one row
-- each in the list's order: how the pages and the slide print an instant (the as-of, the data's
-- freshness), by the rule every local day follows (local_ts).
SELECT strftime(local_ts(u.instant), '%Y-%m-%d %H:%M') || ' '
       || reporting_zone() AS label
FROM (SELECT unnest($instants::TIMESTAMPTZ[]) AS instant, generate_subscripts($instants::TIMESTAMPTZ[], 1) AS i) AS u
ORDER BY u.i
