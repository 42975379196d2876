-- scalar: estimate
-- A range estimate (best / likely / worst, in the configured estimate unit) in days:
-- as it is for `estimate_unit` = days, / 24 for hours (the inverse of estimate_actual).
estimate / CASE (SELECT value FROM cfg_param WHERE key = 'estimate_unit') WHEN 'hours' THEN 24.0 ELSE 1.0 END
