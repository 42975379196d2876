"""Benchmark (not a test): an incremental Jira sync of k changed issues into a large warehouse,
end to end against the fake Jira, with the stored facts built incrementally vs in full.

    .venv/bin/python -m benchmarks.incremental_sync [--size 100000] [--site 2000] [--changed 1000]

The warehouse is the cached demo warehouse of --size issues (benchmarks.queries builds it)
plus a first, full sync of a generated fake-Jira site of --site issues (served from a child
process, so the fake's CPU stays out of the measured process). Then --changed of the site's
issues move to another status and the same incremental sync runs twice on two copies of
that warehouse, side by side: once as a load does now (incremental facts) and once with the
facts forced to the full build (what every load cost before). Prints wall seconds of each
sync (HTTP, parsing, writes, facts, commit, swap) and of its facts build, and checks that the
two warehouses hold the same facts.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_jira.server import FakeJira  # noqa: E402
from fake_jira.site import NOW, generated_site  # noqa: E402

from benchmarks.incremental import same_facts  # noqa: E402
from benchmarks.queries import add_cache_arg, warehouse  # noqa: E402
from connectors import jira_issues  # noqa: E402
from connectors.jira_issues import auth_from_env  # noqa: E402
from connectors.settings import JiraSettings  # noqa: E402
from queries import facts_incremental  # noqa: E402


def _serve(mode: str, n: int, q, cmds) -> None:
    """Child process: serve the generated site; on ("change", k) move k issues to another status."""
    fake = FakeJira(generated_site(n), mode).__enter__()
    q.put((fake.url, fake.env()))
    while True:
        cmd, k = cmds.get()
        if cmd == "change":
            for iss in list(fake.site.issues.values())[:k]:
                fake.site.transition(iss.id, "3" if iss.status != "3" else "10001", NOW + timedelta(minutes=90))
        q.put("ok")


def _sync(db: Path, url: str, auth, when, *, full_facts: bool = False) -> tuple[float, float, str]:
    """(wall seconds of the sync, seconds of its facts build, facts.meta build)."""
    import duckdb

    real_plan = facts_incremental.plan
    if full_facts:
        facts_incremental.plan = lambda *a, **k: facts_incremental.Plan("benchmark: forced full build")
    try:
        t0 = time.perf_counter()
        jira_issues.sync(db, url=url, auth=auth, projects=["ATL", "BOR"], versions=False,
                         settings=JiraSettings(timeout_seconds=120, max_retries=3), clock=lambda: when)
        wall = time.perf_counter() - t0
    finally:
        facts_incremental.plan = real_plan
    with duckdb.connect(str(db), read_only=True) as c:
        built, note = c.execute("SELECT built_seconds, build FROM facts.meta").fetchall()[0]
    return wall, built, note


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.incremental_sync", description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=100000, help="demo issues already in the warehouse")
    ap.add_argument("--site", type=int, default=2000, help="issues on the fake Jira site")
    ap.add_argument("--changed", type=int, default=1000, help="site issues changed before the incremental sync")
    ap.add_argument("--mode", choices=("cloud", "dc"), default="cloud")
    add_cache_arg(ap)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    bad: list[str] = []
    ctx = mp.get_context("fork")
    q, cmds = ctx.Queue(), ctx.Queue()
    server = ctx.Process(target=_serve, args=(args.mode, args.site, q, cmds), daemon=True)
    server.start()
    try:
        url, env = q.get(timeout=600)
        auth = auth_from_env(env)
        with tempfile.TemporaryDirectory() as d:
            incr, full = Path(d) / "incr.duckdb", Path(d) / "full.duckdb"
            shutil.copyfile(warehouse(cache, args.size), incr)
            first = _sync(incr, url, auth, NOW)
            shutil.copyfile(incr, full)
            cmds.put(("change", args.changed))
            q.get(timeout=600)
            when = NOW + timedelta(hours=2)
            r_full = _sync(full, url, auth, when, full_facts=True)
            r_incr = _sync(incr, url, auth, when)
            print(f"{args.size:,} demo issues + {args.site:,} from the fake Jira ({args.mode}); first sync "
                  f"{first[0]:.1f}s ({first[2]}); then {args.changed:,} issues changed; wall seconds")
            print(f"{'':<12} {'sync':>7} {'facts':>7}  facts.meta build")
            for name, (wall, built, note) in (("full facts", r_full), ("incremental", r_incr)):
                print(f"{name:<12} {wall:>7.2f} {built:>7.2f}  {note}")
            print(f"{'ratio':<12} {r_full[0] / r_incr[0]:>6.1f}x {r_full[1] / max(r_incr[1], 1e-9):>6.1f}x")
            bad = same_facts(full, incr)
            print("facts identical to the full build" if not bad else f"DIFFERENT: {', '.join(bad)}")
    finally:
        server.kill()
        server.join()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
