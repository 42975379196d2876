"""Where a page visit goes in the browser, step by step (not a test):

    python -m benchmarks.visit_timeline WAREHOUSE [--page sprint_retro] [--visits 4] [--code DIR | --floor]
                                                  [--steps 'team,all teams,as of -1 day,as of back']

Serves WAREHOUSE (`retroscope serve`, 127.0.0.1; `--code DIR` from another checkout, `--floor`
the bare page of benchmarks.browser) and visits the page `--visits` times in the system
Chromium (All teams, 1440 x 1000). For each visit it prints, in ms of the page clock (0 = the
navigation's start):

- *settled*: as benchmarks.browser measures it (the time of the last DOM change);
- *websocket*: the first and last frame the server sent (the span is the server's run of the
  page) and the bytes;
- *draws*: each chart's `plotly_afterplot` (time, chart index): a full Plotly draw, or
  Streamlit's second pass over it;
- *long tasks* (start, duration) over 50 ms: where the browser's main thread was busy;
- *mutations*: DOM mutations per kind of element (charts, data grids, ...), and those after the
  last chart draw (what keeps a page from settling once its charts are drawn);
- *script, layout, style*: Chromium's own totals for the visit (CDP Performance metrics).

`--steps` then makes these sidebar changes on the page, in the order given (the names and
actions of benchmarks.browser's steps: team, all teams, period, as of -1 day, as of back, and
sprint or section where the page has them), and prints the same for each, in ms from the
action: how long the server's run took (the websocket frames) against what the browser spent
drawing after it.

docs/pages.md "Below the fold, and where a second visit goes now" reads these for Sprint retro.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

from benchmarks import browser as B

# Installed in every document: each chart's plotly_afterplot, long tasks, and every DOM mutation
# with the Streamlit element it falls in.
HOOK = r"""
window.__ev = [];
Object.defineProperty(HTMLElement.prototype, 'emit', {configurable: true, set(v) {
  const gd = this;
  Object.defineProperty(gd, 'emit', {configurable: true, writable: true, value: function (ev) {
    if (ev === 'plotly_afterplot') {
      const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
      window.__ev.push(['draw', Math.round(performance.now()), charts.indexOf(gd.closest('[data-testid=stPlotlyChart]'))]);
    }
    return v.apply(this, arguments); }});
}});
window.__mut = [];
const HOSTS = '[data-testid=stPlotlyChart],[data-testid=stDataFrame],[data-testid=stMetric],[data-testid=stSidebar],'
  + '[data-testid=stTabs],[data-testid=stMarkdown],[data-testid=stHeading],[data-testid=stCaptionContainer],.stBidiComponent';
new MutationObserver(rs => { const t = Math.round(performance.now()); for (const r of rs) {
  const el = r.target.nodeType === 1 ? r.target : r.target.parentElement;
  const host = el && el.closest(HOSTS);
  window.__mut.push([t, host ? (host.dataset.testid || 'stBidiComponent') : (el ? el.tagName : '?'),
                     r.type + (r.attributeName ? ' ' + r.attributeName : '') + ' ' + (el ? el.tagName : '')]); } })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
new PerformanceObserver(l => { for (const e of l.getEntries())
  window.__ev.push(['long', Math.round(e.startTime), Math.round(e.duration)]); })
  .observe({type: 'longtask', buffered: true});
