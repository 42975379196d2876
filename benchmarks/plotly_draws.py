"""How often, and at what cost, the browser draws a page's charts (not a test):

    python -m benchmarks.plotly_draws WAREHOUSE [--page sprint_retro] [--visits 3] [--reps 15]

1. Serves WAREHOUSE (`retroscope serve`, 127.0.0.1) and visits the page `--visits` times in
   the system Chromium (Playwright, All teams, 1440 x 1000), with a hook on every chart's
   `plotly_afterplot` (one full Plotly draw each). Prints, per visit, the seconds to a settled
   page (as benchmarks.browser measures it) and every draw: the page-clock ms, the chart's
   index among the charts on the page at that moment, the `layout.width` the figure carried (None: not set yet), the width
   Plotly drew at, and whether the chart was visible; and the DOM mutations inside the charts
   that visit. With Streamlit 1.67 every chart is drawn twice per visit: hidden without a
   width, then visible at the same width (docs/pages.md, "Why Streamlit draws each chart
   twice"). `--code DIR` serves the pages from another checkout (e.g. `git archive` of main).
2. Takes the page's figures as the server sends them (AppTest) and draws each alone in a
   blank Chromium page (plotly.js from the `plotly` package, Streamlit's Source Sans font,
   482 px wide, as in a half-width column at this viewport): the fastest of `--reps` draws
   in ms, the DOM nodes and the DOM mutations of one draw.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks import browser as B

# Wraps the `emit` plotly.js installs on each chart's div: records every plotly_afterplot.
HOOK = r"""
window.__draws = [];
Object.defineProperty(HTMLElement.prototype, 'emit', {configurable: true, set(v) {
  const gd = this;
  Object.defineProperty(gd, 'emit', {configurable: true, writable: true, value: function (ev) {
    if (ev === 'plotly_afterplot') {
      const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
      window.__draws.push({t: Math.round(performance.now()), chart: charts.indexOf(gd.closest('[data-testid=stPlotlyChart]')),
        layout_width: (gd.layout || {}).width ?? null, drawn_width: gd._fullLayout && gd._fullLayout.width,
        visible: getComputedStyle(gd).visibility !== 'hidden'});
    }
    return v.apply(this, arguments); }});
}});
window.__mutations = 0;   // DOM mutations inside the charts, this visit
new MutationObserver(rs => { for (const r of rs) {
  const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
  if (el && el.closest('[data-testid=stPlotlyChart]')) window.__mutations++; } })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
# One figure drawn alone `n` times: [ms, DOM nodes, DOM mutations] per draw.
DRAW = """async ([fig, n]) => { const out = []; const g = document.getElementById('g');
  for (let k = 0; k < n; k++) {
    const f = JSON.parse(JSON.stringify(fig));
    f.layout.font = Object.assign({}, f.layout.font || {}, {family: '"Source Sans", sans-serif'});
    Plotly.purge(g); g.innerHTML = ''; let m = 0;
    const ob = new MutationObserver(r => { m += r.length; });
    ob.observe(g, {subtree: true, childList: true, attributes: true, characterData: true});
    const t = performance.now(); await Plotly.newPlot(g, f.data, f.layout, {displaylogo: false});
    const ms = performance.now() - t; await new Promise(r => setTimeout(r, 0)); ob.disconnect();
    out.push([ms, g.querySelectorAll('*').length, m]);
  }
  return out; }"""


def page_draws(warehouse: str, slug: str, title: str, visits: int, chrome: str, tmp: Path,
               code: Path | None = None) -> None:
    from playwright.sync_api import sync_playwright

    proc, url = B._serve(warehouse, tmp / "serve.log", code)
    try:
        B._wait_up(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chrome)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.add_init_script(HOOK)
            for v in range(1, visits + 1):
                page.goto(f"{url}/{slug}")
                page.evaluate(B.WATCH)
                settled = B._settle(page, title) / 1000
                draws, mutations = page.evaluate("[window.__draws, window.__mutations]")
                print(f"visit {v}: settled {settled:.2f} s, {len(draws)} draws of "
                      f"{len({d['chart'] for d in draws})} charts, {mutations:,} DOM mutations in the charts")
                for d in draws:
                    print(f"  {d['t']:6d} ms  chart {d['chart']}  layout.width {d['layout_width']}  "
                          f"drawn at {d['drawn_width']} px  {'visible' if d['visible'] else 'hidden'}")
            browser.close()
    finally:
        proc.terminate()
        proc.wait()


def page_figures(warehouse: str, slug: str) -> list[dict]:
    """The page's figures as the server sends them (AppTest, All teams, no prefetch)."""
    os.environ.update(RETROSCOPE_DB=str(Path(warehouse).resolve()), RETROSCOPE_NO_PREFETCH="1")
    os.environ.pop("RETROSCOPE_USERDATA", None)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(B.ROOT / "dashboard" / "app.py"), default_timeout=300)
    at.run()
    at.switch_page(f"app_pages/{slug}.py")
    at.run()
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def figure_draws(figs: list[dict], reps: int, chrome: str, tmp: Path) -> None:
    import plotly
    from playwright.sync_api import sync_playwright

    static = Path(sys.modules["streamlit"].__file__).parent / "static" / "static" / "media"
    font = next(static.glob("SourceSansVF-Upright*.woff2"))
    shutil.copy(font, tmp / "font.woff2")
    (tmp / "draw.html").write_text(
        '<html><head><style>@font-face{font-family:"Source Sans";src:url(font.woff2) format("woff2");'
        'font-weight:200 900}body{font-family:"Source Sans",sans-serif}</style></head>'
        "<body><div id=g style='width:482px'></div></body></html>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chrome)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto((tmp / "draw.html").as_uri())
        page.evaluate("""document.fonts.load('14px "Source Sans"')""")
        page.add_script_tag(path=str(Path(plotly.__file__).parent / "package_data" / "plotly.min.js"))
        print(f"each figure drawn alone (plotly.js {page.evaluate('Plotly.version')}, 482 px, fastest of {reps}):")
        for i, fig in enumerate(figs):
            runs = page.evaluate(DRAW, [fig, reps])
            traces, axes = len(fig["data"]), sum(1 for k in fig["layout"] if k[:5] in ("xaxis", "yaxis"))
            print(f"  chart {i}: {min(r[0] for r in runs[1:] or runs):6.1f} ms  {runs[-1][1]:5d} nodes  "
                  f"{runs[-1][2]:6d} mutations  ({traces} traces, {axes} axes)")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse")
    ap.add_argument("--page", default="sprint_retro", help="a page slug (dashboard.pages)")
    ap.add_argument("--visits", type=int, default=3)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--code", type=Path, help="serve the page from the code in this directory (visits only)")
    args = ap.parse_args(argv)
    from dashboard.pages import PAGES

    spec = next((p for p in PAGES if p.slug == args.page), None)
    if spec is None:
        print(f"No page {args.page!r}; pages: {', '.join(p.slug for p in PAGES)}.")
        return 2
    chrome = B.chromium("benchmarks.plotly_draws")
    if chrome is None:
        return 2
    print(f"load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        page_draws(args.warehouse, spec.slug, spec.title, args.visits, chrome, tmp, args.code and args.code.resolve())
        if args.code is None:
            figure_draws(page_figures(args.warehouse, spec.slug), args.reps, chrome, tmp)
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
