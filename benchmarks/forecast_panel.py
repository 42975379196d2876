"""The Calibration page's forecast panel, server side (not a test):

    python -m benchmarks.forecast_panel [--sizes 100000] [--cache DIR] [--db PATH] [--repeat N]

What the panel asks the database and numpy for, without Streamlit's caches, before and
after it drew its chart from the forecast's own runs, side by side in one process:

- before: `remaining_items`, the public query `forecast`, then the chart's histogram as it
  was computed (the daily throughput again, from the forecast's inputs, and the same
  10,000-run simulation again with the same seed; the page then counted the days in a
  separate SQL query, since removed: its figures were these);
- after: `remaining_items`, then `forecast_with_histogram` (one simulation for both).

For the default filters at the data's as_of and 45 days earlier it prints
- cold: the panel's first draw on a freshly opened connection (the connection's opening
  not counted), as for the first visitor when nothing was prefetched;
- rerun: the best of N draws after a change of 'Items left' (the items count cached, the
  forecast and its chart computed again), what each edit costs;
and checks that both give the same frames (the same figures: same seed, same draws).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

import queries
from benchmarks.queries import add_cache_arg, warehouse
from queries import forecast as fc
from queries.registry import default_as_of, run_public


def _before(con, items: int, p: dict):
    """The panel's forecast and histogram as the page computed them before (two simulations)."""
    rows = run_public(con, "forecast", items=items, target_date=p["as_of"].date() + timedelta(days=28), **p)
    w_from, w_to = fc.window(p["as_of"].date(), p["date_from"], p["date_to"], 90)   # the demo reports in UTC
    daily = fc.daily_throughput(fc.forecast_inputs(con, p["as_of"], p["board_id"], p["project"], w_from, w_to),
                                w_from, w_to)
    when = fc.simulate_when(daily, items, 10000, np.random.default_rng(42))
    return rows, fc.when_distribution(when, p["as_of"].date())


def _after(con, items: int, p: dict):
    return tuple(fc.forecast_with_histogram(con, items=items, target_date=p["as_of"].date() + timedelta(days=28), **p))


def _panel(con, way, p: dict, items: int | None = None) -> tuple[float, tuple]:
    t0 = time.perf_counter()
    if items is None:
        items = max(fc.remaining_items(con, **p), 1)
    out = way(con, items, p)
    return time.perf_counter() - t0, out


def measure(db: Path, repeat: int) -> list[dict]:
    con = queries.connect(db)
    as_of = default_as_of(con)
    con.close()
    rows = []
    for label, at in (("data's as_of", as_of), ("as_of - 45 d", as_of - timedelta(days=45))):
        p = {"as_of": at, "board_id": None, "project": None, "date_from": None, "date_to": None}
        cold = {"before": [], "after": []}
        rerun = {"before": [], "after": []}
        outs = {}
        for i in range(repeat):
            order = ("before", "after") if i % 2 == 0 else ("after", "before")
            for name in order:
                way = _before if name == "before" else _after
                con = queries.connect(db)
                try:
                    s, outs[name] = _panel(con, way, p)
                    cold[name].append(s)
                    items = max(fc.remaining_items(con, **p), 1) + 1 + i   # 'Items left' edited
                    rerun[name].append(_panel(con, way, p, items)[0])
                finally:
                    con.close()
        for a, b in zip(outs["before"], outs["after"], strict=True):
            pd.testing.assert_frame_equal(a, b)   # the same figures
        rows.append({"as_of": f"{label} ({at:%Y-%m-%d})",
                     "cold before": statistics.median(cold["before"]), "cold after": statistics.median(cold["after"]),
                     "rerun before": min(rerun["before"]), "rerun after": min(rerun["after"]),
                     "histogram days": len(outs["after"][1])})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="demo warehouse sizes (issues), comma-separated")
    ap.add_argument("--db", help="measure this warehouse instead of cached demo ones")
    ap.add_argument("--repeat", type=int, default=5, help="cold draws (median) and reruns (best) per variant")
    add_cache_arg(ap)
    args = ap.parse_args(argv)
    dbs = [(args.db, Path(args.db))] if args.db else [
        (f"{int(s):,} issues", warehouse(Path(args.cache), int(s))) for s in args.sizes.split(",")]
    print("| warehouse | as_of | cold before | cold after | rerun before | rerun after | histogram days |")
    print("|---|---|---|---|---|---|---|")
    for name, db in dbs:
        for r in measure(db, args.repeat):
            print(f"| {name} | {r['as_of']} | {r['cold before'] * 1000:.0f} ms | {r['cold after'] * 1000:.0f} ms "
                  f"({r['cold after'] / r['cold before']:.2f}×) | {r['rerun before'] * 1000:.0f} ms | "
                  f"{r['rerun after'] * 1000:.0f} ms ({r['rerun after'] / r['rerun before']:.2f}×) | "
                  f"{r['histogram days']} |", flush=True)
    print("(the same frames before and after: checked)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
