"""Real-browser tests: `retroscope serve` on the demo, driven by Playwright in the system
Chromium. Every page is visited at desktop and phone width, under All teams and one team
(key texts, a chart, no Streamlit exception box, no request off the machine, a page that reads
like a report) and screenshotted at desktop width; journeys record retro actions and see them
after a reload.

Screenshots go to the test's tmp dir and, when RETROSCOPE_SCREENSHOTS=<dir> is set, also
there (that is how docs/screenshots/*.png are made)."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from helpers_serve import private_demo, start_serve, stop_serve

import queries
from dashboard.pages import PAGES

pytestmark = pytest.mark.browser

# the system Chromium, by any of its usual names on PATH (Debian, Ubuntu, Google's build)
CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome",
                                                "google-chrome-stable"))), None)
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
LOAD = 180_000   # ms: the first render of a page computes its queries (slow on a busy CI box)
# what each page must show on the demo besides its title
KEY_TEXTS = {
    "overview": "Which page answers which question",
    "sprint_retro": "Velocity",
    "calibration": "A bigger estimate took longer",
    "outcomes": "Shipped items",
    "retro_log": "Open actions",
    "tech_health": "Download the tech-health slide",
    "data_sources": "Data quality",
}

if CHROMIUM is None:
    pytest.skip("no chromium, chromium-browser or google-chrome on PATH (install it with `make system-deps`); "
                "browser tests skipped", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    """`retroscope serve` on a private copy of the demo (the journey writes retro records)."""
    d = tmp_path_factory.mktemp("served")
    db = private_demo(demo_db, d)
    served = start_serve(db, d)
    yield {"url": served.url, "db": db}
    stop_serve(served)


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
    expect(page.locator(".stBidiComponent")).to_have_count(0, timeout=LOAD)   # blocks below the fold drawn
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".every(p => p._fullLayout && p.querySelector('.main-svg'))", timeout=LOAD)
    _settled(page)
    page.screenshot(path=str(tmp_path / f"{slug}.png"), full_page=True)
    target = os.environ.get("RETROSCOPE_SCREENSHOTS")
    if target and publish:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / f"{slug}.png", Path(target) / f"{slug}.png")


def test_journey_record_an_action_item(server, page, tmp_path):
    """A facilitator records an action item in the Retro log and sees it after a reload."""
    page.goto(f"{server['url']}/retro_log")
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    caption = page.get_by_text(re.compile(r"\d+ cards? · \d+ actions?")).first
    expect(caption).to_be_visible(timeout=LOAD)
    actions_before = int(re.search(r"(\d+) actions?", caption.inner_text()).group(1))
    page.get_by_role("textbox", name="New action item").fill("Demo the QA bounce list every Monday")
    page.get_by_role("textbox", name="Owner").fill("Scrum master")
    page.get_by_role("textbox", name="Jira key").fill("bad key")
    page.get_by_role("button", name="Add action item").click()
    # refused: the error, and what was typed still there to mend (a form cleared on submit lost it)
    expect(page.get_by_text("is not a Jira issue key").first).to_be_visible(timeout=LOAD)
    expect(page.get_by_role("textbox", name="New action item")).to_have_value("Demo the QA bounce list every Monday")
    page.get_by_role("textbox", name="Jira key").fill("")
    page.get_by_role("button", name="Add action item").click()
    expect(page.get_by_text("Saved: action item")).to_be_visible(timeout=LOAD)
    _settled(page)
    # saved: the form is empty in the browser too (deleting the widgets' state left the text on screen)
    expect(page.get_by_role("textbox", name="New action item")).to_have_value("")
    expect(page.get_by_role("textbox", name="Owner")).to_have_value("")
    page.reload()
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    after = f"{actions_before + 1} action{'' if actions_before + 1 == 1 else 's'} ·"
    expect(page.get_by_text(after, exact=False).first).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Demo the QA bounce list every Monday").first).to_be_attached(timeout=LOAD)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, tmp_path, "retro_log_journey", publish=False)


# --------------------------------------------------------------------------- honest views
# Database column names that must never be a table header on a page.
INTERNAL_COLUMNS = {"days_into_sprint", "effective_due_on", "due_from", "sprint_id", "retro_id", "action_id",
                    "agreement_id", "hypothesis_id", "issue_id", "board_id", "min_change", "effect_abs",
                    "before_value", "during_value", "is_overdue", "say_do_ratio", "carryover_points"}
PAYLOAD_LIMIT = 300_000   # bytes a page may send over the websocket (the demo is far below it)

_PAGE_FACTS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const block = document.querySelector('[data-testid="stMainBlockContainer"]') || main;
  const roots = [...main.querySelectorAll('[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stPageLink"], h1, h2, h3')];
  const textWidth = e => { const r = document.createRange(); r.selectNodeContents(e); return r.getBoundingClientRect().width; };
  const cut = roots.flatMap(r => [r, ...r.querySelectorAll('div, p, span')])
    .filter(e => e.offsetParent !== null && e.clientWidth > 0 && getComputedStyle(e).overflowX !== 'visible'
                 && (Math.max(e.scrollWidth, Math.floor(textWidth(e))) > e.clientWidth
                     || e.scrollHeight > e.clientHeight + 2))
    .map(e => e.innerText);
  const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')].map(t => ({
    headers: [...t.querySelectorAll('th')].map(h => h.innerText.trim()).filter(Boolean),
    cells: [...t.querySelectorAll('td')].map(c => c.innerText.trim()),
    firstRight: (t.querySelector('th') || t).getBoundingClientRect().right }));
  const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.data).map(p => ({
    axes: p.data.filter(d => d.meta).map(d => [d.xaxis || 'x', d.meta]),
    titles: ((p.layout || {}).annotations || []).map(a => a.text) }));
  return {overflow: [main.scrollWidth - main.clientWidth, block.scrollWidth - block.clientWidth,
                     document.documentElement.scrollWidth - window.innerWidth],
          cut, tables, plots, text: main.innerText};
}"""


