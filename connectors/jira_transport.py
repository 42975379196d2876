"""Talking HTTP to Jira: credentials from the environment, the site URL, and `Transport`,
which wraps the `jira` client's session so every request gets exact `Retry-After` waits on
429/503, bounded exponential back-off on connection errors, timeouts and other 5xx
(`[jira].max_retries`), a timeout (`[jira].timeout_seconds`), a count per endpoint, and a
one-line error that says what to do. Requests are logged at debug level (method, path,
status, time; never headers, so never credentials). Used by `connectors.jira_client`.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from jira.exceptions import JIRAError

from connectors.bounds import redact_url
from connectors.http_retry import retry_after_seconds
from queries.errors import RetroscopeError

log = logging.getLogger("retroscope.jira")


# --------------------------------------------------------------------------- auth
@dataclass(frozen=True)
class JiraAuth:
    """Credentials from the environment. The secret is kept out of repr() and never logged."""

    kind: str                                   # basic (Cloud) | pat (Data Center)
    email: str | None = None
    secret: str = field(default="", repr=False)

    @property
    def env_names(self) -> str:
        return "JIRA_EMAIL and JIRA_API_TOKEN" if self.kind == "basic" else "JIRA_PAT"


def auth_from_env(env: dict[str, str] | None = None) -> JiraAuth:
    """JIRA_EMAIL + JIRA_API_TOKEN (Cloud, basic auth) or JIRA_PAT (Data Center, bearer)."""
    env = os.environ if env is None else env
    token, email, pat = env.get("JIRA_API_TOKEN"), env.get("JIRA_EMAIL"), env.get("JIRA_PAT")
    if token:
        if not email:
            raise RetroscopeError("JIRA_API_TOKEN is set but JIRA_EMAIL is not; export JIRA_EMAIL=<your Atlassian "
                                  "account email> (Cloud) or use JIRA_PAT for Data Center")
        return JiraAuth("basic", email, token)
    if pat:
        return JiraAuth("pat", None, pat)
    raise RetroscopeError("no Jira credentials in the environment; export JIRA_EMAIL and JIRA_API_TOKEN "
                          "(Jira Cloud API token) or JIRA_PAT (Data Center personal access token)")


def normalize_url(url: str) -> str:
    """The site's base URL without credentials, query or trailing slash."""
    advice = "pass e.g. --url https://your-site.atlassian.net"
    try:   # urlsplit refuses an unclosed [IPv6 bracket, .port a port outside 0-65535
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as e:
        raise RetroscopeError(f"Jira URL {redact_url(url)!r} is not a valid URL ({e}); {advice}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RetroscopeError(f"Jira URL {redact_url(url)!r} is not an http(s) URL; {advice}")
    host = parts.hostname.lower() + (f":{port}" if port else "")
    return f"{parts.scheme}://{host}{parts.path.rstrip('/')}"




# --------------------------------------------------------------------------- transport
class JiraHTTPError(RetroscopeError):
    def __init__(self, message: str, status: int | None, method: str, path: str) -> None:
        super().__init__(message)
        self.status, self.method, self.path = status, method, path


def _retry_after(resp: requests.Response | None) -> float | None:
    return retry_after_seconds(resp.headers.get("Retry-After")) if resp is not None else None


def _jira_message(resp: requests.Response | None) -> str:
    if resp is None:
        return ""
    try:
        body = resp.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    msgs = list(body.get("errorMessages") or [])
    errs = body.get("errors")
    if isinstance(errs, dict):
        msgs += [f"{k}: {v}" for k, v in errs.items()]
    if body.get("message"):
        msgs.append(str(body["message"]))
    return " ".join(str(m) for m in msgs).replace("\n", " ")[:300]


def endpoint_of(path: str) -> str:
    """A request path with ids replaced, e.g. /rest/agile/1.0/board/{id}/sprint."""
    parts = path.split("/")          # ['', 'rest', 'api', '2', ...]: the API version stays
    return "/".join(p if n < 4 or not (p.isdigit() or re.fullmatch(r"[A-Z][A-Z0-9_]+-\d+", p)) else "{id}"
                    for n, p in enumerate(parts))


_NO_SUCH_HOST = {getattr(socket, n) for n in ("EAI_NONAME", "EAI_NODATA") if hasattr(socket, n)}


def _nobody_there(exc: BaseException) -> str | None:
    """'connection refused' or 'host name not found' when that is why a request failed (found
    along the exception's causes), else None (a timeout, a reset: worth retrying)."""
    seen: list[BaseException] = []
    stack: list[object] = [exc]
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        if isinstance(e, ConnectionRefusedError):
            return "connection refused: nothing listens there"
        if isinstance(e, socket.gaierror) and e.errno in _NO_SUCH_HOST:   # not EAI_AGAIN: a passing fault
            return "host name not found"
        stack += [e.__cause__, e.__context__, getattr(e, "reason", None), *e.args]
    return None


class Transport:
    """Wraps the jira session's `request`: exact Retry-After, bounded back-off, counting,
    one-line errors. Installed on the instance, so every library call goes through it."""

    def __init__(self, session: requests.Session, *, base_url: str, auth: JiraAuth, timeout: float,
                 max_retries: int, sleep: Callable[[float], None] = time.sleep,
                 backoff_base: float = 1.0, max_wait: float = 600.0) -> None:
        session.timeout = timeout
        self._orig = session.request
        session.request = self.request
        self.base_url, self.auth, self.timeout = base_url, auth, timeout
        self.max_retries, self.sleep, self.backoff_base, self.max_wait = max_retries, sleep, backoff_base, max_wait
        self.requests = 0
        self.answered = 0          # requests the site answered (any status): it is there
        self.by_endpoint: dict[str, int] = defaultdict(int)
        self.waited = 0.0

    def _path(self, url: str | bytes) -> str:
        u = url.decode() if isinstance(url, bytes) else str(url)
        parts = urlsplit(u)
        return parts.path

    def request(self, method: str, url: str | bytes, **kwargs: Any) -> requests.Response:
        path = self._path(url)
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            self.by_endpoint[f"{method} {endpoint_of(path)}"] += 1
            t0 = time.perf_counter()
            resp: requests.Response | None = None
            exc: Exception | None = None
            try:
                resp = self._orig(method, url, **kwargs)
            except JIRAError as e:
                resp = e.response
            except requests.RequestException as e:
                exc = e
            ms = (time.perf_counter() - t0) * 1000
            status = resp.status_code if resp is not None else None
            log.debug("%s %s -> %s in %.0f ms", method, path, status or type(exc).__name__, ms)
            if resp is not None:
                self.answered += 1
            if resp is not None and resp.ok:
                return resp
            if isinstance(exc, requests.TooManyRedirects):   # the same answer on every try: not retried
                raise JiraHTTPError(f"Jira at {self.base_url} redirects {method} {path} in a loop; check the URL "
                                    "(--url or [jira] url: https or http, the site's base URL) and any proxy in "
                                    "between", None, method, path)
            nobody = _nobody_there(exc) if exc is not None and not self.answered else None
            if nobody:   # the first request finds no site: a wrong URL or port, not a passing fault
                raise JiraHTTPError(f"cannot reach Jira at {self.base_url} ({nobody} on {method} {path}); check the "
                                    "URL (--url or [jira] url), its port and your network", None, method, path)
            wait = None
            if status in (429, 503):
                wait = _retry_after(resp)
                if wait is not None and wait > self.max_wait:
                    raise JiraHTTPError(
                        f"Jira at {self.base_url} asked to wait {wait:.0f}s (HTTP {status}, Retry-After) on "
                        f"{method} {path}; try the sync again later", status, method, path)
            retryable = exc is not None or status == 429 or (status is not None and status >= 500)
            if not retryable:
                raise self._error(method, path, status, resp)
            if attempt > self.max_retries:
                raise self._give_up(method, path, status, exc, attempt)
            if wait is None:
                wait = min(60.0, self.backoff_base * 2 ** (attempt - 1))
            log.warning("Jira %s on %s %s; retrying in %.1fs (attempt %d of %d)",
                        status or type(exc).__name__, method, path, wait, attempt + 1, self.max_retries + 1)
            self.waited += wait
            self.sleep(wait)

    def _give_up(self, method: str, path: str, status: int | None, exc: Exception | None, attempts: int) -> JiraHTTPError:
        if exc is not None:
            if isinstance(exc, requests.Timeout):
                return JiraHTTPError(
                    f"Jira at {self.base_url} did not answer {method} {path} within {self.timeout:g}s "
                    f"({attempts} attempts); raise [jira] timeout_seconds in retroscope.toml or try later",
                    None, method, path)
            return JiraHTTPError(
                f"cannot reach Jira at {self.base_url} ({type(exc).__name__} on {method} {path}, {attempts} "
                "attempts); check the URL (--url or [jira] url) and your network", None, method, path)
        return JiraHTTPError(
            f"Jira at {self.base_url} kept failing: HTTP {status} on {method} {path} after {attempts} attempts; "
            "try again later (or raise [jira] max_retries)", status, method, path)

    def _error(self, method: str, path: str, status: int | None, resp: requests.Response | None) -> JiraHTTPError:
        where = f"HTTP {status} on {method} {path}"
        if status == 401:
            msg = (f"Jira at {self.base_url} rejected the credentials ({where}); set {self.auth.env_names} "
                   f"to a valid {'API token and its account email' if self.auth.kind == 'basic' else 'personal access token'} "
                   "for that site")
        elif status == 403:
            msg = (f"Jira at {self.base_url} refused access ({where}); the account behind {self.auth.env_names} "
                   "needs the Browse projects permission (and board access for agile data), or the token is wrong")
        elif status == 410:
            msg = (f"Jira at {self.base_url} says this API was removed ({where}); on Jira Cloud the old search "
                   "was replaced by /search/jql: check that serverInfo reports deploymentType Cloud for this URL")
        elif status == 404 and path.endswith("/serverInfo"):   # the first request: no Jira REST API there
            msg = (f"Jira at {self.base_url} answered {where}: no Jira REST API at that address; give the Jira "
                   "site's base URL (the part before /browse/ in an issue's link, e.g. https://your-site.atlassian.net "
                   "or https://jira.example.com/jira) with --url or [jira] url")
        else:
            detail = _jira_message(resp)
            msg = f"Jira at {self.base_url} answered {where}" + (f": {detail}" if detail else "")
        return JiraHTTPError(msg, status, method, path)

