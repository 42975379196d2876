"""Story points vs cycle time (docs/metrics.md §5): ordering accuracy and Spearman's rho.

`ordering_scores(list of ranks)` is a SQL function (registered on every analysis connection
by `queries.connect`) that estimate_calibration.sql calls once per group. Both scores compare
every pair of issues in a group; SQL can only count those by joining each issue against the
distribution of every smaller point value (hundreds of thousands of rows sorted and joined at
100k issues). Here they are counted from arrays: for each point value and time, the issues
with smaller points that took less time (concordant) or more time (discordant) are
cumulative sums of a table of counts per point value and time, and the average ranks come
from cumulative counts of equal values. Same definitions, numbers and NULLs as the SQL it
replaced, in a fraction of the time.

The scores depend only on how an issue's points and time are ordered among the group's, ties
included. So the report ranks the distinct point values and cycle times once, in SQL, for
every group, and passes each issue as one number, `point rank * 2^32 + time rank` (`pack`
says the same in Python): the function never sorts a group, and a list of numbers reaches it
far faster than a list of pairs (docs/facts.md, "The estimate scores from ranks").
`ordering_scores(p, t)` scores arrays of any values the same way, ranking them first.
"""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.dataset  # noqa: F401 - DuckDB's arrow UDFs need it: here, not in the first question (16 ms)

NAME = "ordering_scores"
ARG = "BIGINT[]"     # per issue: its point value's rank * 2^32 + its time's rank (ranks from 0 or 1; no NULL)
RESULT = "STRUCT(ordering_accuracy DOUBLE, ordered_pairs BIGINT, spearman_rho DOUBLE)"
_SHIFT = 32
_MASK = (1 << _SHIFT) - 1


def pack(p_rank: np.ndarray, t_rank: np.ndarray) -> np.ndarray:
    """Each issue's two ranks as the one number the SQL function takes (the report writes
    the same in SQL: `(p_rank << 32) | t_rank`)."""
    return (np.asarray(p_rank, dtype=np.int64) << _SHIFT) | np.asarray(t_rank, dtype=np.int64)


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make `ordering_scores(...)` callable on `con` (vectorised: one call per chunk of groups).
    Connections to one file in one process share a catalog: the second finds it there; a
    connection that has it already (a load's connection registers it again to build the
    stored facts) keeps it."""
    try:
        con.create_function(NAME, _ordering_scores_arrow, [ARG], RESULT, type="arrow", null_handling="special")
    except duckdb.CatalogException as e:
        if "already exists" not in str(e):
            raise
    except duckdb.NotImplementedException as e:   # this very connection registered it
        if "already created" not in str(e):
            raise


def _ordering_scores_arrow(groups) -> pa.StructArray:
    if isinstance(groups, pa.ChunkedArray):
        groups = groups.combine_chunks()
    offsets = groups.offsets.to_numpy()   # into groups.values, whatever slice groups is
    keys = groups.values.to_numpy(zero_copy_only=False)
    valid = groups.is_valid().to_numpy(zero_copy_only=False)
    accuracy: list[float | None] = []
    pairs: list[int | None] = []
    rho: list[float | None] = []
    missing: list[bool] = []
    for i in range(len(groups)):
        k = keys[offsets[i]:offsets[i + 1]]
        scores = _scores(*_dense(k >> _SHIFT), *_dense(k & _MASK)) if valid[i] else None
        missing.append(scores is None)
        a, n, r = scores if scores is not None else (None, None, None)
        accuracy.append(a)
        pairs.append(n)
        rho.append(r)
    return pa.StructArray.from_arrays(
        [pa.array(accuracy, pa.float64()), pa.array(pairs, pa.int64()), pa.array(rho, pa.float64())],
        names=["ordering_accuracy", "ordered_pairs", "spearman_rho"], mask=pa.array(missing, pa.bool_()))


def ordering_scores(p: np.ndarray, t: np.ndarray) -> tuple[float | None, int, float | None] | None:
    """(ordering_accuracy, ordered_pairs, spearman_rho) of one group's issues, story points `p`
    against cycle time `t`; None when they carry fewer than two point values (no pair is
    ordered). ordered_pairs = concordant + discordant pairs (pairs with different points,
    ties in time counted in neither); ordering_accuracy = concordant / ordered_pairs (None
    when 0); spearman_rho = Pearson's correlation of the average ranks (ties share the mean
    of their positions; None when the times are all equal)."""
    _, value_of, n_v = np.unique(p, return_inverse=True, return_counts=True)
    _, t_rank, n_t = np.unique(t, return_inverse=True, return_counts=True)   # each time's rank
    return _scores(value_of.reshape(-1), n_v, t_rank.reshape(-1), n_t)


def _scores(value_of: np.ndarray, n_v: np.ndarray, t_rank: np.ndarray,
            n_t: np.ndarray) -> tuple[float | None, int, float | None] | None:
    """ordering_scores of one group from each issue's point value and time as their index
    among the group's distinct ones (0, 1, ... ascending) and how many issues have each."""
    if len(n_v) < 2:
        return None
    concordant, discordant = _pair_counts(value_of, t_rank, len(n_v))
    pairs = concordant + discordant
    return (concordant / pairs if pairs else None), pairs, _spearman(value_of, n_v, t_rank, n_t)