# desktop and phone under All teams and one team; a small laptop's 1024 px (a 560 px main column
# beside the sidebar, where five or six metric tiles in a row were cut) under All teams
@pytest.mark.parametrize(("width", "board"), [(1440, None), (1440, "1"), (390, None), (390, "1"), (1024, None)],
                         ids=["1440-all-teams", "1440-atlas", "390-all-teams", "390-atlas", "1024-all-teams"])
@pytest.mark.parametrize("spec", PAGES, ids=[p.slug for p in PAGES])
def test_page_reads_honestly(server, browser, tmp_path, spec, width, board):
    """Every page at desktop, small laptop and phone width, under All teams and one team: its key text and a
    chart, no Streamlit exception box, no request to any host but the local server
    (local-first: no web fonts, icon sets, CDNs or telemetry), no horizontal overflow of the
    main block, no text cut off, tables with plain headers and no 'None', the first (key)
    column on screen, sprint charts with one team per panel, titled. The desktop view under
    All teams is screenshotted."""
    ctx = browser.new_context(viewport={"width": width, "height": 1000}, device_scale_factor=1)
    page = ctx.new_page()
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
    outside: list[str] = []

    def record(request):
        parts = urlsplit(request.url)
        if parts.scheme not in ("data", "blob", "about") and parts.hostname not in ("127.0.0.1", "localhost"):
            outside.append(request.url)

    page.on("request", record)
    try:
        page.goto(f"{server['url']}/{'' if spec.slug == PAGES[0].slug else spec.slug}"
                  + (f"?board={board}" if board else ""))
        expect(page.get_by_role("heading", name=spec.title, exact=True).first).to_be_visible(timeout=LOAD)
        _settled(page)
        if key := KEY_TEXTS.get(spec.slug):
            expect(page.get_by_text(key, exact=False).first).to_be_visible(timeout=LOAD)
        if spec.slug != "retro_log":
            expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first).to_be_visible(timeout=LOAD)
        page.wait_for_load_state("networkidle")
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
        if width > 390:   # on a phone the sidebar starts collapsed
            expect(page.get_by_test_id("stSidebar").get_by_text("Team board")).to_be_visible(timeout=LOAD)
        fold = page.locator(".stBidiComponent")   # blocks below the fold: scroll to each, so it is drawn
        while (n := fold.count()):
            fold.first.scroll_into_view_if_needed()
            expect(fold).to_have_count(n - 1, timeout=LOAD)
            _settled(page)
        page.evaluate("() => document.fonts.ready.then(() => true)")   # measure text in its real font
        page.wait_for_timeout(500)
        facts = page.evaluate(_PAGE_FACTS)
        where = f"{spec.slug} at {width} px, {'board ' + board if board else 'all teams'}"
        assert max(facts["overflow"]) <= 1, f"{where}: main block overflows sideways by {facts['overflow']} px"
        assert not facts["cut"], f"{where}: text cut off: {facts['cut']}"
        for t in facts["tables"]:
            internal = [h for h in t["headers"] if h in INTERNAL_COLUMNS or re.fullmatch(r"[a-z]+(_[a-z]+)+", h)]
            assert not internal, f"{where}: internal column names {internal}"
            assert "None" not in t["cells"] and "nan" not in t["cells"], f"{where}: a None cell in {t['headers']}"
            assert t["firstRight"] <= width, f"{where}: the key column of {t['headers'][:3]} is off-screen"
        for p in facts["plots"]:
            teams: dict[str, set] = {}
            for axis, team in p["axes"]:
                teams.setdefault(axis, set()).add(team)
            assert all(len(v) == 1 for v in teams.values()), f"{where}: teams mixed on one sprint axis: {teams}"
            every = set().union(*teams.values()) if teams else set()
            if len(every) > 1:
                assert every <= set(p["titles"]), f"{where}: panels not titled with their team: {p['titles']}"
            if board:
                assert len(every) <= 1, f"{where}: another team's sprints on a one-team page"
        if spec.slug == "sprint_retro":
            assert re.search(r"(Atlas|Borealis) · [A-Z]+ Sprint \d+", facts["text"]), "sprint label without its team"
        assert sum(frames) < PAYLOAD_LIMIT, f"{where}: {sum(frames):,} bytes over the websocket"
        assert outside == [], f"{where}: requests to other hosts: {sorted(set(outside))}"
        if width == 1440 and board is None:
            _screenshot(page, tmp_path, spec.slug)
    finally:
        ctx.close()


