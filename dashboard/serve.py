"""The process `retroscope serve` becomes: warm up, then run Streamlit in this same process.

    python -m dashboard.serve APP [streamlit run options]

Streamlit runs every page script in the server's own process, so what the first visitor's
page would otherwise wait for can be done before the server accepts anyone: importing the
modules the pages use (pandas, plotly, DuckDB, the query layer), opening the warehouse (the
connection the pages share) and computing the first page's queries for the default filters
(all teams, the default period and as-of). The first visit then costs what any later one
does (docs/pages.md "The first visit after server start"). Best effort: a problem the app
reports itself (no warehouse, a refused config, a damaged file) is left for the page to show.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

# How Streamlit is run (also by benchmarks.browser's floor page). Besides the headless and
# privacy basics: the minimal toolbar; no source-file watcher (it serves a deployed dashboard,
# not code being edited: the watcher scans every imported module, ~1,300 of them, on each new
# session's first run, 0.07 s, before that run's last messages leave); and no forced full
# garbage collection after every run (0.06-0.1 s holding the interpreter, so the run's last
# messages wait for it; Python still collects on its own). docs/pages.md "The first visit".
OPTIONS = ("--server.headless", "true", "--browser.gatherUsageStats", "false", "--client.toolbarMode", "minimal",
           "--server.fileWatcherType", "none", "--runner.postScriptGC", "false")

# What the Overview (the default page) asks for with the default filters: the sidebar's and the
# freshness badge's queries (no parameters), then the page's own (the filters). A query missing
# here is computed on the first visit instead (tests/test_serve_warmup.py checks there is none).
FIRST_PAGE = ("dim_boards", "default_as_of", "status_freshness", "status_row_counts")
FIRST_PAGE_FILTERED = ("sprint_facts", "tech_health__kpis", "retro_follow_through", "impact", "flow_weekly")


# Streamlit's caches log "No runtime found" when used before the server starts: expected here.
# Each has its own logger, given its own level when Streamlit creates it (propagation off), so
# each is quietened by name once it exists.
QUIET_LOGGERS = ("streamlit.runtime.caching.cache_data_api", "streamlit.runtime.caching.cache_resource_api")


NO_WAREHOUSE = "no warehouse yet"


# A page opened at its own URL (/sprint_retro) makes Streamlit's browser code look for the server
# there first (/sprint_retro/_stcore/health and host-config, two 404s), wait 100 ms, then try the
# parent (/_stcore/health): 0.1-0.2 s of every visit to any page but the first
# (docs/pages.md "The connection probe, skipped"). Its page (index.html) reads where the server
# is from window.__streamlit.BACKEND_BASE_URL when set, so the server hands out an index.html
# that sets it, before Streamlit's own scripts, to the page's URL without the page's own path
# (HINT_URL): only when the last path segment is one of the app's pages and what is left ends
# with the configured server.baseUrlPath (a base path named like a page is never cut), and never
# for a URL ending in "/" (a page's never does: Streamlit redirects it; a reverse proxy's own
# prefix, /outcomes/, does). Anywhere else it sets nothing, and Streamlit probes as before.
HINT_URL = """function (loc, pages, base) {
    var path = loc.pathname;
    if (path.slice(-1) === "/") return null;
    var cut = path.lastIndexOf("/"), page = path.slice(cut + 1), root = path.slice(0, cut);
    if (pages.indexOf(page) < 0 || root.slice(root.length - base.length) !== base) return null;
    return loc.origin + root + "/";
  }"""
HINT = """<script>
  /* retroscope: where the server is (dashboard/serve.py, hint_backend) */
  (function () {
    var url = (%(fn)s)(window.location, %(pages)s, %(base)s), s = window.__streamlit || {};
    if (url && !s.BACKEND_BASE_URL) window.__streamlit = Object.assign({}, s, {BACKEND_BASE_URL: url});
  })();
</script>
"""


def _js(value) -> str:
    """A JSON literal safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c")


def hinted_index(html: str, pages: tuple[str, ...], base_url_path: str) -> str:
    """Streamlit's index.html with HINT inserted before its first script."""
    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    at = html.find("<script")
    if at < 0:
        return html
    return html[:at] + HINT % {"fn": HINT_URL, "pages": _js(list(pages)), "base": _js(base)} + html[at:]


