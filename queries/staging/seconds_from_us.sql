-- scalar: us
-- Seconds in a whole number of microseconds `us` (a BIGINT, or the HUGEINT sum of many):
-- whole days as an integer plus the rest over 1e6, so one rounding at the end. A total
-- duration is summed in microseconds first and converted once (`seconds_from_us(sum(...))`):
-- an integer sum is exact in any order, so the figure is the same to the bit however
-- DuckDB's threads split the rows (docs/metrics.md, "Exact to the bit").
us // 86400000000 * 86400 + us % 86400000000 / 1e6
