"""Time packaged reports as an earlier commit wrote them against the working tree's, side by side.

    python -m benchmarks.sql_versions REV --reports a,b [--marts m,n] [--sizes 100000]
        [--cache DIR] [--repeat 7] [--past-days 45]

For a change to a report's or a mart's SQL that must not slow it down (or change more than
its last bits): each report's SQL runs as commit REV wrote it and as the working tree writes
it, alternating, on one connection to the cached demo warehouse of each size (built by the
working tree's code, stored facts included), at the stored as_of and --past-days earlier. A
mart named in --marts is also created as REV wrote it, as `<mart>__before`, and the report's
earlier text calls that one. Scalar macros are the working tree's for both (a changed scalar
macro is measured through the reports that call it in REV's way and the new way). Prints the
median wall and CPU seconds of each version and whether the two results are identical, else
how many rows differ and by how many units in the last place at most. The SQL runs directly:
a stored report's table is not read. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import time
import warnings
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

import queries
from benchmarks.queries import add_cache_arg, warehouse
from queries.registry import default_as_of

ROOT = Path(__file__).resolve().parents[1]
COMMON = ("as_of", "board_id", "project", "date_from", "date_to")


def at_rev(rev: str, path: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{path}"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout


def last_bits(a: pd.DataFrame, b: pd.DataFrame) -> str:
    """'identical', or how the two results differ."""
    if a.equals(b):
        return "identical"
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return f"DIFFERENT shape {a.shape} vs {b.shape}"
    num = [c for c in a.columns if pd.api.types.is_float_dtype(a[c]) and pd.api.types.is_float_dtype(b[c])]
    rest = [c for c in a.columns if c not in num]
    if not a[rest].equals(b[rest]):
        return "DIFFERENT (not only floating point)"
    x, y = a[num].to_numpy(float), b[num].to_numpy(float)
    neq = ~((x == y) | (np.isnan(x) & np.isnan(y)))
    ulps = np.abs(x[neq] - y[neq]) / np.spacing(np.abs(y[neq]))
    return f"{int(neq.any(axis=1).sum()):,} of {len(a):,} rows differ, by up to {ulps.max():.0f} ulp"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sql_versions", description=__doc__.splitlines()[0])
    ap.add_argument("rev", help="the commit to compare with (e.g. main, HEAD~3)")
    ap.add_argument("--reports", required=True, help="comma-separated report names (queries/reports/<name>.sql)")
    ap.add_argument("--marts", default="", help="comma-separated table-macro marts to take from REV as well")
    ap.add_argument("--sizes", default="100000", help="comma-separated issue counts of the demo warehouses")
    ap.add_argument("--repeat", type=int, default=7, help="runs of each version, alternating; the median is shown")
    ap.add_argument("--past-days", type=int, default=45, help="the second as_of, this many days before the stored one")
    add_cache_arg(ap)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    marts = [m for m in args.marts.split(",") if m]
    for size in (int(s) for s in args.sizes.split(",")):
        con = queries.connect(warehouse(Path(args.cache), size))
        try:
            for m in marts:
                text = at_rev(args.rev, f"queries/marts/{m}.sql")
                params = re.match(r"--\s*args:\s*(.*)", text).group(1).strip()
                con.execute(f"CREATE TEMP MACRO {m}__before({params}) AS TABLE {text}")
            as_of = default_as_of(con)
            for label, when in (("stored", as_of), (f"{args.past_days} days back", as_of - timedelta(days=args.past_days))):
                base = dict.fromkeys(COMMON) | {"as_of": when}
                for name in (n for n in args.reports.split(",") if n):
                    before = at_rev(args.rev, f"queries/reports/{name}.sql")
                    for m in marts:
                        before = re.sub(rf"\b{m}\(", f"{m}__before(", before)
                    after = queries.sql_text(name)
                    queries.run(con, name, **base)   # the instant's facts, once, as a page would
                    runs: dict[str, list] = {"before": [], "after": []}
                    for _ in range(args.repeat):
                        for which, sql in (("before", before), ("after", after)):
                            bound = {p: base[p] for p in queries.params_of(sql)}
                            w0, c0 = time.perf_counter(), time.process_time()
                            tbl = con.execute(sql, bound).to_arrow_table()   # as the public queries fetch
                            runs[which].append((time.perf_counter() - w0, time.process_time() - c0, tbl))

                    def med(which: str, i: int) -> str:
                        return f"{statistics.median(r[i] for r in runs[which]):.3f}"  # noqa: B023
                    print(f"{size:>9,} {label:<13} {name:<28} wall {med('before', 0)} -> {med('after', 0)} s  "
                          f"CPU {med('before', 1)} -> {med('after', 1)} s  "
                          f"{last_bits(runs['after'][0][2].to_pandas(), runs['before'][0][2].to_pandas())}", flush=True)
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