def _dense(rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks with gaps (a group holds some of the values ranked) made dense: each one's index
    among the distinct ones present, ascending, and how many there are of each. Without a
    sort when the ranks are no larger than a few times their number (a mark per possible
    rank, counted up), else by np.unique."""
    top = int(rank.max()) if len(rank) else -1
    if 0 <= top <= 4 * len(rank) + 4096:
        present = np.zeros(top + 1, dtype=bool)
        present[rank] = True
        index = np.cumsum(present) - 1
        dense = index[rank]
        return dense, np.bincount(dense)
    _, dense, counts = np.unique(rank, return_inverse=True, return_counts=True)
    return dense.reshape(-1), counts


# The most cells (point values x distinct times) of the count table _pair_counts holds at once.
_CELLS = 1 << 20


def _pair_counts(value_of: np.ndarray, rank: np.ndarray, k: int) -> tuple[int, int]:
    """(concordant, discordant) of one group: the pairs of issues with a smaller and a larger
    point value whose time rises, or falls, from the smaller to the larger (equal times: in
    neither). `value_of` is each issue's point value as its index 0..k-1 in ascending order,
    `rank` its time's as its index among the distinct times.
    Counted from a table of how many issues of each point value took each distinct time:
    cumulative sums over smaller values, then over shorter / longer times, give
    each cell's smaller-valued issues that took less / more time; whole numbers throughout,
    so exact. The point values are taken in blocks, so the table stays under _CELLS cells."""
    m = int(rank.max()) + 1 if len(rank) else 1
    before = np.zeros(m, dtype=np.int64)   # per time: issues of the point values before the block
    concordant = discordant = 0
    step = max(1, _CELLS // m)
    for lo in range(0, k, step):
        hi = min(k, lo + step)
        sel = (value_of >= lo) & (value_of < hi)
        counts = np.bincount((value_of[sel] - lo) * m + rank[sel], minlength=(hi - lo) * m)
        counts = counts.astype(np.int64).reshape(hi - lo, m)
        below = before + np.cumsum(counts, axis=0) - counts   # per cell: issues of smaller point values
        up_to = np.cumsum(below, axis=1)                     # ... that took at most this time
        concordant += int((counts * (up_to - below)).sum())              # ... less time
        discordant += int((counts * (up_to[:, -1:] - up_to)).sum())      # ... more time
        before += counts.sum(axis=0)
    return concordant, discordant


def _spearman(value_of: np.ndarray, n_v: np.ndarray, t_rank: np.ndarray, n_t: np.ndarray) -> float | None:
    """Spearman's rho of one group, exact to the bit whatever the order of its issues: the
    average ranks are doubled into whole numbers (2 * rank = 2 * cumulative count - count + 1),
    so the sums Σx², Σy², Σxy are exact integers (Σx = Σy = n(n + 1) for doubled ranks), and
    one float formula at the end gives rho = Sxy / sqrt(Sxx * Syy) with S = n Σ - (Σ)²
    (Pearson's r of the ranks; the factors of 2 and n cancel). None when either side's ranks
    do not vary. `value_of` / `t_rank`: each issue's point value / time as its index among
    the distinct ones, `n_v` / `n_t` how many issues have each."""
    n = len(t_rank)
    r_p = 2 * np.cumsum(n_v) - n_v + 1                 # doubled rank of each point value
    r_t = (2 * np.cumsum(n_t) - n_t + 1)[t_rank]       # doubled rank of each issue's time
    # Σ of the time ranks per point value: every partial sum is a whole number no larger than
    # Σ r_t = n(n + 1), so bincount's float sums are exact below 2^53 (else sum in int64)
    if n * (n + 1) < 2 ** 53:
        t_by_value = np.bincount(value_of, weights=r_t, minlength=len(n_v)).astype(np.int64)
    else:
        order = np.argsort(value_of, kind="stable")
        t_by_value = np.add.reduceat(r_t[order], np.concatenate(([0], np.cumsum(n_v)[:-1])))
    sum_xy = sum(int(a) * int(b) for a, b in zip(r_p.tolist(), t_by_value.tolist(), strict=True))
    sum_xx = sum(int(c) * int(r) ** 2 for c, r in zip(n_v.tolist(), r_p.tolist(), strict=True))
    sum_yy = _exact_sum(r_t * r_t, 4 * n * n)
    square = (n * (n + 1)) ** 2
    sxy, sxx, syy = n * sum_xy - square, n * sum_xx - square, n * sum_yy - square
    return float(sxy) / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None


def _exact_sum(x: np.ndarray, bound: int) -> int:
    """Σx as a Python int, exactly: `x` holds int64 values no larger than `bound`, summed in
    int64 over runs short enough never to overflow, the runs' sums in Python ints."""
    if not len(x):
        return 0
    step = max(1, (2 ** 62) // max(bound, 1))
    return sum(int(v) for v in np.add.reduceat(x, np.arange(0, len(x), step)).tolist())
