"""The warehouse on DuckLake against the same warehouse in a file, measured side by side.

    python -m benchmarks.lake [--issues 100000] [--sync-issues 2000] [--repeat 3] [--cache DIR]

1. Builds (once, then cached) the demo with `--issues` issues into a file
   (`connectors.demo.build(scale=N)`, what `retroscope demo --scale N` does), starts a
   throw-away PostgreSQL (Debian's binaries, temp dir, 127.0.0.1) and migrates the file into a
   lake (`retroscope migrate`'s code), timing the migrate.
2. Every public query at the stored as_of on one file connection and one lake connection,
   interleaved (best of --repeat each), with the lake/file ratio; target: ≤ 1.5×.
3. Two team syncs (`retroscope sync jira --project ATL` / `BOR`, separate processes, from the
   fake Jira with --sync-issues issues) into the lake: one after the other on one lake copy,
   then both at once on a second copy; ratio of the concurrent wall time to the sequential
   sum; target: ≤ 1.3×. Conflicting commits (retries) are counted from the syncs' stderr.
   Then the steady state a cron schedule gives: --changed issues of each team move on the fake
   Jira and both teams sync again, one after the other on the first copy and at once on the
   second (each load now updates the stored facts incrementally).
Not a test: numbers depend on the machine and its load. Figures from several runs (100k
issues, 2-core machine shared with other work) are in docs/deploy.md, "What it costs".
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_jira.server import FakeJira  # noqa: E402
from fake_jira.site import generated_site  # noqa: E402

import queries  # noqa: E402
from benchmarks.queries import add_cache_arg, best_of, warehouse  # noqa: E402
from connectors import migrate  # noqa: E402
from queries import lake  # noqa: E402
from queries.registry import REGISTRY, run_public  # noqa: E402


def _postgres():
    from helpers_postgres import start_postgres

    try:
        return start_postgres()
    except BaseException as e:   # pytest.skip / fail outside pytest
        sys.exit(f"benchmarks.lake: cannot start PostgreSQL: {e}")


def _new_lake(srv, name: str, data_root: Path) -> lake.Lake:
    with srv.connect() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    url = f"ducklake:postgres:dbname={name} host={srv.host} port={srv.port} user={srv.user}"
    return lake.Lake(url, str(data_root / name))


def _sync(lk: lake.Lake, fake: FakeJira, project: str) -> subprocess.Popen:
    env = dict(os.environ, RETROSCOPE_DB=lk.url, RETROSCOPE_LAKE_DATA=lk.data_path, **fake.env())
    env.pop("RETROSCOPE_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "sync", "jira", "--url", fake.url,
                             "--project", project, "--allow-demo"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _finish(p: subprocess.Popen) -> tuple[float, int]:
    err = p.communicate(timeout=3600)[1]
    if p.returncode != 0:
        sys.exit(f"benchmarks.lake: a sync failed: {err.strip().splitlines()[-1] if err.strip() else p.returncode}")
    return time.perf_counter(), err.count("another load committed to the lake")


def _compare_queries(path: Path, lk: lake.Lake, repeat: int) -> None:
    c0 = time.perf_counter()
    fcon = queries.connect(path)
    c1 = time.perf_counter()
    lcon = queries.connect(lk)
    c2 = time.perf_counter()
    print(f"\nconnect: file {c1 - c0:.2f}s, lake {c2 - c1:.2f}s")
    as_of = queries.facts.stored_as_of(fcon)
    print(f"\n{'public query (stored as_of)':<34} {'file s':>8} {'lake s':>8} {'lake/file':>10}")
    tf = tl = 0.0
    worst = ("", 0.0)
    for name in REGISTRY:
        f, fdf, _ = best_of(lambda n=name: run_public(fcon, n, as_of=as_of), repeat)
        lt, ldf, _ = best_of(lambda n=name: run_public(lcon, n, as_of=as_of), repeat)
        same = "" if len(fdf) == len(ldf) else f"  ROWS DIFFER ({len(fdf)} vs {len(ldf)})"
        tf, tl = tf + f, tl + lt
        ratio = lt / f if f > 0 else float("inf")
        if ratio > worst[1]:
            worst = (name, ratio)
        print(f"{name:<34} {f:8.3f} {lt:8.3f} {ratio:9.2f}x{same}", flush=True)
    print(f"{'all public queries':<34} {tf:8.3f} {tl:8.3f} {tl / tf:9.2f}x   (target <= 1.5x; "
          f"worst single query {worst[0]} {worst[1]:.2f}x)")
    fcon.close()
    lcon.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lake", description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=100_000, help="demo issues in the warehouse")
    ap.add_argument("--sync-issues", type=int, default=2000, help="issues on the fake Jira (half per team)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=3, help="sequential/concurrent sync pairs (machine noise)")
    ap.add_argument("--skip-queries", action="store_true", help="only the sync comparison")
    ap.add_argument("--changed", type=int, default=100, help="issues per team changed before the steady-state syncs")
    add_cache_arg(ap)
    args = ap.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    path = warehouse(cache, args.issues)
    srv = _postgres()
    os.environ["PGPASSWORD"] = srv.password
    data_root = Path(tempfile.mkdtemp(prefix="retroscope-lake-bench-"))
    try:
        lk = _new_lake(srv, "bench_q", data_root)
        t0 = time.perf_counter()
        summary = migrate.migrate(path, lk)
        print(f"migrate {args.issues:,} issues file -> lake: {time.perf_counter() - t0:.1f}s "
              f"({summary['rows']:,} rows)", flush=True)

        if not args.skip_queries:
            _compare_queries(path, lk, args.repeat)

        # ---- two team syncs: one after the other, then at once, each pair on fresh copies
        site = generated_site(args.sync_issues)
        print(f"\ntwo team syncs ({args.sync_issues // 2:,} issues each) into the {args.issues:,}-issue lake:")
        ratios, steady = [], []
        with FakeJira(site, "cloud") as fake:
            for r in range(1, args.rounds + 1):
                seq_lake, conc_lake = (lk if r == 1 else _new_lake(srv, f"bench_s{r}", data_root),
                                       _new_lake(srv, f"bench_c{r}", data_root))
                for target in {seq_lake, conc_lake} - {lk}:
                    migrate.migrate(path, target)
                t0 = time.perf_counter()
                ta, _ = _finish(_sync(seq_lake, fake, "ATL"))
                tb, _ = _finish(_sync(seq_lake, fake, "BOR"))
                seq_a, seq_b = ta - t0, tb - ta
                t0 = time.perf_counter()
                a, b = _sync(conc_lake, fake, "ATL"), _sync(conc_lake, fake, "BOR")
                (ta, ra), (tb, rb) = _finish(a), _finish(b)
                conc = max(ta, tb) - t0
                seq = seq_a + seq_b
                ratios.append(conc / seq)
                print(f"  round {r}: one after the other {seq_a:.1f}s + {seq_b:.1f}s = {seq:.1f}s; at once {conc:.1f}s "
                      f"({ra + rb} load(s) replayed on the other's data): {conc / seq:.2f}x", flush=True)
                for name, target in (("one after the other", seq_lake), ("at once", conc_lake)):
                    con = queries.connect(target, derived=False)
                    n = con.execute("SELECT count(*), count(DISTINCT (source, issue_id)) FROM raw_issues").fetchall()[0]
                    con.close()
                    print(f"    {name}: raw_issues {n[0]:,} rows, {n[1]:,} distinct keys")
                # steady state: a few issues of each team changed, both teams sync again
                for proj in ("ATL", "BOR"):
                    mine = [i for i in fake.site.issues.values() if i.key.startswith(proj + "-")][:args.changed]
                    for iss in mine:
                        # now: the syncs ask for what changed since their last run by the wall clock
                        fake.site.transition(iss.id, "3" if iss.status != "3" else "10001",
                                             datetime.now(UTC) - timedelta(minutes=1))
                t0 = time.perf_counter()
                ta, _ = _finish(_sync(seq_lake, fake, "ATL"))
                tb, _ = _finish(_sync(seq_lake, fake, "BOR"))
                s_seq = (ta - t0) + (tb - ta)
                t0 = time.perf_counter()
                a, b = _sync(conc_lake, fake, "ATL"), _sync(conc_lake, fake, "BOR")
                (ta, ra), (tb, rb) = _finish(a), _finish(b)
                s_conc = max(ta, tb) - t0
                steady.append(s_conc / s_seq)
                con = queries.connect(conc_lake, derived=False)
                build = con.execute("SELECT build FROM facts.meta").fetchall()[0][0]
                con.close()
                print(f"  round {r}, {args.changed} issues per team changed: one after the other {s_seq:.1f}s; "
                      f"at once {s_conc:.1f}s ({ra + rb} replayed): {s_conc / s_seq:.2f}x  [last facts build: {build}]",
                      flush=True)
        print(f"  at once / one after the other, median of {len(ratios)}: {statistics.median(ratios):.2f}x   "
              "(target <= 1.3x)")
        print(f"  steady state (changed issues, incremental facts), median of {len(steady)}: "
              f"{statistics.median(steady):.2f}x   (target <= 1.3x)")
    finally:
        srv.stop()
        import shutil

        shutil.rmtree(data_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
