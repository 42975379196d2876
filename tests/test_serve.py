"""`retroscope serve` stops when its process is signalled (as a shell, supervisor, systemd or
Docker signals it) and leaves no Streamlit server behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_serve_stops_the_server(tmp_path, sig):
    port = _free_port()
    cli = Path(sys.executable).with_name("retroscope")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    log = tmp_path / "serve.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([str(cli), "--db", str(tmp_path / "none.duckdb"), "serve", "--port", str(port),
                                 "--address", "127.0.0.1"], stdout=out, stderr=subprocess.STDOUT, env=env,
                                cwd=tmp_path)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                assert proc.poll() is None and time.monotonic() < deadline, \
                    f"serve did not come up: {log.read_text()[-2000:]}"
                time.sleep(0.2)
            proc.send_signal(sig)          # the wrapper's pid: what `kill <pid>` or a supervisor signals
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert not _pid_alive(proc.pid)
    deadline = time.monotonic() + 5
    while _port_open(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_open(port), f"something still serves port {port} after the wrapper stopped"
    # no Streamlit child left over, whatever its parent
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert not [ln for ln in ps.splitlines() if "streamlit" in ln and f"--server.port {port}" in ln], ps
