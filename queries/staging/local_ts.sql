-- scalar: instant
-- The reporting timezone's wall time of an instant (TIMESTAMPTZ -> TIMESTAMP): every local
-- day, week or month a figure is grouped by is `local_ts(x)::DATE` / date_trunc of it.
-- The zone is the configured `timezone` (UTC when unset). For UTC a cheap epoch shift,
-- the same wall time ICU's timezone() gives, at a fraction of its cost; ICU otherwise.
CASE WHEN coalesce((SELECT value FROM cfg_param WHERE key = 'timezone'), 'UTC') = 'UTC'
     THEN make_timestamp(epoch_us(instant))
     ELSE timezone(coalesce((SELECT value FROM cfg_param WHERE key = 'timezone'), 'UTC'), instant) END
