"""Benchmark (not a test): sync a generated site from the fake Jira, in the Cloud and the Data
Center shape, and print the requests per endpoint of three syncs side by side: a full (first)
sync, a no-change incremental sync, and an incremental sync after one issue changed.

    .venv/bin/python benchmarks/jira_sync.py [--issues 5000 [50000]] [--mode cloud|dc|both]

Requests are counted on the client's HTTP session (every request the `jira` library sends),
so the figures do not depend on the connector's own counters.
"""

from __future__ import annotations

import argparse
import inspect
import multiprocessing as mp
import re
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from fake_jira.server import FakeJira  # noqa: E402
from fake_jira.site import NOW, generated_site  # noqa: E402

from connectors import jira_issues  # noqa: E402
from connectors.jira_issues import auth_from_env  # noqa: E402
from connectors.settings import JiraSettings  # noqa: E402

COUNTS: Counter = Counter()
_send = requests.Session.send


def _counting_send(self, request, **kwargs):
    path = request.path_url.split("?", 1)[0]
    parts = path.split("/")
    COUNTS[f"{request.method} " + "/".join(p if n < 4 or not p.isdigit() else "{id}"
                                           for n, p in enumerate(parts))] += 1
    return _send(self, request, **kwargs)


requests.Session.send = _counting_send


def _serve(mode: str, n: int, q, cmds) -> None:
    """Child process: serve the generated site; apply changes sent on `cmds` (keeps the fake's
    CPU out of the connector's process)."""
    fake = FakeJira(generated_site(n), mode).__enter__()
    q.put((fake.url, fake.env()))
    while True:
        cmd = cmds.get()
        if cmd == "change":
            iss = next(iter(fake.site.issues.values()))
            fake.site.transition(iss.id, "3" if iss.status != "3" else "10001", NOW + timedelta(minutes=90))
        q.put("ok")


def _sync(db, url, auth, when):
    kw = {}
    if "versions" in inspect.signature(jira_issues.sync).parameters:
        kw["versions"] = False
    COUNTS.clear()
    t0 = time.perf_counter()
    s = jira_issues.sync(db, url=url, auth=auth, projects=["ATL", "BOR"],
                         settings=JiraSettings(timeout_seconds=120, max_retries=3), clock=lambda: when, **kw)
    return s, time.perf_counter() - t0, Counter(COUNTS)


def run(mode: str, n: int, workdir: Path) -> None:
    db = workdir / f"{mode}-{n}.duckdb"
    ctx = mp.get_context("fork")
    q, cmds = ctx.Queue(), ctx.Queue()
    server = ctx.Process(target=_serve, args=(mode, n, q, cmds), daemon=True)
    server.start()
    try:
        url, env = q.get(timeout=600)
        auth = auth_from_env(env)
        full, t_full, c_full = _sync(db, url, auth, NOW)
        same, t_same, c_same = _sync(db, url, auth, NOW + timedelta(hours=1))
        cmds.put("change")
        q.get(timeout=60)
        one, t_one, c_one = _sync(db, url, auth, NOW + timedelta(hours=2))
    finally:
        server.kill()
        server.join()
    print(f"\n{mode.upper()}, {full.issues_seen:,} issues, {full.histories:,} histories, {full.sprints} sprints "
          f"(full sync {t_full:.1f}s = {full.issues_seen / t_full:,.0f} issues/s; no-change {t_same:.1f}s; "
          f"one change {t_one:.1f}s, {one.issues_seen} issue fetched)")
    eps = sorted(set(c_full) | set(c_same) | set(c_one), key=lambda e: re.sub(r"^\w+ ", "", e))
    w = max(len(e) for e in eps)
    print(f"  {'requests per endpoint':<{w}}  {'full':>6}  {'no-change':>9}  {'one change':>10}")
    for e in eps:
        print(f"  {e:<{w}}  {c_full[e]:>6}  {c_same[e]:>9}  {c_one[e]:>10}")
    print(f"  {'total':<{w}}  {sum(c_full.values()):>6}  {sum(c_same.values()):>9}  {sum(c_one.values()):>10}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issues", type=int, nargs="+", default=[5000])
    ap.add_argument("--mode", choices=("cloud", "dc", "both"), default="both")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        for n in args.issues:
            for mode in (("cloud", "dc") if args.mode == "both" else (args.mode,)):
                run(mode, n, Path(d))


if __name__ == "__main__":
    main()
