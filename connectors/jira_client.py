"""The Jira endpoints the sync and `retroscope jira init/doctor` need, over the real `jira`
client (`JiraClient`), with the client's session wrapped by `connectors.jira_transport`.
The calls the library does not wrap (bulk changelog, per-issue changelog, board
configuration) and the few private members relied on are all in `_Private`, which
`tests/test_jira_private.py` checks, so an upgrade of `jira` that changes them fails there,
loudly, in one place.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import requests
from jira import JIRA

from connectors.jira_transport import JiraAuth, JiraHTTPError, Transport, normalize_url
from connectors.settings import JiraSettings
from queries.errors import RetroscopeError

# What reading an answer of the wrong shape raises (a 200 with `{}` or a list where Jira sends an
# object: a proxy or a server that is not Jira at the URL)
WRONG_SHAPE = (KeyError, TypeError, AttributeError, IndexError, ValueError)


@contextlib.contextmanager
def answers_read(url: str, after: str = ""):
    """Inside the block Jira's answers are read: one of the wrong shape is one line of advice
    (`after` adds what became of the data), never an internal error. Every command that reads
    Jira's answers (sync, init, doctor) goes through here."""
    try:
        yield
    except WRONG_SHAPE as e:
        logging.getLogger(__name__).debug("Jira's answer could not be read", exc_info=True)
        what = f"a record without {e}" if isinstance(e, KeyError) else f"{type(e).__name__}: {str(e)[:120]}"
        raise RetroscopeError(
            f"Jira at {url} answered with data that is not what Jira sends ({what}); check that the URL is the "
            f"Jira site's base URL and no proxy rewrites its answers (run with -v for details){after}") from None


BULK_PAGE = 10000          # histories per bulkfetch page (API max)
CHANGELOG_PAGE = 100       # per-issue changelog page
POST_JQL_LEN = 1500        # longer JQL goes in a POST body


# --------------------------------------------------------------------------- private jira members
class _Private:
    """Every use of a private member of the `jira` library, in one place.

    The library offers no public call for: board configuration, the bulk and per-issue
    changelog endpoints, setting the request session's timeout and wrapping its `request`,
    telling the client the deployment type/version without a serverInfo request, and
    pre-filling its field-name cache (without which its search helpers fetch /field again).
    `tests/test_jira_private.py` asserts each member still exists with the shape used here."""

    @staticmethod
    def session(client: JIRA) -> requests.Session:
        return client._session

    @staticmethod
    def get_json(client: JIRA, path: str, params: dict[str, Any] | None, base: str, use_post: bool = False) -> Any:
        return client._get_json(path, params=params, base=base, use_post=use_post)

    @staticmethod
    def set_site(client: JIRA, deployment: str | None, version: tuple[int, ...]) -> None:
        client.deploymentType = deployment           # public attribute, read by the private _is_cloud
        client._version = version or (0, 0, 0)

    @staticmethod
    def is_cloud(client: JIRA) -> bool:
        return bool(client._is_cloud)

    @staticmethod
    def prefill_field_cache(client: JIRA, fields: list[dict[str, Any]]) -> None:
        cache = {n: f["id"] for f in fields for n in f.get("clauseNames") or [] if "id" in f}
        client._fields_cache_value = cache or {"__retroscope__": "__none__"}


