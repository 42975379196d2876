"""Time `retroscope demo --scale N`: generation + raw load vs the stored-facts build, and peak memory.

    python -m benchmarks.demo_scale [--sizes 100000,300000] [--dir DIR] [--seed 7]

Each size is built in a fresh child process (so its peak resident memory is its own) into
DIR (default: a temp dir, removed afterwards). Printed per size: wall seconds of the whole
build, of the stored-facts build at the end of the load (facts.meta.built_seconds) and of
the rest (generating the rows and writing the raw tables), peak RSS of the child, and the
row counts. Not a test: numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, sys, time
import duckdb
from connectors import demo
path, seed, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
marks = {}
def progress(stage, done, total):
    if stage == "metrics" and done == total:   # every raw row written; the facts build follows
        marks["gen"] = (time.perf_counter() - t0, time.process_time() - c0)
t0, c0 = time.perf_counter(), time.process_time()
out = demo.build(path, seed=seed, scale=size, progress=progress)
total, cpu = time.perf_counter() - t0, time.process_time() - c0
con = duckdb.connect(path, read_only=True)
facts = con.execute("SELECT built_seconds FROM facts.meta").fetchone()[0]
con.close()
print(json.dumps({"total": total, "cpu": cpu, "gen": marks["gen"][0], "gen_cpu": marks["gen"][1], "facts": facts,
                  "issues": out["issues"], "histories": out["histories"]}))
"""


def run_one(path: Path, seed: int, size: int) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CHILD, str(path), str(seed), str(size)],
                          capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"demo --scale {size} failed:\n{proc.stderr[-2000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    # ru_maxrss of children is the largest child so far: only meaningful when it grew
    out["peak_mb"] = peak_kb / 1024 if peak_kb > before else float("nan")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.demo_scale", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,300000", help="comma-separated issue counts, built in this order")
    ap.add_argument("--dir", default="", help="where to write the warehouses (default: a temp dir, removed)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    tmp = None
    if args.dir:
        root = Path(args.dir)
        root.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="retroscope-demo-scale-")
        root = Path(tmp.name)
    print("seconds (wall, and CPU of the building process, all threads: the steadier figure on a busy machine);\n"
          "generate = generating the rows and writing the raw tables; facts = the stored-facts build at the end\n"
          "of the load (facts.meta); rest = commit, checkpoint, retros; peak RSS of the building process\n"
          "(sizes ascending: a smaller later build cannot be told apart, shown as nan).")
    print(f"{'issues':>9} {'total':>7} {'generate':>8} {'facts':>7} {'rest':>6} {'CPU tot':>7} {'CPU gen':>7} "
          f"{'peak MB':>8} {'raw issues':>10} {'histories':>10}")
    try:
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            path = root / f"demo_seed{args.seed}_{size}.duckdb"
            for p in root.glob(path.name + "*"):
                p.unlink()
            r = run_one(path, args.seed, size)
            print(f"{size:>9,} {r['total']:>7.1f} {r['gen']:>8.1f} {r['facts']:>7.1f} "
                  f"{r['total'] - r['gen'] - r['facts']:>6.1f} {r['cpu']:>7.1f} {r['gen_cpu']:>7.1f} "
                  f"{r['peak_mb']:>8.0f} {r['issues']:>10,} {r['histories']:>10,}", flush=True)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
