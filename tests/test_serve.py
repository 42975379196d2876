"""`retroscope serve` stops when its process is signalled (as a shell, supervisor, systemd or
Docker signals it) and leaves no Streamlit server behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time

import pytest
from helpers_serve import start_serve


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
    served = start_serve(tmp_path / "none.duckdb", tmp_path)
    try:
        served.proc.send_signal(sig)          # the wrapper's pid: what `kill <pid>` or a supervisor signals
        served.proc.wait(timeout=20)
    finally:
        if served.proc.poll() is None:
            served.proc.kill()
            served.proc.wait()
    assert not _pid_alive(served.proc.pid)
    deadline = time.monotonic() + 5
    while _port_open(served.port) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _port_open(served.port), f"something still serves port {served.port} after the wrapper stopped"
    # no Streamlit child left over, whatever its parent
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert not [ln for ln in ps.splitlines() if ("streamlit" in ln or "dashboard.serve" in ln)
                and f"--server.port {served.port}" in ln], ps


def test_the_hint_goes_before_streamlits_first_script_with_the_base_path_normalised():
    from dashboard import serve

    html = "<head><link rel=x><script>first()</script><script type=module src=a.js></script></head>"
    out = serve.hinted_index(html, ("sprint_retro", "tech_health"), "/retro/")
    assert out.index("BACKEND_BASE_URL") < out.index("first()")
    assert out.startswith("<head><link rel=x><script>\n  /* retroscope")
    assert '(window.location, ["sprint_retro", "tech_health"], "/retro")' in out
    assert out.endswith(html[len("<head><link rel=x>"):])   # Streamlit's own page follows unchanged
    assert '(window.location, ["a"], "")' in serve.hinted_index(html, ("a",), "")
    assert "</script>\"" not in serve.hinted_index(html, ("a",), "x</script>")   # a base path cannot end the script
    assert serve.hinted_index("<html>no scripts</html>", ("a",), "") == "<html>no scripts</html>"


def test_the_hinted_static_folder_is_made_once_and_links_streamlits_own_files(tmp_path, monkeypatch):
    from dashboard import serve

    src = tmp_path / "static"
    (src / "static" / "js").mkdir(parents=True)
    (src / "static" / "js" / "a.js").write_text("js")
    (src / "favicon.png").write_text("png")
    (src / "index.html").write_text("own")
    home = tmp_path / "home"
    first = serve.hinted_static_dir(src, "hinted", home)
    assert first.startswith(str(home))
    assert open(f"{first}/index.html").read() == "hinted"
    assert open(f"{first}/static/js/a.js").read() == "js" and open(f"{first}/favicon.png").read() == "png"
    made = os.stat(f"{first}/index.html").st_ino
    assert serve.hinted_static_dir(src, "hinted", home) == first            # reused, not made again
    assert os.stat(f"{first}/index.html").st_ino == made
    assert serve.hinted_static_dir(src, "other", home) != first             # another page, another folder
    open(f"{first}/index.html", "w").close()                                # cut short (a crash)
    assert serve.hinted_static_dir(src, "hinted", home) == first
    assert open(f"{first}/index.html").read() == "hinted"                   # made again
    # a failure half way (no symlinks on this file system) leaves nothing behind, and says so
    import pathlib

    def no_links(self, target):
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(pathlib.Path, "symlink_to", no_links)
    with pytest.raises(OSError):
        serve.hinted_static_dir(src, "third", home)
    assert sorted(p.name.startswith(".partial-") for p in home.iterdir()) == [False, False]
