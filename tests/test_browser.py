"""Real-browser tests: `retroscope serve` on the demo, driven by Playwright in the system
Chromium. Every page is visited (key texts, a chart, no Streamlit exception box) and
screenshotted; one journey records a retro action item and sees it after a reload.

Screenshots go to the test's tmp dir and, when RETROSCOPE_SCREENSHOTS=<dir> is set, also
there (that is how docs/screenshots/*.png are made)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

import queries
from dashboard.pages import PAGES

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOAD = 180_000   # ms: the first render of a page computes its queries (slow on a busy CI box)
# what each page must show on the demo besides its title
KEY_TEXTS = {
    "overview": "Which page answers which question",
    "sprint_retro": "Velocity",
    "calibration": "A bigger estimate took longer",
    "outcomes": "Shipped items",
    "retro_log": "Open actions from earlier retros",
    "tech_health": "Download the tech-health slide",
    "data_sources": "Data quality",
}

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (install it with `make system-deps`); browser tests skipped",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """`retroscope serve` on a private copy of the demo (the journey writes retro records)."""
    d = tmp_path_factory.mktemp("served")
    db = d / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    shutil.copyfile(queries.userdata_path_for(demo_db), queries.userdata_path_for(db))
    port = _free_port()
    cli = Path(sys.executable).with_name("retroscope")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    log = open(d / "serve.log", "w")
    proc = subprocess.Popen([str(cli), "--db", str(db), "serve", "--port", str(port), "--address", "127.0.0.1"],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=d)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:   # wait until the server answers its health check
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"retroscope serve did not come up: {(d / 'serve.log').read_text()[-2000:]}")
        time.sleep(0.2)
    yield {"url": url, "db": db}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
    p = ctx.new_page()
    yield p
    ctx.close()


def _settled(page) -> None:
    """Wait until the script run finished (no 'Running' status widget)."""
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=LOAD)


def _screenshot(page, tmp_path: Path, slug: str, publish: bool = True) -> None:
    """The whole page: Streamlit scrolls inside its main container, so grow the viewport
    to the content's height first and let the charts re-lay themselves out."""
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": 1440, "height": max(1000, min(int(height) + 40, 9000))})
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".every(p => p._fullLayout && p.querySelector('.main-svg'))", timeout=LOAD)
    _settled(page)
    page.screenshot(path=str(tmp_path / f"{slug}.png"), full_page=True)
    target = os.environ.get("RETROSCOPE_SCREENSHOTS")
    if target and publish:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / f"{slug}.png", Path(target) / f"{slug}.png")


@pytest.mark.parametrize("spec", PAGES, ids=[p.slug for p in PAGES])
def test_page_in_browser(server, page, tmp_path, spec):
    page.goto(f"{server['url']}/{'' if spec.slug == PAGES[0].slug else spec.slug}")
    expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible(timeout=LOAD)
    _settled(page)
    key = KEY_TEXTS.get(spec.slug)
    if key:
        expect(page.get_by_text(key, exact=False).first).to_be_visible(timeout=LOAD)
    if spec.slug != "retro_log":
        chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
        expect(chart).to_be_visible(timeout=LOAD)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    expect(page.get_by_test_id("stSidebar").get_by_text("Team board")).to_be_visible()
    page.wait_for_load_state("networkidle")
    _screenshot(page, tmp_path, spec.slug)


def test_journey_record_an_action_item(server, page, tmp_path):
    """A facilitator records an action item in the Retro log and sees it after a reload."""
    page.goto(f"{server['url']}/retro_log")
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    caption = page.get_by_text(re.compile(r"\d+ cards · \d+ actions")).first
    expect(caption).to_be_visible(timeout=LOAD)
    actions_before = int(re.search(r"(\d+) actions", caption.inner_text()).group(1))
    page.get_by_role("textbox", name="New action item").fill("Demo the QA bounce list every Monday")
    page.get_by_role("textbox", name="Owner").fill("Scrum master")
    page.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Saved: action item")).to_be_visible(timeout=LOAD)
    _settled(page)
    page.reload()
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(page.get_by_text(f"{actions_before + 1} actions", exact=False).first).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Demo the QA bounce list every Monday").first).to_be_attached(timeout=LOAD)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, tmp_path, "retro_log_journey", publish=False)


def test_card_markdown_is_text_and_fetches_nothing(server, page, tmp_path):
    """An anonymous card holding a Markdown image, an HTML image and a link to a remote host
    is shown as its characters; opening the Retro log sends no request to that host (a
    card must not be able to make its readers' browsers call out)."""
    from connectors import userdata
    from dashboard.components import CARD_COLUMNS

    host = "pixel.tracker.invalid"
    text = (f"![x](http://{host}/md.png) <img src=\"http://{host}/html.png\"> [see](http://{host}/link) $x^2$ "
            f"www.{host} me@{host}")
    store = queries.userdata_path_for(server["db"])
    records = userdata.load_records(store)
    for r in records["retros"].itertuples():   # every retro: whichever the page opens shows it
        userdata.add_card(store, retro_id=r.retro_id, column=CARD_COLUMNS.get(r.kind, CARD_COLUMNS["scrum"])[0],
                          text=text, theme="[t](http://" + host + "/theme)")
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))
    page.route(f"**://{host}/**", lambda route: route.abort())
    page.goto(f"{server['url']}/retro_log")
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    # its characters are on the page (a bare URL carries an invisible word joiner after ":/")
    expect(page.get_by_text("![x](http:/", exact=False).first).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("$x^2$", exact=False).first).to_be_visible(timeout=LOAD)
    page.wait_for_load_state("networkidle")
    assert page.locator(f'img[src*="{host}"]').count() == 0
    assert page.locator(f'a[href*="{host}"]').count() == 0
    assert [u for u in requested if host in u] == []
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
