-- scalar: instant
-- The reporting timezone's wall time of an instant (TIMESTAMPTZ -> TIMESTAMP): every local
-- day, week or month a figure is grouped by is `local_ts(x)::DATE` / date_trunc of it.
-- The zone is reporting_zone() (the configured `timezone`, UTC when unset). For UTC a cheap
-- epoch shift, the same wall time ICU's timezone() gives, at a fraction of its cost; ICU
-- otherwise.
CASE WHEN reporting_zone() = 'UTC'
     THEN make_timestamp(epoch_us(instant))
     ELSE timezone(reporting_zone(), instant) END
