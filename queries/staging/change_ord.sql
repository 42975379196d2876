-- scalar: changed_at, history_id, item_seq
-- The one order of an issue's changelog (status, sprint and estimate changes alike): by
-- time, then by history id as a number, then by the item's position inside the history.
-- Packed into one HUGEINT so that windows, arg_max/arg_min and comparisons sort on a
-- single number: changed_at in µs in the high 64 bits, then 48 bits of history id, then
-- 16 bits of item position (a Jira history holds a handful of items, far below 65,536).
-- Jira's history ids are whole numbers (well below 2^46), ordered as numbers ('99' before
-- '100'). A history id that is not a whole number in [0, 2^46) (an import that invents its
-- own ids, e.g. 'h12') sorts after every numeric id of the same instant; several such
-- histories at one instant keep their items together, in an arbitrary but fixed order
-- (by a hash of the id). Changes at different instants are never affected.
(epoch_us(changed_at)::HUGEINT << 64)
    + (coalesce(
        CASE WHEN try_cast(history_id AS BIGINT) BETWEEN 0 AND 70368744177663
             THEN try_cast(history_id AS BIGINT) END,
        70368744177664 + (hash(history_id) % 70368744177664)::BIGINT
      )::HUGEINT << 16)
    + item_seq
