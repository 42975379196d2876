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

import logging
import sys
import time

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
# parent (/_stcore/health): 0.15-0.2 s of every visit to any page but the first
# (docs/pages.md "The connection probe"). Its page (index.html) reads where the server is from
# window.__streamlit.BACKEND_BASE_URL when set, so the server hands out an index.html that sets
# it, before Streamlit's own scripts, to the page's URL without the page's own path: only when
# the last path segment is one of the app's pages and what is left ends with the configured
# server.baseUrlPath (so a base path that is also a page's name, or a proxy's own prefix, is
# never cut). Anywhere else it is left unset, and Streamlit probes as before.
HINT = """<script>
  /* retroscope: where the server is (dashboard/serve.py, hint_backend) */
  (function () {
    var pages = %(pages)s, base = %(base)s;
    var path = window.location.pathname.replace(/\\/+$/, "");
    var cut = path.lastIndexOf("/"), page = path.slice(cut + 1), root = path.slice(0, cut);
    var s = window.__streamlit || {};
    if (cut >= 0 && pages.indexOf(page) >= 0 && root.slice(root.length - base.length) === base && !s.BACKEND_BASE_URL) {
      window.__streamlit = Object.assign({}, s, {BACKEND_BASE_URL: window.location.origin + root + "/"});
    }
  })();
</script>
"""


def hinted_index(html: str, pages: tuple[str, ...], base_url_path: str) -> str:
    """Streamlit's index.html with HINT inserted before its first script."""
    import json

    base = "/" + base_url_path.strip("/") if base_url_path.strip("/") else ""
    at = html.find("<script")
    if at < 0:
        return html
    return html[:at] + HINT % {"pages": json.dumps(list(pages)), "base": json.dumps(base)} + html[at:]


def hinted_static_dir(src, html: str, home) -> str:
    """A folder of links to Streamlit's static files (`src`) beside `html` as index.html, under
    `home`, named by a hash of both: made once (in a sibling, then renamed into place, so servers
    starting together never see half of one) and reused by every later start. Kept out of /tmp,
    which some systems clear of files unused for ten days under a server still running."""
    import hashlib
    import os
    import tempfile
    from pathlib import Path

    src, home = Path(src), Path(home)
    key = hashlib.sha256(f"{src.resolve()}\0{html}".encode()).hexdigest()[:16]
    dst = home / f"streamlit-static-{key}"
    if (dst / "index.html").is_file():
        return str(dst)
    home.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".partial-", dir=home))
    for entry in src.iterdir():
        if entry.name != "index.html":
            (tmp / entry.name).symlink_to(entry.resolve())
    (tmp / "index.html").write_text(html, encoding="utf-8")
    try:
        os.rename(tmp, dst)
    except OSError:   # another server made it meanwhile
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        if not (dst / "index.html").is_file():
            raise
    return str(dst)


def hint_backend(pages: tuple[str, ...], home=None) -> None:
    """Serve Streamlit's static files with the hinted index.html (HINT) for an app whose pages
    have these url paths (hinted_static_dir, under `home`: default ~/.cache/retroscope, or
    $XDG_CACHE_HOME/retroscope), made when the server asks where its static files are (its
    config, with server.baseUrlPath, is read by then). Best effort: when that fails (a read-only
    home, Streamlit's layout not the one expected), it serves its own files and the browser
    probes as before."""
    import os
    from pathlib import Path

    from streamlit import config, file_util

    own = file_util.get_static_dir
    home = Path(home or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "retroscope")

    def hinted() -> str:
        src = own()
        try:
            html = (Path(src) / "index.html").read_text(encoding="utf-8")
            base = str(config.get_option("server.baseUrlPath") or "")
            return hinted_static_dir(src, hinted_index(html, pages, base), home)
        except OSError as e:
            logging.getLogger("retroscope.app").debug("static files served unhinted: %s", e)
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
        from dashboard import blocks, charts, components, data, filters, forecast_view, forms, present  # noqa: F401

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
    from streamlit.web import cli

    from dashboard.pages import PAGES

    hint_backend(tuple(p.slug for p in PAGES))
    sys.argv = ["streamlit", "run", *argv]
    cli.main()


if __name__ == "__main__":
    main(sys.argv[1:])
