-- The last second of $day in the reporting timezone (23:59:59 there) as an instant: what a bare
-- date means wherever an instant is asked (the sidebar's as-of day, `--as-of 2026-03-31`,
-- `--param as_of=2026-03-31`). The inverse of local_ts (staging/local_ts.sql), reading the zone
-- as it does.
SELECT timezone(reporting_zone(), $day::DATE + INTERVAL 86399 SECOND) AS at
