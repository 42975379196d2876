"""`retroscope sync jira`: flags over retroscope.toml's [jira] section, credentials from the
environment, progress on stderr, a summary on stdout."""

from __future__ import annotations

import sys
from pathlib import Path

from connectors.settings import DEFAULT_DB, Settings
from queries.errors import RetroscopeError


def run(args, settings: Settings) -> int:
    from connectors import jira_issues
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
    _refuse_demo_warehouse(settings, allow=bool(getattr(args, "allow_demo", False)))
    auth = jira_issues.auth_from_env()
    summary = jira_issues.sync(settings.db_path, url=url, auth=auth, projects=projects, boards=boards, jql=jql,
                               full=bool(args.full), settings=js, progress=TerminalProgress())
    print(summary.text())
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 0


def _refuse_demo_warehouse(settings: Settings, *, allow: bool) -> None:
    """Real issues synced into the demo warehouse would mix with the demo's teams and sprints:
    refuse unless the user asked for it."""
    import queries
    from connectors.demo import SOURCE as DEMO_SOURCE

    if allow or not Path(settings.db_path).exists():
        return
    con = queries.connect(settings.db_path, derived=False)
    try:
        sources = set(queries.run(con, "status_freshness")["source"])
    finally:
        con.close()
    if DEMO_SOURCE in sources:
        own = DEFAULT_DB if Path(settings.db_path).resolve() != DEFAULT_DB.resolve() else DEFAULT_DB.with_name("jira.duckdb")
        raise RetroscopeError(
            f"{settings.db_path} holds the demo; sync real data into its own warehouse (--db {own}), "
            "or pass --allow-demo to mix real and demo data on purpose")