def test_journey_a_folded_form_opens_saves_and_stays_open(server, page):
    """The agreement form is folded (forms.folded: run only while its expander is open, a
    Streamlit expander that reruns the page when clicked): clicking it shows the form, a saved
    agreement leaves it open and empty for the next one."""
    page.goto(f"{server['url']}/retro_log?board=1")
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    text = page.get_by_role("textbox", name="New working agreement")
    expect(text).to_have_count(0)   # folded: not drawn
    page.get_by_text("Add a working agreement").click()
    expect(text).to_be_visible(timeout=LOAD)
    _settled(page)
    text.fill("Pair on every change to the checkout flow")
    page.get_by_role("button", name="Add agreement").click()
    expect(page.get_by_text("Saved: working agreement")).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(page.get_by_role("textbox", name="New working agreement")).to_have_value("")   # open, emptied
    expect(page.get_by_text("Pair on every change to the checkout flow").first).to_be_attached(timeout=LOAD)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_journey_carry_actions_into_a_new_retro(server, page, tmp_path):
    """A facilitator starts Atlas's next retro: the team's open actions are carried in (the
    same actions, listed once) and one is marked done there."""
    page.goto(f"{server['url']}/retro_log?board=1")
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    page.get_by_role("textbox", name="Title (optional)").fill("Atlas retro, carried actions")
    page.get_by_role("button", name="Create retro").click()
    expect(page.get_by_text(re.compile(r"Saved: new retro · [1-9]\d* open action\(s\) carried in"))).to_be_visible(
        timeout=LOAD)
    _settled(page)
    expect(page.get_by_role("heading", name="Carried in from earlier retros")).to_be_visible(timeout=LOAD)
    expect(page.get_by_text("Set a WIP limit of 3 on In Review").first).to_be_attached(timeout=LOAD)
    # creating the retro selects it (a second run, with `retro=` in the URL): wait for that run
    # to end too, or the dropdown opened below is closed again by its redraw
    page.wait_for_url(re.compile(r"retro=r-"), timeout=LOAD)
    _settled(page)
    option = page.get_by_role("option", name="Set a WIP limit of 3 on In Review")
    for _ in range(5):
        page.get_by_test_id("stMultiSelect").first.click()
        # typed, the list narrows to it (a long list draws only the options in view)
        page.keyboard.type("Set a WIP limit")
        try:
            expect(option).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
            _settled(page)
    option.click()
    # the choice redraws the field, emptying what was typed; on a busy machine that can come
    # after the Escape and open the list again, unfiltered, over the submit button (seen: the
    # press on the button, its release on the list's "Select all", the click on nothing). So
    # wait for the typed text to go, then close the list and wait for it to be gone
    expect(page.get_by_test_id("stMultiSelect").first.locator("input")).to_have_value("", timeout=LOAD)
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("stMultiSelectDropdown")).to_have_count(0, timeout=LOAD)
    expect(page.get_by_test_id("stMultiSelect").first).to_contain_text("Set a WIP limit of 3 on In Review")
    submit = page.get_by_role("button", name="Update carried actions")
    chips = page.get_by_test_id("stMultiSelect").first.get_by_role("button", name=re.compile("^Remove "))
    submit.click()
    # a submitted form clears itself in the browser at once (clear_on_submit), before the app
    # hears of it. Fresh-clone runs under the full suite lost this click outright (the list
    # above, reopened under the pointer): the form still filled after 180 s, nothing sent, no
    # run. Should it happen still, and only then, click once more (the save is asserted below
    # either way; a second submit cannot happen, the form is empty).
    try:
        expect(chips).to_have_count(0, timeout=15_000)
    except AssertionError:
        warnings.warn("carried-actions journey: the first click on 'Update carried actions' was lost "
                      "(form still filled, nothing submitted); clicked again", stacklevel=1)
        _settled(page)
        submit.click()
        expect(chips).to_have_count(0, timeout=15_000)
    expect(page.get_by_text("Saved: 1 carried action(s) marked done")).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    _screenshot(page, tmp_path, "retro_log_carried", publish=False)


