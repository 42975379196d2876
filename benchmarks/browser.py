"""Time every page in a real browser (not a test):

    python -m benchmarks.browser WAREHOUSE [--visits 2]

Starts `retroscope --db WAREHOUSE serve` on a free 127.0.0.1 port, then drives the system
Chromium (Playwright, no browser download) through every registered page, `--visits` times
in order, and prints the seconds from navigation to a settled page: the page's heading shown,
no script run in progress, every chart drawn. Each visit is a full page load (a new
Streamlit session), so the first round is "first visit after server start" and later rounds
read the server's caches. Numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTLED = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
DRAWN = ("() => [...document.querySelectorAll('.js-plotly-plot')]"
         ".every(p => p._fullLayout && p.querySelector('.main-svg'))")


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from dashboard.pages import PAGES

    ap = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", help="the warehouse file to serve")
    ap.add_argument("--visits", type=int, default=2, help="rounds through every page")
    args = ap.parse_args(argv)
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if chrome is None:
        print("benchmarks.browser: no Chromium on PATH; `make system-deps` installs it", file=sys.stderr)
        return 1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    log = Path(tempfile.mkdtemp()) / "serve.log"
    cli = Path(sys.executable).with_name("retroscope")
    with open(log, "w") as out:
        proc = subprocess.Popen([str(cli), "--db", args.warehouse, "serve", "--port", str(port),
                                 "--address", "127.0.0.1"], stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chrome, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            print(f"{'visit':>5} {'page':<14} {'seconds':>8}")
            for visit in range(1, args.visits + 1):
                for spec in PAGES:
                    t0 = time.perf_counter()
                    page.goto(f"{url}/{'' if spec.slug == PAGES[0].slug else spec.slug}")
                    page.get_by_role("heading", name=spec.title, exact=True).first.wait_for(timeout=120_000)
                    page.wait_for_function(SETTLED, timeout=120_000)
                    page.wait_for_function(DRAWN, timeout=120_000)
                    print(f"{visit:>5} {spec.slug:<14} {time.perf_counter() - t0:>8.2f}", flush=True)
            browser.close()
    finally:
        proc.terminate()
        proc.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
