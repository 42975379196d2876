"""Page render times (not a test):

    python -m benchmarks.pages [--sizes demo,100000] [--cache DIR] [--repeat N]

For each warehouse — the demo (`connectors.demo.build(path, seed=7)`) and demo warehouses
of N issues (`scale=N`, built once into the cache dir shared with `benchmarks.queries`) —
renders every registered page with Streamlit's AppTest (the whole app: navigation,
sidebar, data seam) and prints:

- cold: the first render of the page in a fresh session with empty data and figure caches
  and no prefetch (the warehouse connection already open, as in a running server);
- prefetched: the first render of the page after another page was shown with the same
  filters and the background prefetch of every page's queries finished (figures still
  built on the spot): what a user switching pages pays;
- rerun: the best of N reruns of the same page (what a user pays for each interaction);
- open: the one-off cost of opening the warehouse connection (views and macros built),
  paid by the first page a server renders after a sync.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from benchmarks.queries import add_cache_arg

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


def _wait_prefetch() -> None:
    import threading

    for t in threading.enumerate():
        if t.name == "retroscope-prefetch":
            t.join()


def _first(db: Path, slug: str, prefetch: bool):
    import streamlit as st

    from dashboard import components, data

    st.cache_data.clear()                          # data caches empty, connection kept
    components._figure.clear()
    data._prefetched.clear()
    os.environ.pop("RETROSCOPE_NO_PREFETCH", None) if prefetch else os.environ.update(RETROSCOPE_NO_PREFETCH="1")
    at = _app(db)
    if prefetch:
        at.run()                                   # the default page starts the prefetch
        _wait_prefetch()
        components._figure.clear()
    at.switch_page(f"app_pages/{slug}.py")
    t0 = time.perf_counter()
    at.run()
    return at, time.perf_counter() - t0


def measure(db: Path, repeat: int) -> tuple[float, list[tuple[str, float, float, float, str]]]:
    import streamlit as st

    from dashboard.pages import PAGES

    st.cache_data.clear()
    st.cache_resource.clear()
    os.environ["RETROSCOPE_NO_PREFETCH"] = "1"
    at = _app(db)
    t0 = time.perf_counter()
    at.run()                                      # opens the connection, renders the default page
    opened = time.perf_counter() - t0
    rows = []
    for p in PAGES:
        _, cold = _first(db, p.slug, prefetch=False)
        at, warm = _first(db, p.slug, prefetch=True)
        reruns = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            at.run()
            reruns.append(time.perf_counter() - t0)
        problem = "; ".join([e.message for e in at.exception] + [e.value for e in at.error])[:60]
        rows.append((p.slug, cold, warm, min(reruns), problem))
    return opened, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="demo,100000", help="comma-separated: demo and/or issue counts")
    add_cache_arg(ap)
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
        print(f"{'page':<14} {'cold (s)':>10} {'prefetched (s)':>15} {'rerun (s)':>10}  problems")
        for slug, cold, warm, rerun, problem in rows:
            print(f"{slug:<14} {cold:>10.2f} {warm:>15.2f} {rerun:>10.2f}  {problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
