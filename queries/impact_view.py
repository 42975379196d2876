"""One shipped item opened on the Product outcomes page (docs/impact.md "One shipped item").

The view draws what the verdict was computed from, not a second estimate: the same target
row, series, window, lag, placebo exclusions and seed as the `impact` query
(queries.impact._analyse_target), and the counterfactual that analysis fitted on the pre
window, projected over the post window, with the interval's half-width as its band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from queries.dates import as_date, local_day
from queries.impact import (
    IMPACT_COLUMNS,
    N_BOOT,
    ImpactResult,
    _analyse,
    _analyse_target,
    _confounders,
    _design,
    _Fit,
    _series_by_metric,
    _targets_and_points,
    _to_series,
    metric_data_to,
)

CURVE_COLUMNS = ["day", "value", "counterfactual", "counterfactual_week", "cf_low", "cf_high", "part"]
OVERLAP_COLUMNS = ["item_key", "item_name", "shipped_on"]


def counterfactual_curve(series: pd.Series, result: ImpactResult, fit: _Fit | None, *, window: int, lag: int,
                         as_of: date, context: int | None = None) -> pd.DataFrame:
    """The metric around one ship day, one row per calendar day: `value` (the metric, NaN
    where it has none), `counterfactual` (the pre-window fit: in-sample on the pre days, the
    projection on the post days; NaN elsewhere), `counterfactual_week` (the same fit with its
    weekday pattern averaged out: level + trend, what a week's mean would be), `cf_low` /
    `cf_high` (post days only: counterfactual_week ± the half-width of the effect's 95 %
    interval) and `part` ('before', 'pre', 'lag', 'post', 'after'). `context` days of the
    metric are shown on each side of the analysis span (default: one window), never past `as_of`.

    The mean over the observed post days of (value − counterfactual) is the item's effect. The
    band is where the post-window *mean* may lie with the interval still including zero: over
    whole weeks, the mean of counterfactual_week is the counterfactual mean."""
    d = fit.ship_day if fit is not None else None
    if d is None:
        d = as_date(result.pre_start) + timedelta(days=window) if result.pre_start else None
    if d is None:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    ctx = window if context is None else int(context)
    pre_start = d - timedelta(days=window)
    post_end = d + timedelta(days=lag + window - 1)
    first, last = pre_start - timedelta(days=ctx), min(post_end + timedelta(days=ctx), as_date(as_of))
    last = max(last, post_end) if fit is not None else last   # a too-early item: the whole projection
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    t = np.array([(x - d).days for x in days], dtype=float)
    part = np.select([t < -window, t < 0, t < lag, t <= lag + window - 1], ["before", "pre", "lag", "post"], "after")
    values = series.reindex(pd.Index(days, dtype=object)).to_numpy(dtype=float, copy=True)
    values[t > (as_date(as_of) - d).days] = np.nan     # days after as_of are never shown
    cf = np.full(len(days), np.nan)
    week, lo, hi = cf.copy(), cf.copy(), cf.copy()
    if fit is not None:
        inside = (part == "pre") | (part == "post")
        x = _design(t[inside], np.array([x.weekday() for x in days])[inside])
        cf[inside] = x @ fit.beta
        x[:, 2:] = 1.0 / 7.0            # every weekday at once: the weekday pattern averaged out
        week[inside] = x @ fit.beta
        if fit.control is not None:     # difference-in-differences: back to the treated metric's scale
            ctrl = fit.control.reindex(pd.Index(days, dtype=object))
            cf = cf + ctrl.to_numpy(dtype=float)
            week = week + ctrl.rolling(7, center=True, min_periods=1).mean().to_numpy(dtype=float)
        post = part == "post"
        lo[post], hi[post] = week[post] - fit.half, week[post] + fit.half
    return pd.DataFrame({"day": pd.to_datetime(pd.Series(days, dtype=object)), "value": values,
                         "counterfactual": cf, "counterfactual_week": week, "cf_low": lo, "cf_high": hi,
                         "part": part})[CURVE_COLUMNS]


def curve_for(series, ship_day, *, window: int = 28, lag: int = 0, as_of=None, direction: str = "up",
              min_change: float = 0.0, seed: int = 7, control=None, exclude=(), calibrate: bool = True,
              context: int | None = None, data_to=None) -> tuple[ImpactResult, pd.DataFrame]:
    """analyse() of one series (same arguments, same result) and the counterfactual curve of
    that very analysis (counterfactual_curve)."""
    y = _to_series(series)
    as_of_d = as_date(as_of) if as_of is not None else (max(y.index) if len(y) else as_date(ship_day))
    res, fit = _analyse(y, ship_day, window=window, lag=lag, as_of=as_of_d, direction=direction,
                        min_change=min_change, seed=seed, control=control, n_boot=N_BOOT, exclude=exclude,
                        calibrate=calibrate, data_to=data_to)
    return res, counterfactual_curve(y, res, fit, window=window, lag=lag, as_of=as_of_d, context=context)


@dataclass
class ItemView:
    """Everything the item view shows: the item's `impact` row (as a dict), its curve, the
    other launches on the same metric inside its analysis span, and its metric's other targets."""

    row: dict
    curve: pd.DataFrame
    overlaps: pd.DataFrame
    metrics: list[str] = field(default_factory=list)


def item_view(con, *, as_of, item_key: str, metric: str | None = None, board_id=None, project=None,
              date_from=None, date_to=None, window=28, lag=0, seed=7, segment="", control_segment=None,
              **_ignored) -> ItemView | None:
    """The view of `item_key` on `metric` (default: its first targeted metric) with the
    `impact` query's filters and parameters, so its numbers are the card's. None when the
    item is not among the shipped items those filters select."""
    window = 28 if window is None else int(window)
    lag = 0 if lag is None else int(lag)
    seed = 7 if seed is None else int(seed)
    segment, control_segment = segment or "", control_segment or None
    targets, every, points = _targets_and_points(con, as_of, board_id, project, date_from, date_to, segment,
                                                 control_segment)
    mine = targets[targets["item_key"] == item_key]
    if mine.empty:
        return None
    metrics = mine["metric"].tolist()
    pick = metric if metric in metrics else metrics[0]
    idx = int(np.flatnonzero((targets["item_key"] == item_key).to_numpy() & (targets["metric"] == pick).to_numpy())[0])
    series = _series_by_metric(points)
    shipped = tuple(as_date(v) for v in every.loc[every["metric"] == pick, "shipped_on"])
    r = next(targets.iloc[[idx]].itertuples())
    as_of_d = local_day(con, as_of)     # the day the analysis counts to, as the `impact` query's
    res, fit = _analyse_target(r, series, as_of=as_of_d, window=window, lag=lag, seed=seed, segment=segment,
                               control_segment=control_segment, exclude=shipped, data_to=metric_data_to(con).get(pick))
    conf = _confounders(targets, window, lag, every)[idx]
    row = {"item_key": r.item_key, "item_name": r.item_name, "shipped_on": as_date(r.shipped_on), "metric": pick,
           "confounded_by": conf, "direction": r.direction if r.direction in ("up", "down") else "up",
           "min_change": 0.0 if pd.isna(r.min_change) else float(r.min_change), "origin": getattr(r, "origin", None),
           **{k: v for k, v in res.as_dict().items() if k != "ar1_phi"}}
    row = {k: row.get(k) for k in IMPACT_COLUMNS}
    s = series.get((pick, segment), pd.Series(dtype=float))
    curve = counterfactual_curve(s, res, fit, window=window, lag=lag, as_of=as_of_d)
    keys = [k.strip() for k in conf.split(",") if k.strip()]
    others = every[(every["metric"] == pick) & every["item_key"].isin(keys)].drop_duplicates("item_key")
    overlaps = pd.DataFrame({"item_key": others["item_key"], "item_name": others["item_name"],
                             "shipped_on": pd.to_datetime(others["shipped_on"])})
    return ItemView(row, curve, overlaps.reset_index(drop=True)[OVERLAP_COLUMNS], metrics)
