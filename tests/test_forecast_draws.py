"""The forecast's resampling draws exactly what `Generator.choice` would (queries/forecast.py
`draw`): same values, same generator state after, so a seed gives the answers it always gave."""

from __future__ import annotations

import numpy as np
import pytest

from queries import forecast as fc


@pytest.mark.parametrize("n", [1, 2, 3, 90, 3000, 70_001])
def test_draw_is_choice(n):
    values = np.arange(n, dtype=np.float64) * 1.5 + 0.25
    a, b = np.random.default_rng(n), np.random.default_rng(n)
    assert np.array_equal(fc.draw(a, values, (37, 11)), b.choice(values, size=(37, 11), replace=True))
    assert a.random() == b.random()      # the stream carries on from the same state


def _when_whole_blocks(daily, items, runs, rng):
    """simulate_when as first written: each block's cumulative sums over all its days."""
    out, done, todo = np.full(runs, np.nan), np.zeros(runs, dtype=np.int64), np.arange(runs)
    for start in range(0, fc.MAX_DAYS, 365):
        cum = done[todo, None] + np.cumsum(rng.choice(daily, size=(todo.size, 365), replace=True), axis=1)
        hit = cum >= items
        reached = hit.any(axis=1)
        out[todo[reached]] = start + hit.argmax(axis=1)[reached] + 1
        done[todo] = cum[:, -1]
        todo = todo[~reached]
        if todo.size == 0:
            break
    return out


@pytest.mark.parametrize("daily,items", [([0, 0, 1, 5, 0, 2, 40], 1), ([0, 0, 1, 5, 0, 2, 40], 60),
                                         ([0, 0, 1, 5, 0, 2, 40], 2000), ([0, 0, 0, 1], 200),
                                         ([3, 4], 7), ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 355)])
def test_when_matches_whole_block_sums(daily, items):
    # the early exit within a block gives the days (and leaves the generator where) the
    # whole-block sums did; the last case runs past ten years for some runs (NaN)
    daily = np.array(daily)
    a, b = np.random.default_rng(items), np.random.default_rng(items)
    got, want = fc.simulate_when(daily, items, 300, a), _when_whole_blocks(daily, items, 300, b)
    assert np.array_equal(got, want, equal_nan=True)
    assert a.random() == b.random()
