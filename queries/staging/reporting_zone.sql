-- scalar:
-- The reporting timezone: the configured `timezone` (an IANA name), UTC when unset. Every
-- local day, week or month (local_ts), every bare date read as an instant (local_day_end)
-- and every printed instant (local_times) follows it (docs/architecture.md).
coalesce((SELECT value FROM cfg_param WHERE key = 'timezone'), 'UTC')
