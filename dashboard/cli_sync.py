"""`retroscope sync jira`: flags over retroscope.toml's [jira] section, credentials from the
environment, progress on stderr, a summary on stdout."""

from __future__ import annotations

import sys

from connectors.settings import Settings
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
    auth = jira_issues.auth_from_env()
    summary = jira_issues.sync(settings.db_path, url=url, auth=auth, projects=projects, boards=boards, jql=jql,
                               full=bool(args.full), settings=js, progress=TerminalProgress(),
                               reconcile=bool(getattr(args, "reconcile", False)),
                               versions=settings.analysis.shipped_from_versions)
    print(summary.text())
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 0
