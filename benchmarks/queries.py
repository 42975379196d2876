"""Time every public query on demo warehouses of growing size, against a floor.

    python -m benchmarks.queries [--sizes 10000,100000,1000000] [--cache DIR] [--repeat N]

Builds (once, then cached) demo warehouses with `connectors.demo.build(path, seed=7,
scale=N)` under a temp dir (the load stores the facts), then prints per size and public
query, measured side by side in one process (interleaved, so machine noise hits all alike):
- floor: a minimal per-issue `GROUP BY` over raw_status_changes, raw_field_changes and
  raw_issues, and per metric/day over raw_metric_points, each fetched to pandas;
- stored: the query through `queries.registry.run_public` at the default as_of (stored facts);
- past: the same at an as_of --past-days earlier: first call (computed from the stored
  facts and cached; the queries before it asked that instant too, so it reads the marts they
  cached) and second call (from the connection's cache), each with its ratio to the floor;
- live: the query with stored facts ignored (`connect(stored=False)`): what every query
  cost before facts were stored (skipped above --live-up-to issues).
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import duckdb

import queries
from queries.registry import REGISTRY, run_public

SEED = 7
CACHE = Path(tempfile.gettempdir()) / "retroscope-bench"


def add_cache_arg(ap: argparse.ArgumentParser) -> None:
    """The --cache option every benchmark that builds demo warehouses takes."""
    ap.add_argument("--cache", default=str(CACHE), help="where the demo warehouses are kept between runs")


def warehouse(cache_dir: Path, size: int) -> Path:
    """The cached demo warehouse of `size` issues, built if missing."""
    from connectors import demo

    path = cache_dir / f"demo_seed{SEED}_{size}.duckdb"
    if not path.exists():
        t0 = time.perf_counter()
        print(f"building demo warehouse with {size:,} issues -> {path}", file=sys.stderr, flush=True)
        demo.build(path, seed=SEED, scale=size)
        print(f"  built in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    return path


def best_of(fn, repeat: int) -> tuple[float, object, float]:
    """(best wall seconds, last result, CPU seconds of that best run). CPU time is this
    process's (all DuckDB threads): on a busy machine it is the steadier figure."""
    best, out, cpu = float("inf"), None, 0.0
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall = time.perf_counter() - t0
        if wall < best:
            best, cpu = wall, time.process_time() - c0
    return best, out, cpu


FLOOR_SQL = (
    "SELECT issue_id, min(changed_at), max(changed_at), count(*) FROM raw_status_changes GROUP BY 1",
    "SELECT issue_id, min(changed_at), max(changed_at), count(*) FROM raw_field_changes GROUP BY 1",
    "SELECT issue_id, min(created_at), max(updated_at), count(*) FROM raw_issues GROUP BY 1",
    "SELECT metric, day, min(value), max(value), count(*) FROM raw_metric_points GROUP BY 1, 2",
)


def floor(con) -> None:
    """The floor every public query is held to: a minimal per-issue GROUP BY over each raw
    history table (and per metric/day over the metric points), each fetched to pandas."""
    for q in FLOOR_SQL:
        con.execute(q).df()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.queries", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated issue counts")
    add_cache_arg(ap)
    ap.add_argument("--repeat", type=int, default=2, help="runs per query; the best is reported")
    ap.add_argument("--only", default="", help="comma-separated public query names (default: all)")
    ap.add_argument("--live-up-to", type=int, default=100000,
                    help="also time the live computation (no stored facts: the 'before') up to this size")
    ap.add_argument("--past-days", type=int, default=45, help="the past as_of: this many days before the default")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    cache_dir = Path(args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    names = [n for n in (args.only.split(",") if args.only else REGISTRY) if n]
    print("seconds are the best of --repeat wall times; x floor = stored / floor measured just before it.")
    print("past: as_of --past-days earlier, first call (computed, then cached; after the queries above it at that")
    print("      instant, whose cached marts it may read) / second call (cache), each with its x floor.")
    print("cpu x fl: the same ratio in CPU seconds of this process (all DuckDB threads), steadier on a busy machine.")
    print(f"{'issues':>9} {'query':<31} {'floor':>6} {'stored':>7} {'x fl':>5} {'cpu x fl':>8} {'past 1st':>8} "
          f"{'x fl':>5} {'past 2nd':>8} {'x fl':>5} {'live':>7} {'live/st':>7} {'rows':>8}")
    for size in sizes:
        path = warehouse(cache_dir, size)
        bare_s = open_s = float("inf")
        for _ in range(3):   # each alone (DuckDB shares one instance between open connections to a file)
            t0 = time.perf_counter()
            duckdb.connect(str(path), read_only=True).close()
            bare_s = min(bare_s, time.perf_counter() - t0)
            t0 = time.perf_counter()
            queries.connect(path).close()
            open_s = min(open_s, time.perf_counter() - t0)
        con = queries.connect(path)
        meta = con.execute("SELECT as_of, built_seconds FROM facts.meta").fetchone()
        print(f"{size:>9,} stored facts built in {meta[1]:.1f}s at load; connect {open_s:.3f}s "
              f"(bare DuckDB open {bare_s:.3f}s, {open_s / max(bare_s, 1e-9):.1f}x)")
        live = queries.connect(path, stored=False) if size <= args.live_up_to else None
        try:
            as_of = queries.registry.default_as_of(con)
            past = as_of - timedelta(days=args.past_days)
            for name in names:
                try:
                    fl, _, fl_cpu = best_of(lambda c=con: floor(c), args.repeat)
                    st, df, st_cpu = best_of(lambda n=name, c=con, a=as_of: run_public(c, n, as_of=a), args.repeat)
                    t0 = time.perf_counter()
                    run_public(con, name, as_of=past)
                    p1 = time.perf_counter() - t0
                    p2, _, _ = best_of(lambda n=name, c=con, a=past: run_public(c, n, as_of=a), args.repeat)
                    lv = best_of(lambda n=name, c=live, a=as_of: run_public(c, n, as_of=a), 1)[0] if live else None
                    print(f"{size:>9,} {name:<31} {fl:>6.3f} {st:>7.3f} {st / fl:>5.1f} "
                          f"{st_cpu / max(fl_cpu, 1e-9):>8.1f} {p1:>8.3f} {p1 / fl:>5.1f} {p2:>8.3f} "
                          f"{p2 / fl:>5.1f} {'-' if lv is None else f'{lv:.3f}':>7} "
                          f"{'-' if lv is None else f'{lv / st:.1f}':>7} {len(df):>8,}", flush=True)
                except queries.RetroscopeError as e:
                    print(f"{size:>9,} {name:<31} failed: {str(e)[:90]}", flush=True)
        finally:
            con.close()
            if live is not None:
                live.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