# --------------------------------------------------------------------------- client
class JiraClient:
    """The endpoints the sync needs, over the real `jira` client."""

    API3 = "{server}/rest/api/3/{path}"

    def __init__(self, url: str, auth: JiraAuth, settings: JiraSettings, *,
                 sleep: Callable[[float], None] = time.sleep, backoff_base: float = 1.0) -> None:
        self.url = normalize_url(url)
        kwargs: dict[str, Any] = {"basic_auth": (auth.email, auth.secret)} if auth.kind == "basic" \
            else {"token_auth": auth.secret}
        # logging: the library's own log only with -v (debug): it logs an answer it cannot read as
        # an error with the whole body (a login or proxy page, a hundred lines of HTML), before
        # the one line that says what went wrong
        self.jira = JIRA(server=self.url, options={"check_update": False}, get_server_info=False,
                         max_retries=0, timeout=settings.timeout_seconds,
                         logging=logging.getLogger().isEnabledFor(logging.DEBUG), **kwargs)
        self.transport = Transport(_Private.session(self.jira), base_url=self.url, auth=auth, timeout=settings.timeout_seconds,
                                    max_retries=settings.max_retries, sleep=sleep, backoff_base=backoff_base)
        self.cloud = False
        self.version: tuple[int, ...] = ()

    @property
    def requests(self) -> int:
        return self.transport.requests

    def _call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValueError as e:   # a 200 that is not JSON: a login page, a proxy
            raise RetroscopeError(f"Jira at {self.url} answered {what} with something that is not JSON "
                                  f"({type(e).__name__}); check the URL points at the Jira site itself") from None

    def _with_ids(self, items: Any, what: str, key: str = "id") -> Any:
        """Every item of a listing must carry an id: a 200 with `{}` or items without ids (a proxy,
        a wrong URL, a broken plugin) is one clear line, not a KeyError deep in the sync."""
        if not isinstance(items, list) or any(not isinstance(i, dict) or i.get(key) in (None, "") for i in items):
            raise RetroscopeError(f"Jira at {self.url} answered {what} with items that have no {key!r}; check the URL "
                                  "points at the Jira site itself (not a proxy or login page) and try again")
        return items

    def get(self, path: str, params: dict[str, Any] | None = None, *, base: str | None = None) -> Any:
        return self._call(f"GET {path}", _Private.get_json, self.jira, path, params, base or self.jira.JIRA_BASE_URL)

    def post(self, path: str, body: dict[str, Any], *, base: str | None = None) -> Any:
        return self._call(f"POST {path}", _Private.get_json, self.jira, path, body,
                          base or self.jira.JIRA_BASE_URL, True)

    def agile(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.get(path, params, base=self.jira.AGILE_BASE_URL)

    # -- site
    def detect(self) -> dict[str, Any]:
        info = self._call("GET serverInfo", self.jira.server_info)
        if not isinstance(info, dict) or "deploymentType" not in info and "versionNumbers" not in info:
            raise RetroscopeError(f"Jira at {self.url} answered GET serverInfo without a deployment type or version; "
                                  "check the URL points at the Jira site itself (not a proxy or login page)")
        self.use_site(info.get("deploymentType"), tuple(info.get("versionNumbers") or (0, 0, 0)))
        return info

    def use_site(self, deployment: str | None, version: tuple[int, ...]) -> None:
        """Tell the client what serverInfo said (from this run or the warehouse's cache)."""
        _Private.set_site(self.jira, deployment, tuple(version))
        self.cloud = _Private.is_cloud(self.jira)
        self.version = tuple(version)

    def myself(self) -> dict[str, Any]:
        me = self._call("GET myself", self.jira.myself)
        return me if isinstance(me, dict) else {}

    def user_timezone(self) -> str:
        return str(self.myself().get("timeZone") or "UTC")

    def fields(self) -> list[dict[str, Any]]:
        fields = self._call("GET field", self.jira.fields) or []
        self.use_fields(fields)
        return fields

    def use_fields(self, fields: list[dict[str, Any]]) -> None:
        # Pre-fill the library's name->id cache so its search helpers don't fetch /field again.
        _Private.prefill_field_cache(self.jira, fields)

    def statuses(self) -> list[dict[str, Any]]:
        return self._with_ids([s.raw for s in self._call("GET status", self.jira.statuses)], "GET status")

    def projects(self) -> list[dict[str, Any]]:
        """Every project the account can browse: one request."""
        return self._with_ids([p.raw for p in self._call("GET project", self.jira.projects)], "GET project", "key")

    def versions(self, key: str) -> list[dict[str, Any]]:
        return [v.raw for v in self._call(f"GET project/{key}/versions", self.jira.project_versions, key)]

    def board(self, board_id: str) -> dict[str, Any]:
        try:
            board = self.agile(f"board/{board_id}")      # the library has no single-board getter
            return self._with_ids([board], f"GET board/{board_id}")[0]
        except JiraHTTPError as e:
            if e.status == 404:
                raise RetroscopeError(
                    f"Jira board {board_id} not found at {self.url} (HTTP 404 on GET {e.path}); check --board / "
                    "[jira] boards (the number in the board's URL: rapidView=…) and board access") from None
            raise

    def _pages(self, what: str, fetch: Callable[[int], Any]) -> Iterable[dict[str, Any]]:
        """Agile paging over the library's ResultList (50 a page), advancing by what came back."""
        start = 0
        while True:
            page = self._call(what, fetch, start)
            values = [v.raw for v in page]
            yield from values
            start += len(values)
            total, is_last = getattr(page, "total", None), getattr(page, "isLast", None)
            if not values or is_last is True or (total is not None and start >= int(total)) \
                    or (is_last is None and total is None):
                return

    def boards(self) -> list[dict[str, Any]]:
        """Every board the account can see, 50 a page (not one listing per project)."""
        return self._with_ids(list(self._pages("GET board", lambda start: self.jira.boards(startAt=start, maxResults=50))),
                              "GET board")

    def board_configuration(self, board_id: str) -> dict[str, Any] | None:
        try:
            return self.agile(f"board/{board_id}/configuration")
        except JiraHTTPError as e:
            if e.status in (400, 403, 404):     # team-managed boards may not expose it
                return None
            raise

    def sprints(self, board_id: str) -> list[dict[str, Any]]:
        try:
            return self._with_ids(list(self._pages(f"GET board/{board_id}/sprint", lambda start: self.jira.sprints(
                int(board_id), startAt=start, maxResults=50))), f"GET board/{board_id}/sprint")
        except JiraHTTPError as e:
            if e.status in (400, 404):          # kanban boards: "board does not support sprints"
                return []
            raise

    # -- issues
    def approximate_count(self, jql: str) -> int | None:
        try:
            n = self._call("POST search/approximate-count", self.jira.approximate_issue_count, jql)
        except JiraHTTPError:
            return None
        return int(n) if isinstance(n, int | float) else None

    def search_cloud(self, jql: str, fields: list[str], token: str | None, max_results: int) -> dict[str, Any]:
        page = self._call("search/jql", self.jira.enhanced_search_issues, jql, nextPageToken=token,
                          maxResults=max_results, fields=list(fields), json_result=True,
                          use_post=len(jql) > POST_JQL_LEN) or {}
        self._with_ids(page.get("issues") or [] if isinstance(page, dict) else None, "search/jql")
        return page

    def search_dc(self, jql: str, fields: list[str], start: int, max_results: int,
                  expand: str | None) -> dict[str, Any]:
        try:
            page = self._call("search", self.jira.search_issues, jql, startAt=start, maxResults=max_results,
                              fields=list(fields), expand=expand, json_result=True,
                              use_post=len(jql) > POST_JQL_LEN) or {}
            self._with_ids(page.get("issues") or [] if isinstance(page, dict) else None, "search")
            return page
        except JiraHTTPError as e:
            if e.status == 410:
                raise RetroscopeError(
                    f"Jira at {self.url} answered 410 Gone on {e.method} {e.path}: the old search API was removed "
                    f"from Jira Cloud, but serverInfo reported deploymentType={self.jira.deploymentType!r}; "
                    "check that the URL is the Cloud site's own address (https://<site>.atlassian.net)") from None
            raise

    def count(self, jql: str) -> int | None:
        """Issues matching `jql`: Cloud's approximate count, DC's search total (one request)."""
        if self.cloud:
            return self.approximate_count(jql)
        page = self.search_dc(jql, ["id"], 0, 1, None)
        total = page.get("total") if isinstance(page, dict) else None
        return int(total) if isinstance(total, int | float) else None

    def bulk_changelog(self, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Cloud: every history of the given issues (≤ 1000), following nextPageToken; one
        issue's histories may span pages, so they are merged by issueId."""
        out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        token = None
        seen_tokens: set[str] = set()
        while True:
            body: dict[str, Any] = {"issueIdsOrKeys": ids, "maxResults": BULK_PAGE}
            if token:
                body["nextPageToken"] = token
            page = self.post("changelog/bulkfetch", body, base=self.API3) or {}
            for cl in page.get("issueChangeLogs") or []:
                out[str(cl.get("issueId"))].extend(cl.get("changeHistories") or [])
            token = page.get("nextPageToken")
            if not token or token in seen_tokens:
                return out
            seen_tokens.add(token)

    def issue_changelog_cloud(self, issue_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        start = 0
        while True:
            page = self.get(f"issue/{issue_id}/changelog", {"startAt": start, "maxResults": CHANGELOG_PAGE},
                            base=self.API3) or {}
            values = page.get("values") or []
            out.extend(values)
            start += len(values)
            total = page.get("total")
            if not values or page.get("isLast") or (total is not None and start >= int(total)):
                return out

    def issue_changelog_dc(self, issue_id: str) -> tuple[list[dict[str, Any]], int]:
        data = self.get(f"issue/{issue_id}", {"expand": "changelog", "fields": "key"}) or {}
        cl = data.get("changelog") or {}
        hist = cl.get("histories") or []
        return hist, int(cl.get("total", len(hist)))

