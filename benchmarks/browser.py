"""Time every page and every sidebar change in a real browser (not a test):

    python -m benchmarks.browser WAREHOUSE [WAREHOUSE ...] [--visits 2] [--no-changes] [--floor] [--visible]
    python -m benchmarks.browser WAREHOUSE [--baseline DIR] [--floor] --first-visits ROUNDS

Starts `retroscope --db WAREHOUSE serve` for each warehouse (each on its own free 127.0.0.1
port), then drives the system Chromium (Playwright, no browser download) through every
registered page, warehouse after warehouse for each page (so they are measured side by side
under the same machine load), and prints seconds from the action to a settled page:

- visit 1, 2, …: a full page load (a new Streamlit session) of the page, `--visits` times in a
  row; visit 1 of the first page is the first visit after server start, later visits read the
  server's caches;
- then, on that page, each sidebar change a user makes: pick a team, back to All teams, move
  the period start one month later, move the as-of one day earlier (and back), and on Sprint
  retro pick the previous sprint, and on a page with sections open the one with the most charts
  (Sprint retro: Flow; Estimate calibration: Sizes and ranges). Every page gets the same changes: on the first page they
  compute their queries, on later pages the queries are cached or prefetched, as for a user
  going through the pages with the same filters. Each change is made on every server in
  turn before the next, as the visits are, so each column's step sees the same machine load.

"Settled" means: the page's heading (and, for a change, the filter caption the change
produces) shown, the script run over (Streamlit's own run state), every chart drawn, and then no DOM change in the
main area for QUIET_MS; the time printed is up to the last DOM change. `--visible` prints beside
it, in brackets, the time up to the last change a reader can see: a change inside a <canvas> is
its fallback content, which the browser never draws (the data grids write their accessible table
there, 200 ms after the grid is drawn: Glide's debounce). Numbers depend on the
machine and its load; the load average is printed with them.

`--floor` adds a column measured the same way on a bare page served beside them: the app's
shell (navigation, freshness badge, the shared sidebar, page header) and one small chart from
a fixed 12-row frame, no page queries and no prefetch. It is what Streamlit itself costs on
this machine for a page and a sidebar change, the floor under every page's figures. It is
visited at the page's depth: at "/" beside the first page, at "/floor" beside the others, and
served as `retroscope serve` serves the app (its Streamlit options, and the page that tells
Streamlit's frontend where the server is, `dashboard.serve.hint_backend`: without it a page at
"/slug" costs a failed probe of "/slug/_stcore/health" and a 100 ms wait).

`--first-visits ROUNDS` times only the first visit after server start, ROUNDS times, each on
a freshly started server (servers in turn, each with its own browser context kept across
rounds on the same port): round 1 with the browser's cache empty, later rounds with
Streamlit's scripts cached, as for a user whose browser has seen the dashboard before.
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

from dashboard import serve

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 180_000   # ms
QUIET_MS = 400
# the script run is over (Streamlit marks its root: initial -> running -> notRunning)
SETTLED = ("() => document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState === 'notRunning'"
           " && !document.querySelector('[data-testid=\"stStatusWidget\"]')")
DRAWN = ("() => [...document.querySelectorAll('.js-plotly-plot')]"
         ".every(p => p._fullLayout && p.querySelector('.main-svg'))")
# Installed in every document: the page-clock time of the last DOM change anywhere in the app,
# and of the last one a reader can see (`--visible`): a change inside a <canvas> is its fallback
# content, never drawn (the data grid writes its accessible table there, 200 ms after the grid).
WATCH = """() => {
  window.__lastChange = window.__lastSeen = performance.now();
  new MutationObserver(rs => { const t = performance.now(); window.__lastChange = t;
    if (rs.some(r => { const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
                       return !(el && el.closest('canvas')); })) window.__lastSeen = t; })
    .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
}"""
SEEN = "() => window.__lastSeen"
# Resolves when the DOM has been quiet for `quiet` ms; returns the time of the last change.
QUIET = """(quiet) => new Promise(done => {
  const check = () => { const idle = performance.now() - window.__lastChange;
    if (idle >= quiet) done(window.__lastChange); else setTimeout(check, quiet - idle + 5); };
  check(); })"""


# The floor (--floor): the app's shell with one bare page, the shared sidebar and one small chart.
FLOOR_APP = """
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import charts, components, data
from dashboard.filters import sidebar
from dashboard.pages import PAGES

st.set_page_config(page_title="Retroscope", page_icon="📊", layout="wide")
APP_PAGES = Path(data.__file__).parent / "app_pages"


