"""Impact of a shipped item on a daily product metric (docs/metrics.md §7), pure Python + numpy.

Method (docs/impact.md has the why):
- pre = [d − W, d − 1], post = [d + L, d + L + W − 1] (d = ship day, W = window, L = lag).
- Counterfactual: ordinary least squares on the pre days with a level, a linear trend and
  day-of-week effects, projected into the post days.
- Effect = mean(post − counterfactual), absolute and relative to the counterfactual mean.
- 95 % interval: the effect is a linear function c·y of the observations, so its error is
  c·e. The residual noise e is modelled as AR(1) (day-to-day autocorrelation): φ and σ² are
  fitted by moments *of the regression residuals* (exact expectations given the design, so
  the usual downward bias of residual autocorrelation is removed), Var = σ² c'R(φ)c. The
  critical value comes from a parametric bootstrap-t (the AR(1) noise is simulated, the
  whole estimation including φ is redone per replicate, and the 95th percentile of
  |effect*| / se* is used), which widens the interval for the uncertainty in φ itself.
- Calibration (queries/impact_placebo.py): with enough history the interval is widened to
  the spread of the same estimator run at earlier no-launch days (placebo-in-time), never
  narrowed; each result says which calibration it used and its minimum detectable effect.
- Verdicts exactly as §7; `impact_table` adds confounders and optional
  difference-in-differences against a control segment.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

import queries
from queries.dates import as_date as _as_date
from queries.dates import day_words, local_day
from queries.impact_placebo import design, noise_scale, placebo_effects

MOVED = "moved"
WRONG_WAY = "moved the wrong way"
NO_CHANGE = "no detectable change"
TOO_EARLY = "too early"
NOT_ENOUGH = "not enough data"
VERDICTS = (MOVED, WRONG_WAY, NO_CHANGE, TOO_EARLY, NOT_ENOUGH)
CALIBRATED = "placebo-in-time"
MODEL_BASED = "model"
# The placebo |z| percentile that sets the calibrated half-width: 95 % plus a margin for the
# percentile's own uncertainty (a few dozen independent stretches of history; docs/impact.md).
PLACEBO_QUANTILE = 0.97
POWER = 0.80                   # the minimum detectable effect is called "moved" this often
Z_POWER = 0.8416212335729143   # standard normal quantile at POWER

MIN_PRE_DAYS = 14
N_BOOT = 600
PHI_SPREAD = 1.0
HISTORY_WINDOWS = 3   # earlier windows (same length) pooled with the pre window to estimate phi
_GRID = np.linspace(-0.45, 0.97, 72)   # AR(1) coefficients the moment fit interpolates over


@dataclass(frozen=True)
class ImpactResult:
    """The analysis of one series around one ship day. Effects are in the metric's unit;
    *_rel are shares of the counterfactual mean (0.1 = +10 %). NaN where not computed."""

    verdict: str
    effect_abs: float = math.nan
    effect_rel: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    ci_low_rel: float = math.nan
    ci_high_rel: float = math.nan
    counterfactual_mean: float = math.nan
    post_mean: float = math.nan
    pre_days: int = 0
    post_days: int = 0
    pre_start: date | None = None
    post_end: date | None = None
    ar1_phi: float = math.nan
    method: str = "trend+weekday"
    note: str = ""
    calibration: str = ""          # CALIBRATED or MODEL_BASED: where the interval's width comes from
    placebo_days: int = 0          # placebo days the calibration used
    mde_abs: float = math.nan      # minimum detectable effect (metric's unit, either direction)
    mde_rel: float = math.nan      # the same relative to the counterfactual mean

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- helpers
def _to_series(series) -> pd.Series:
    """A float series indexed by python dates (sorted, NaNs dropped, duplicate days averaged)."""
    if isinstance(series, pd.DataFrame):
        s = pd.Series(series["value"].to_numpy(dtype=float), index=series["day"])
    elif isinstance(series, pd.Series):
        s = series.astype(float)
    else:
        s = pd.Series(dict(series), dtype=float)
    idx = [_as_date(v) for v in s.index]
    s = pd.Series(s.to_numpy(dtype=float), index=pd.Index(idx, dtype=object))
    s = s[~np.isnan(s.to_numpy())]
    if s.index.is_unique:
        return s.sort_index()
    return s.groupby(level=0).mean().sort_index()


_design = design   # level, trend per week, six weekday dummies (one definition, queries.impact_placebo)


def t_quantile(nu: float, z: float = 1.959963984540054) -> float:
    """Student-t quantile by the Cornish-Fisher expansion (default: two-sided 95 %)."""
    nu = max(float(nu), 1.0)
    return (z + (z**3 + z) / (4 * nu) + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * nu**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * nu**3))


class _AR1Fit:
    """Moment fit of AR(1) noise to OLS residuals, exact for the given designs and days.

    blocks: (days, residual projection M) per stretch of data the noise is estimated from;
    the first is the pre window (its residuals also give sigma²), the others are earlier
    windows of the same length fitted with the same model (pooled for phi only).
    """

    def __init__(self, blocks: list[tuple[np.ndarray, np.ndarray]], t_all: np.ndarray, c: np.ndarray):
        # Every quantity is a sum over lags k of phi**k times a fixed weight, so it is
        # computed for the whole phi grid at once from per-lag sums (bincount).
        lag_all = np.abs(t_all[:, None] - t_all[None, :]).astype(int)
        k_max = max([int(lag_all.max())] + [int(np.ptp(t)) for t, _ in blocks]) + 1
        powers = np.power(_GRID[:, None], np.arange(k_max)[None, :])      # (G, K)

        def by_lag(lags: np.ndarray, weights: np.ndarray) -> np.ndarray:
            return powers @ np.bincount(lags.ravel(), weights=weights.ravel(), minlength=k_max)

        self.a, tr, cross = [], [], []
        for t, m in blocks:
            lag = np.abs(t[:, None] - t[None, :]).astype(int)
            a = (lag == 1) / 2.0                        # symmetric lag-one pair indicator
            self.a.append(a)
            tr.append(by_lag(lag, m))                   # tr(M R M) = tr(R M), M idempotent
            cross.append(by_lag(lag, m @ a @ m))
        self.tr_pre = tr[0]
        self.ratio = np.sum(cross, axis=0) / np.sum(tr, axis=0)
        self.c_r_c = by_lag(lag_all, np.outer(c, c))
        order = np.argsort(self.ratio)                  # ratio rises with phi; keep it monotone
        self.ratio_sorted, self.grid_sorted = self.ratio[order], _GRID[order]

    def var_at(self, ss_pre: float, phi: float) -> float:
        """Var of c·e for the pre window's residual sum of squares if the AR(1) coefficient is `phi`."""
        return ss_pre / np.interp(phi, _GRID, self.tr_pre) * np.interp(phi, _GRID, self.c_r_c)

    def fit(self, res: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(phi, sigma², var of c·e) for residuals per block (each (..., n_k)). phi is floored at 0."""
        ss = [np.einsum("...i,...i->...", r, r) for r in res]
        lag1 = sum(np.einsum("...i,ij,...j->...", r, a, r) for r, a in zip(res, self.a, strict=True))
        tot = sum(ss)
        obs = np.divide(lag1, tot, out=np.zeros_like(tot), where=tot > 0)
        phi = np.clip(np.interp(obs, self.ratio_sorted, self.grid_sorted), 0.0, _GRID[-1])
        s2 = ss[0] / np.interp(phi, _GRID, self.tr_pre)
        return phi, s2, s2 * np.interp(phi, _GRID, self.c_r_c)


def _simulate_ar1(rng: np.random.Generator, phi: np.ndarray, sd: float, n_days: int) -> np.ndarray:
    """Stationary AR(1) paths with marginal sd `sd`, one path per entry of `phi`."""
    phi = np.asarray(phi, dtype=float)
    n_rep = len(phi)
    e = np.empty((n_rep, n_days))
    e[:, 0] = rng.normal(size=n_rep) * sd
    innov = rng.normal(size=(n_rep, n_days)) * (sd * np.sqrt(np.maximum(1 - phi * phi, 0.0)))[:, None]
    for k in range(1, n_days):
        e[:, k] = phi * e[:, k - 1] + innov[:, k]
    return e


def _verdict(direction: str, effect_rel: float, lo: float, hi: float, min_change: float) -> str:
    sign = 1.0 if direction == "up" else -1.0
    lo_s, hi_s = (lo, hi) if sign > 0 else (-hi, -lo)
    rel_s = sign * effect_rel if not math.isnan(effect_rel) else math.nan

    def big_enough(r: float) -> bool:
        return math.isnan(r) or r >= min_change

    if lo_s > 0 and big_enough(rel_s):
        return MOVED
    if hi_s < 0 and big_enough(-rel_s if not math.isnan(rel_s) else math.nan):
        return WRONG_WAY
    return NO_CHANGE


# --------------------------------------------------------------------------- public API
def analyse(
    series,
    ship_day,
    *,
    window: int = 28,
    lag: int = 0,
    as_of=None,
    direction: str = "up",
    min_change: float = 0.0,
    seed: int = 7,
    control=None,
    n_boot: int = N_BOOT,
    exclude=(),
    calibrate: bool = True,
    data_to=None,
) -> ImpactResult:
    """Analyse one daily series around `ship_day`.

    series: pd.Series indexed by day (or a DataFrame with day, value; or a {day: value} map).
    as_of: the day the analysis is made (default: the series' last day); a post window that
    ends after it is `too early`. control: a second series (a control segment) for
    difference-in-differences: the analysis runs on treated − control, so shocks common to
    both are removed. min_change: the minimum meaningful relative change (0.02 = 2 %).
    exclude: ship days of other items on the same metric (no placebo day's span may hold
    one). calibrate: widen the interval to the placebo-in-time spread where the history
    allows (queries.impact_placebo); False keeps the model-based interval. data_to: the last
    day the metric's loaded data describes, when known: a post window that ends after it is
    `too early` too (an as-of date past the data knows nothing of the days between).
    """
    return _analyse(series, ship_day, window=window, lag=lag, as_of=as_of, direction=direction,
                    min_change=min_change, seed=seed, control=control, n_boot=n_boot, exclude=exclude,
                    calibrate=calibrate, data_to=data_to)[0]


@dataclass(frozen=True)
class _Fit:
    """What the verdict was computed from, for drawing it (queries.impact_view): the pre-window
    coefficients of the counterfactual model (days counted from the ship day), the interval's
    half-width in the metric's unit, and the control series of a difference-in-differences."""

    ship_day: date
    beta: np.ndarray
    half: float
    control: pd.Series | None = None


def _analyse(series, ship_day, *, window, lag, as_of, direction, min_change, seed, control, n_boot, exclude,
             calibrate, data_to=None) -> tuple[ImpactResult, _Fit | None]:
    """analyse(), plus the fit behind its counterfactual (None when nothing could be fitted).
    data_to: the last day the metric's loaded data describes (outcomes__metric_data_to), when
    known: a post window that ends after it is not complete yet, whatever as_of says."""
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    if window < 7:
        raise ValueError("window must be at least 7 days")
    d = _as_date(ship_day)
    y = _to_series(series)
    as_of_d = _as_date(as_of) if as_of is not None else (max(y.index) if len(y) else d)
    pre_start, pre_end = d - timedelta(days=window), d - timedelta(days=1)
    post_start, post_end = d + timedelta(days=lag), d + timedelta(days=lag + window - 1)
    base = {"pre_start": pre_start, "post_end": post_end}
    method = "trend+weekday"

    ctrl = None
    if control is not None:
        ctrl = _to_series(control)
        common = y.index.intersection(ctrl.index)
        y_t, ctrl = y.loc[common], ctrl.loc[common]
        y = y_t - ctrl
        method = "difference-in-differences"
        base["method"] = method

    pre = y[(y.index >= pre_start) & (y.index <= min(pre_end, as_of_d))]
    if len(pre) < MIN_PRE_DAYS:
        return ImpactResult(NOT_ENOUGH, pre_days=len(pre),
                            note=f"{len(pre)} days of data before shipping (need {MIN_PRE_DAYS})", **base), None
    data_to = _as_date(data_to) if data_to is not None else None
    if post_end > as_of_d or (data_to is not None and post_end > data_to):
        seen, fit = {}, None
        if ctrl is None:   # what the window will be able to see once it closes (docs/impact.md)
            seen, fit = _planned_mde(y[y.index <= as_of_d], d, window=window, lag=lag, min_change=min_change,
                                     seed=seed, n_boot=n_boot, exclude=exclude, calibrate=calibrate)
        why = (f"the post window ends {day_words(post_end)}, after the as-of date {day_words(as_of_d)}"
               if post_end > as_of_d else
               f"the post window ends {day_words(post_end)}, after the last day the loaded data of the metric "
               f"describes ({day_words(data_to)}): load its later days")
        return ImpactResult(TOO_EARLY, pre_days=len(pre), note=why, **seen, **base), fit
    post = y[(y.index >= post_start) & (y.index <= post_end)]
    min_post = max(7, window // 2)
    if len(post) < min_post:
        return ImpactResult(NOT_ENOUGH, pre_days=len(pre), post_days=len(post),
                            note=f"{len(post)} days of data in the post window (need {min_post})", **base), None

    t_pre = np.array([(x - d).days for x in pre.index], dtype=float)
    t_post = np.array([(x - d).days for x in post.index], dtype=float)
    wd_pre = np.array([x.weekday() for x in pre.index])
    wd_post = np.array([x.weekday() for x in post.index])
    x_pre, x_post = _design(t_pre, wd_pre), _design(t_post, wd_post)
    pinv = np.linalg.pinv(x_pre)
    rank = int(np.linalg.matrix_rank(x_pre))
    y_pre, y_post = pre.to_numpy(), post.to_numpy()
    beta = pinv @ y_pre
    resid = y_pre - x_pre @ beta
    m_row = x_post.mean(axis=0)
    cf = x_post @ beta
    effect = float(y_post.mean() - cf.mean())
    # effect = c · y over the observed days (pre then post)
    c = np.concatenate([-(m_row @ pinv), np.full(len(post), 1.0 / len(post))])
    t_all = np.concatenate([t_pre, t_post])
    proj = np.eye(len(pre)) - x_pre @ pinv
    # earlier windows of the same length (up to HISTORY_WINDOWS) sharpen the estimate of phi
    blocks, hist_res = [(t_pre, proj)], [resid]
    for k in range(1, HISTORY_WINDOWS + 1):
        b = y[(y.index >= d - timedelta(days=(k + 1) * window)) & (y.index <= d - timedelta(days=k * window + 1))]
        if len(b) < MIN_PRE_DAYS:
            break
        t_b = np.array([(x - d).days for x in b.index], dtype=float)
        x_b = _design(t_b, np.array([x.weekday() for x in b.index]))
        m_b = np.eye(len(b)) - x_b @ np.linalg.pinv(x_b)
        blocks.append((t_b, m_b))
        hist_res.append(m_b @ b.to_numpy())
    ar = _AR1Fit(blocks, t_all, c)
    phi, s2, var = (float(v) for v in ar.fit(hist_res))
    se = math.sqrt(max(var, 0.0))

    # Parametric bootstrap: simulate AR(1) noise with the fitted phi and sigma over the
    # calendar span and redo the whole estimate per replicate. It gives (1) the spread of
    # the phi estimate, and (2) the 95th percentile of |effect*| / se*, the critical value
    # (bootstrap-t; at least Student's t).
    q = t_quantile(len(pre) - rank - 1)
    if s2 > 0 and n_boot > 0:
        rng = np.random.default_rng(seed)
        span0 = int(min(t.min() for t, _ in blocks))
        n_days = int(t_post.max()) - span0 + 1
        sim = _simulate_ar1(rng, np.full(n_boot, phi), math.sqrt(s2), n_days)
        eff_b = sim[:, (t_all - span0).astype(int)] @ c
        res_b = [sim[:, (t - span0).astype(int)] @ m.T for t, m in blocks]
        phi_b, _, var_b = ar.fit(res_b)
        ok = var_b > 0
        if ok.sum() >= n_boot // 2:
            tstat = np.abs(eff_b[ok]) / np.sqrt(var_b[ok])
            q = max(float(np.quantile(tstat, 0.95)), q)
        # An under-estimated phi is what makes intervals too narrow; so the standard error
        # is taken at phi + PHI_SPREAD standard deviations of its estimate (docs/impact.md).
        phi_used = min(phi + PHI_SPREAD * float(np.std(phi_b)), float(_GRID[-1]))
        var = float(ar.var_at(float(resid @ resid), phi_used))
        se = math.sqrt(max(var, 0.0))
    # Calibration against the metric's own history (placebo-in-time): the interval is never
    # narrower than the model's; it is wider when earlier no-launch days produced larger effects.
    half = q * se
    noise80 = Z_POWER * se                       # the estimate's 80th percentile below a true effect
    calibration, n_placebo = MODEL_BASED, 0
    if calibrate:
        pl = placebo_effects(y, d, window=window, lag=lag,
                             exclude=tuple(_as_date(e) for e in exclude if _as_date(e) != d))
        n_placebo = pl.n
        if pl.enough:
            calibration = CALIBRATED
            s_pre = float(noise_scale(resid, rank))
            half = max(half, pl.k(PLACEBO_QUANTILE) * s_pre)
            noise80 = max(noise80, pl.k(1 - 2 * (1 - POWER)) * s_pre)
    lo, hi = effect - half, effect + half

    if ctrl is not None:   # relative to the treated counterfactual: control's post + the diff's counterfactual
        cf_mean = float(ctrl.loc[post.index].mean() + cf.mean())
        post_mean = float(y_post.mean() + ctrl.loc[post.index].mean())
    else:
        cf_mean, post_mean = float(cf.mean()), float(y_post.mean())
    rel = effect / cf_mean if cf_mean > 0 else math.nan
    lo_rel = lo / cf_mean if cf_mean > 0 else math.nan
    hi_rel = hi / cf_mean if cf_mean > 0 else math.nan
    verdict = _verdict(direction, rel, lo, hi, float(min_change or 0.0))
    # Minimum detectable effect: a true change of this size clears the interval (and the
    # minimum meaningful change) POWER of the time: max(half-width, m · cf) + the noise's
    # POWER quantile.
    mde = max(half, float(min_change or 0.0) * cf_mean if cf_mean > 0 else 0.0) + noise80
    return ImpactResult(
        verdict, effect_abs=effect, effect_rel=rel, ci_low=lo, ci_high=hi, ci_low_rel=lo_rel,
        ci_high_rel=hi_rel, counterfactual_mean=cf_mean, post_mean=post_mean, pre_days=len(pre),
        post_days=len(post), ar1_phi=phi, calibration=calibration, placebo_days=n_placebo,
        mde_abs=mde, mde_rel=mde / cf_mean if cf_mean > 0 else math.nan, **base,
    ), _Fit(d, beta, float(half), ctrl)


def _planned_mde(y: pd.Series, d: date, *, window, lag, **kw) -> tuple[dict, _Fit | None]:
    """The minimum detectable effect (and calibration) of a post window that has not closed yet.
    Neither the interval's width nor the counterfactual depend on the post days' values, so
    the analysis is run with the missing post days filled in (by zeros) and only those fields
    are kept, with the fit (its counterfactual and half-width are those of the closed window)."""
    post = [d + timedelta(days=lag + k) for k in range(window)]
    missing = [x for x in post if x not in y.index]
    filled = pd.concat([y, pd.Series(0.0, index=pd.Index(missing, dtype=object))]).sort_index()
    r, fit = _analyse(filled, d, window=window, lag=lag, as_of=post[-1], direction="up", control=None, **kw)
    return {k: getattr(r, k) for k in ("mde_abs", "mde_rel", "calibration", "placebo_days")}, fit


# --------------------------------------------------------------------------- tables
IMPACT_COLUMNS = [
    "item_key", "item_name", "shipped_on", "metric", "effect_abs", "effect_rel", "ci_low", "ci_high",
    "verdict", "confounded_by", "ci_low_rel", "ci_high_rel", "mde_rel", "calibration", "direction", "min_change",
    "origin", "counterfactual_mean", "post_mean", "pre_days", "post_days", "pre_start", "post_end", "method", "note",
    "mde_abs", "placebo_days",
]


def _series_by_metric(points: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    out: dict[tuple[str, str], pd.Series] = {}
    for (metric, segment), g in points.groupby(["metric", "segment"], sort=False):
        out[(metric, segment)] = pd.Series(g["value"].to_numpy(dtype=float),
                                           index=pd.Index([_as_date(v) for v in g["day"]], dtype=object))
    return out


def _confounders(targets: pd.DataFrame, window: int, lag: int, launches: pd.DataFrame | None = None) -> list[str]:
    """Per row: other items shipped on the same metric within this item's analysis span, among
    `launches` (item_key, shipped_on, metric; default: the targets)."""
    launches = targets if launches is None else launches
    out = []
    for r in targets.itertuples():
        d = _as_date(r.shipped_on)
        lo, hi = d - timedelta(days=window), d + timedelta(days=lag + window - 1)
        same = launches[(launches["metric"] == r.metric) & (launches["item_key"] != r.item_key)]
        keys = sorted({k for k, s in zip(same["item_key"], same["shipped_on"], strict=True)
                       if lo <= _as_date(s) <= hi})
        out.append(", ".join(keys))
    return out


def _analyse_target(r, series: dict, *, as_of, window, lag, seed, segment, control_segment,
                    exclude, data_to=None) -> tuple[ImpactResult, _Fit | None]:
    """One target row (item_key, shipped_on, metric, direction, min_change) on its metric's series:
    the one place the impact table and the item view (queries.impact_view) analyse a target."""
    s = series.get((r.metric, segment))
    ctrl = series.get((r.metric, control_segment)) if control_segment else None
    direction = r.direction if r.direction in ("up", "down") else "up"
    min_change = 0.0 if pd.isna(r.min_change) else float(r.min_change)
    if s is None:
        where = f" in segment '{segment}'" if segment else ""
        return ImpactResult(NOT_ENOUGH, note=f"no daily values of {r.metric}{where}"), None
    if control_segment and ctrl is None:
        return ImpactResult(NOT_ENOUGH, note=f"{r.metric} has no control segment '{control_segment}'"), None
    return _analyse(s, r.shipped_on, window=window, lag=lag, as_of=as_of, direction=direction,
                    min_change=min_change, seed=seed, control=ctrl, n_boot=N_BOOT, exclude=exclude,
                    calibrate=True, data_to=data_to)


def analyse_targets(targets: pd.DataFrame, points: pd.DataFrame, *, as_of, window: int = 28, lag: int = 0,
                    seed: int = 7, segment: str = "", control_segment: str | None = None,
                    shipped: pd.DataFrame | None = None, data_to: dict | None = None) -> pd.DataFrame:
    """Impact rows for targets (item_key, item_name, shipped_on, metric, direction, min_change,
    origin) given metric points (metric, segment, day, value). Pure: no database. shipped
    (item_key, metric, shipped_on): every launch, whose ship days are kept out of the placebo
    days and which are named as confounders (default: the targets). data_to: metric -> the last
    day its loaded data describes (`metric_data_to`)."""
    series = _series_by_metric(points)
    as_of_d = _as_date(as_of)
    rows = []
    src = targets if shipped is None else shipped
    confounded = _confounders(targets, window, lag, src) if len(targets) else []
    shipped_by_metric = {m: tuple(_as_date(v) for v in g["shipped_on"]) for m, g in src.groupby("metric")}
    for r, conf in zip(targets.itertuples(), confounded, strict=True):
        res, _ = _analyse_target(r, series, as_of=as_of_d, window=window, lag=lag, seed=seed, segment=segment,
                                 control_segment=control_segment, exclude=shipped_by_metric.get(r.metric, ()),
                                 data_to=(data_to or {}).get(r.metric))
        direction = r.direction if r.direction in ("up", "down") else "up"
        min_change = 0.0 if pd.isna(r.min_change) else float(r.min_change)
        row = {"item_key": r.item_key, "item_name": r.item_name, "shipped_on": _as_date(r.shipped_on),
               "metric": r.metric, "confounded_by": conf, "direction": direction, "min_change": min_change,
               "origin": getattr(r, "origin", None)}
        row.update({k: v for k, v in res.as_dict().items() if k != "ar1_phi"})
        rows.append(row)
    df = pd.DataFrame(rows, columns=IMPACT_COLUMNS)
    df["placebo_days"] = df["placebo_days"].fillna(0).astype(int)
    for col in ("effect_abs", "effect_rel", "ci_low", "ci_high", "ci_low_rel", "ci_high_rel",
                "counterfactual_mean", "post_mean", "min_change", "mde_abs", "mde_rel"):
        df[col] = df[col].astype(float)
    return df


def metric_data_to(con) -> dict:
    """metric -> the last day its loaded data describes (reports/outcomes__metric_data_to.sql)."""
    df = queries.run(con, "outcomes__metric_data_to")
    return {m: _as_date(d) for m, d in zip(df["metric"], df["data_to"], strict=True) if pd.notna(d)}


def _points(con, as_of, metrics, segment, control_segment) -> pd.DataFrame:
    return queries.run(con, "outcomes__metric_series", as_of=as_of, metrics=sorted(metrics),
                       segment=segment or "", control_segment=control_segment)


def _targets_and_points(con, as_of, board_id, project, date_from, date_to, segment, control_segment):
    """The shipped items × metrics the filters select, every launch by as_of whatever the
    filters (item_key, item_name, shipped_on, metric: what an item's placebo days and confounders are
    judged against, so that a team or period filter never changes another item's verdict),
    and the points of the selected items' metrics."""
    targets = queries.run(con, "outcomes__impact_targets", as_of=as_of, board_id=board_id, project=project,
                          date_from=date_from, date_to=date_to)
    every = targets if board_id is None and project is None and date_from is None and date_to is None else \
        queries.run(con, "outcomes__impact_targets", as_of=as_of, board_id=None, project=None,
                    date_from=None, date_to=None)
    points = _points(con, as_of, set(targets["metric"]), segment, control_segment)
    return targets, every[["item_key", "item_name", "shipped_on", "metric"]], points


def impact_table(con, *, as_of, board_id=None, project=None, date_from=None, date_to=None, window=28,
                 lag=0, seed=7, segment="", control_segment=None, **_ignored) -> pd.DataFrame:
    """The public query `impact`: one row per shipped item × targeted metric (the item's own
    metrics and those its hypotheses name). With control_segment, difference-in-differences of
    `segment` (default all users) against that segment of the same metric."""
    window = 28 if window is None else int(window)
    lag = 0 if lag is None else int(lag)
    if window < 7 or lag < 0:
        raise queries.QueryError(f"impact: window={window}, lag={lag} (expected window ≥ 7 and lag ≥ 0 days)")
    _known_segments(con, segment, control_segment)
    targets, every, points = _targets_and_points(con, as_of, board_id, project, date_from, date_to, segment,
                                                 control_segment)
    # the analysis counts days: as_of's day in the reporting timezone, the day the points end on
    out = analyse_targets(targets, points, as_of=local_day(con, as_of), window=window, lag=lag,
                          seed=7 if seed is None else int(seed), segment=segment or "",
                          control_segment=control_segment or None, shipped=every, data_to=metric_data_to(con))
    out = out.sort_values(["shipped_on", "item_key", "metric"], kind="stable").reset_index(drop=True)
    return _dates_as_datetimes(out, ("shipped_on", "pre_start", "post_end"))


def _known_segments(con, segment: str | None, control_segment: str | None) -> None:
    """A segment no metric has values in, or a segment compared with itself (a difference of 0
    by construction): refused with the segments there are, not a 'not enough data' per item."""
    if segment and control_segment and segment == control_segment:
        raise queries.QueryError(f"impact: segment and control_segment are both '{segment}'; compare a segment "
                                 "with another one (or leave control_segment out)")
    asked = [s for s in (segment, control_segment) if s]
    if not asked:
        return
    known = queries.run(con, "outcomes__segments")["segment"].tolist()
    for s in asked:
        if s not in known:
            raise queries.QueryError(f"impact: no metric has values in segment '{s}'; segments with values: "
                                     + (", ".join(known) if known else "none (every value is for all users)"))


def _dates_as_datetimes(df: pd.DataFrame, cols) -> pd.DataFrame:
    """Date columns as datetime64, like DATE columns of the SQL-backed queries."""
    for c in cols:
        df[c] = pd.to_datetime(pd.Series(df[c], dtype=object), errors="coerce")
    return df


HYPOTHESIS_COLUMNS = [
    "hypothesis_id", "retro_id", "held_on", "team", "item_key", "item_name", "shipped_on", "metric",
    "direction", "min_change", "verdict", "effect_abs", "effect_rel", "ci_low", "ci_high", "confounded_by",
    "note",
]


def hypotheses_table(con, *, as_of, board_id=None, project=None, date_from=None, date_to=None, window=28,
                     lag=0, seed=7, segment="", control_segment=None, **_ignored) -> pd.DataFrame:
    """Each hypothesis from the retros (§8) with its item's impact verdict on its metric, judged
    with the hypothesis's own direction and minimum change. An item not shipped by as_of is
    `too early`."""
    window = 28 if window is None else int(window)
    lag = 0 if lag is None else int(lag)
    as_of_day = local_day(con, as_of)   # (the day the analysis counts to, as for `impact`)
    hyp = queries.run(con, "outcomes__hypotheses", as_of=as_of, board_id=board_id, project=project,
                      date_from=date_from, date_to=date_to)
    if hyp.empty:
        return pd.DataFrame(columns=HYPOTHESIS_COLUMNS)
    targets = queries.run(con, "outcomes__impact_targets", as_of=as_of, board_id=None, project=None,
                          date_from=None, date_to=None)
    points = _points(con, as_of, set(targets["metric"]) | set(hyp["metric"]), segment, control_segment)
    shipped = hyp[hyp["shipped_on"].notna()].copy()
    conf_src = pd.concat([targets[["item_key", "shipped_on", "metric"]],
                          shipped[["item_key", "shipped_on", "metric"]]]).drop_duplicates()
    # every shipped hypothesis in one call (each target is analysed on its own, with its own seed:
    # the same figures as one call per hypothesis, without the per-call set-up once per hypothesis)
    judged = analyse_targets(
        shipped[["item_key", "item_name", "shipped_on", "metric", "direction", "min_change"]].reset_index(drop=True),
        points, as_of=as_of_day, window=window, lag=lag, seed=7 if seed is None else int(seed),
        segment=segment or "", control_segment=control_segment or None, shipped=conf_src,
        data_to=metric_data_to(con))
    verdicts = dict(zip(shipped.index, judged.to_dict("records"), strict=True))
    rows = []
    for r in hyp.itertuples():
        base = {"hypothesis_id": r.hypothesis_id, "retro_id": r.retro_id, "held_on": r.held_on, "team": r.team,
                "item_key": r.item_key, "item_name": r.item_name, "shipped_on": r.shipped_on,
                "metric": r.metric, "direction": r.direction, "min_change": float(r.min_change)}
        if pd.isna(r.shipped_on):
            rows.append({**base, "verdict": TOO_EARLY, "confounded_by": "",
                         "note": f"{r.item_key} has not shipped as of {day_words(as_of_day)}"})
            continue
        res = verdicts[r.Index]
        rows.append({**base, **{k: res[k] for k in ("verdict", "effect_abs", "effect_rel", "ci_low", "ci_high",
                                                    "confounded_by", "note")}})
    return _dates_as_datetimes(pd.DataFrame(rows, columns=HYPOTHESIS_COLUMNS), ("held_on", "shipped_on"))
