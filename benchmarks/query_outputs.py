"""Save public queries' outputs on a demo warehouse, or compare them with a saved set.

    python -m benchmarks.query_outputs save DIR [--db PATH] [--only a,b]
    python -m benchmarks.query_outputs compare DIR [--db PATH] [--only a,b]

For work that must not change a figure (a faster query, a rewritten mart): save before the
change, compare after it. Each query runs under a few parameter sets (the default as_of, a
past as_of, one board, a reporting period) and every frame is compared with pandas'
`assert_frame_equal` (exact: `check_exact=True`, dtypes and column order included).
The warehouse defaults to the 100k demo `python -m benchmarks.queries --sizes 100000` keeps
in its cache directory. Not a test: a development aid.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import warnings
from datetime import timedelta
from pathlib import Path

import pandas as pd

import queries
from queries.registry import REGISTRY, default_as_of, run_public


def param_sets(con) -> dict[str, dict]:
    as_of = default_as_of(con)
    board = con.execute("SELECT min(board_id) FROM raw_boards").fetchall()[0][0]
    return {
        "stored": {"as_of": as_of},
        "past": {"as_of": as_of - timedelta(days=45)},
        "board": {"as_of": as_of, "board_id": board},
        "period": {"as_of": as_of, "date_from": (as_of - timedelta(days=120)).date(),
                   "date_to": (as_of - timedelta(days=30)).date()},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.query_outputs", description=__doc__.splitlines()[0])
    ap.add_argument("action", choices=("save", "compare"))
    ap.add_argument("dir")
    ap.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "retroscope-bench" / "demo_seed7_100000.duckdb"))
    ap.add_argument("--only", default="", help="comma-separated public query names (default: all)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    out = Path(args.dir)
    out.mkdir(parents=True, exist_ok=True)
    names = [n for n in (args.only.split(",") if args.only else REGISTRY) if n]
    con = queries.connect(args.db)
    failed = 0
    try:
        for label, params in param_sets(con).items():
            for name in names:
                df = run_public(con, name, **params)
                f = out / f"{name}.{label}.pkl"
                if args.action == "save":
                    f.write_bytes(pickle.dumps(df))
                    print(f"saved   {name:<32} {label:<7} {len(df):>8,} rows")
                    continue
                try:
                    pd.testing.assert_frame_equal(df, pickle.loads(f.read_bytes()), check_exact=True)
                    print(f"same    {name:<32} {label:<7} {len(df):>8,} rows")
                except AssertionError as e:
                    failed += 1
                    print(f"DIFFERS {name:<32} {label:<7} {str(e).splitlines()[0:3]}")
    finally:
        con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
