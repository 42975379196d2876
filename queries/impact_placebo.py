"""Placebo-in-time calibration of the impact interval (docs/impact.md, "Calibrating against
the metric's own history"), pure numpy.

The impact estimator (queries/impact.py) is re-run at every earlier day of the series as if
something had shipped there, with the same window, lag and model. Nothing shipped on those
days, so their "effects" show how large an effect this metric produces by itself: spikes,
holidays, level shifts and changes of variance that happened before count as noise.

Each placebo effect is divided by the residual standard deviation of its own pre window
(the statistic z = effect / s), so the calibration carries over to a stretch of the series
that is noisier or calmer than the history; the interval is then effect ± k95 · s with k95
the 95th percentile of |z| over the placebo days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

SPANS_NEEDED = 3        # placebo days must cover at least this many analysis spans (2W + L days each)
LOOKBACK_DAYS = 1095    # placebo days are taken from at most three years before shipping


@dataclass(frozen=True)
class Placebo:
    """Standardised placebo effects: z = effect / (pre-window residual sd), one per placebo day."""

    z: np.ndarray
    needed: int                 # how many placebo days calibration needs

    @property
    def n(self) -> int:
        return len(self.z)

    @property
    def enough(self) -> bool:
        return self.n >= self.needed

    def k(self, level: float) -> float:
        """The `level` quantile of |z| (0.95 -> half-width of the 95 % interval in units of s)."""
        return float(np.quantile(np.abs(self.z), level)) if self.n else float("nan")


def design(t: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Level, linear trend (per week) and six day-of-week dummies (the model of queries.impact)."""
    x = np.zeros((len(t), 8))
    x[:, 0] = 1.0
    x[:, 1] = t / 7.0
    for k in range(1, 7):
        x[:, 1 + k] = weekday == k
    return x


def noise_scale(resid: np.ndarray, rank: int) -> np.ndarray:
    """Residual standard deviation of pre-window residuals (..., n) of a fit of `rank` parameters:
    the unit placebo and real effects are measured in."""
    n = resid.shape[-1]
    return np.sqrt(np.einsum("...i,...i->...", resid, resid) / max(n - rank, 1))


def placebo_effects(y: pd.Series, ship_day: date, *, window: int, lag: int,
                    exclude: tuple[date, ...] = ()) -> Placebo:
    """Placebo statistics for `ship_day` from the days of `y` (a float series indexed by sorted
    python dates) before it.

    A placebo day p qualifies when its whole span [p − W, p + L + W − 1] lies before the ship
    day, inside the look-back, has a value on every day, and contains none of the `exclude`
    days (other items shipped on the same metric). Vectorised: one matrix product per weekday
    of p (the weekday dummies rotate with it)."""
    w, span = int(window), 2 * int(window) + int(lag)
    needed = SPANS_NEEDED * span
    hist = y[(y.index < ship_day) & (y.index >= ship_day - timedelta(days=LOOKBACK_DAYS + span))]
    if len(hist) < span:
        return Placebo(np.empty(0), needed)
    first = hist.index[0]
    n = (ship_day - first).days                      # days first .. ship_day − 1
    vals = np.full(n, np.nan)
    vals[[(d - first).days for d in hist.index]] = hist.to_numpy()
    if n < span:
        return Placebo(np.empty(0), needed)
    win = np.lib.stride_tricks.sliding_window_view(vals, span)    # row j: span starting at first + j
    ok = ~np.isnan(win).any(axis=1)
    starts = np.arange(len(win))
    for e in exclude:
        off = (e - first).days
        ok &= ~((starts <= off) & (off <= starts + span - 1))
    starts = starts[ok]
    if len(starts) == 0:
        return Placebo(np.empty(0), needed)
    win = win[ok]
    pre, post = win[:, :w], win[:, w + lag:]
    t_pre = np.arange(-w, 0, dtype=float)
    t_post = np.arange(lag, lag + w, dtype=float)
    wd0 = (first.weekday() + starts + w) % 7          # weekday of each placebo ship day
    z = np.empty(len(starts))
    for r in range(7):
        rows = wd0 == r
        if not rows.any():
            continue
        x_pre = design(t_pre, (r + t_pre.astype(int)) % 7)
        x_post = design(t_post, (r + t_post.astype(int)) % 7)
        pinv = np.linalg.pinv(x_pre)
        rank = int(np.linalg.matrix_rank(x_pre))
        beta = pre[rows] @ pinv.T
        resid = pre[rows] - beta @ x_pre.T
        s = noise_scale(resid, rank)
        effect = post[rows].mean(axis=1) - beta @ x_post.mean(axis=0)
        z[rows] = np.divide(effect, s, out=np.full(len(s), np.nan), where=s > 0)
    return Placebo(z[~np.isnan(z)], needed)
