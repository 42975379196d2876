"""Where the full stored-facts build spends its time: wall and CPU seconds per step.

    python -m benchmarks.facts_build [--sizes 100000] [--repeat 1] [--memory-limit 1GB] [--keep DIR]

Takes the cached demo warehouse of each size (benchmarks.queries builds it once), copies it
and runs the full build of the stored facts on the copy, inside a transaction as a load
does (`queries.build_facts`, forced full), then rolls back. Prints, per step (each stored
parse, mart, report table, the plan and the derived layers), wall seconds and CPU seconds
of this process (all DuckDB threads: on a busy machine the steadier figure; `nan` for the
plan and the derived layers, which the build times as what is left of a span once the steps
inside it are taken out), best of
--repeat by total wall time. --memory-limit sets DuckDB's memory limit first, as the demo
does at scale (connectors.demo.SCALE_MEMORY_LIMIT). --keep DIR commits instead and keeps the
built copy there (demo_seed7_<size>.duckdb), for `benchmarks.facts_compare`. Not a test:
figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import types
import warnings
from pathlib import Path

import queries
from benchmarks.queries import SEED, add_cache_arg, warehouse
from queries import facts


class _Clock:
    """Stands in for the `time` module of queries and queries.facts: perf_counter() returns
    wall time as before and notes the CPU time at each call, so that every step's wall
    difference can be paired with its CPU difference."""

    def __init__(self) -> None:
        self.calls: dict[float, float] = {}

    def perf_counter(self) -> float:
        w = time.perf_counter()
        self.calls[w] = time.process_time()
        return w


def run_once(src: Path, work: Path, memory_limit: str | None, keep: bool,
             settings: tuple[str, ...] = ()) -> tuple[dict[str, tuple[float, float]], float, float]:
    """Steps {name: (wall, cpu)}, total wall and total CPU of one full build on a copy of `src`."""
    shutil.copyfile(src, work)
    con = queries.connect(work, read_only=False, derived=False)
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    for setting in settings:
        con.execute(f"SET {setting}")
    clock = _Clock()
    pairs: list[tuple[float, float]] = []
    orig = (queries.time, facts.time)

    def perf_counter() -> float:
        w = clock.perf_counter()
        pairs.append((w, clock.calls[w]))
        return w

    patched = types.SimpleNamespace(perf_counter=perf_counter)
    queries.time = facts.time = patched   # type: ignore[attr-defined]
    try:
        con.execute("BEGIN TRANSACTION")
        t0, c0 = time.perf_counter(), time.process_time()
        timings = queries.build_facts(con, full_reason="benchmark: full build")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        con.execute("COMMIT" if keep else "ROLLBACK")
        if keep:
            con.execute("CHECKPOINT")
    finally:
        queries.time, facts.time = orig
        con.close()
    # every step's seconds is a difference of two clock readings: find the pair it came from
    cpu_of = {}
    for name, secs in timings.items():
        best = None
        for i, (wa, ca) in enumerate(pairs):
            for wb, cb in pairs[i + 1:]:
                if abs((wb - wa) - secs) < 1e-9:
                    best = cb - ca
                    break
            if best is not None:
                break
        cpu_of[name] = best if best is not None else float("nan")
    return {k: (v, cpu_of[k]) for k, v in timings.items()}, wall, cpu


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.facts_build", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated issue counts of the demo warehouses")
    ap.add_argument("--repeat", type=int, default=1, help="builds per size; the best total wall time is reported")
    ap.add_argument("--memory-limit", default="", help="DuckDB memory_limit for the build (the demo at scale: 1GB)")
    ap.add_argument("--set", action="append", default=[], help="a DuckDB setting for the build, e.g. threads=1")
    ap.add_argument("--keep", default="", help="commit and keep the built copies in this folder")
    add_cache_arg(ap)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
        src = warehouse(cache, size)
        best = None
        with tempfile.TemporaryDirectory(dir=args.keep or None) as d:
            for _ in range(args.repeat):
                work = Path(d) / "work.duckdb"
                r = run_once(src, work, args.memory_limit or None, bool(args.keep), tuple(args.set))
                if best is None or r[1] < best[1]:
                    best = r
                    if args.keep:
                        shutil.copyfile(work, Path(args.keep) / f"demo_seed{SEED}_{size}.duckdb")
                work.unlink(missing_ok=True)
        steps, wall, cpu = best
        print(f"{size:,} issues: full build of the stored facts, best of {args.repeat}"
              + (f", memory_limit {args.memory_limit}" if args.memory_limit else "")
              + "".join(f", {x}" for x in args.set))
        print(f"  {'step':<26} {'wall s':>7} {'CPU s':>7}")
        for name, (w, c) in steps.items():
            print(f"  {name:<26} {w:>7.2f} {c:>7.2f}")
        print(f"  {'total (build_facts)':<26} {wall:>7.2f} {cpu:>7.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
