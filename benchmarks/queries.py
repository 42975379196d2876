"""Time every public query on demo warehouses of growing size.

    python -m benchmarks.queries [--sizes 10000,100000,1000000] [--cache DIR] [--repeat N]

Builds (once, then cached) demo warehouses with `connectors.demo.build(path, seed=7,
scale=N)` under a temp dir, then prints per size and public query: the best wall time of
`--repeat` runs (and the CPU seconds of that run) through `queries.registry.run_public` (connection already open, derived
views built), rows returned, and the ratio to a bare DuckDB scan (`SELECT count(*)`, summed
over the raw tables the query's SQL reads, directly or through the staging/mart layers).
Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import warnings
from functools import cache
from importlib import resources
from pathlib import Path

import queries
from queries.registry import REGISTRY, run_public

SEED = 7


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


@cache
def _sql(name: str) -> str:
    for layer in ("reports", "marts", "staging"):
        f = resources.files("queries") / layer / f"{name}.sql"
        if f.is_file():
            return f.read_text(encoding="utf-8")
    return ""


def raw_tables_read(name: str) -> set[str]:
    """Raw tables a query reads, following staging/mart names (and, for Python-backed
    queries, the reports their module runs) transitively."""
    raw = set(queries.raw_tables())
    q = REGISTRY.get(name)
    texts: list[str] = []
    if q is not None and q.func:
        mod = q.func.split(":")[0].replace(".", "/") + ".py"
        src = Path(queries.__file__).parent.parent / mod
        body = src.read_text(encoding="utf-8") if src.exists() else ""
        texts += [_sql(n) for n in re.findall(r"queries\.run\(\s*con,\s*\"(\w+)\"", body)]
    else:
        texts.append(_sql(name))
    seen: set[str] = set()
    found: set[str] = set()
    objects = {p.name[:-4] for layer in ("staging", "marts")
               for p in (resources.files("queries") / layer).iterdir() if p.name.endswith(".sql")}
    stack = texts
    while stack:
        text = stack.pop()
        for word in set(re.findall(r"\b\w+\b", text)):
            if word in raw:
                found.add(word)
            elif word in objects and word not in seen:
                seen.add(word)
                stack.append(_sql(word))
    return found


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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.queries", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated issue counts")
    ap.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "retroscope-bench"),
                    help="where the demo warehouses are kept between runs")
    ap.add_argument("--repeat", type=int, default=2, help="runs per query; the best is reported")
    ap.add_argument("--only", default="", help="comma-separated public query names (default: all)")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    cache_dir = Path(args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    names = [n for n in (args.only.split(",") if args.only else REGISTRY) if n]
    print(f"{'issues':>9} {'query':<22} {'seconds':>8} {'cpu s':>7} {'rows':>9} {'scan s':>8} {'x scan':>8}  raw tables")
    for size in sizes:
        path = warehouse(cache_dir, size)
        con = queries.connect(path)
        try:
            as_of = queries.registry.default_as_of(con)
            for name in names:
                tables = sorted(raw_tables_read(name))
                scan_sql = " + ".join(f"(SELECT count(*) FROM {t})" for t in tables) or "0"
                scan_s, _, _ = best_of(lambda s=scan_sql, c=con: c.execute(f"SELECT {s}").fetchall(), args.repeat)
                try:
                    secs, df, cpu = best_of(lambda n=name, c=con, a=as_of: run_public(c, n, as_of=a), args.repeat)
                    rows = f"{len(df):,}"
                    ratio = f"{secs / scan_s:,.0f}" if scan_s > 0 else "-"
                    print(f"{size:>9,} {name:<22} {secs:>8.2f} {cpu:>7.2f} {rows:>9} {scan_s:>8.4f} {ratio:>8}  "
                          f"{','.join(tables)}",
                          flush=True)
                except queries.RetroscopeError as e:
                    print(f"{size:>9,} {name:<22} {'failed':>8}  {str(e)[:90]}", flush=True)
        finally:
            con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
