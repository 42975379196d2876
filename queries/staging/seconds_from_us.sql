-- scalar: us
-- Seconds in a whole number of microseconds `us` (a BIGINT, or an exact sum of
-- micros_between): whole days as an integer plus the rest over 1e6, one rounding at the
-- end. seconds_between is this over one duration, so a total of one stay has its bits.
us::BIGINT // 86400000000 * 86400 + us::BIGINT % 86400000000 / 1e6
