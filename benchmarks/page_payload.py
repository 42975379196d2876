"""What each page sends to the browser (not a test):

    python -m benchmarks.page_payload --db WAREHOUSE [--board ID] [--port N]

Serves the warehouse with `retroscope serve` on 127.0.0.1, opens every registered page in
the system Chromium (Playwright) under All teams (or `--board`), waits until the page has
finished rendering and prints the bytes received over Streamlit's websocket for that
page load (figures, tables, widgets: everything the page ships), with the largest single
message. The goal is well under ~300 KB per page at any warehouse size: sprint charts
show the last 13 sprints per team, scatters draw a seeded sample of 4,000 issues, box
plots ship their statistics rather than every point.

Build a big warehouse once with `retroscope --db /tmp/big.duckdb demo --scale 100000`.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
LIMIT = 300_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="warehouse to serve")
    ap.add_argument("--board", help="board id (default: all teams)")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from dashboard.pages import PAGES

    port = a.port or _free_port()
    cli = Path(sys.executable).with_name("retroscope")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    env["RETROSCOPE_NO_PREFETCH"] = "1"       # measure each page's own traffic
    proc = subprocess.Popen([str(cli), "--db", a.db, "serve", "--port", str(port), "--address", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        print(f"{'page':<22}{'received':>12}{'largest':>12}{'seconds':>9}")
        worst = 0
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
            for spec in PAGES:
                ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
                page = ctx.new_page()
                frames: list[int] = []
                page.on("websocket", lambda ws, fr=frames: ws.on("framereceived", lambda f: fr.append(len(f))))
                t0 = time.perf_counter()
                page.goto(f"{url}/{'' if spec is PAGES[0] else spec.slug}" + (f"?board={a.board}" if a.board else ""))
                page.wait_for_selector("h1", timeout=600_000)
                page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                       timeout=600_000)
                page.wait_for_load_state("networkidle")
                quiet = 0.0
                while quiet < 5:          # done when nothing arrives for 5 s and no script is running
                    n = len(frames)
                    time.sleep(0.5)
                    running = page.locator('[data-testid="stStatusWidget"]').count()
                    quiet = 0.0 if (len(frames) != n or running) else quiet + 0.5
                total = sum(frames)
                worst = max(worst, total)
                print(f"{spec.slug:<22}{total / 1000:>10.0f} KB{max(frames, default=0) / 1000:>10.0f} KB"
                      f"{time.perf_counter() - t0 - 5:>9.1f}")
                ctx.close()
            browser.close()
        print(f"largest page: {worst / 1000:.0f} KB ({'within' if worst < LIMIT else 'OVER'} the "
              f"{LIMIT // 1000} KB goal)")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
