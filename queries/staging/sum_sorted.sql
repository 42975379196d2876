-- scalar: vals
-- The sum of a list of doubles added smallest first (NULLs skipped; NULL when none), for a
-- total over rows DuckDB's threads meet in no fixed order: `sum_sorted(list(x) FILTER (...))`
-- where `sum(x) FILTER (...)` would be. Adding floating-point numbers depends on their
-- order; sorted, the sequence is fixed (equal values are interchangeable), so the total has
-- the same bits on every run. Story points (a sprint's totals, the debt share) and a week's
-- rework days; durations are summed exactly in microseconds instead (micros_between).
-- docs/metrics.md "Exact to the bit".
list_sum(list_sort(vals))
