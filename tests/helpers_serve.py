"""`retroscope serve` started the way a user starts it (the installed command, its own
process), for the tests that need a live server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

import queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    url: str
    log: Path


def start_serve(db: Path, workdir: Path, *, timeout_s: float = 60, base_url_path: str = "") -> Served:
    """Run `retroscope --db DB serve` on a free 127.0.0.1 port and wait until it answers its
    health check (the test fails with the server's log if it does not). The caller stops it.
    `base_url_path`: Streamlit's server.baseUrlPath (set through its environment variable, as
    behind a reverse proxy); the url returned includes it."""
    port = free_port()
    cli = Path(sys.executable).with_name("retroscope")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    env["XDG_CACHE_HOME"] = str(workdir / "cache")   # serve's hinted static folder (dashboard.serve), made afresh
    if base_url_path:
        env["STREAMLIT_SERVER_BASE_URL_PATH"] = base_url_path
    log = workdir / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(cli), "--db", str(db), "serve", "--port", str(port), "--address", "127.0.0.1"],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=workdir)
    url = f"http://127.0.0.1:{port}" + (f"/{base_url_path.strip('/')}" if base_url_path else "")
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Served(proc, port, url, log)
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail(f"retroscope serve did not come up: {log.read_text()[-2000:]}")
        time.sleep(0.2)


def stop_serve(served: Served) -> None:
    """Stop a server start_serve started (SIGTERM, then SIGKILL after 10 s)."""
    served.proc.terminate()
    try:
        served.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        served.proc.kill()


def private_demo(demo_db: Path, d: Path) -> Path:
    """A copy of the demo warehouse and its user-input store in `d`, safe to write (a server
    may): the `demo_copy` fixture's copy, for a module-scoped server too."""
    db = d / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    ud = queries.userdata_path_for(demo_db)
    if ud.exists():
        shutil.copyfile(ud, queries.userdata_path_for(db))
    return db
