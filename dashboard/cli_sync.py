"""`retroscope sync [jira|metrics]`: flags over retroscope.toml's [jira] section, credentials from the
environment, progress on stderr, a summary on stdout."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from connectors.settings import DEFAULT_DB, Settings
from queries.errors import RetroscopeError


def run(args, settings: Settings) -> int:
    from connectors import jira_issues
    from connectors.jira_transport import normalize_url
    from dashboard.progress import TerminalProgress

    if getattr(args, "source", "jira") != "jira":
        raise RetroscopeError(f"unknown sync source {args.source!r}; available: jira")
    js = settings.jira
    url = args.url or js.url
    if not url:
        raise RetroscopeError("no Jira URL: pass --url https://your-site.atlassian.net, or set url in the [jira] "
                              "section of retroscope.toml (or JIRA_URL)")
    projects = args.project or list(js.projects)
    boards = args.board or list(js.boards)
    jql = args.jql if args.jql is not None else js.jql
    # what can be told wrong without a request, first: a URL that is none, a board that is no id
    normalize_url(url)
    boards = [str(b).strip() for b in boards]
    for b in boards:
        if not re.fullmatch(r"[0-9]+", b):
            where = "--board" if args.board else "[jira] boards in retroscope.toml"
            raise RetroscopeError(f"{where}: {str(b)[:40]!r} is not a board id; a Jira board's id is the number in "
                                  "its address (…/boards/42 → --board 42)")
    _refuse_demo_warehouse(settings, allow=bool(getattr(args, "allow_demo", False)))
    auth = jira_issues.auth_from_env()
    summary = jira_issues.sync(settings.db_path, url=url, auth=auth, projects=projects, boards=boards, jql=jql,
                               full=bool(args.full), settings=js, progress=TerminalProgress(),
                               reconcile=bool(getattr(args, "reconcile", False)),
                               versions=settings.analysis.shipped_from_versions)
    print(summary.text())
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- metric sources
def _chosen(settings: Settings, names: list[str] | None):
    from connectors import metric_sources

    srcs = metric_sources.sources_of(settings)
    if not srcs:
        raise RetroscopeError("no metric sources configured: add a [[metrics.sources]] entry to retroscope.toml "
                              "(see docs/metric-sources.md for SQL and PostHog examples)")
    if names:
        known = {s.name for s in srcs}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise RetroscopeError(f"unknown metric source {', '.join(map(repr, unknown))}; configured: "
                                  f"{', '.join(sorted(known))}")
        srcs = tuple(s for s in srcs if s.name in names)
    return srcs


def _sync_metric_sources(settings: Settings, srcs, full: bool) -> int:
    """One line per source on stdout (failures on stderr); the others still run. 1 if any failed."""
    from connectors import metric_sources
    from dashboard.progress import TerminalProgress

    failed = 0
    for src in srcs:
        try:
            summary = metric_sources.sync_source(settings.db_path, src, full=full, progress=TerminalProgress())
        except RetroscopeError as e:
            failed += 1
            print(f"retroscope: {e}", file=sys.stderr)
            continue
        _said(summary)
    return 1 if failed else 0


def _said(summary) -> None:
    """A metric source's sync: its line, then its notes (values it replaced among them)."""
    from dashboard.cli_import import replaced_words

    print(summary.line())
    for n in summary.notes + ([replaced_words(summary.replaced)] if summary.replaced else []):
        print(f"  note: {n}", file=sys.stderr)


def run_metrics(args, settings: Settings) -> int:
    srcs = _chosen(settings, args.name)
    if len(srcs) == 1:   # a single source: its error is the command's one line
        from connectors import metric_sources
        from dashboard.progress import TerminalProgress

        summary = metric_sources.sync_source(settings.db_path, srcs[0], full=bool(args.full),
                                             progress=TerminalProgress())
        _said(summary)
        rc = 0
    else:
        rc = _sync_metric_sources(settings, srcs, bool(args.full))
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return rc


def run_all(args, settings: Settings) -> int:
    """`retroscope sync`: Jira (when [jira] has a url) then every metric source, in config order."""
    from connectors import jira_issues, metric_sources

    js = settings.jira
    srcs = metric_sources.sources_of(settings)
    if not js.url and not srcs:
        raise RetroscopeError("nothing to sync: set url in the [jira] section of retroscope.toml (or JIRA_URL) "
                              "and/or add [[metrics.sources]] (see docs/metric-sources.md)")
    failed = 0
    if js.url:
        try:
            _refuse_demo_warehouse(settings, allow=bool(getattr(args, "allow_demo", False)))
            summary = jira_issues.sync(settings.db_path, url=js.url, auth=jira_issues.auth_from_env(),
                                       projects=list(js.projects), boards=list(js.boards), jql=js.jql,
                                       full=bool(args.full), settings=js)
            mode = "full" if summary.full else "incremental" if summary.incremental_since else "first sync"
            print(f"jira:{summary.url}: {summary.issues_seen:,} issues ({summary.issues_new:,} new, "
                  f"{summary.issues_updated:,} updated), {summary.sprints:,} sprints ({mode}, "
                  f"{summary.requests:,} requests) in {summary.seconds:.1f}s")
        except RetroscopeError as e:
            failed += 1
            print(f"retroscope: {e}", file=sys.stderr)
    rc = _sync_metric_sources(settings, srcs, bool(args.full)) if srcs else 0
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 1 if failed or rc else 0


def _refuse_demo_warehouse(settings: Settings, *, allow: bool) -> None:
    """Real issues synced into the demo warehouse would mix with the demo's teams and sprints:
    refuse unless the user asked for it."""
    import queries
    from connectors.demo import SOURCE as DEMO_SOURCE

    if allow or not queries.store_exists(settings.db_path):
        return
    con = queries.connect(settings.db_path, derived=False)
    try:
        sources = set(queries.run(con, "status_freshness")["source"])
    finally:
        con.close()
    if DEMO_SOURCE in sources:
        own = (DEFAULT_DB if queries.lake.is_lake(settings.db_path) or Path(settings.db_path).resolve() != DEFAULT_DB.resolve()
               else DEFAULT_DB.with_name("jira.duckdb"))
        raise RetroscopeError(
            f"{settings.db_path} holds the demo; sync real data into its own warehouse (--db {own}), "
            "or pass --allow-demo to mix real and demo data on purpose")
