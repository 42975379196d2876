"""A PostHog-shaped HTTP server on 127.0.0.1 for the query API the posthog source uses.

`POST /api/projects/{id}/query/` with `Authorization: Bearer <personal API key>` and
`{"query": {"kind": "HogQLQuery", "query": "...", "values": {...}}}`; the answer is
`{"results": [[...], ...], "columns": [...], "types": [...], "hasMore": false, ...}`.
Errors look like PostHog's: `{"type": ..., "code": ..., "detail": ...}` with 400, 401, 404,
429 (+ Retry-After) or 500.

It cannot run HogQL, so it answers the queries it knows: the source's built-in ones
(daily active users, daily counts of an event) computed from a small list of events, and
custom queries registered with their rows. It applies `{since}` from `values`, leaves
today out like the built-ins do, orders by day and honours the wrapper's LIMIT.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from connectors import posthog

_WRAP = re.compile(r"^SELECT \* FROM \((.*)\) ORDER BY day LIMIT (\d+)$", re.DOTALL)


@dataclass
class FakePostHog:
    api_key: str
    project_id: str = "4242"
    today: str = "2026-11-20"
    events: list[tuple[str, str, str]] = field(default_factory=list)          # (day, person, event)
    custom: dict[str, list[tuple]] = field(default_factory=dict)             # hogql -> rows (day, value[, seg])
    custom_columns: dict[str, list[str]] = field(default_factory=dict)
    faults: list[tuple[int, dict, dict | None]] = field(default_factory=list)  # served before normal answers
    slow_seconds: float = 0.0
    requests: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a) -> None:   # quiet
                pass

            def do_POST(self) -> None:   # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                fake.requests.append({"path": self.path, "auth": self.headers.get("Authorization"),
                                      "body": body, "content_type": self.headers.get("Content-Type")})
                status, headers, doc = fake.answer(self.path, self.headers.get("Authorization"), body)
                if fake.slow_seconds:
                    time.sleep(fake.slow_seconds)
                data = json.dumps(doc).encode()
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def host(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ answers
    def answer(self, path: str, auth: str | None, body) -> tuple[int, dict, dict]:
        if not re.fullmatch(rf"/api/projects/{re.escape(self.project_id)}/query/?", path):
            return 404, {}, {"type": "invalid_request", "code": "not_found", "detail": "Not found."}
        if auth != f"Bearer {self.api_key}":
            return 401, {}, {"type": "authentication_error", "code": "authentication_failed",
                             "detail": "Incorrect authentication credentials."}
        if self.faults:
            status, headers, doc = self.faults.pop(0)
            return status, headers, doc or {"type": "server_error", "code": "error", "detail": "A server error occurred."}
        q = (body or {}).get("query") or {}
        if q.get("kind") != "HogQLQuery" or not isinstance(q.get("query"), str):
            return 400, {}, {"type": "validation_error", "code": "invalid_input", "detail": "query.kind must be HogQLQuery"}
        m = _WRAP.match(q["query"])
        if not m:
            return 400, {}, {"type": "validation_error", "code": "query_error", "detail": "unsupported query"}
        inner, limit = m.group(1), int(m.group(2))
        values = q.get("values") or {}
        since = values.get("since")
        if not since:
            return 400, {}, {"type": "validation_error", "code": "query_error",
                             "detail": "Placeholder {since} is not available in this context."}
        if inner == posthog.DAILY_ACTIVE_USERS:
            people: dict[str, set] = defaultdict(set)
            for day, person, _ev in self.events:
                people[day].add(person)
            rows, cols = [(d, len(p)) for d, p in people.items()], ["day", "value"]
        elif inner == posthog.EVENT_COUNT:
            counts: dict[str, int] = defaultdict(int)
            for day, _person, ev in self.events:
                if ev == values.get("event"):
                    counts[day] += 1
            rows, cols = list(counts.items()), ["day", "value"]
        elif inner in self.custom:
            rows, cols = list(self.custom[inner]), self.custom_columns.get(inner, ["day", "value", "segment"])
        else:
            return 400, {}, {"type": "validation_error", "code": "query_error",
                             "detail": "Unable to resolve field: nope"}
        rows = sorted((r for r in rows if since <= r[0] < self.today), key=lambda r: tuple(map(str, r)))
        page = rows[:limit]
        return 200, {}, {"results": [list(r) for r in page], "columns": cols, "types": [["Date"], ["UInt64"]],
                         "hogql": inner, "hasMore": False, "limit": limit, "offset": 0,
                         "query_status": None, "error": None, "timings": []}
