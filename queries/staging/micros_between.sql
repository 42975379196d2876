-- scalar: from_at, to_at
-- Whole microseconds from from_at to to_at, as a DOUBLE holding an integer. Durations that
-- are added up (an issue's stays in a status, its rework, flagged time) are summed in these
-- and turned into seconds once (`seconds_from_us(sum(micros_between(a, b)))`): every addend
-- and every partial sum is an integer below 2^53 µs (285 years, far beyond any date the
-- data may carry), so each addition is exact and the total is the same to the bit in
-- whatever order DuckDB's threads add the rows, at the cost of a float sum (a BIGINT sum
-- accumulates in a HUGEINT: time_in_status took 5% longer, 25% converting the HUGEINT).
-- docs/metrics.md "Exact to the bit".
(epoch_us(to_at) - epoch_us(from_at))::DOUBLE