def hinted_static_dir(src, html: str, home) -> str:
    """A folder of links to Streamlit's static files (`src`) beside `html` as index.html, under
    `home`, named by a hash of both: made once (in a sibling, then renamed into place, so servers
    starting together never see half of one) and reused by every later start while its
    index.html is that page. Kept out of /tmp, which some systems clear of files unused for ten
    days under a server still running."""
    src, home = Path(src), Path(home)
    key = hashlib.sha256(f"{src.resolve()}\0{html}".encode()).hexdigest()[:16]
    dst = home / f"streamlit-static-{key}"
    index = dst / "index.html"
    if index.is_file() and index.read_text(encoding="utf-8") == html:
        return str(dst)
    if dst.exists():   # damaged (cut short, edited): made again
        shutil.rmtree(dst, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=home))
    try:
        for entry in src.iterdir():
            if entry.name != "index.html":
                (tmp / entry.name).symlink_to(entry.resolve())
        (tmp / "index.html").write_text(html, encoding="utf-8")
        os.rename(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (index.is_file() and index.read_text(encoding="utf-8") == html):   # (another server made it meanwhile)
            raise
    return str(dst)


_STREAMLITS_STATIC_DIR = None   # Streamlit's own file_util.get_static_dir, kept by hint_backend


def hint_backend(pages: tuple[str, ...], home=None) -> None:
    """Serve Streamlit's static files with the hinted index.html (HINT) for an app whose pages
    have these url paths (hinted_static_dir, under `home`: default ~/.cache/retroscope, or
    $XDG_CACHE_HOME/retroscope), made when the server asks where its static files are (its
    config, with server.baseUrlPath, is read by then). Called again, it replaces its earlier
    patch. Best effort: when that fails (no writable home, Streamlit's layout or functions not
    the ones expected), it serves Streamlit's own files and the browser probes as before."""
    global _STREAMLITS_STATIC_DIR
    try:
        from streamlit import config, file_util

        if _STREAMLITS_STATIC_DIR is None:
            _STREAMLITS_STATIC_DIR = file_util.get_static_dir
    except Exception as e:  # noqa: BLE001 - best effort (see above)
        logging.getLogger("retroscope.app").debug("static files served unhinted: %s", e)
        return
    own = _STREAMLITS_STATIC_DIR

    def hinted() -> str:
        src = own()
        try:
            root = Path(home) if home else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "retroscope"
            html = (Path(src) / "index.html").read_text(encoding="utf-8")
            base = str(config.get_option("server.baseUrlPath") or "")
            return hinted_static_dir(src, hinted_index(html, pages, base), root)
        except Exception as e:  # noqa: BLE001 - best effort (see above)
            logging.getLogger("retroscope.app").warning("serving Streamlit's page without the server hint "
                                                        "(docs/pages.md): %s", e)
            return src

    file_util.get_static_dir = hinted


def warm_up() -> tuple[float, str | None]:
    """Import the pages' modules, open the warehouse and cache the first page's queries for
    the default filters. Returns the seconds it took and, when there was nothing to warm, why
    (no warehouse yet, or the one-line problem the app will show), else None. Ctrl+C, even
    during a query, raises KeyboardInterrupt."""
    t0 = time.perf_counter()
    import streamlit.runtime.caching  # noqa: F401 - creates the loggers (with Streamlit's level) to quieten

    loggers = [logging.getLogger(name) for name in QUIET_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    skipped = None
    try:
        from dashboard import blocks, charts, components, data, filters, forecast_view, forms, present, slides  # noqa: F401

        skipped = data.setup_problem()
        if skipped is None and not data.has_warehouse():
            skipped = NO_WAREHOUSE
        if skipped is None:
            for name in FIRST_PAGE:
                data.run_query(name)
            params = filters.default_params()
            for name in FIRST_PAGE_FILTERED:
                data.run_query(name, **params)
    except Exception as e:  # noqa: BLE001 - the first page reports any real problem itself
        from queries.errors import interrupted

        if interrupted(e):
            raise KeyboardInterrupt from None
        skipped = f"stopped at {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")
        logging.getLogger("retroscope.app").debug("warm-up stopped: %s", e)
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
    return time.perf_counter() - t0, skipped


def main(argv: list[str]) -> None:
    try:
        secs, skipped = warm_up()
    except KeyboardInterrupt:   # Ctrl+C before the server is up: stop quietly, as the server would
        raise SystemExit(130) from None
    if skipped is None:
        print(f"warmed up in {secs:.1f} s (modules, warehouse, first page)", file=sys.stderr, flush=True)
    elif skipped != NO_WAREHOUSE:   # (no warehouse yet: `retroscope serve` has said so already)
        # the problem on its own line, as the CLI prints one; the pages show it too
        print(f"retroscope: {skipped}", file=sys.stderr, flush=True)
        print("serving anyway: every page shows this advice until the warehouse can be read", file=sys.stderr,
              flush=True)
    from dashboard.pages import PAGES

    run_streamlit(argv, tuple(p.slug for p in PAGES))


def run_streamlit(argv: list[str], pages: tuple[str, ...]) -> None:
    """`streamlit run ARGV` in this process, its page telling the browser where the server is
    (hint_backend) for an app with these pages' url paths: the app's, or benchmarks.browser's
    bare floor page."""
    from streamlit.web import cli

    hint_backend(pages)
    sys.argv = ["streamlit", "run", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