def floor():
    f = sidebar()
    components.page_header("Floor", f, "A bare page: the shared sidebar and one small chart.")
    weeks = pd.date_range("2026-08-03", periods=12, freq="7D")
    weekly = pd.DataFrame({"week": weeks, "cycle_time_p50": [3.0 + i % 4 for i in range(12)],
                           "cycle_time_p85": [7.0 + i % 5 for i in range(12)]})
    components.chart(charts.p85_trend, (weekly,), "A fixed 12-week frame.", key="floor_chart")


# served at "/" and, for a page at "/slug", at "/floor" (the same page at a page's depth)
pages = [st.Page(floor, title="Floor", url_path="floor_home", default=True), st.Page(floor, title="Floor", url_path="floor")]
pages += [st.Page(str(APP_PAGES / f"{p.slug}.py"), title=p.title, icon=p.icon, url_path=p.slug) for p in PAGES]
nav = st.navigation(pages)
components.freshness_badge()
with data.page_run():
    nav.run()
"""
FLOOR = "floor"   # the `code` of the floor server, and the floor page's url_path
FLOOR_RUN = "import sys; from dashboard import serve; serve.run_streamlit(sys.argv[1:], ('floor_home', 'floor'))"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(warehouse: str, log: Path, code: Path | str | None = None,
           port: int | None = None) -> tuple[subprocess.Popen, str]:
    """`retroscope --db WAREHOUSE serve` on `port` (default: a free one); from the code in
    `code` (another checkout, e.g. `git archive` of an earlier commit) when given, else this
    one; with code == FLOOR, the bare floor page (FLOOR_APP) with this checkout's dashboard."""
    port = port or _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    cmd = [str(Path(sys.executable).with_name("retroscope"))]
    args = ["--db", warehouse, "serve", "--port", str(port), "--address", "127.0.0.1"]
    if code == FLOOR:
        app = log.with_name("floor_app.py")
        app.write_text(FLOOR_APP)
        env.update(RETROSCOPE_DB=str(Path(warehouse).resolve()), RETROSCOPE_NO_PREFETCH="1", PYTHONPATH=str(ROOT))
        # run as `retroscope serve` runs Streamlit: its options, and the page that says where the
        # server is (serve.hint_backend) for the floor's own pages
        cmd, args = [sys.executable, "-c", FLOOR_RUN, str(app)], [
            "--server.port", str(port), "--server.address", "127.0.0.1", *serve.OPTIONS]
        code = ROOT
    elif code is not None:
        env["PYTHONPATH"] = str(code)
        cmd = [sys.executable, "-m", "dashboard.cli"]
    with open(log, "w") as out:
        proc = subprocess.Popen([*cmd, *args], stdout=out, stderr=subprocess.STDOUT, env=env, cwd=code)
    return proc, f"http://127.0.0.1:{port}"


def _facts_line(warehouse: str) -> str:
    """Whether the warehouse's stored facts were built by this checkout's SQL and default config:
    if not, every figure is computed live from the raw history (docs/facts.md), and the pages'
    times say little about the stored-facts path a user's warehouse takes after its next load."""
    import duckdb

    import queries
    from queries import facts

    try:
        with duckdb.connect(warehouse, read_only=True) as con:
            meta = facts.stored_meta(con)
    except duckdb.Error as e:
        return f"{warehouse}: stored facts not read ({e})"
    if meta is None:
        return f"{warehouse}: no stored facts (every figure computed live)"
    if meta["fingerprint"] != queries.facts_fingerprint(None):
        return (f"{warehouse}: WARNING stored facts built by other SQL or config: every figure is computed "
                "live here; rebuild it (retroscope demo --scale N) to measure the stored-facts path")
    return f"{warehouse}: stored facts built by this code (as of {meta['as_of']:%Y-%m-%d %H:%M})"


def chromium(tool: str) -> str | None:
    """The system Chromium's path, or None after saying on stderr how to install it."""
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)
    if chrome is None:
        print(f"{tool}: no Chromium on PATH; `make system-deps` installs it", file=sys.stderr)
    return chrome


def _wait_up(url: str) -> None:
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2).close()
            return
        except OSError:
            time.sleep(0.1)


def _settle(page, heading: str) -> float:
    """Wait for a settled page; return the page-clock ms of its last DOM change."""
    page.get_by_role("heading", name=heading, exact=True).first.wait_for(timeout=TIMEOUT)
    page.wait_for_function(SETTLED, timeout=TIMEOUT)
    page.wait_for_function(DRAWN, timeout=TIMEOUT)
    return page.evaluate(QUIET, QUIET_MS)


NAN = (float("nan"), float("nan"))


def _times(page, heading: str, t0: float = 0.0) -> tuple[float, float]:
    """Wait for a settled page; return seconds from page-clock `t0` to its last DOM change and
    to its last change a reader can see (outside a <canvas>: WATCH)."""
    last = _settle(page, heading)
    return (last - t0) / 1000, (page.evaluate(SEEN) - t0) / 1000