def test_card_markdown_is_text_and_fetches_nothing(server, page, tmp_path):
    """An anonymous card holding a Markdown image, an HTML image and a link to a remote host
    is shown as its characters; opening the Retro log sends no request to that host (a
    card must not be able to make its readers' browsers call out)."""
    from connectors import userdata
    from dashboard.forms import CARD_COLUMNS

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


def test_outcomes_item_view_in_browser(server, page, tmp_path):
    """A link to one shipped item opens its view: the demo's Revenue/ATL-E3 case, where the chart
    rises after the launch but the verdict is no detectable change, with the counterfactual band,
    the overlapping BOR-E3 named on the chart and the reason sentence; the page stays under the
    payload limit."""
    frames: list[int] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(len(f))))
    page.goto(f"{server['url']}/outcomes?item=ATL-E3")
    expect(page.get_by_role("heading", name="Product outcomes", exact=True).first).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(page.get_by_text(re.compile(r"The post-launch mean is 3\.2 % \(\+1,850 EUR\) above what the pre-launch "
                                       r"trend predicts, but the 95 % interval \(−7\.3 % to \+13\.6 %\) includes zero, "
                                       r"so no detectable change\.")).first).to_be_visible(timeout=LOAD)
    chart = page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot').first
    expect(chart).to_be_visible(timeout=LOAD)
    expect(chart).to_contain_text("counterfactual (no launch)")
    expect(chart).to_contain_text("95 % band")
    expect(chart).to_contain_text("BOR-E3 Price display revamp (overlaps)")
    expect(chart).to_contain_text("ATL-E3 shipped")
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    page.wait_for_load_state("networkidle")
    assert "item=ATL-E3" in page.url
    assert sum(frames) < PAYLOAD_LIMIT, f"outcomes?item=ATL-E3: {sum(frames):,} bytes over the websocket"
    print(f"outcomes?item=ATL-E3: {sum(frames):,} bytes over the websocket")
    _screenshot(page, tmp_path, "outcomes_item")
    # an unknown key: one line, the rest of the page still there
    page.goto(f"{server['url']}/outcomes?item=NOPE-1")
    expect(page.get_by_text("No shipped item NOPE-1 in this view", exact=False).first).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(page.get_by_text("Shipped items", exact=False).first).to_be_visible(timeout=LOAD)
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_outcomes_item_view_on_a_phone(server, browser):
    """The item view at 390 px: no sideways overflow, no text cut off, the sentence on screen."""
    ctx = browser.new_context(viewport={"width": 390, "height": 1000}, device_scale_factor=1)
    page = ctx.new_page()
    try:
        page.goto(f"{server['url']}/outcomes?item=ATL-E3")
        expect(page.get_by_role("heading", name="Product outcomes", exact=True).first).to_be_visible(timeout=LOAD)
        _settled(page)
        expect(page.get_by_text("includes zero, so no detectable change", exact=False).first).to_be_visible(
            timeout=LOAD)
        page.wait_for_load_state("networkidle")
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
        facts = page.evaluate(_PAGE_FACTS)
        assert max(facts["overflow"]) <= 1, f"item view at 390 px overflows sideways by {facts['overflow']} px"
        assert not facts["cut"], f"item view at 390 px: text cut off: {facts['cut']}"
        expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    finally:
        ctx.close()


