-- scalar: from_at, to_at
-- Seconds from from_at to to_at (negative when to_at is earlier): exactly what
-- epoch(to_at - from_at) returns (whole days plus the rest, to the same bit), computed on
-- the microsecond counts instead of building an INTERVAL per row (several times faster
-- over hundreds of thousands of status stays).
seconds_from_us(epoch_us(to_at) - epoch_us(from_at))