def visit(page, url: str, spec) -> tuple[float, float]:
    """Seconds from navigation start to a settled page (navigation timing's origin): to its last
    DOM change, and to its last visible one."""
    page.goto(url)
    page.evaluate(WATCH)   # installed once the document exists; earlier changes are before it anyway
    return _times(page, spec.title)


def cell(secs: tuple[float, float], visible: bool) -> str:
    """A column's figure: seconds to the last DOM change; with `visible`, then to the last
    visible change in brackets."""
    return f" {f'{secs[0]:.2f} ({secs[1]:.2f})' if visible else f'{secs[0]:.2f}':>15}"


# The text a change must alter before its page can count as settled: the filter line under
# the page title ("team · period · as of …"); for the sprint picker, the captions (the sprint
# tiles name the sprint's dates); for a section, the headings.
CAPTION = """() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')]
  .map(e => e.innerText).find(t => t.includes(' · as of ')) || ''"""
CAPTIONS = """() => [...document.querySelectorAll('[data-testid="stCaptionContainer"]')].map(e => e.innerText)
  .join('|')"""   # the sprint tiles' captions (issues, dates) name the chosen sprint
HEADINGS = """() => [...document.querySelectorAll('h3')].map(e => e.innerText).join('|')"""
# the section (tab) each page with sections opens in the "section" step: its most charts
SECTION = {"sprint_retro": "Flow", "calibration": "Sizes and ranges"}


def change(page, spec, act, marker: str = CAPTION) -> tuple[float, float]:
    """Seconds from a sidebar action to the settled page it produces, to its last DOM change and
    to its last visible one (NaN: nothing changed)."""
    before = page.evaluate(marker)
    t0 = page.evaluate("() => performance.now()")
    act()
    try:
        page.wait_for_function(f"(b) => ({marker})() !== b", arg=before, timeout=30_000)
    except Exception:   # noqa: BLE001 - the action did not change the view: report it, go on
        return NAN
    return _times(page, spec.title, t0)


def changes(page, spec) -> list[tuple[str, object]]:
    """Each sidebar change on this page, in order: (name, a function doing it that returns
    its seconds)."""
    sb = page.get_by_test_id("stSidebar")

    def pick(where, label: str, option_index: int):
        def act():
            where.get_by_role("combobox", name=label).click()
            page.get_by_role("option").nth(option_index).click()
        return act

    def spin(field: str, key: str):
        def act():
            sb.get_by_role("spinbutton", name=field).click()
            page.keyboard.press(key)
            # the field's calendar opened with the click; the value is sent when it closes
            page.get_by_role("heading", name=spec.title, exact=True).first.click()
        return act

    def section() -> tuple[float, float]:   # open the section with the most charts (NaN where the page has no such tab)
        tab = page.get_by_test_id("stMain").get_by_role("tab", name=SECTION[spec.slug], exact=True)
        return change(page, spec, tab.click, HEADINGS) if tab.count() else NAN

    out = [("team", lambda: change(page, spec, pick(sb, "Team board", 1))),
           ("all teams", lambda: change(page, spec, pick(sb, "Team board", 0))),
           ("period", lambda: change(page, spec, spin("month, Period start date", "ArrowUp"))),
           ("as of -1 day", lambda: change(page, spec, spin("day, As of", "ArrowDown"))),
           ("as of back", lambda: change(page, spec, spin("day, As of", "ArrowUp")))]
    if spec.slug == "sprint_retro":
        out.append(("sprint", lambda: change(page, spec, pick(page.get_by_test_id("stMain"), "Sprint", 1), CAPTIONS)))
    if spec.slug in SECTION:
        out.append(("section", section))
    return out


