-- scalar: actual, best, worst
-- A range estimate's hit (docs/metrics.md §5): the actual (estimate_actual) lies between best
-- and worst, bounds included; above worst is an overrun, below best an underrun. The
-- calibration figures, the worst misses, the tech-health KPI and a hit-rate agreement read it.
actual >= best AND actual <= worst
