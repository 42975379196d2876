"""Benchmark (not a test): sync a generated 5,000-issue site from the fake Jira, in the Cloud
and the Data Center shape, then a no-change incremental sync; print requests and issues/s.

    .venv/bin/python benchmarks/jira_sync.py [--issues 5000]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_jira.server import FakeJira  # noqa: E402
from fake_jira.site import NOW, generated_site  # noqa: E402

from connectors import jira_issues  # noqa: E402
from connectors.jira_issues import auth_from_env  # noqa: E402
from connectors.settings import JiraSettings  # noqa: E402


def _serve(mode: str, n: int, q) -> None:
    """Child process: serve the generated site until killed (keeps the fake's CPU out of the
    connector's process)."""
    fake = FakeJira(generated_site(n), mode).__enter__()
    q.put((fake.url, fake.env()))
    while True:
        time.sleep(3600)


def run(mode: str, n: int, workdir: Path) -> None:
    db = workdir / f"{mode}.duckdb"
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    server = ctx.Process(target=_serve, args=(mode, n, q), daemon=True)
    server.start()
    try:
        url, env = q.get(timeout=120)
        settings = JiraSettings(timeout_seconds=60, max_retries=3)
        auth = auth_from_env(env)
        t0 = time.perf_counter()
        s = jira_issues.sync(db, url=url, auth=auth, projects=["ATL", "BOR"], settings=settings, clock=lambda: NOW)
        first = time.perf_counter() - t0
        t1 = time.perf_counter()
        s2 = jira_issues.sync(db, url=url, auth=auth, projects=["ATL", "BOR"], settings=settings,
                              clock=lambda: NOW + timedelta(hours=1))
        second = time.perf_counter() - t1
    finally:
        server.kill()
        server.join()
    print(f"{mode:>5}: {s.issues_seen:,} issues, {s.histories:,} histories, {s.status_changes + s.field_changes:,} "
          f"items, {s.sprints} sprints: {s.requests} requests in {first:.1f}s = {s.issues_seen / first:,.0f} issues/s")
    print(f"       no-change incremental sync: {s2.requests} requests, {s2.issues_seen} issues, {second:.1f}s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, default=5000)
    ap.add_argument("--mode", choices=("cloud", "dc", "both"), default="both")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for mode in (("cloud", "dc") if args.mode == "both" else (args.mode,)):
            run(mode, args.issues, Path(d))


if __name__ == "__main__":
    main()