# per sprint chart: plot height, the legend's and mode bar's boxes, the angled sprint labels'
# spacing against their font size (labels at an angle overlap when their spacing times the
# sine of the angle is under the text's height)
_SPRINT_CHART_FACTS = r"""() => [...document.querySelectorAll('.js-plotly-plot')].map(p => {
  const L = p._fullLayout, box = el => el ? el.getBoundingClientRect() : null;
  const leg = box(p.querySelector('.legend')), bar = box(p.querySelector('.modebar'));
  const apart = (a, b) => !a || !b || !a.width || !b.width || a.right <= b.left || b.right <= a.left
                          || a.bottom <= b.top || b.bottom <= a.top;
  const tight = Object.keys(L).filter(k => /^xaxis\d*$/.test(k)).map(k => {
    const ts = [...p.querySelectorAll('.xaxislayer-above .' + L[k]._id + 'tick text')];
    if (ts.length < 2) return 0;
    const m = (ts[0].getAttribute('transform') || '').match(/rotate\((-?[\d.]+)/);
    const sin = Math.abs(Math.sin((m ? parseFloat(m[1]) : 90) * Math.PI / 180));
    const size = parseFloat(getComputedStyle(ts[0]).fontSize);
    const xs = ts.map(t => t.getBoundingClientRect().right);
    return xs.slice(1).filter((x, i) => Math.abs(x - xs[i]) * sin < size * 0.95).length;
  }).reduce((a, b) => a + b, 0);
  const sprints = [...p.querySelectorAll('.xtick text')].some(t => /^Sprint \d+/.test(t.textContent));
  return {sprints, plotH: L._size.h, panels: Object.keys(L).filter(k => /^xaxis\d*$/.test(k)).length,
          apart: apart(leg, bar), tight};
})"""