def first_visits(runs, names, rounds: int, spec, floor, tmp: Path, chrome: str) -> int:
    """`--first-visits`: the first visit after server start, each round on a freshly started
    server, servers in turn; a browser context per server, kept across rounds (on the same port,
    so from round 2 its cache holds Streamlit's scripts as a returning user's browser does)."""
    from statistics import median

    from playwright.sync_api import sync_playwright

    from dashboard.pages import PAGES

    first_page = PAGES[0].slug
    ports = [_free_port() for _ in runs]
    rows: list[list[float]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chrome, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        tabs = [browser.new_context(viewport={"width": 1440, "height": 1000}).new_page() for _ in runs]
        print(f"load average {os.getloadavg()[0]:.1f} at start")
        print(f"{'first visit':<29}" + "".join(f" {n:>15}" for n in names))
        for r in range(1, rounds + 1):
            secs = []
            for i, ((w, c), tab, port) in enumerate(zip(runs, tabs, ports, strict=True)):
                proc, url = _serve(w, tmp / f"first{i}.log", c, port)
                try:
                    _wait_up(url)
                    # the floor at a page's own depth (below): "/" for the first page, else "/floor"
                    path = "" if spec.slug == first_page else FLOOR if c == FLOOR else spec.slug
                    secs.append(visit(tab, f"{url}/{path}", floor if c == FLOOR else spec)[0])
                finally:
                    proc.terminate()
                    proc.wait()
            rows.append(secs)
            what = "browser cache cold" if r == 1 else "browser cache warm"
            print(f"{'round ' + str(r) + ' (' + what + ')':<29}" + "".join(f" {s:>15.2f}" for s in secs), flush=True)
        if rounds > 2:
            print(f"{'median of rounds 2-' + str(rounds):<29}"
                  + "".join(f" {median(col):>15.2f}" for col in zip(*rows[1:], strict=True)))
        print(f"load average {os.getloadavg()[0]:.1f} at end")
        browser.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from dashboard.pages import PAGES, PageSpec

    ap = argparse.ArgumentParser(prog="python -m benchmarks.browser", description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", nargs="+", help="the warehouse file(s) to serve, measured side by side")
    ap.add_argument("--visits", type=int, default=2, help="full page loads of each page in a row")
    ap.add_argument("--no-changes", action="store_true", help="time page loads only, no sidebar changes")
    ap.add_argument("--pages", help="comma-separated slugs (default: every page)")
    ap.add_argument("--baseline", type=Path, help="also serve each warehouse from the code in this directory "
                    "(e.g. `git archive HEAD~3 | tar -x -C DIR`), side by side: before/after in one run")
    ap.add_argument("--first-visits", type=int, metavar="ROUNDS", help="time only the first visit after server "
                    "start, ROUNDS times: each round starts every server afresh in turn (same port each round) "
                    "and visits the first page once in that server's own browser context (round 1: the "
                    "browser has not cached Streamlit's scripts; later rounds: it has, as a returning user's)")
    ap.add_argument("--floor", action="store_true", help="also time a bare page (the shared sidebar and one small "
                    "chart) served beside them: what Streamlit itself costs here")
    ap.add_argument("--visible", action="store_true", help="also print, in brackets, the seconds to the last DOM "
                    "change a reader can see (not inside a <canvas>: the data grids' accessible tables)")
    args = ap.parse_args(argv)
    chrome = chromium("benchmarks.browser")
    if chrome is None:
        return 1
    for w in args.warehouse:
        print(_facts_line(w))
    pages = [p for p in PAGES if not args.pages or p.slug in args.pages.split(",")]
    floor = PageSpec(FLOOR, "Floor", "", "", "")
    tmp = Path(tempfile.mkdtemp())
    codes = ([args.baseline.resolve()] if args.baseline else []) + [None] + ([FLOOR] if args.floor else [])
    runs = [(w, c) for w in args.warehouse for c in codes]
    names = [Path(w).stem[-8:] + (" floor" if c == FLOOR else " before" if c else (" after" if args.baseline else ""))
             for w, c in runs]
    if args.first_visits:
        return first_visits(runs, names, args.first_visits, pages[0], floor, tmp, chrome)
    servers = [_serve(w, tmp / f"serve{i}.log", c) for i, (w, c) in enumerate(runs)]
    try:
        for _, url in servers:
            _wait_up(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chrome, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            tabs = [browser.new_page(viewport={"width": 1440, "height": 1000}) for _ in servers]
            print(f"load average {os.getloadavg()[0]:.1f} at start")
            print(f"{'page':<14} {'action':<14}" + "".join(f" {n:>15}" for n in names))
            for spec in pages:
                path = "" if spec.slug == PAGES[0].slug else spec.slug
                specs = [floor if c == FLOOR else spec for _, c in runs]
                # the floor at the page's depth: a page at /slug costs Streamlit's frontend a first,
                # failed probe of /slug/_stcore/health and 100 ms before it tries /_stcore/health
                urls = [f"{url}/{(FLOOR if path else '') if c == FLOOR else path}"
                        for (_, url), (_, c) in zip(servers, runs, strict=True)]
                for v in range(1, args.visits + 1):
                    secs = [visit(tab, u, sp) for tab, u, sp in zip(tabs, urls, specs, strict=True)]
                    print(f"{spec.slug:<14} {'visit ' + str(v):<14}" + "".join(cell(s, args.visible) for s in secs),
                          flush=True)
                if args.no_changes:
                    continue
                # step by step, each step on every server in turn (the same machine load for each)
                steps = [dict(changes(tab, sp)) for tab, sp in zip(tabs, specs, strict=True)]
                for name in dict.fromkeys(n for st in steps for n in st):
                    secs = [st[name]() if name in st else NAN for st in steps]
                    print(f"{spec.slug:<14} {name:<14}" + "".join(cell(s, args.visible) for s in secs), flush=True)
            print(f"load average {os.getloadavg()[0]:.1f} at end")
            browser.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
