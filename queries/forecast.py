"""Monte Carlo forecasts (docs/metrics.md §2 flow and "Forecasts": forecasts corrected by the
team's measured estimate bias).

- `forecast()` resamples the team's daily throughput over a window of past days and answers
  "when will N items be done" and "how many items by date D" at 50 / 85 / 95 % confidence,
  then appends the plan check rows.
- `forecast_with_histogram()` is the Calibration page's forecast panel in one pass: forecast()'s
  rows and the distribution of its 'when' runs (`when_distribution`), from the same draws.
- `plan_check()` takes the remaining (not complete) issues' range estimates and says when
  they finish as estimated, and after correcting each estimate by a ratio actual / likely
  resampled from the team's completed issues (its measured bias).

Pure numpy over frames the SQL reports return; a fixed `seed` gives the same answer.
The clock is `as_of`; day 1 of a simulation is the day after as_of's date.
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, timedelta
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

import queries
from queries import facts, registry
from queries.dates import local_day, utc_instant

CONFIDENCES = (0.50, 0.85, 0.95)
MAX_DAYS = 3650          # a 'when' that needs more than ten years is reported as not reached
# why a 'when' has no date (its `detail`): nothing to draw from, or more items than the runs reach
NO_COMPLETIONS = "not reached: no completions in the window"
BEYOND_HORIZON = f"not reached within {MAX_DAYS // 365} years at the window's pace"
COLUMNS = ["question", "confidence", "value", "on_date", "basis", "detail"]
PLAN_BLOCK = 131_072     # resampled ratios per block of plan-check runs (1 MB)
PLAN_DRAWS = 1 << 22     # the plan check draws at most about this many ratios in all ...
PLAN_MIN_RUNS = 1000     # ... but never uses fewer runs than this (nor more than asked)


def window(day: date, date_from: date | None, date_to: date | None, window_days: int) -> tuple[date, date]:
    """The throughput window: date_from..date_to when both are given, else the
    `window_days` days ending on `day`, the as-of day (the day as_of falls on in the reporting
    timezone: `dates.local_day`)."""
    if isinstance(day, datetime):
        raise TypeError("window() takes the as-of day (queries.dates.local_day), not an instant")
    if date_from and date_to:
        return date_from, date_to
    end = min(date_to, day) if date_to else day
    return end - timedelta(days=max(int(window_days), 1) - 1), end


def positions(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> np.ndarray:
    """The positions `rng.choice(values, size=shape, replace=True)` takes from `n` values,
    from the same generator state and leaving it in the same state. Drawn as 32-bit integers:
    NumPy draws any range below 2**32 with its 32-bit generator whatever the integer type
    asked for, so the stream is `choice`'s (tests/test_forecast_draws.py checks it), with
    half the memory to write."""
    return rng.integers(0, n, size=shape, dtype=np.int32 if n < 2**31 else np.int64)


def draw(rng: np.random.Generator, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`rng.choice(values, size=shape, replace=True)`: the same draws, the same state after."""
    return values.take(positions(rng, values.size, shape))


def effective_issues(likely: np.ndarray) -> float:
    """How many equal estimates `likely` weigh like: (sum likely)^2 / sum likely^2 (docs/metrics.md
    "Forecasts", plan check). A run's total sums likely x a drawn ratio per issue, so its
    variance is the ratios' variance x sum likely^2, and its spread relative to its level is
    the ratios' coefficient of variation / sqrt(this): n for n equal estimates, about 1 when
    one estimate dwarfs the rest. Never more than the count (nor less than 1)."""
    likely = np.asarray(likely, dtype=float)
    square = float(np.dot(likely, likely))
    if likely.size == 0 or square <= 0:
        return float(max(likely.size, 1))
    return min(max(float(likely.sum()) ** 2 / square, 1.0), float(likely.size))