@pytest.mark.parametrize("board", [None, "1"], ids=["all-teams", "atlas"])
def test_sprint_charts_keep_their_plot_on_a_phone(server, browser, board):
    """At 390 px the velocity chart's plot was ~60 px under a four-row legend, the mode bar
    lay over the legend and sprint labels overlapped. Every sprint chart keeps >= 200 px of
    plot per team panel, its legend clear of the mode bar, its sprint labels apart. Under All
    teams the work-mix chart lies below the fold: it is drawn once the reader scrolls to it."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = ctx.new_page()
    try:
        page.goto(f"{server['url']}/sprint_retro" + (f"?board={board}" if board else ""))
        expect(page.get_by_role("heading", name="Sprint retro", exact=True).first).to_be_visible(timeout=LOAD)
        _settled(page)
        if not board:   # the quality charts lie below two team panels: drawn once scrolled near
            expect(page.locator('[data-testid="stPlotlyChart"]')).to_have_count(2, timeout=LOAD)
            # the space kept says what will be drawn in it
            expect(page.locator(".stBidiComponent").first).to_contain_text("drawn as you scroll here", timeout=LOAD)
            page.locator(".stBidiComponent").first.scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].length >= 4 && "
                               "[...document.querySelectorAll('.js-plotly-plot')].every(p => p._fullLayout)",
                               timeout=LOAD)
        page.evaluate("() => document.fonts.ready.then(() => true)")
        page.wait_for_timeout(500)
        charts = [c for c in page.evaluate(_SPRINT_CHART_FACTS) if c["sprints"]]
        assert len(charts) == 3, charts          # velocity, scope and carry-over, work mix
        for c in charts:
            assert c["plotH"] / c["panels"] >= 200, f"plot squashed at 390 px: {c}"
            assert c["apart"], f"mode bar over the legend at 390 px: {c}"
            assert c["tight"] == 0, f"sprint labels overlap at 390 px: {c}"
    finally:
        ctx.close()


def test_calibration_holds_forecasts_to_account(server, page):
    """The forecast the page shows is recorded in the served store, and the demo's history is
    scored: 'Our 85 % forecasts came true k of n times', the history and the backtest. The
    forecast is a section of the page, opened by its tab."""
    page.goto(f"{server['url']}/calibration")
    _settled(page)
    page.get_by_test_id("stMain").get_by_role("tab", name="Forecast", exact=True).click()
    page.wait_for_url(re.compile(r"section=Forecast"), timeout=LOAD)
    _settled(page)
    headline = page.get_by_text(re.compile(r"Our 85 % forecasts came true \d+ of \d+ times"))
    expect(headline.first).to_be_visible(timeout=LOAD)
    expect(page.get_by_text(re.compile(r"Backtest: 85 % forecasts came true \d+ of \d+ times")).first).to_be_visible(
        timeout=LOAD)
    expect(page.get_by_role("heading", name="Forecasts held to account")).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
    with duckdb.connect(str(queries.userdata_path_for(server["db"])), read_only=True) as c:
        kinds = {r[0] for r in c.execute("SELECT kind FROM forecasts WHERE source = 'page' "
                                         "AND forecast_id NOT LIKE 'demo-%'").fetchall()}
    assert kinds == {"when", "how_many"}


def test_the_team_and_dates_stay_when_going_to_another_page(server, page):
    """Streamlit's navigation drops the URL's parameters; the sidebar puts the session's filters
    back, so a team chosen by link or in the sidebar is still the team on the next page (and in
    its link), and All teams chosen again stays All teams."""
    sb, nav = page.get_by_test_id("stSidebar"), page.get_by_test_id("stSidebarNav")
    team = sb.get_by_role("combobox", name="Team board")
    page.goto(f"{server['url']}/sprint_retro?board=1&as_of=2026-10-01")
    expect(team).to_have_value("Atlas", timeout=LOAD)
    _settled(page)
    nav.get_by_text("Tech health").click()
    expect(page.get_by_role("heading", name="Tech health", exact=True)).to_be_visible(timeout=LOAD)
    page.wait_for_url(re.compile(r"/tech_health\?.*board=1"), timeout=LOAD)
    assert "as_of=2026-10-01" in page.url
    expect(team).to_have_value("Atlas")
    _settled(page)
    team.click()
    page.get_by_role("option", name="Borealis").click()
    page.wait_for_url(re.compile(r"board=2"), timeout=LOAD)
    _settled(page)
    nav.get_by_text("Outcomes").click()
    page.wait_for_url(re.compile(r"/outcomes\?.*board=2"), timeout=LOAD)
    expect(team).to_have_value("Borealis")
    _settled(page)
    team.click()
    page.get_by_role("option", name="All teams").click()
    expect(team).to_have_value("All teams", timeout=LOAD)
    # the run the choice starts has reached the sidebar's end once the link drops board=
    # (going to another page before that run starts would discard the choice)
    page.wait_for_url(lambda u: "board=" not in u, timeout=LOAD)
    _settled(page)
    nav.get_by_text("Retro log").click()
    expect(page.get_by_role("heading", name="Retro log", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    expect(team).to_have_value("All teams")
    assert "board=" not in page.url


def test_the_first_page_at_its_own_name_is_the_first_page_with_the_links_filters(server, page):
    """Every page is "/slug" but the first, served at "/": "/overview" (a user typing the pattern,
    or an old link) is the Overview too, with the link's team and as-of, and no "Page not found"."""
    page.goto(f"{server['url']}/overview?board=1&as_of=2026-10-01")
    expect(page.get_by_role("heading", name="Overview", exact=True)).to_be_visible(timeout=LOAD)
    _settled(page)
    assert urlsplit(page.url).path == "/overview" and "board=1" in page.url and "as_of=2026-10-01" in page.url
    expect(page.get_by_text(KEY_TEXTS["overview"])).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Team board")).to_have_value("Atlas")
    expect(page.get_by_text("Atlas · 2 Apr – 1 Oct 2026 · as of")).to_be_visible()
    expect(page.get_by_text(re.compile("page not found", re.I))).to_have_count(0)


