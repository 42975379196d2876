-- scalar: best, likely, worst
-- A usable range estimate: all three values present, in order (best <= likely <= worst) and
-- likely > 0. Only usable ranges are scored (hit rate, bias, MdMRE, the retro verdicts, the
-- tech-health KPI, the forecast's plan check); NULL when a value is missing, so callers
-- that need a plain yes/no write coalesce(usable_range(...), false).
best <= likely AND likely <= worst AND likely > 0
