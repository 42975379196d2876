"""`kind = "posthog"` metric sources: PostHog's query API with HogQL (docs/metric-sources.md).

One `POST {host}/api/projects/{project_id}/query/` per page, with a personal API key as a
Bearer token, JSON body `{"query": {"kind": "HogQLQuery", "query": ..., "values": {...}}}`;
the answer carries `columns` and `results` (a list of rows). Every request has a timeout;
429 waits for Retry-After; 5xx and timeouts are retried with backoff; 401/403/404/400 fail at
once with what to fix. Plain HTTP (urllib): no SDK needed for one endpoint.

Paging is by day (keyset): the metric's query is wrapped as
`SELECT * FROM (<query>) ORDER BY day LIMIT <page_size>`, with `{since}` bound through
`values`. A full page drops its last day (it may be cut) and the next page starts at that
day. PostHog refuses OFFSET in queries made with a personal API key, so keyset it is.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from connectors.http_retry import retry_after_seconds
from queries.errors import RetroscopeError

if TYPE_CHECKING:
    from connectors.metric_sources import MetricSpec, SourceConfig

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 300.0      # never wait longer than this for one 429


def _sleep(seconds: float) -> None:
    time.sleep(seconds)

# Days are the project's timezone (HogQL converts timestamps); today is left out, it is not over.
DAILY_ACTIVE_USERS = (
    "SELECT toDate(timestamp) AS day, count(DISTINCT person_id) AS value FROM events "
    "WHERE toDate(timestamp) >= toDate({since}) AND toDate(timestamp) < today() GROUP BY day"
)
EVENT_COUNT = (
    "SELECT toDate(timestamp) AS day, count() AS value FROM events "
    "WHERE event = {event} AND toDate(timestamp) >= toDate({since}) AND toDate(timestamp) < today() GROUP BY day"
)


def hogql_for(m: MetricSpec) -> str:
    if m.measure == "daily_active_users":
        return DAILY_ACTIVE_USERS
    if m.measure == "event_count":
        return EVENT_COUNT
    return str(m.hogql)


def paged(hogql: str, page_size: int) -> str:
    return f"SELECT * FROM ({hogql.strip().rstrip(';')}) ORDER BY day LIMIT {int(page_size)}"


class PostHogClient:
    def __init__(self, src: SourceConfig, api_key: str, *, sleep: Callable[[float], None] | None = None,
                 backoff_base: float = 1.0) -> None:
        self.src = src
        self.url = f"{src.host}/api/projects/{src.project_id}/query/"
        self._key = api_key
        self.sleep = sleep
        self.backoff_base = backoff_base
        self.requests = 0
        self.label = f"metric source '{src.name}' (posthog)"

    def __repr__(self) -> str:          # never show the key
        return f"PostHogClient({self.url!r})"

    def _fail(self, what: str, fix: str) -> RetroscopeError:
        return RetroscopeError(f"{self.label}: {what}; {fix}")

    def query(self, hogql: str, values: dict[str, Any], metric: str) -> dict:
        body = json.dumps({"query": {"kind": "HogQLQuery", "query": hogql, "values": values}}).encode("utf-8")
        attempt = 0
        while True:
            attempt += 1
            req = urllib.request.Request(self.url, data=body, method="POST", headers={
                "Authorization": f"Bearer {self._key}", "Content-Type": "application/json",
                "Accept": "application/json", "User-Agent": "retroscope"})
            t0 = time.perf_counter()
            self.requests += 1
            retry_in: float | None = None
            try:
                with urllib.request.urlopen(req, timeout=self.src.timeout_seconds) as resp:
                    raw = resp.read()
                log.debug("POST %s (%s) -> %s in %.0f ms", self.url, metric, resp.status,
                          (time.perf_counter() - t0) * 1000)
                try:
                    doc = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError):
                    raise self._fail(f"{self.src.host} answered with something that is not JSON",
                                     "check host points at PostHog (e.g. https://eu.posthog.com)") from None
                if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
                    raise self._fail(f"metric {metric}: the answer has no results list",
                                     "check host points at PostHog's API")
                if doc.get("error"):
                    raise self._fail(f"metric {metric}: PostHog reported an error ({doc.get('error')})",
                                     "fix the metric's HogQL (try it in PostHog's SQL editor)")
                return doc
            except urllib.error.HTTPError as e:
                status = e.code
                detail = _detail(e)
                log.debug("POST %s (%s) -> %s in %.0f ms", self.url, metric, status, (time.perf_counter() - t0) * 1000)
                if status in (401, 403):
                    raise self._fail(f"PostHog refused the API key (HTTP {status}{': ' + detail if detail else ''})",
                                     f"set {self.src.api_key_env} to a personal API key with the Query Read scope "
                                     "for this project") from None
                if status == 404:
                    raise self._fail(f"project {self.src.project_id} not found at {self.src.host} (HTTP 404)",
                                     "check project_id (PostHog project settings) and host (us or eu cloud, or "
                                     "your own instance)") from None
                if status == 400:
                    raise self._fail(f"metric {metric}: PostHog rejected the query (HTTP 400"
                                     f"{': ' + detail if detail else ''})",
                                     "fix the metric's HogQL (try it in PostHog's SQL editor)") from None
                if status == 429:
                    retry_in = _retry_after(e.headers.get("Retry-After"), self.backoff_base * 2 ** (attempt - 1))
                    what = f"rate-limited by PostHog (HTTP 429) {attempt} times"
                elif status >= 500:
                    retry_in = self.backoff_base * 2 ** (attempt - 1)
                    what = f"PostHog answered HTTP {status}{' (' + detail + ')' if detail else ''}"
                else:
                    raise self._fail(f"metric {metric}: PostHog answered HTTP {status}"
                                     f"{' (' + detail + ')' if detail else ''}",
                                     "check host, project_id and the metric's HogQL") from None
            except TimeoutError:
                retry_in = self.backoff_base * 2 ** (attempt - 1)
                what = f"no answer from {self.src.host} within {self.src.timeout_seconds:g}s"
            except urllib.error.URLError as e:
                reason = e.reason
                if isinstance(reason, TimeoutError):
                    retry_in = self.backoff_base * 2 ** (attempt - 1)
                    what = f"no answer from {self.src.host} within {self.src.timeout_seconds:g}s"
                else:
                    raise self._fail(f"cannot reach {self.src.host} ({getattr(reason, 'strerror', None) or reason})",
                                     "check host in retroscope.toml and your network") from None
            except OSError as e:
                raise self._fail(f"cannot reach {self.src.host} ({e.strerror or e})",
                                 "check host in retroscope.toml and your network") from None
            if attempt > self.src.max_retries:
                fix = ("wait a few minutes and sync again, or raise timeout_seconds" if what.startswith("no answer")
                       else "wait a few minutes and sync again (the last good data is kept)")
                raise self._fail(f"metric {metric}: {what}, gave up after {attempt} attempts", fix)
            log.debug("%s: %s; retrying in %.1fs", self.label, what, retry_in)
            (self.sleep or _sleep)(min(retry_in, MAX_RETRY_AFTER))

    def daily(self, m: MetricSpec, since: date) -> list[dict]:
        """Every row of one metric from `since` on, paged by day."""
        size = self.src.page_size
        query = paged(hogql_for(m), size)
        extra = {"event": m.event} if m.measure == "event_count" else {}
        out: list[dict] = []
        cursor = since
        while True:
            doc = self.query(query, {"since": cursor.isoformat(), **extra}, m.name)
            cols = [str(c).strip().lower() for c in doc.get("columns") or []]
            if "day" not in cols or "value" not in cols:
                raise self._fail(f"metric {m.name}: the query returns columns {', '.join(cols) or '(none)'}",
                                 "name them day and value (and optionally segment), e.g. "
                                 "SELECT toDate(timestamp) AS day, count() AS value ...")
            rows = [dict(zip(cols, r, strict=False)) for r in doc["results"]]
            full = len(rows) >= size or bool(doc.get("hasMore"))
            if not full:
                out += rows
                return out
            last = rows[-1]["day"]
            keep = [r for r in rows if r["day"] != last]
            if not keep:
                raise self._fail(f"metric {m.name}: one day ({last}) has {len(rows)} or more rows, a whole page",
                                 "raise page_size for this source (at most 50000)")
            out += keep
            nxt = _as_date(last)
            if nxt is None or nxt <= cursor:
                raise self._fail(f"metric {m.name}: the pages do not move forward (day {last!r})",
                                 "make the query filter on its day column with {since}, e.g. "
                                 "toDate(timestamp) >= toDate({since})")
            cursor = nxt


def _as_date(v: Any) -> date | None:
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def _detail(e: urllib.error.HTTPError) -> str:
    try:
        doc = json.loads(e.read().decode("utf-8", "replace"))
    except (ValueError, OSError):
        return ""
    d = doc.get("detail") if isinstance(doc, dict) else None
    return str(d).splitlines()[0][:200] if d else ""


def _retry_after(value: str | None, fallback: float) -> float:
    """Seconds to wait: Retry-After as seconds or an HTTP date; else the backoff."""
    wait = retry_after_seconds(value)
    return fallback if wait is None else wait


def fetch(src: SourceConfig, api_key: str, since: date, *, sleep: Callable[[float], None] | None = None,
          backoff_base: float = 1.0) -> tuple[pd.DataFrame, int]:
    """Rows of every metric of the source from `since` on, as day, metric, value[, segment]."""
    client = PostHogClient(src, api_key, sleep=sleep, backoff_base=backoff_base)
    frames = []
    for m in src.metrics:
        rows = client.daily(m, since)
        f = pd.DataFrame(rows)
        if f.empty:
            continue
        f.insert(1, "metric", m.name)
        frames.append(f)
    if not frames:
        return pd.DataFrame(columns=["day", "metric", "value"]), client.requests
    return pd.concat(frames, ignore_index=True), client.requests