def test_the_default_period_follows_as_of_and_a_set_one_is_clipped(server, page):
    """Moving As of back in the sidebar moves the default period with it (the widget shows
    the new days, the link has no from/to); a link's period ending after as-of is clipped,
    said in one line (docs/pages.md "The shared sidebar")."""
    sb = page.get_by_test_id("stSidebar")
    days = sb.get_by_test_id("stDateInput").locator("input[type=date]")   # as-of, period start, period end
    page.goto(f"{server['url']}/?board=1")
    expect(days.nth(2)).to_have_value("2026-11-18", timeout=LOAD)
    expect(days.nth(1)).to_have_value("2026-05-20")
    _settled(page)
    sb.get_by_role("spinbutton", name="month, As of").click()
    page.keyboard.type("09")   # then the day segment has the focus
    page.keyboard.type("01")
    page.get_by_role("heading", name="Overview").click()   # the field commits its value when it loses focus
    expect(days.nth(0)).to_have_value("2026-09-01", timeout=LOAD)
    expect(days.nth(1)).to_have_value("2026-03-03", timeout=LOAD)
    expect(days.nth(2)).to_have_value("2026-09-01", timeout=LOAD)
    page.wait_for_url(re.compile(r"as_of=2026-09-01"), timeout=LOAD)
    _settled(page)
    assert "from=" not in page.url and "to=" not in page.url
    expect(sb.get_by_test_id("stAlert")).to_have_count(0)
    page.goto(f"{server['url']}/?board=1&as_of=2026-09-01&from=2026-08-01&to=2026-11-18")
    expect(days.nth(2)).to_have_value("2026-09-01", timeout=LOAD)
    expect(days.nth(1)).to_have_value("2026-08-01")
    expect(sb.get_by_text("Link parameter to=2026-11-18 is after the as-of day 2026-09-01")).to_be_visible()
    page.wait_for_url(re.compile(r"to=2026-09-01"), timeout=LOAD)
    _settled(page)


