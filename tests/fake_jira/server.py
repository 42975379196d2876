"""A fake Jira on 127.0.0.1 that speaks Jira's JSON in the Cloud or the Data Center shape.

Cloud: /rest/api/{2,3}/search/jql (nextPageToken, no total), approximate-count,
POST /rest/api/3/changelog/bulkfetch (token pages, sorted by date then issue id),
/rest/api/3/issue/{id}/changelog; the old /rest/api/*/search answers 410.
DC: /rest/api/2/search (startAt/total, server-capped page size, embedded changelog cut to
the most recent N histories), /rest/api/2/issue/{id}?expand=changelog; sprint values are
`Sprint@…[…]` strings and changelog items carry no fieldId.
Both: serverInfo, myself, status, field, project (listing and one), versions, agile boards / configuration /
sprints. Faults (status, Retry-After, delay) are injected per path; every request is logged.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from fake_jira.site import EPIC_LINK, SPRINT_FIELD, Issue, Site, Sprint


def jira_ts(dt: datetime | None, tz=None) -> str | None:
    """Jira's issue/changelog format: 2026-03-02T09:15:00.000+0800."""
    if dt is None:
        return None
    if tz is not None:
        dt = dt.astimezone(tz)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}" + dt.strftime("%z")


def zulu(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Fault:
    pattern: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0
    method: str | None = None
    body: Any = None


@dataclass
class Req:
    t: float
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


class BadJql(Exception):
    pass


def _split_top(s: str, sep: str) -> list[str]:
    parts, depth, cur, i = [], 0, "", 0
    pat = re.compile(rf"\s+{sep}\s+", re.IGNORECASE)
    while i < len(s):
        ch = s[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if depth == 0:
            m = pat.match(s, i)
            if m:
                parts.append(cur)
                cur = ""
                i = m.end()
                continue
        cur += ch
        i += 1
    parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


class FakeJira:
    def __init__(self, site: Site, mode: str = "cloud") -> None:
        assert mode in ("cloud", "dc")
        self.site, self.mode = site, mode
        self.requests: list[Req] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        # page caps (small values exercise paging)
        self.search_cap = 100          # Cloud search/jql issues per page
        self.id_cap = 5000             # Cloud search/jql when only ids are asked
        self.dc_cap = 1000             # DC jira.search.views.default.max
        self.dc_embed = 100            # DC embedded changelog: most recent N histories
        self.bulk_cap = 10000          # Cloud bulkfetch histories per page
        self.agile_cap = 50
        self.bulk_enabled = True
        self.deployment = "Cloud" if mode == "cloud" else "Server"
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True
            wbufsize = -1

            def log_message(self, *a):   # quiet
                return

            def _serve(self, method: str) -> None:
                fake._handle(self, method)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    # -- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeJira:
        if not self.thread.is_alive():
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def env(self) -> dict[str, str]:
        if self.mode == "cloud":
            return {"JIRA_EMAIL": self.site.email, "JIRA_API_TOKEN": self.site.token}
        return {"JIRA_PAT": self.site.pat}

    def fail(self, pattern: str, status: int = 500, *, headers: dict[str, str] | None = None, times: int = 1,
             delay: float = 0.0, method: str | None = None) -> Fault:
        f = Fault(pattern, status, headers or {}, times, delay, method)
        self.faults.append(f)
        return f

    def paths(self, pattern: str = "") -> list[Req]:
        return [r for r in self.requests if re.search(pattern, r.path)]

    # -- dispatch
    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = Req(time.monotonic(), method, path, query, body)
        with self.lock:
            self.requests.append(req)
            fault = next((f for f in self.faults if f.times > 0 and re.search(f.pattern, path)
                          and (f.method is None or f.method == method)), None)
            if fault:
                fault.times -= 1
        status, headers, payload = 200, {}, None
        if fault and fault.delay:
            time.sleep(fault.delay)
        if fault and fault.status:
            status, headers = fault.status, fault.headers
            payload = fault.body if fault.body is not None else {"errorMessages": [f"fake fault {fault.status}"],
                                                                 "errors": {}}
        elif not self._authorized(h.headers.get("Authorization")):
            status, payload = 401, {"errorMessages": ["Client must be authenticated to access this resource."]}
        else:
            try:
                status, payload = self._route(method, path, query, body)
            except BadJql as e:
                status, payload = 400, {"errorMessages": [str(e)], "errors": {}}
        req.status = status
        data = json.dumps(payload).encode()
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json;charset=UTF-8")
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _authorized(self, header: str | None) -> bool:
        if self.mode == "cloud":
            good = "Basic " + base64.b64encode(f"{self.site.email}:{self.site.token}".encode()).decode()
        else:
            good = f"Bearer {self.site.pat}"
        return header == good

    def _route(self, method: str, path: str, q: dict[str, list[str]], body: Any) -> tuple[int, Any]:
        s = self.site
        one = lambda k, d=None: (q.get(k) or [d])[0]  # noqa: E731
        m = re.fullmatch(r"/rest/api/(2|3|latest)/(.+)", path)
        if m:
            ver, rest = m.groups()
            if rest == "serverInfo":
                return 200, {"baseUrl": self.url, "deploymentType": self.deployment,
                             "versionNumbers": [1001, 0, 0] if self.mode == "cloud" else [9, 12, 0],
                             "version": "1001.0.0-SNAPSHOT" if self.mode == "cloud" else "9.12.0"}
            if rest == "myself":
                return 200, {"timeZone": s.user_tz, "displayName": "Sync Bot"}
            if rest == "status":
                return 200, [{"id": sid, "name": n, "statusCategory": {"key": cat}} for sid, (n, cat) in s.statuses.items()]
            if rest == "field":
                return 200, s.fields
            if rest == "project":
                return 200, [{"id": pid, "key": k, "name": n} for k, (pid, n) in s.projects.items()]
            pm = re.fullmatch(r"project/([^/]+)(/versions)?", rest)
            if pm:
                key = pm.group(1)
                if key not in s.projects:
                    return 404, {"errorMessages": [f"No project could be found with key '{key}'."], "errors": {}}
                if pm.group(2):
                    return 200, s.versions.get(key, [])
                return 200, {"id": s.projects[key][0], "key": key, "name": s.projects[key][1]}
            if rest == "search":
                if self.mode == "cloud":
                    return 410, {"errorMessages": ["The requested API has been removed. Please migrate to the "
                                                   "/rest/api/3/search/jql API."], "errors": {}}
                return self._search_dc(q if method == "GET" else _as_query(body))
            if rest == "search/jql" and self.mode == "cloud":
                return self._search_cloud(q if method == "GET" else _as_query(body))
            if rest == "search/approximate-count" and self.mode == "cloud":
                return 200, {"count": len(self._select((body or {}).get("jql", ""))[0])}
            if rest == "changelog/bulkfetch" and self.mode == "cloud" and ver == "3" and method == "POST":
                if not self.bulk_enabled:
                    return 404, {"errorMessages": ["Not found"]}
                return self._bulk(body or {})
            cm = re.fullmatch(r"issue/([^/]+)/changelog", rest)
            if cm and self.mode == "cloud":
                iss = self._issue(cm.group(1))
                if iss is None:
                    return 404, {"errorMessages": ["Issue does not exist"]}
                start, mx = int(one("startAt", 0)), min(int(one("maxResults", 100)), 100)
                hs = sorted(iss.histories, key=lambda h: h.created)
                page = hs[start:start + mx]
                return 200, {"startAt": start, "maxResults": mx, "total": len(hs), "isLast": start + mx >= len(hs),
                             "values": [self._history(h) for h in page]}
            im = re.fullmatch(r"issue/([^/]+)", rest)
            if im:
                iss = self._issue(im.group(1))
                if iss is None:
                    return 404, {"errorMessages": ["Issue does not exist"]}
                d = {"id": iss.id, "key": iss.key, "fields": {"key": iss.key}}
                if "changelog" in (one("expand") or ""):
                    hs = sorted(iss.histories, key=lambda h: h.created)
                    if self.mode == "cloud":
                        hs = hs[-100:]
                    d["changelog"] = {"startAt": 0, "maxResults": len(hs), "total": len(iss.histories),
                                      "histories": [self._history(h) for h in hs]}
                return 200, d
            return 404, {"errorMessages": [f"fake: no route {path}"]}
        m = re.fullmatch(r"/rest/agile/1\.0/(.+)", path)
        if m:
            rest = m.group(1)
            if rest == "board":
                key = one("projectKeyOrId")
                bs = [b for b in s.boards if key is None or b.project == key]
                return 200, self._agile_page([self._board(b) for b in bs], q)
            bm = re.fullmatch(r"board/(\d+)(/configuration|/sprint)?", rest)
            if bm:
                b = next((b for b in s.boards if b.id == int(bm.group(1))), None)
                if b is None:
                    return 404, {"errorMessages": ["The requested board cannot be viewed because it either does "
                                                   "not exist or you do not have permission to view it."]}
                if bm.group(2) == "/configuration":
                    return 200, self._board_config(b)
                if bm.group(2) == "/sprint":
                    if b.type == "kanban":
                        return 400, {"errorMessages": ["The board does not support sprints"]}
                    sp = [self._agile_sprint(x) for x in s.sprints if x.board == b.id]
                    return 200, self._agile_page(sp, q)
                return 200, self._board(b)
        return 404, {"errorMessages": [f"fake: no route {path}"]}

    # -- agile
    def _agile_page(self, values: list[Any], q: dict[str, list[str]]) -> dict[str, Any]:
        start = int((q.get("startAt") or [0])[0])
        mx = min(int((q.get("maxResults") or [50])[0]), self.agile_cap)
        page = values[start:start + mx]
        return {"maxResults": mx, "startAt": start, "total": len(values), "isLast": start + mx >= len(values),
                "values": page}

    def _board(self, b) -> dict[str, Any]:
        return {"id": b.id, "self": f"{self.url}/rest/agile/1.0/board/{b.id}", "name": b.name, "type": b.type,
                "location": {"projectKey": b.project, "projectId": int(self.site.projects[b.project][0])}}

    def _board_config(self, b) -> dict[str, Any]:
        est = {"type": "field", "field": {"fieldId": b.estimation, "displayName": "Story points"}} if b.estimation \
            else {"type": "none"}
        return {"id": b.id, "name": b.name, "columnConfig": {"columns": [
            {"name": n, "statuses": [{"id": sid, "self": "…"} for sid in ids]} for n, ids in b.columns]},
            "estimation": est, "ranking": {"rankCustomFieldId": 10019}}

    def _agile_sprint(self, x: Sprint) -> dict[str, Any]:
        d = {"id": x.id, "self": f"{self.url}/rest/agile/1.0/sprint/{x.id}", "state": x.state, "name": x.name,
             "originBoardId": x.board, "goal": x.goal}
        if self.mode == "cloud":
            for k, v in (("startDate", x.start), ("endDate", x.end), ("completeDate", x.complete)):
                if v is not None:
                    d[k] = zulu(v)
        else:   # DC: offsets with a colon; activatedDate only in the issue values (older DC)
            for k, v in (("startDate", x.start), ("endDate", x.end), ("completeDate", x.complete)):
                if v is not None:
                    d[k] = v.isoformat(timespec="milliseconds")
        return d

    # -- issues
    def _issue(self, ref: str) -> Issue | None:
        iss = self.site.issues.get(ref)
        if iss is None:
            iid = self.site.key_to_id(ref)
            iss = self.site.issues.get(iid) if iid else None
        return None if iss is None or iss.deleted else iss

    def _sprint_value(self, ids: list[int]) -> Any:
        sprints = {x.id: x for x in self.site.sprints}
        if not ids:
            return None
        if self.mode == "cloud":
            out = []
            for i in ids:
                x = sprints[i]
                d = {"id": x.id, "name": x.name, "state": x.state, "boardId": x.board, "goal": x.goal}
                for k, v in (("startDate", x.start), ("endDate", x.end), ("completeDate", x.complete)):
                    if v is not None:
                        d[k] = zulu(v)
                out.append(d)
            return out
        out = []
        for i in ids:
            x = sprints[i]
            dc = lambda v: "<null>" if v is None else v.isoformat(timespec="milliseconds")  # noqa: E731
            out.append(f"com.atlassian.greenhopper.service.sprint.Sprint@{x.id:x}a1[id={x.id},rapidViewId={x.board},"
                       f"state={x.state.upper()},name={x.name},startDate={dc(x.start)},endDate={dc(x.end)},"
                       f"completeDate={dc(x.complete)},activatedDate={dc(x.activated)},sequence={x.id},"
                       f"goal={x.goal},autoStartStop=false,synced=false,incompleteIssuesDestinationId=<null>]")
        return out

    def _fields(self, iss: Issue) -> dict[str, Any]:
        s = self.site
        st = s.statuses[iss.status]
        f: dict[str, Any] = {
            "summary": iss.summary,
            "issuetype": {"id": "1", "name": iss.type, "subtask": iss.subtask,
                          "hierarchyLevel": 1 if iss.type == "Epic" else (-1 if iss.subtask else 0)},
            "status": {"id": iss.status, "name": st[0], "statusCategory": {"key": st[1]}},
            "project": {"id": s.projects[iss.project][0], "key": iss.project, "name": s.projects[iss.project][1]},
            "created": jira_ts(iss.created), "updated": jira_ts(iss.updated),
            "resolution": {"name": iss.resolution} if iss.resolution else None,
            "resolutiondate": jira_ts(iss.resolved),
            "labels": list(iss.labels), "components": [{"name": c} for c in iss.components],
            "fixVersions": [{"id": v, "name": next((x["name"] for vs in s.versions.values() for x in vs
                                                    if x["id"] == v), v)} for v in iss.fix_versions],
            "timeoriginalestimate": None, "timespent": None,
            SPRINT_FIELD: self._sprint_value(iss.sprints),
        }
        f.update(iss.values)
        parent = s.issues.get(iss.parent) if iss.parent else None
        if parent is not None:
            is_epic = parent.type == "Epic"
            if self.mode == "dc" and is_epic:
                f[EPIC_LINK] = parent.key          # DC: epics through the Epic Link field (a key)
            else:
                f["parent"] = {"id": parent.id, "key": parent.key, "fields": {
                    "summary": parent.summary, "issuetype": {"name": parent.type,
                                                             "hierarchyLevel": 1 if is_epic else 0}}}
        return f

    def _history(self, h) -> dict[str, Any]:
        items = []
        for it in h.items:
            it = dict(it)
            if self.mode == "dc":
                it.pop("fieldId", None)            # DC changelog items carry no fieldId
            items.append(it)
        return {"id": h.id, "created": jira_ts(h.created), "author": {"displayName": "Someone"}, "items": items}

    def _render(self, iss: Issue, fields: list[str] | None, changelog: bool) -> dict[str, Any]:
        allf = self._fields(iss)
        if fields is None or "*all" in fields or "*navigable" in fields:
            chosen = allf
        else:
            chosen = {k: allf.get(k) for k in fields if k not in ("id", "key")}
        d = {"id": iss.id, "key": iss.key, "self": f"{self.url}/rest/api/2/issue/{iss.id}", "fields": chosen}
        if changelog:
            hs = sorted(iss.histories, key=lambda h: h.created)
            cut = hs[-self.dc_embed:] if self.dc_embed else []
            d["changelog"] = {"startAt": 0, "maxResults": len(cut), "total": len(hs),
                              "histories": [self._history(h) for h in cut]}
        return d

    # -- JQL (just what the connector sends)
    def _select(self, jql: str) -> tuple[list[Issue], bool]:
        body = re.split(r"\s+ORDER\s+BY\s+", jql, flags=re.IGNORECASE)[0].strip()
        if not body:
            raise BadJql("Unbounded JQL queries are not allowed here. Please add a search restriction to your query.")
        pred = self._pred(body)
        hits = [i for i in self.site.live() if pred(i)]
        hits.sort(key=lambda i: (i.created, i.project, int(i.key.rsplit("-", 1)[1])))
        return hits, True

    def _pred(self, expr: str):
        parts = _split_top(expr, "AND")
        if len(parts) > 1:
            preds = [self._pred(p) for p in parts]
            return lambda i: all(p(i) for p in preds)
        e = parts[0]
        if e.startswith("(") and e.endswith(")"):
            return self._pred(e[1:-1])
        m = re.fullmatch(r'project\s+in\s+\((.*)\)', e, re.IGNORECASE)
        if m:
            keys = {k.strip().strip('"') for k in m.group(1).split(",")}
            return lambda i: i.project in keys
        m = re.fullmatch(r'project\s*=\s*"?(\w+)"?', e, re.IGNORECASE)
        if m:
            k = m.group(1)
            return lambda i: i.project == k
        m = re.fullmatch(r'updated\s*>=\s*"(\d{4}/\d{2}/\d{2} \d{2}:\d{2})"', e, re.IGNORECASE)
        if m:   # JQL literals are in the querying user's timezone
            since = datetime.strptime(m.group(1), "%Y/%m/%d %H:%M").replace(tzinfo=ZoneInfo(self.site.user_tz))
            return lambda i: i.updated >= since
        m = re.fullmatch(r'id\s+in\s+\((.*)\)', e, re.IGNORECASE)
        if m:   # as Jira's strict validation: an id it does not have (deleted) refuses the query
            ids = {k.strip().strip('"') for k in m.group(1).split(",")}
            missing = sorted(ids - {i.id for i in self.site.live()})
            if missing:
                raise BadJql(f"An issue with key '{missing[0]}' does not exist for field 'id'.")
            return lambda i: i.id in ids
        m = re.fullmatch(r'issuetype\s*(!=|=)\s*"?([\w-]+)"?', e, re.IGNORECASE)
        if m:
            op, t = m.groups()
            return (lambda i: i.type != t) if op == "!=" else (lambda i: i.type == t)
        m = re.fullmatch(r'labels\s*=\s*"?([\w-]+)"?', e, re.IGNORECASE)
        if m:
            lab = m.group(1)
            return lambda i: lab in i.labels
        raise BadJql(f"fake Jira cannot parse the clause {e!r}")

    def _search_cloud(self, q: dict[str, list[str]]) -> tuple[int, Any]:
        jql = (q.get("jql") or [""])[0]
        fields = _fields_param(q)
        if not fields:
            fields = ["id"]                       # search/jql defaults to ids only
        hits, _ = self._select(jql)
        start = _decode_token((q.get("nextPageToken") or [None])[0])
        cap = self.id_cap if fields == ["id"] else self.search_cap
        mx = min(int((q.get("maxResults") or [50])[0]), cap)
        page = hits[start:start + mx]
        out: dict[str, Any] = {"issues": [self._render(i, fields, False) for i in page],
                               "isLast": start + mx >= len(hits)}
        if start + mx < len(hits):
            out["nextPageToken"] = _encode_token(start + mx)
        return 200, out

    def _search_dc(self, q: dict[str, list[str]]) -> tuple[int, Any]:
        jql = (q.get("jql") or [""])[0]
        fields = _fields_param(q) or None
        hits, _ = self._select(jql)
        start = int((q.get("startAt") or [0])[0])
        mx = min(int((q.get("maxResults") or [50])[0]), self.dc_cap)
        expand = ",".join(q.get("expand") or [])
        page = hits[start:start + mx]
        return 200, {"expand": "schema,names", "startAt": start, "maxResults": mx, "total": len(hits),
                     "issues": [self._render(i, fields, "changelog" in expand) for i in page]}

    def _bulk(self, body: dict[str, Any]) -> tuple[int, Any]:
        refs = [str(x) for x in body.get("issueIdsOrKeys") or []]
        if not 1 <= len(refs) <= 1000:
            return 400, {"errorMessages": ["issueIdsOrKeys must have 1 to 1000 entries"]}
        issues = [i for i in (self._issue(r) for r in refs) if i is not None]
        rows = sorted(((h.created, int(i.id), i.id, h) for i in issues for h in i.histories),
                      key=lambda r: (r[0], r[1]))
        start = _decode_token(body.get("nextPageToken"))
        mx = min(int(body.get("maxResults") or 1000), self.bulk_cap)
        page = rows[start:start + mx]
        logs: list[dict[str, Any]] = []
        for _, _, iid, h in page:
            if not logs or logs[-1]["issueId"] != iid:
                logs.append({"issueId": iid, "changeHistories": []})
            logs[-1]["changeHistories"].append(self._history(h))
        out: dict[str, Any] = {"issueChangeLogs": logs}
        if start + mx < len(rows):
            out["nextPageToken"] = _encode_token(start + mx)
        return 200, out


def _as_query(body: Any) -> dict[str, list[str]]:
    """A POST body in the same shape as parsed query params."""
    out: dict[str, list[str]] = {}
    for k, v in (body or {}).items():
        if v is None:
            continue
        out[k] = [str(x) for x in v] if isinstance(v, list) else [str(v)]
    return out


def _fields_param(q: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for v in q.get("fields") or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _encode_token(n: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{n}".encode()).decode()


def _decode_token(tok: str | None) -> int:
    if not tok:
        return 0
    return int(base64.urlsafe_b64decode(tok.encode()).decode().split(":")[1])