def plan_runs(runs: int, issues: int, n_eff: float | None = None) -> int:
    """How many of `runs` the plan check simulates for `issues` remaining range-estimated
    issues that weigh like `n_eff` equal ones (`effective_issues`; default: equal estimates)
    (docs/metrics.md "Forecasts", "How many plan-check runs"): every run while
    runs x n_eff is at most PLAN_DRAWS, else PLAN_DRAWS // n_eff runs, but at least
    PLAN_MIN_RUNS. The Monte Carlo error of a quantile relative to the answer falls as
    1 / sqrt(runs x n_eff), so this keeps it where 10,000 runs put it for 419 equal issues;
    a plan a few estimates dominate uses every run. The runs used are the first ones of the
    full simulation (the same draws, in run order)."""
    runs = max(int(runs), 1)
    n = max(int(issues), 1)
    eff = float(n) if n_eff is None else min(max(float(n_eff), 1.0), float(n))
    # PLAN_DRAWS // n as well: for equal estimates n_eff is n up to rounding, and the runs
    # must be exactly those the count gives
    return min(runs, max(PLAN_MIN_RUNS, PLAN_DRAWS // n, int(PLAN_DRAWS / eff)))


def quantile_error(values: np.ndarray, q: float) -> float:
    """About how far the inverted-CDF q quantile of these runs lies from the one infinitely
    many runs would give (one standard error): among R runs the rank of the exact quantile
    is binomial, sd sqrt(R q (1 - q)) ranks, so half the distance between the runs that many
    ranks either side of the answer (no assumption on the shape of the distribution)."""
    v = np.sort(np.asarray(values, dtype=float))
    r = v.size
    if r == 0:
        return float("nan")
    k = max(int(np.ceil(q * r)) - 1, 0)            # the run `quantile` answers with
    m = int(np.ceil(np.sqrt(r * q * (1 - q))))
    return float(v[min(k + m, r - 1)] - v[max(k - m, 0)]) / 2


def _about(x: float) -> str:
    """A small error in days, in words: 'about ±N days', whole days from 10 up, else two
    decimals; under a hundredth of a day (the pages show tenths) 'under 0.01 days'."""
    if x >= 10:
        return f"about ±{x:,.0f} days"
    return f"about ±{x:.2f} days" if x >= 0.005 else "under 0.01 days"


def simulate_when(daily: np.ndarray, items: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Days (1-based, from the day after as_of) until `items` are done, per run; NaN if not
    reached within MAX_DAYS (e.g. a window with no completions).

    Each run draws a year of days at a time (in run order, so the generator ends where a
    plain `choice` of the whole block would leave it); within a block the running totals are
    summed over a few days first and carried on only for the runs still short of `items`:
    most runs of a busy team are done within days, and the answer is the same."""
    out = np.full(runs, np.nan)
    if items <= 0:
        return np.zeros(runs)
    if daily.size == 0 or daily.sum() == 0:
        return out
    done = np.zeros(runs, dtype=np.int64)
    todo = np.arange(runs)
    block = 365
    for start in range(0, MAX_DAYS, block):
        pos = positions(rng, daily.size, (todo.size, block))
        first = np.full(todo.size, -1)
        total = done[todo]
        left = np.arange(todo.size)              # runs of this block not yet at `items`
        col, step = 0, 8
        while col < block and left.size:
            end = min(block, col + step)
            cum = total[left, None] + np.cumsum(daily.take(pos[left, col:end]), axis=1)
            hit = cum >= items
            got = hit.any(axis=1)
            first[left[got]] = col + hit[got].argmax(axis=1)
            total[left] = cum[:, -1]
            left = left[~got]
            col, step = end, step * 4
        reached = first >= 0
        out[todo[reached]] = start + first[reached] + 1
        done[todo] = total
        todo = todo[~reached]
        if todo.size == 0:
            break
    return out


def simulate_how_many(daily: np.ndarray, days: int, runs: int, rng: np.random.Generator) -> np.ndarray:
    """Items done in `days` days, per run."""
    if days <= 0 or daily.size == 0:
        return np.zeros(runs)
    return draw(rng, daily, (runs, days)).sum(axis=1)


def quantile(values: np.ndarray, q: float) -> float:
    """Empirical quantile (inverted CDF: an actual simulated value, no interpolation); runs
    that never got there (NaN) count as infinitely late, and an infinite answer is NaN."""
    v = float(np.quantile(np.nan_to_num(values, nan=np.inf), q, method="inverted_cdf"))
    return v if np.isfinite(v) else float("nan")


_q = quantile   # the name it had when it was private


def known_at(con: duckdb.DuckDBPyConnection, latest: datetime, fallback: datetime) -> datetime:
    """The instant facts about instants up to `latest` are read as known at: the stored
    facts' instant when `latest` is no later (the stored tables, nothing recomputed; see
    fct_completion_spans), else `fallback` (its facts computed once per connection)."""
    stored = facts.stored_as_of(con)
    return stored if stored is not None and utc_instant(latest) <= utc_instant(stored) else fallback


def same_instant(a, b) -> bool:
    return utc_instant(a) == utc_instant(b)


# Per connection: the inputs asked at instants earlier than the stored one (the last few), so
# asking again (a page rerun, the plan check after the forecast) is a read. The stored facts a
# reader's connection sees do not change, and the key holds the stored instant.
_EARLIER_INPUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
EARLIER_INPUTS_KEPT = 16


def forecast_inputs(con: duckdb.DuckDBPyConnection, as_of: datetime, board_id: str | None, project: str | None,
            w_from: date, w_to: date) -> pd.DataFrame:
    """Completed-in-window and remaining issues (one SQL pass: flow__forecast_inputs); at an
    instant earlier than the stored one, read from the stored facts (fct_forecast_sample_at)
    and kept for the connection."""
    known = known_at(con, as_of, as_of)
    if same_instant(known, as_of):
        return queries.run(con, "flow__forecast_inputs", as_of=as_of, at=as_of, board_id=board_id,
                           project=project, window_from=w_from, window_to=w_to)
    key = (utc_instant(known), utc_instant(as_of), board_id, project, w_from, w_to)
    kept = _EARLIER_INPUTS.setdefault(con, {})
    if key not in kept:
        kept[key] = queries.run(con, "flow__forecast_inputs", as_of=known, at=as_of, board_id=board_id,
                                project=project, window_from=w_from, window_to=w_to)
        while len(kept) > EARLIER_INPUTS_KEPT:
            kept.pop(next(iter(kept)))
    return kept[key].copy()


def daily_throughput(inputs: pd.DataFrame, w_from: date, w_to: date) -> np.ndarray:
    """Issues completed per day from w_from to w_to inclusive (0 for days without any)."""
    n = max((w_to - w_from).days + 1, 0)
    done = pd.to_datetime(inputs["completed_on"][(inputs["kind"] == "completed").to_numpy()])
    day = done.to_numpy(dtype="datetime64[D]")
    day = (day[~np.isnat(day)] - np.datetime64(w_from, "D")).astype(np.int64)
    return np.bincount(day[(day >= 0) & (day < n)], minlength=n).astype(np.int64)


def forecast(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
             project: str | None = None, date_from: date | None = None, date_to: date | None = None,
             items: int = 20, target_date: date | None = None, window_days: int = 90,
             runs: int = 10000, seed: int = 42) -> pd.DataFrame:
    """'when' (days from as_of and the date by which `items` are done) and 'how_many' (items
    done by `target_date`, default as_of + 28 days) at 50/85/95 %, plus the plan check."""
    return _forecast(con, as_of=as_of, board_id=board_id, project=project, date_from=date_from, date_to=date_to,
                     items=items, target_date=target_date, window_days=window_days, runs=runs, seed=seed)[0]


class ForecastWithHistogram(NamedTuple):
    forecast: pd.DataFrame         # forecast()'s rows
    when_histogram: pd.DataFrame   # the distribution of its 'when' runs (`when_distribution`)


def forecast_with_histogram(con: duckdb.DuckDBPyConnection, **params: object) -> ForecastWithHistogram:
    """The public query 'forecast' (its parameters, validated and defaulted as
    `retroscope query forecast` does: registry.resolve_params) and the distribution behind its
    'when' answers, from the same runs: one simulation, not a second one for the chart, and
    the histogram's 50/85/95 % days are the rows' by construction."""
    frame, when, start = _forecast(con, **registry.resolve_params(con, "forecast", params))
    return ForecastWithHistogram(frame, when_distribution(when, start))


def _forecast(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None, project: str | None,
              date_from: date | None, date_to: date | None, items: int, target_date: date | None,
              window_days: int, runs: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, date]:
    """forecast()'s rows, its 'when' runs (`simulate_when`) and their day 0 (the as-of day)."""
    runs = max(int(runs), 1)
    start = local_day(con, as_of)
    w_from, w_to = window(start, date_from, date_to, window_days)
    inputs = forecast_inputs(con, as_of, board_id, project, w_from, w_to)
    daily = daily_throughput(inputs, w_from, w_to)
    out, when = _throughput_forecast(daily, start=start, items=items, target_date=target_date, runs=runs,
                                     seed=seed, w_from=w_from, w_to=w_to)
    plan = _plan_check(inputs, start, w_from, w_to, runs, seed)
    return pd.concat([out, plan], ignore_index=True), when, start


def default_target(start: date) -> date:
    """The 'how many by' date when none is asked: 28 days after the as-of day `start`."""
    return start + timedelta(days=28)


def default_target_date(con: duckdb.DuckDBPyConnection, *, as_of: datetime, **_: object) -> date:
    """`default_target` of as_of's day (the forecast panel's default)."""
    return default_target(local_day(con, as_of))


def throughput_forecast(daily: np.ndarray, *, start: date, items: int, target_date: date | None, runs: int,
                        seed: int, w_from: date, w_to: date) -> pd.DataFrame:
    """forecast()'s 'when' and 'how_many' rows from the daily throughput of w_from..w_to
    (`daily_throughput`), counted from the as-of day `start`, without the plan check: what
    the backtest re-forecasts."""
    return _throughput_forecast(daily, start=start, items=items, target_date=target_date, runs=runs, seed=seed,
                                w_from=w_from, w_to=w_to)[0]


def _throughput_forecast(daily: np.ndarray, *, start: date, items: int, target_date: date | None, runs: int,
                         seed: int, w_from: date, w_to: date) -> tuple[pd.DataFrame, np.ndarray]:
    """throughput_forecast()'s rows and the 'when' runs they were read from."""
    runs = max(int(runs), 1)
    rng = np.random.default_rng(seed)
    per_day = daily.mean() if daily.size else 0.0
    basis = f"daily throughput {w_from}..{w_to} ({daily.size} days, {int(daily.sum())} completed)"
    rows = []
    when = simulate_when(daily, int(items), runs, rng)
    # why a 'when' has no date: nothing to draw from, or more items than the runs reach in MAX_DAYS
    never = (NO_COMPLETIONS if daily.size == 0 or daily.sum() == 0 else
             f"{BEYOND_HORIZON} ({per_day:.2f} items a day)")
    for c in CONFIDENCES:
        d = quantile(when, c)
        rows.append({"question": "when", "confidence": c, "value": d,
                     "on_date": None if np.isnan(d) else start + timedelta(days=int(d)),
                     "basis": basis,
                     "detail": f"{int(items)} items done within this many days with {c * 100:.0f} % confidence"
                     if not np.isnan(d) else never})
    target = target_date or default_target(start)
    horizon = (target - start).days
    many = simulate_how_many(daily, horizon, runs, rng)
    for c in CONFIDENCES:
        v = float(np.quantile(many, 1 - c, method="inverted_cdf"))
        rows.append({"question": "how_many", "confidence": c, "value": v, "on_date": target, "basis": basis,
                     "detail": f"at least this many items done by {target} with {c * 100:.0f} % confidence "
                               f"(mean {per_day:.2f}/day)"})
    return pd.DataFrame(rows, columns=COLUMNS), when


def plan_check(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
               project: str | None = None, date_from: date | None = None, date_to: date | None = None,
               window_days: int = 90, runs: int = 10000, seed: int = 42, **_: object) -> pd.DataFrame:
    """When the remaining range-estimated work finishes, as estimated and bias-corrected.

    capacity = actual days of work the team delivered per calendar day in the window (sum of
    the actuals of issues completed there / window length: the average work in progress).
    As estimated: sum(likely) / capacity. Bias-corrected: each remaining likely is multiplied
    by a ratio actual / likely drawn from the team's completed range-estimated issues in the
    window, summed, / capacity; 50/85/95 % of the runs finish within the reported days."""
    start = local_day(con, as_of)
    w_from, w_to = window(start, date_from, date_to, window_days)
    inputs = forecast_inputs(con, as_of, board_id, project, w_from, w_to)
    return _plan_check(inputs, start, w_from, w_to, max(int(runs), 1), seed)


def _plan_check(inputs: pd.DataFrame, start: date, w_from: date, w_to: date, runs: int,
                seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed + 1)
    n_days = (w_to - w_from).days + 1
    # plain arrays in the inputs' order (filtering the frame costs more than the arithmetic)
    kind = inputs["kind"]
    rem, hist = (kind == "remaining").to_numpy(), (kind == "completed").to_numpy()
    all_likely = inputs["likely_days"].to_numpy(dtype=float)
    all_actual = inputs["actual_days"].to_numpy(dtype=float)
    likely = all_likely[rem & ~np.isnan(all_likely)]
    unestimated = int((rem & np.isnan(all_likely)).sum())
    actual = all_actual[hist & ~np.isnan(all_actual)]
    capacity = actual.sum() / n_days if n_days > 0 else 0.0
    scored = hist & ~np.isnan(all_actual) & ~np.isnan(all_likely)
    ratios = all_actual[scored] / all_likely[scored]
    bias = float(np.median(ratios)) if ratios.size else float("nan")
    basis = (f"{likely.size} remaining range-estimated issues (sum likely {likely.sum():.1f} days; "
             f"{unestimated} without a usable range left out); capacity {capacity:.2f} work-days/day "
             f"from {w_from}..{w_to}")

    def row(conf, days, b, detail):
        ok = days is not None and np.isfinite(days)
        return {"question": "plan_check", "confidence": conf, "value": days if ok else float("nan"),
                "on_date": start + timedelta(days=int(np.ceil(days))) if ok else None, "basis": b, "detail": detail}

    rows = []
    if likely.size == 0 or capacity <= 0:
        why = "no remaining range-estimated issues" if likely.size == 0 else "no completed work in the window"
        rows.append(row(None, None, "as_estimated", f"{why}; {basis}"))
        for c in CONFIDENCES:
            rows.append(row(c, None, "bias_corrected", f"{why}; {basis}"))
        return pd.DataFrame(rows, columns=COLUMNS)
    rows.append(row(None, likely.sum() / capacity, "as_estimated",
                    f"sum of likely estimates / capacity; {basis}"))
    if ratios.size == 0:
        for c in CONFIDENCES:
            rows.append(row(c, None, "bias_corrected", f"no completed range-estimated issues to measure bias; {basis}"))
        return pd.DataFrame(rows, columns=COLUMNS)
    # Runs in blocks small enough to stay in the CPU cache and to keep the matrix-vector
    # product on one thread (a larger one is split across threads that mostly wait); the
    # draws are the same whatever the block (drawn in run order from one generator). Over
    # thousands of similar estimates fewer runs than asked (plan_runs): the first ones.
    n_eff = effective_issues(likely)
    used = plan_runs(runs, likely.size, n_eff)
    totals = np.zeros(used)
    chunk = max(4, PLAN_BLOCK // max(likely.size, 1) // 4 * 4)
    for s in range(0, used, chunk):
        n = min(chunk, used - s)
        totals[s:s + n] = draw(rng, ratios, (n, likely.size)) @ likely
    days = totals / capacity
    for c in CONFIDENCES:
        fewer = "" if used == runs else (
            f"; {used:,} of {runs:,} runs (the {likely.size:,} estimates weigh like {n_eff:,.0f} equal ones; "
            f"Monte Carlo error of this answer {_about(quantile_error(days, c))})")
        rows.append(row(c, float(np.quantile(days, c, method="inverted_cdf")), "bias_corrected",
                        f"finished within this many days with {c * 100:.0f} % confidence after correcting each estimate "
                        f"by the team's actual/likely ratios (median bias {bias:.2f} over {ratios.size} issues); {basis}"
                        f"{fewer}"))
    return pd.DataFrame(rows, columns=COLUMNS)


def remaining_items(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
                    project: str | None = None, date_from: date | None = None, date_to: date | None = None,
                    window_days: int = 90, **_: object) -> int:
    """How many issues in scope are not complete at as_of (the plan check's 'remaining'
    issues): the default 'items left' of the throughput forecast, so both answers are about
    the same work. Counted in SQL at the stored instant (or a later one); at an earlier one
    read from the inputs the forecast keeps for the connection (and then reads itself)."""
    if same_instant(known_at(con, as_of, as_of), as_of):
        return int(queries.run(con, "forecast__remaining", as_of=as_of, board_id=board_id,
                               project=project)["remaining"].iloc[0])
    w_from, w_to = window(local_day(con, as_of), date_from, date_to, window_days)
    inputs = forecast_inputs(con, as_of, board_id, project, w_from, w_to)
    return int((inputs["kind"] == "remaining").sum())


HISTOGRAM_COLUMNS = ["days", "on_date", "share", "cumulative"]


def when_distribution(when: np.ndarray, start: date) -> pd.DataFrame:
    """The distribution of 'when' runs (`simulate_when`, day 1 = the day after `start`): per
    finishing day (days from start, its date), the share of all runs that finished that day
    and the cumulative share; runs never finished count in no day. Aggregated per day: a few
    hundred rows, whatever the run count."""
    done = when[~np.isnan(when)].astype(np.int64)
    if done.size == 0:
        return pd.DataFrame(columns=HISTOGRAM_COLUMNS)
    counts = pd.Series(done).value_counts().sort_index()
    runs = max(when.size, 1)
    return pd.DataFrame({"days": counts.index.to_numpy(), "on_date": [start + timedelta(days=int(d)) for d in counts.index],
                         "share": counts.to_numpy() / runs, "cumulative": counts.cumsum().to_numpy() / runs})