def _probes(page, url: str, path: str) -> list[str]:
    """Open url + path, wait for its heading, and return the paths (after url) of the
    requests Streamlit's frontend made to a `_stcore` endpoint on the way."""
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url[len(url):]) if "/_stcore/" in r.url and r.url.startswith(url)
            else None)
    page.goto(url + path)
    return seen


@pytest.mark.parametrize("base", ["", "retro"])
def test_a_page_at_its_own_url_finds_the_server_without_probing_there(server, browser, demo_db, tmp_path, base):
    """A page opened at its own URL (/sprint_retro) asks for the server where it is (serve.hint_backend),
    not first at /sprint_retro/_stcore/... (two 404s and a 100 ms wait); under a base URL path too."""
    if base:
        served = start_serve(private_demo(demo_db, tmp_path), tmp_path, base_url_path=base)
        url = served.url
    else:
        served, url = None, server["url"]
    ctx = browser.new_context(viewport={"width": 1440, "height": 1000})
    try:
        page = ctx.new_page()
        seen = _probes(page, url, "/sprint_retro")
        expect(page.get_by_text(KEY_TEXTS["sprint_retro"]).first).to_be_visible(timeout=LOAD)
        _settled(page)
        assert "/_stcore/health" in seen, seen
        assert not [s for s in seen if s.startswith("/sprint_retro/")], seen
        # the navigation still leads to the other pages, and the first page is at the root
        page.get_by_test_id("stSidebarNav").get_by_text("Tech health").click()
        expect(page.get_by_text(KEY_TEXTS["tech_health"]).first).to_be_visible(timeout=LOAD)
        page.goto(url + "/")
        expect(page.get_by_text(KEY_TEXTS["overview"]).first).to_be_visible(timeout=LOAD)
    finally:
        ctx.close()
        if served is not None:
            stop_serve(served)


# (path, base URL path, where the hint says the server is; None: nothing set, Streamlit probes)
HINT_CASES = [
    ("/", "", None), ("/sprint_retro", "", "/"), ("/overview", "", "/"), ("/nope", "", None),
    ("/proxy/sprint_retro", "", "/proxy/"),            # a proxy's prefix, no base path: kept
    ("/outcomes/", "", None),                          # a proxy's prefix named like a page (its root)
    ("/sprint_retro/", "", None),                      # (Streamlit redirects a page's URL without the /)
    ("/retro", "/retro", None), ("/retro/", "/retro", None), ("/retro/sprint_retro", "/retro", "/retro/"),
    ("/sprint_retro", "/retro", None), ("/myretro/sprint_retro", "/retro", None),
    ("/proxy/retro/sprint_retro", "/retro", "/proxy/retro/"),
    ("/sprint_retro", "/sprint_retro", None),          # a base path named like a page, at its root
    ("/sprint_retro/sprint_retro", "/sprint_retro", "/sprint_retro/"),
    ("/a/b/tech_health", "/a/b", "/a/b/"),
]


def test_the_server_hint_for_each_kind_of_url(browser):
    """The hint's rule (dashboard.serve.HINT_URL) run in Chromium on a table of URLs."""
    from dashboard import serve

    page = browser.new_page()
    try:
        pages = [p.slug for p in PAGES]
        for path, base, want in HINT_CASES:
            got = page.evaluate(f"({serve.HINT_URL})({{pathname: {path!r}, origin: 'http://h'}}, {pages!r}, {base!r})")
            assert got == (None if want is None else "http://h" + want), (path, base, got)
    finally:
        page.close()
