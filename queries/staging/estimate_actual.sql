-- scalar: cycle_time_days, time_spent_seconds
-- What a range estimate (best / likely / worst) is scored against, in the configured
-- estimate unit (`estimate_unit`: days, or hours of elapsed time — 24 to a day): the cycle
-- time, or the time logged when `range_actual` = time_spent (seconds / 86,400 per day,
-- / 3,600 per hour). Every calibration figure, retro verdict and tech-health KPI uses it.
CASE WHEN (SELECT value FROM cfg_param WHERE key = 'range_actual') = 'time_spent'
     THEN time_spent_seconds
          / CASE (SELECT value FROM cfg_param WHERE key = 'estimate_unit') WHEN 'hours' THEN 3600.0 ELSE 86400.0 END
     ELSE cycle_time_days
          * CASE (SELECT value FROM cfg_param WHERE key = 'estimate_unit') WHEN 'hours' THEN 24.0 ELSE 1.0 END
END
