"""Page render times (not a test):

    python -m benchmarks.pages [--sizes demo,100000] [--cache DIR] [--repeat N]

For each warehouse — the demo (`connectors.demo.build(path, seed=7)`) and demo warehouses
of N issues (`scale=N`, built once into the cache dir shared with `benchmarks.queries`) —
renders every registered page with Streamlit's AppTest (the whole app: navigation,
sidebar, data seam) and prints:

- first: the first render of the page in a fresh session with empty data caches (the
  warehouse connection already open, as in a running server);
- rerun: the best of N reruns of the same page (what a user pays for each interaction);
- open: the one-off cost of opening the warehouse connection (views and macros built),
  paid by the first page a server renders after a sync.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

SEED = 7


def warehouse(cache_dir: Path, size: str) -> Path:
    """The cached demo warehouse ('demo' or a number of issues), built if missing."""
    from connectors import demo

    path = cache_dir / ("pages_demo_seed7.duckdb" if size == "demo" else f"demo_seed{SEED}_{int(size)}.duckdb")
    if not path.exists():
        t0 = time.perf_counter()
        print(f"building demo warehouse ({size}) -> {path}", file=sys.stderr, flush=True)
        demo.build(path, seed=SEED, scale=None if size == "demo" else int(size))
        print(f"  built in {time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
    return path


def _app(db: Path):
    from streamlit.testing.v1 import AppTest

    os.environ["RETROSCOPE_DB"] = str(db)
    os.environ.pop("RETROSCOPE_USERDATA", None)
    return AppTest.from_file(str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py"), default_timeout=600)


def measure(db: Path, repeat: int) -> tuple[float, list[tuple[str, float, float, str]]]:
    import streamlit as st

    from dashboard.pages import PAGES

    st.cache_data.clear()
    st.cache_resource.clear()
    at = _app(db)
    t0 = time.perf_counter()
    at.run()                                      # opens the connection, renders the default page
    opened = time.perf_counter() - t0
    rows = []
    for p in PAGES:
        st.cache_data.clear()                     # data caches empty, connection kept
        at = _app(db)
        at.run()
        at.switch_page(f"app_pages/{p.slug}.py")
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        reruns = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - t0)
        problem = "; ".join([e.message for e in at.exception] + [e.value for e in at.error])[:60]
        rows.append((p.slug, first, min(reruns), problem))
    return opened, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="demo,100000", help="comma-separated: demo and/or issue counts")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "retroscope-bench"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    cache_dir = Path(args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        db = warehouse(cache_dir, size.strip())
        opened, rows = measure(db, args.repeat)
        print(f"\n{size} ({db.stat().st_size / 1e6:.0f} MB): open warehouse + first page {opened:.2f}s")
        print(f"{'page':<14} {'first (s)':>10} {'rerun (s)':>10}  problems")
        for slug, first, rerun, problem in rows:
            print(f"{slug:<14} {first:>10.2f} {rerun:>10.2f}  {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