"""


def _report(label: str, settled: float, page, cdp, frames: list, t0: float, before: dict | None) -> None:
    """Print one visit's or step's timeline, in ms from page-clock `t0` (a visit: 0, the
    navigation's start; a step: the action). `before`: Chromium's totals before a step (its
    own are the difference), None for a visit (a new document: its totals)."""
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    zero = metrics["Timestamp"] - page.evaluate("() => performance.now()") / 1000   # page clock 0

    def total(name: str) -> float:
        return (metrics.get(name, 0) - (before or {}).get(name, 0)) * 1000

    ev, mut = page.evaluate("() => [window.__ev, window.__mut]")
    draws = [(round(e[1] - t0), e[2]) for e in ev if e[0] == "draw"]
    longs = [(round(e[1] - t0), e[2]) for e in ev if e[0] == "long" and e[1] >= t0]
    mut = [(t - t0, h, what) for t, h, what in mut]
    ws = [((t - zero) * 1000 - t0, size) for t, size in frames]
    print(f"{label}: settled {settled:.0f} ms; script {total('ScriptDuration'):.0f}, "
          f"layout {total('LayoutDuration'):.0f}, style {total('RecalcStyleDuration'):.0f} ms")
    if ws:
        print(f"  websocket: {len(ws)} frames, first {ws[0][0]:.0f} last {ws[-1][0]:.0f} ms, "
              f"{sum(s for _, s in ws):,} bytes")
    print(f"  draws (ms, chart): {draws}")
    print(f"  long tasks (start, ms): {longs}, {sum(d for _, d in longs)} ms in all")
    print(f"  mutations: {len(mut):,} {Counter(h for _, h, _ in mut).most_common(6)}")
    last = max((t for t, _ in draws), default=0)
    late = Counter(f"{h}: {what}" for t, h, what in mut if t > last + 20)
    if late:
        print(f"  after the last draw (until {max(t for t, _, _ in mut):.0f} ms): {late.most_common(6)}")


def visits(warehouse: str, slug: str, spec, n: int, code, chrome: str, steps: tuple[str, ...] = ()) -> None:
    from playwright.sync_api import sync_playwright

    proc, url = B._serve(warehouse, Path(tempfile.mkdtemp()) / "serve.log", code)
    try:
        B._wait_up(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chrome, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.add_init_script(HOOK)
            cdp = page.context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Performance.enable")
            frames: list[tuple[float, int]] = []
            cdp.on("Network.webSocketFrameReceived",
                   lambda e: frames.append((e["timestamp"], len(e["response"]["payloadData"]))))
            for v in range(1, n + 1):
                frames.clear()
                page.goto(f"{url}/{slug}")
                page.evaluate(B.WATCH)
                settled = B._settle(page, spec.title)
                _report(f"visit {v}", settled, page, cdp, frames, 0.0, None)
            actions = dict(B.changes(page, spec))
            unknown = [name for name in steps if name not in actions]
            if unknown:
                raise SystemExit(f"visit_timeline: no step {', '.join(map(repr, unknown))} on this page; "
                                 f"its steps: {', '.join(actions)}")
            for name in steps:
                frames.clear()
                page.evaluate("() => { window.__ev.length = 0; window.__mut.length = 0; }")
                before = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
                t0 = page.evaluate("() => performance.now()")
                secs = actions[name]()   # seconds from the action (B.change measures from its own start)
                _report(name, secs[0] * 1000, page, cdp, frames, t0, before)
            browser.close()
    finally:
        proc.terminate()
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    from dashboard.pages import PAGES, PageSpec

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse")
    ap.add_argument("--page", default="sprint_retro", help="a page slug (dashboard.pages)")
    ap.add_argument("--visits", type=int, default=4)
    which = ap.add_mutually_exclusive_group()
    which.add_argument("--code", type=Path, help="serve the page from the code in this directory")
    which.add_argument("--floor", action="store_true", help="the bare page of benchmarks.browser instead")
    ap.add_argument("--steps", default="", help="after the visits, these sidebar changes in this order (comma-"
                    "separated names of benchmarks.browser's steps, e.g. 'team,all teams,as of -1 day,as of back')")
    args = ap.parse_args(argv)
    steps = tuple(s.strip() for s in args.steps.split(",") if s.strip())
    chrome = B.chromium("benchmarks.visit_timeline")
    if chrome is None:
        return 1
    print(B._facts_line(args.warehouse))
    if args.floor:
        visits(args.warehouse, "", PageSpec(B.FLOOR, "Floor", "", "", ""), args.visits, B.FLOOR, chrome, steps)
        return 0
    spec = next(p for p in PAGES if p.slug == args.page)
    slug = "" if spec.slug == PAGES[0].slug else spec.slug
    visits(args.warehouse, slug, spec, args.visits, args.code.resolve() if args.code else None, chrome, steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
