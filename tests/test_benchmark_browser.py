"""benchmarks.browser's clocks: the last DOM change, and the last one a reader can see (a change
inside a <canvas> is fallback content the browser never draws)."""

from __future__ import annotations

import math
import shutil

import pytest

from benchmarks import browser as B

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome",
                                                "google-chrome-stable"))), None)
PAGE = "<div id=shown>a</div><canvas id=grid><table><tr><td id=cell>1</td></tr></table></canvas>"


def test_cell_prints_the_visible_time_only_when_asked():
    assert B.cell((1.234, 0.9), visible=False) == "            1.23"
    assert B.cell((1.234, 0.9), visible=True) == "     1.23 (0.90)"
    assert len(B.cell(B.NAN, visible=True)) == 16 and "nan" in B.cell(B.NAN, visible=True)
    assert math.isnan(B.NAN[0]) and math.isnan(B.NAN[1])


@pytest.mark.browser
def test_a_change_inside_a_canvas_moves_only_the_last_change():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH (install it with `make system-deps`)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        try:
            page = browser.new_page()
            page.set_content(PAGE)
            page.evaluate(B.WATCH)
            shown = page.evaluate("""() => new Promise(done => {
              document.getElementById('shown').textContent = 'b';           // seen
              const t = performance.now();
              setTimeout(() => { document.getElementById('cell').textContent = '2'; done(t); }, 250);
            })""")
            page.evaluate(B.QUIET, 100)
            last, seen = page.evaluate("() => window.__lastChange"), page.evaluate(B.SEEN)
            assert seen == pytest.approx(shown, abs=20)
            assert last - seen >= 200   # the canvas's fallback changed 250 ms later: not seen
            page.evaluate("() => { document.getElementById('shown').textContent = 'c'; }")
            page.evaluate(B.QUIET, 100)
            assert page.evaluate(B.SEEN) == page.evaluate("() => window.__lastChange")   # a visible one moves both
        finally:
            browser.close()
