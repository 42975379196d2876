"""`retroscope sync jira`: flags over retroscope.toml's [jira] section, credentials from the
environment, progress on stderr, a summary on stdout."""

from __future__ import annotations

import sys

from connectors.bounds import redact_url
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
    try:
        summary = jira_issues.sync(settings.db_path, url=url, auth=auth, projects=projects, boards=boards, jql=jql,
                                   full=bool(args.full), settings=js, progress=TerminalProgress())
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as e:
        # An answer of the wrong shape (e.g. 200 with `{}`): a proxy or a non-Jira server at the URL.
        # The load was staged, so the warehouse keeps its previous data.
        if getattr(args, "verbose", False):
            raise
        what = f"a record without {e}" if isinstance(e, KeyError) else f"{type(e).__name__}: {str(e)[:120]}"
        raise RetroscopeError(f"Jira at {redact_url(url)} answered with data that is not what Jira sends ({what}); "
                              "check that the URL is the Jira site's base URL and no proxy rewrites its answers "
                              "(run with -v for details); the warehouse keeps its previous data") from None
    print(summary.text())
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 0
