"""`retroscope sync jira`: issues, full history, boards, sprints and versions from Jira Cloud
or Data Center into the warehouse: the sync orchestration. The HTTP side is
`connectors.jira_transport` (credentials, retries, errors) and `connectors.jira_client`
(the endpoints, over the real `jira` library, and `_Private`, every private member of it the
connector relies on); issue parsing is `connectors.jira_parse`.

- Request budget: rarely-changing metadata (site type, user timezone, fields, statuses,
  projects, boards, board configuration, versions) is cached in the warehouse
  (`raw_sync_state`, scope `jira_meta`) and refreshed on `--full` or when older than
  `[jira] metadata_max_age_hours`; a no-change incremental sync makes 2 requests (the empty
  search and an issue count compared with the warehouse to catch deletions).
- Everything is written through `connectors.load.staged_load` in one transaction: a
  failed or interrupted sync leaves the previous warehouse untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd

from connectors.jira_client import JiraClient, answers_read
from connectors.jira_fields import ResolvedFields, resolve_fields
from connectors.jira_parse import (
    HistoryRows,
    SprintInfo,
    history_rows,
    issue_row,
    parse_date,
    sprint_from_agile,
)
from connectors.jira_transport import JiraAuth, JiraHTTPError
from connectors.jira_transport import auth_from_env as auth_from_env
from connectors.jira_transport import endpoint_of as endpoint_of
from connectors.load import LoadWriter, staged_load
from connectors.settings import JiraSettings
from queries import Progress
from queries.errors import RetroscopeError

log = logging.getLogger(__name__)

SEARCH_PAGE = 100          # issues per search page (Jira may return fewer)
ID_PAGE_CLOUD = 5000       # id-only listing pages (Cloud allows 5000 when only ids are asked)
ID_PAGE_DC = 1000          # DC caps pages with jira.search.views.default.max (often 1000)
BULK_IDS = 1000            # issues per bulkfetch call (API limit)
CHUNK = 1000               # issues processed (histories fetched, rows written) together
ID_BATCH = 1000            # ids per `id in (...)` search (a POST body; paged like any search)
BASE_FIELDS = ("summary", "issuetype", "status", "project", "parent", "resolution", "resolutiondate",
               "created", "updated", "labels", "components", "fixVersions", "timeoriginalestimate",
               "timespent")



# --------------------------------------------------------------------------- summary
@dataclass
class SyncSummary:
    url: str
    deployment: str
    issues_seen: int = 0
    issues_new: int = 0
    issues_updated: int = 0
    issues_deleted: int = 0
    histories: int = 0
    status_changes: int = 0
    field_changes: int = 0
    sprints: int = 0
    boards: int = 0
    requests: int = 0
    seconds: float = 0.0
    full: bool = False
    incremental_since: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)           # what the sync checked, and how
    endpoints: dict[str, int] = field(default_factory=dict)   # requests per endpoint ("GET /rest/…")

    def text(self) -> str:
        rate = self.issues_seen / self.seconds if self.seconds > 0 else 0.0
        mode = "full" if self.full else (
            f"incremental since {self.incremental_since:%Y-%m-%d %H:%M} UTC" if self.incremental_since else "first")
        lines = [
            f"Jira sync from {self.url} ({self.deployment}, {mode}):",
            f"  issues     {self.issues_seen:,} fetched: {self.issues_new:,} new, {self.issues_updated:,} updated, "
            f"{self.issues_deleted:,} deleted or moved out",
            f"  history    {self.histories:,} histories ({self.status_changes:,} status changes, "
            f"{self.field_changes:,} other items)",
            f"  agile      {self.sprints:,} sprints written, {self.boards:,} boards in scope",
            f"  requests   {self.requests:,} in {self.seconds:.1f}s ({rate:,.0f} issues/s)",
        ]
        lines += [f"  checked: {c}" for c in self.checks]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# --------------------------------------------------------------------------- frames
_TS_COLS = ("created_at", "updated_at", "resolved_at", "changed_at", "start_at", "end_at", "complete_at",
            "activated_at")


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    for c in df.columns:
        if c in _TS_COLS:
            df[c] = pd.to_datetime(df[c], utc=True)
    return df


ISSUE_COLS = ["source", "issue_id", "issue_key", "project_key", "issue_type", "is_subtask", "parent_id", "epic_id",
              "summary", "status_id", "resolution", "labels", "components", "fix_versions", "sprint_ids",
              "story_points", "estimate_best", "estimate_likely", "estimate_worst", "original_estimate_seconds",
              "time_spent_seconds", "created_at", "updated_at", "resolved_at", "is_deleted"]
STATUS_COLS = ["source", "issue_id", "history_id", "item_seq", "changed_at", "from_status_id", "from_status_name",
               "to_status_id", "to_status_name"]
FIELD_COLS = ["source", "issue_id", "history_id", "item_seq", "changed_at", "field_key", "field", "field_id",
              "from_value", "from_string", "to_value", "to_string"]


def _eq(col: str, value: str) -> duckdb.Expression:
    return duckdb.ColumnExpression(col) == duckdb.ConstantExpression(value)


# --------------------------------------------------------------------------- the sync
@dataclass
class _Scope:
    projects: list[str]
    boards: list[str]
    jql: str | None

    def key(self) -> str:
        h = hashlib.sha1(json.dumps([sorted(self.projects), sorted(self.boards), self.jql or ""]).encode()).hexdigest()
        return f"issues_updated:{h[:12]}"

    def base_jql(self) -> str:
        parts = []
        if self.projects:
            parts.append("project in (" + ", ".join(f'"{p}"' for p in self.projects) + ")")
        if self.jql:
            parts.append(f"({_strip_order_by(self.jql)})")
        return " AND ".join(parts)


def _strip_order_by(jql: str) -> str:
    low = jql.lower()
    i = low.rfind("order by")
    return jql[:i].strip() if i >= 0 else jql.strip()


def jql_since(instant: datetime, tz: str) -> str:
    """A JQL date literal for `instant` in the Jira user's timezone (JQL reads literals in
    the querying user's profile timezone), floored to the minute."""
    try:
        zone = ZoneInfo(tz)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    return instant.astimezone(zone).strftime("%Y/%m/%d %H:%M")


META_SCOPE = "jira_meta"
RECONCILE_PREFIX = "reconciled:"


@dataclass
class _Meta:
    """What rarely changes on a site, cached in the warehouse between syncs."""

    fetched_at: str
    deployment: str | None = None
    version: list[int] = field(default_factory=list)
    version_text: str = ""
    tz: str = "UTC"
    fields: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    projects: list[dict[str, Any]] = field(default_factory=list)
    boards: list[dict[str, Any]] = field(default_factory=list)
    configs: dict[str, Any] = field(default_factory=dict)       # board id -> config (None: unreadable)
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    sprint_boards: list[str] = field(default_factory=list)     # boards whose sprints were listed

    @classmethod
    def load(cls, text: str | None) -> _Meta | None:
        if not text:
            return None
        try:
            d = json.loads(text)
            return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})
        except (ValueError, TypeError):
            return None

    def dump(self) -> str:
        return json.dumps(vars(self), sort_keys=True, default=str)

    def age_hours(self, now: datetime) -> float:
        try:
            return (now - datetime.fromisoformat(self.fetched_at)).total_seconds() / 3600
        except ValueError:
            return float("inf")


def _slim_field(f: dict[str, Any]) -> dict[str, Any]:
    return {k: f[k] for k in ("id", "key", "name", "custom", "schema", "clauseNames") if k in f}


def _slim_board(b: dict[str, Any]) -> dict[str, Any]:
    loc = b.get("location") or {}
    return {"id": b.get("id"), "name": b.get("name"), "type": b.get("type"),
            "location": {"projectKey": loc.get("projectKey")}}


def _slim_config(cfg: dict[str, Any] | None) -> dict[str, Any] | None:
    if not cfg:
        return None
    est = cfg.get("estimation") or {}
    return {"estimation": {"type": est.get("type"), "field": {"fieldId": (est.get("field") or {}).get("fieldId")}},
            "columnConfig": {"columns": [{"name": c.get("name"), "statuses": [{"id": str(x.get("id"))} for x in
                                                                               c.get("statuses") or []]}
                                         for c in (cfg.get("columnConfig") or {}).get("columns") or []]}}


class _Sync:
    def __init__(self, client: JiraClient, writer: LoadWriter, scope: _Scope, *, full: bool,
                 settings: JiraSettings, progress: Progress, started: datetime, reconcile: bool = False,
                 versions: bool = False) -> None:
        self.c, self.w, self.scope, self.full = client, writer, scope, full
        self.settings, self.progress, self.started = settings, progress, started
        self.reconcile, self.want_versions = reconcile, versions
        self.source = writer.source
        self.summary = SyncSummary(url=client.url, deployment="?", full=full)
        self.sprints: dict[str, SprintInfo] = {}
        self.issue_sprints: dict[str, SprintInfo] = {}
        self.fetched_ids: set[str] = set()
        self.keys_seen: dict[str, str] = {}
        self.pending_epics: list[tuple[dict[str, Any], str]] = []
        self.resolved: ResolvedFields | None = None
        self.known_statuses: set[str] = set()
        self.seen_statuses: dict[str, str | None] = {}
        self.meta: _Meta | None = None
        self.meta_cached = False

    def _write(self, table: str, df: pd.DataFrame) -> None:
        if not df.empty:
            self.w.write(table, df)

    # -- metadata
    def run(self) -> SyncSummary:
        meta = self._metadata()
        self.summary.deployment = "Cloud" if self.c.cloud else f"Data Center {meta.version_text}".strip()
        if self.full:
            self.w.delete_source()
        self._write_statuses(meta.statuses)
        boards = self._projects_and_boards()
        board_estimation = self._board_configs(boards)
        try:
            self.resolved = resolve_fields(meta.fields, self.scope.projects, board_estimation, self.settings.fields)
        except RetroscopeError:
            if not self.meta_cached:
                raise
            meta.fields = [_slim_field(f) for f in self.c.fields()]   # a field configured since the cache
            self.resolved = resolve_fields(meta.fields, self.scope.projects, board_estimation, self.settings.fields)
        self.summary.warnings += self.resolved.warnings
        self._board_sprints(boards)
        self._issues(meta.tz)
        self._resolve_epics()
        self._write_unknown_statuses()
        self._write_sprints()
        self.w.set_sync_state(self.scope.key(), self.started.isoformat())
        self.w.set_sync_state(META_SCOPE, meta.dump())
        self.w.data_as_of = self.started
        self.summary.requests = self.c.requests
        self.summary.endpoints = dict(self.c.transport.by_endpoint)
        return self.summary

    def _metadata(self) -> _Meta:
        """The site's metadata: from the warehouse's cache when it is fresh enough, else fetched."""
        cached = None if self.full else _Meta.load(self.w.sync_state(META_SCOPE))
        max_age = self.settings.metadata_max_age_hours
        if cached is not None and cached.age_hours(self.started) < max_age:
            self.c.use_site(cached.deployment, tuple(cached.version))
            self.c.use_fields(cached.fields)
            self.meta, self.meta_cached = cached, True
            self.summary.checks.append(
                f"metadata (fields, statuses, projects, boards, board configuration) cached at {cached.fetched_at[:16].replace('T', ' ')} "
                f"UTC; refreshed after {max_age:g} h or with --full")
            return cached
        info = self.c.detect()
        meta = _Meta(fetched_at=self.started.astimezone(UTC).isoformat(), deployment=info.get("deploymentType"),
                     version=list(self.c.version), version_text=str(info.get("version") or ""))
        meta.tz = self.c.user_timezone()
        meta.statuses = [{"id": str(x["id"]), "name": x.get("name"),
                          "statusCategory": {"key": (x.get("statusCategory") or {}).get("key")}}
                         for x in self.c.statuses()]
        meta.fields = [_slim_field(f) for f in self.c.fields()]
        self.meta = meta
        self.summary.checks.append("metadata fetched from Jira" + (" (--full)" if self.full else "")
                                   + f"; cached for {max_age:g} h")
        return meta

    def _write_statuses(self, statuses: list[dict[str, Any]]) -> None:
        self.known_statuses = {str(x["id"]) for x in statuses}
        self._write("raw_statuses", pd.DataFrame([{
            "source": self.source, "status_id": str(s["id"]), "name": s.get("name") or str(s["id"]),
            "category_key": ((s.get("statusCategory") or {}).get("key") or "indeterminate")} for s in statuses],
            columns=["source", "status_id", "name", "category_key"]))

    def _site_projects(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        meta = self.meta
        assert meta is not None
        if refresh or not meta.projects:
            meta.projects = [{"id": str(p.get("id")), "key": p.get("key"), "name": p.get("name")}
                             for p in self.c.projects() if p.get("key")]
        return {str(p["key"]).upper(): p for p in meta.projects}

    def _projects_and_boards(self) -> list[dict[str, Any]]:
        meta = self.meta
        assert meta is not None
        if not self.meta_cached:
            meta.boards = [_slim_board(b) for b in self.c.boards()]
        by_id = {str(b["id"]): b for b in meta.boards}
        boards: dict[str, dict[str, Any]] = {}
        for b in self.scope.boards:
            if b not in by_id and self.meta_cached:       # a board created since the cache
                meta.boards = [_slim_board(x) for x in self.c.boards()]
                by_id = {str(x["id"]): x for x in meta.boards}
            raw = by_id.get(b) or _slim_board(self.c.board(b))   # not listed: the 404 names the flag to fix
            boards[str(raw["id"])] = raw
            loc = (raw.get("location") or {}).get("projectKey")
            if loc and loc not in self.scope.projects and not self.scope.jql:
                self.scope.projects.append(loc)
        if not self.scope.projects and not self.scope.jql:
            raise RetroscopeError("nothing to sync: pass --project KEY (or --board ID / --jql), or set [jira] projects "
                                  "= [\"KEY\"] in retroscope.toml")
        projects = self._site_projects()
        if any(k not in projects for k in self.scope.projects) and self.meta_cached:
            projects = self._site_projects(refresh=True)      # a project created since the cache
        missing = [k for k in self.scope.projects if k not in projects]
        if missing:
            raise RetroscopeError(
                f"Jira project {missing[0]} not found at {self.c.url} (not among the {len(projects)} projects the "
                "account can browse); check --project / [jira] projects, and that the account can browse it")
        proj_rows, version_rows = [], []
        for key in self.scope.projects:
            p = projects[key]
            proj_rows.append({"source": self.source, "project_id": str(p["id"]), "project_key": p["key"],
                              "name": p.get("name")})
            if self.want_versions:
                if key not in meta.versions:
                    meta.versions[key] = [{k: v.get(k) for k in ("id", "name", "released", "releaseDate")}
                                          for v in self.c.versions(key)]
                for v in meta.versions[key]:
                    version_rows.append({"source": self.source, "version_id": str(v["id"]), "project_key": p["key"],
                                         "name": v.get("name") or str(v["id"]), "is_released": bool(v.get("released")),
                                         "release_on": parse_date(v.get("releaseDate"))})
        if not self.scope.boards:
            scope = set(self.scope.projects)
            for raw in meta.boards:
                if (raw.get("location") or {}).get("projectKey") in scope:
                    boards.setdefault(str(raw["id"]), raw)
        self._write("raw_projects", pd.DataFrame(proj_rows, columns=["source", "project_id", "project_key", "name"]))
        self._write("raw_versions", pd.DataFrame(version_rows, columns=["source", "version_id", "project_key", "name",
                                                                         "is_released", "release_on"]))
        return list(boards.values())

    def _board_configs(self, boards: list[dict[str, Any]]) -> dict[str, list[str]]:
        meta = self.meta
        assert meta is not None
        est: dict[str, list[str]] = defaultdict(list)
        board_rows, col_rows = [], []
        for b in boards:
            bid = str(b["id"])
            loc = (b.get("location") or {}).get("projectKey") or b.get("_project")
            if bid not in meta.configs:
                meta.configs[bid] = _slim_config(self.c.board_configuration(bid))
            cfg = meta.configs[bid]
            field_id = None
            if cfg:
                estimation = cfg.get("estimation") or {}
                if estimation.get("type") == "field":
                    field_id = (estimation.get("field") or {}).get("fieldId")
                seen: set[str] = set()
                for pos, col in enumerate((cfg.get("columnConfig") or {}).get("columns") or []):
                    for st in col.get("statuses") or []:
                        sid = str(st["id"])
                        if sid in seen:
                            continue
                        seen.add(sid)
                        col_rows.append({"source": self.source, "board_id": bid, "position": pos,
                                         "column_name": col.get("name") or f"column {pos + 1}", "status_id": sid})
            else:
                self.summary.warnings.append(f"board {bid} ({b.get('name')}): configuration not readable; its done "
                                             "column and estimation field are unknown (status categories are used)")
            if loc and field_id:
                est[loc].append(field_id)
            board_rows.append({"source": self.source, "board_id": bid, "name": b.get("name") or bid,
                               "board_type": b.get("type"), "project_key": loc, "estimation_field_id": field_id})
        self._write("raw_boards", pd.DataFrame(board_rows, columns=["source", "board_id", "name", "board_type",
                                                                     "project_key", "estimation_field_id"]))
        self._write("raw_board_columns", pd.DataFrame(col_rows, columns=["source", "board_id", "position",
                                                                          "column_name", "status_id"]))
        self.summary.boards = len(boards)
        return est

    def _board_sprints(self, boards: list[dict[str, Any]]) -> None:
        """Sprints of the boards in scope, listed with the metadata (daily, --full, or a board new to
        the scope); between listings, sprint changes arrive with the issues' sprint values."""
        meta = self.meta
        assert meta is not None
        todo = [b for b in boards if str(b["id"]) not in meta.sprint_boards]
        self.progress("sprints", 0, len(todo))
        for i, b in enumerate(todo, 1):
            if str(b.get("type", "scrum")).lower() != "kanban":
                for s in self.c.sprints(str(b["id"])):
                    info = sprint_from_agile(s, board_id=str(b["id"]))
                    if info.sprint_id in self.sprints:
                        self.sprints[info.sprint_id].merge(info)
                    else:
                        self.sprints[info.sprint_id] = info
            meta.sprint_boards.append(str(b["id"]))
            self.progress("sprints", i, len(todo))

    # -- issues
    def _existing(self) -> dict[str, bool]:
        rel = self.w.con.table("raw_issues").filter(_eq("source", self.source)).select("issue_id", "is_deleted")
        return {str(i): bool(d) for i, d in rel.fetchall()}

    def _issues(self, tz: str) -> None:
        existing = self._existing()
        bookmark = None if self.full else self.w.sync_state(self.scope.key())
        base = self.scope.base_jql()
        jql = base
        since = None
        if bookmark:
            since = datetime.fromisoformat(bookmark) - timedelta(minutes=self.settings.overlap_minutes)
            self.summary.incremental_since = since
            jql = f'{base} AND updated >= "{jql_since(since, tz)}"' if base else f'updated >= "{jql_since(since, tz)}"'
        jql += " ORDER BY created ASC, key ASC"
        fields = list(BASE_FIELDS) + self.resolved.all_field_ids()
        self.existing = existing
        if self.c.cloud:
            self._issues_cloud(jql, fields)
        else:
            self._issues_dc(jql, fields)
        self._deletions(existing, base, bookmark is not None)

    def _deletions(self, existing: dict[str, bool], base: str, incremental: bool) -> None:
        """Deleted issues and issues moved out of scope never show up in an `updated >=` search.
        A first or full sync knows every id it fetched. An incremental sync compares Jira's count
        of the scope with the warehouse's and lists ids only when they differ, or when a full
        reconcile is due (--reconcile, or every [jira] reconcile_days)."""
        rkey = RECONCILE_PREFIX + self.scope.key()
        if not incremental:
            self._mark_deleted(existing, set(self.fetched_ids))
            self.w.set_sync_state(rkey, self.started.isoformat())
            return
        last = self.w.sync_state(rkey)
        age_days = (self.started - datetime.fromisoformat(last)).total_seconds() / 86400 if last else float("inf")
        ordered = base + " ORDER BY created ASC, key ASC"
        if self.reconcile or age_days >= self.settings.reconcile_days:
            why = "--reconcile" if self.reconcile else f"last full reconcile over {self.settings.reconcile_days:g} days ago"
            listed = self._list_ids(ordered)
            back = self._fetch_listed(existing, listed)
            n = self._mark_deleted(existing, listed)
            self.w.set_sync_state(rkey, self.started.isoformat())
            self.summary.checks.append(f"deletions: full reconcile ({why}): listed every id in scope, {n} gone"
                                       + _fetched_again(back))
            return
        in_wh = self._live_in_scope(existing)
        in_jira = self.c.count(base) if base else None
        if in_jira is not None and in_jira == len(in_wh):
            self.summary.checks.append(f"deletions: Jira counts {in_jira:,} issues in scope, the warehouse "
                                       f"{len(in_wh):,}: nothing to list")
            return
        listed = self._list_ids(ordered)
        back = self._fetch_listed(existing, listed)
        n = self._mark_deleted(existing, listed)
        jira_n = "no count" if in_jira is None else f"{in_jira:,}"
        self.summary.checks.append(f"deletions: Jira counts {jira_n} issues in scope, the warehouse {len(in_wh):,}: "
                                   f"listed the ids, {n} gone" + _fetched_again(back))

    def _fetch_listed(self, existing: dict[str, bool], listed: set[str]) -> int:
        """Fetch, whole, the issues Jira lists in scope that the warehouse lacks or marks deleted
        (moved back into scope, or restored): an incremental search (`updated >=`) never returns
        them while they stay unchanged. Returns how many came back; ids no search returned (gone
        again since the listing) are left for the next sync, with a warning."""
        live = {i for i, deleted in existing.items() if not deleted}
        todo = listed - live - self.fetched_ids
        fields = list(BASE_FIELDS) + self.resolved.all_field_ids()
        fetch = self._issues_cloud if self.c.cloud else self._issues_dc
        self._by_ids(todo, lambda jql: fetch(jql, fields))
        back = len(todo & self.fetched_ids)
        if back < len(todo):
            self.summary.warnings.append(f"{len(todo) - back:,} issue(s) listed in scope were gone when fetched; "
                                         "the next sync looks again")
        return back

    def _by_ids(self, ids: set[str], run: Callable[[str], None]) -> None:
        """`run(jql)` over `id in (...)` searches of at most ID_BATCH of `ids` (Jira's numeric ids;
        anything else is no id of Jira's and skipped). A search Jira refuses (400: under strict
        JQL validation, an id it no longer has) is split in halves down to single ids, and an id
        refused alone is skipped: it is gone."""
        todo = sorted((i for i in ids if i.isdigit()), key=lambda i: (len(i), i))

        def search(batch: list[str]) -> None:
            try:
                run(f"id in ({', '.join(batch)}) ORDER BY created ASC, key ASC")
            except JiraHTTPError as e:
                if e.status != 400:
                    raise
                if len(batch) > 1:
                    search(batch[:len(batch) // 2])
                    search(batch[len(batch) // 2:])

        for k in range(0, len(todo), ID_BATCH):
            search(todo[k:k + ID_BATCH])

    def _ids_in_jira(self, ids: set[str]) -> set[str]:
        """Which of `ids` Jira still has, wherever they are now (id-only searches)."""
        found: set[str] = set()
        self._by_ids(ids, lambda jql: found.update(self._list_ids(jql)))
        return found

    def _live_in_scope(self, existing: dict[str, bool]) -> set[str]:
        rel = self.w.con.table("raw_issues").filter(_eq("source", self.source)).filter(
            duckdb.ColumnExpression("is_deleted") == duckdb.ConstantExpression(False)).select("issue_id", "project_key")
        scope = set(self.scope.projects)
        return {str(i) for i, p in rel.fetchall() if not scope or p in scope} | self.fetched_ids

    def _issues_cloud(self, jql: str, fields: list[str]) -> None:
        total = None        # Cloud search has no total; a count would cost a request
        self.progress("issues", 0, total)
        token, buf, done = None, [], 0
        while True:
            page = self.c.search_cloud(jql, fields, token, SEARCH_PAGE)
            issues = page.get("issues") or []
            buf.extend(issues)
            done += len(issues)
            self.progress("issues", done, max(total or 0, done) if total is not None else None)
            if len(buf) >= CHUNK:
                self._chunk_cloud(buf)
                buf = []
            token = page.get("nextPageToken")
            if not token or page.get("isLast") or not issues:
                break
        if buf:
            self._chunk_cloud(buf)
        if total != done:
            self.progress("issues", done, done)
        self.progress("changelogs", self._cl_done, self._cl_done)

    _cl_done = 0
    _bulk_ok = True

    def _chunk_cloud(self, issues: list[dict[str, Any]]) -> None:
        ids = [str(i["id"]) for i in issues]
        hist: dict[str, list[dict[str, Any]]] = {}
        if self._bulk_ok:
            try:
                for k in range(0, len(ids), BULK_IDS):     # the API takes at most 1000 ids per call
                    hist.update(self.c.bulk_changelog(ids[k:k + BULK_IDS]))
            except JiraHTTPError as e:
                if e.status not in (400, 404, 405, 501):
                    raise
                self._bulk_ok = False
                self.summary.warnings.append(f"bulk changelog unavailable (HTTP {e.status}); fetched histories "
                                             "per issue")
        if not self._bulk_ok:
            hist = {}
            for n, i in enumerate(ids, 1):
                hist[i] = self.c.issue_changelog_cloud(i)
                self.progress("changelogs", self._cl_done + n, None)
        self._cl_done += len(ids)
        self.progress("changelogs", self._cl_done, None)
        self._write_chunk(issues, {i: _dedup(hist.get(i, [])) for i in ids})

    def _issues_dc(self, jql: str, fields: list[str]) -> None:
        start, total = 0, None
        buf: list[dict[str, Any]] = []
        hist: dict[str, list[dict[str, Any]]] = {}
        self.progress("issues", 0, None)
        while True:
            page = self.c.search_dc(jql, fields, start, SEARCH_PAGE, "changelog")
            issues = page.get("issues") or []
            total = page.get("total", total)
            for iss in issues:
                cl = iss.get("changelog") or {}
                h = cl.get("histories") or []
                expected = int(cl.get("total", len(h)))
                if len(h) < expected:      # embedded changelog truncated: fetch the whole history
                    h, expected = self.c.issue_changelog_dc(str(iss["id"]))
                    if len(h) < expected:
                        self.summary.warnings.append(f"{iss['key']}: Jira returned {len(h)} of {expected} histories")
                hist[str(iss["id"])] = _dedup(h)
            buf.extend(issues)
            if len(buf) >= CHUNK:          # write in chunks: each write has a fixed cost
                self._write_chunk(buf, hist)
                buf, hist = [], {}
            start += len(issues)
            self._cl_done += len(issues)
            self.progress("issues", start, total)
            if not issues or (total is not None and start >= int(total)):
                break
        if buf:
            self._write_chunk(buf, hist)
        self.progress("changelogs", self._cl_done, self._cl_done)

    def _write_chunk(self, issues: list[dict[str, Any]], hist: dict[str, list[dict[str, Any]]]) -> None:
        rows: list[dict[str, Any]] = []
        hrows = HistoryRows()
        for iss in issues:
            project = ((iss.get("fields") or {}).get("project") or {}).get("key") or str(iss["key"]).rsplit("-", 1)[0]
            ff, fmap = self.resolved.for_project(project)
            try:
                row, sprints, epic_key = issue_row(self.source, iss, ff)
            except (ValueError, KeyError, TypeError) as e:
                raise RetroscopeError(f"Jira issue {iss.get('key')} (id {iss.get('id')}) has a value this sync cannot "
                                      f"read ({e}); please report it with the issue's JSON") from None
            if row["created_at"] is None or not row["status_id"]:
                raise RetroscopeError(f"Jira issue {iss.get('key')} came back without created/status fields; check "
                                      "that the account can browse it and that no field-level security hides them")
            iid = row["issue_id"]
            if iid in self.fetched_ids:
                continue
            self.fetched_ids.add(iid)
            self.keys_seen[row["issue_key"]] = iid
            if iid in self.existing:   # in the warehouse already (a restored issue too)
                self.summary.issues_updated += 1
            else:
                self.summary.issues_new += 1
            for s in sprints:
                if s.sprint_id in self.issue_sprints:
                    self.issue_sprints[s.sprint_id].merge(s)
                else:
                    self.issue_sprints[s.sprint_id] = s
            if epic_key:
                self.pending_epics.append((row, epic_key))
            rows.append(row)
            self.seen_statuses.setdefault(row["status_id"], ((iss.get("fields") or {}).get("status") or {}).get("name"))
            h = hist.get(iid, [])
            self.summary.histories += len(h)
            try:
                history_rows(self.source, iid, h, fmap, hrows)
            except (ValueError, KeyError, TypeError) as e:
                raise RetroscopeError(f"Jira issue {row['issue_key']}: a changelog entry this sync cannot read ({e}); "
                                      "please report it") from None
        self.summary.issues_seen += len(rows)
        for r in hrows.status:
            if r["from_status_id"]:
                self.seen_statuses[r["from_status_id"]] = r["from_status_name"]
            self.seen_statuses[r["to_status_id"]] = r["to_status_name"]
        self.summary.status_changes += len(hrows.status)
        self.summary.field_changes += len(hrows.fields)
        self._write("raw_issues", _frame(rows, ISSUE_COLS))
        # Each fetched issue's history is replaced whole (the loader keys history by issue).
        self._write("raw_status_changes", _frame(hrows.status, STATUS_COLS))
        self._write("raw_field_changes", _frame(hrows.fields, FIELD_COLS))

    def _list_ids(self, jql: str) -> set[str]:
        ids: set[str] = set()
        self.progress("reconcile", 0, None)
        if self.c.cloud:
            token = None
            while True:
                page = self.c.search_cloud(jql, ["id"], token, ID_PAGE_CLOUD)
                issues = page.get("issues") or []
                ids.update(str(i["id"]) for i in issues)
                token = page.get("nextPageToken")
                if not token or page.get("isLast") or not issues:
                    break
        else:
            start = 0
            while True:
                page = self.c.search_dc(jql, ["id"], start, ID_PAGE_DC, None)
                issues = page.get("issues") or []
                ids.update(str(i["id"]) for i in issues)
                start += len(issues)
                total = page.get("total")
                if not issues or (total is not None and start >= int(total)):
                    break
        self.progress("reconcile", len(ids), len(ids))
        return ids

    def _mark_deleted(self, existing: dict[str, bool], listed: set[str]) -> int:
        live = {i for i, deleted in existing.items() if not deleted}
        rel = self.w.con.table("raw_issues").filter(_eq("source", self.source)).filter(
            duckdb.ColumnExpression("is_deleted") == duckdb.ConstantExpression(False))
        df = rel.df()
        if df.empty:
            return 0
        if self.scope.projects:
            df = df[df["project_key"].isin(self.scope.projects)]
        gone = df[df["issue_id"].isin(live - listed - self.fetched_ids)].copy()
        if not gone.empty and not self.scope.projects:
            # a JQL alone: an issue it does not match is outside this sync's scope, not gone. Only
            # the issues of projects the JQL matches issues in are this sync's to judge, and one of
            # them is marked deleted only when Jira no longer has it at all (so teams that each sync
            # their own JQL into one warehouse neither mark nor check each other's issues)
            mine = set(df.loc[df["issue_id"].isin(listed | self.fetched_ids), "project_key"])
            gone = gone[gone["project_key"].isin(mine)]
            if not gone.empty:
                gone = gone[~gone["issue_id"].isin(self._ids_in_jira(set(gone["issue_id"])))]
        if gone.empty:
            return 0
        gone["is_deleted"] = True
        self._write("raw_issues", gone)
        self.summary.issues_deleted += len(gone)
        if len(gone) > 10 and len(gone) > 0.2 * len(df):
            self.summary.warnings.append(
                f"{len(gone):,} of {len(df):,} issues in scope are gone from Jira's search (deleted, moved out, or no "
                "longer visible to this account); check the account's permissions if that is unexpected")
        return len(gone)

    def _resolve_epics(self) -> None:
        if not self.pending_epics:
            return
        keys = {k for _, k in self.pending_epics if k not in self.keys_seen}
        if keys:
            rel = self.w.con.table("raw_issues").filter(_eq("source", self.source)).select("issue_key", "issue_id")
            for k, i in rel.fetchall():
                if k in keys:
                    self.keys_seen.setdefault(k, str(i))
        rows = []
        for row, key in self.pending_epics:
            if key in self.keys_seen:
                row["epic_id"] = self.keys_seen[key]
                rows.append(row)
        if rows:
            self._write("raw_issues", _frame(rows, ISSUE_COLS))

    def _write_unknown_statuses(self) -> None:
        """Statuses that appear in history but no longer exist in Jira (deleted in a workflow
        change) still need a row, or their intervals would fall out of every metric."""
        missing = {k: v for k, v in self.seen_statuses.items() if k not in self.known_statuses}
        if missing and self.meta_cached and self.meta is not None:   # a status added since the cache
            self.meta.statuses = [{"id": str(x["id"]), "name": x.get("name"),
                                   "statusCategory": {"key": (x.get("statusCategory") or {}).get("key")}}
                                  for x in self.c.statuses()]
            self._write_statuses(self.meta.statuses)
            missing = {k: v for k, v in self.seen_statuses.items() if k not in self.known_statuses}
        if not missing:
            return
        self._write("raw_statuses", pd.DataFrame(
            [{"source": self.source, "status_id": k, "name": v or f"status {k}", "category_key": "indeterminate"}
             for k, v in sorted(missing.items())], columns=["source", "status_id", "name", "category_key"]))
        listed = ", ".join(f"{k} ({v})" for k, v in sorted(missing.items())[:5])
        self.summary.warnings.append(
            f"statuses {listed} appear in history but not in Jira's status list; they count as in progress. "
            f"If one meant done, add to retroscope.toml the table [workflow.category_overrides.\"{self.source}\"] "
            f"with the line \"{min(missing)}\" = \"done\" (this Jira's status only: ids differ between sites)")

    def _write_sprints(self) -> None:
        merged = dict(self.sprints)
        for sid, info in self.issue_sprints.items():
            if sid in merged:
                merged[sid].merge(info)
            else:
                merged[sid] = info
        # keep what earlier syncs learned (e.g. DC activatedDate seen only in issue values)
        prev = self.w.con.table("raw_sprints").filter(_eq("source", self.source)).df()
        for r in prev.itertuples(index=False):
            sid = str(r.sprint_id)
            old = SprintInfo(sid, r.name, r.state, r.board_id, r.goal,
                             *(None if pd.isna(v) else pd.Timestamp(v).to_pydatetime()
                               for v in (r.start_at, r.end_at, r.complete_at, r.activated_at)))
            if sid in merged:
                merged[sid].merge(old)
        rows = [{"source": self.source, "sprint_id": s.sprint_id, "board_id": s.board_id, "name": s.name,
                 "state": s.state, "goal": s.goal, "start_at": s.start_at, "end_at": s.end_at,
                 "complete_at": s.complete_at, "activated_at": s.activated_at}
                for s in merged.values() if s.name and s.state]
        self._write("raw_sprints", _frame(rows, ["source", "sprint_id", "board_id", "name", "state", "goal",
                                                  "start_at", "end_at", "complete_at", "activated_at"]))
        self.summary.sprints = len(rows)


def _fetched_again(n: int) -> str:
    """The deletion check's words for the issues it fetched again (_fetch_listed)."""
    return (f"; {n:,} in Jira's scope but missing or marked deleted here, fetched again" if n else "")


def _dedup(histories: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for h in histories:
        seen.setdefault(str(h.get("id")), h)
    return list(seen.values())


def _null_progress(phase: str, done: int, total: int | None = None) -> None:
    return None


def sync(db_path: str | Path, *, url: str, auth: JiraAuth, projects: Iterable[str] = (), boards: Iterable[str] = (),
         jql: str | None = None, full: bool = False, settings: JiraSettings | None = None,
         reconcile: bool = False, versions: bool = False,
         progress: Progress | None = None, clock: Callable[[], datetime] | None = None,
         sleep: Callable[[float], None] = time.sleep, backoff_base: float = 1.0) -> SyncSummary:
    """Sync one Jira site into the warehouse at `db_path` (atomically). Returns the summary.
    reconcile: list every id in scope to catch deletions; versions: fetch the projects' fix
    versions (needed when shipped items come from versions)."""
    settings = settings or JiraSettings()
    clock = clock or (lambda: datetime.now(UTC))
    t0 = time.perf_counter()
    client = JiraClient(url, auth, settings, sleep=sleep, backoff_base=backoff_base)
    scope = _Scope(projects=[str(p).strip().upper() for p in projects if str(p).strip()],
                   boards=[str(b).strip() for b in boards if str(b).strip()], jql=(jql or "").strip() or None)
    source = f"jira:{client.url}"
    started = clock()
    with staged_load(db_path, source, "sync") as writer:
        writer.progress = progress   # the facts build at the end
        job = _Sync(client, writer, scope, full=full, settings=settings, progress=progress or _null_progress,
                    started=started, reconcile=reconcile, versions=versions)
        # Only job.run() reads Jira's answers; the commit and the facts build after it are not
        # covered (an error there is ours, not Jira's). The load was staged, so the warehouse keeps
        # its previous data.
        with answers_read(client.url, "; the warehouse keeps its previous data"):
            summary = job.run()
        summary.seconds = time.perf_counter() - t0
        writer.detail = (f"{summary.issues_seen} issues ({summary.issues_new} new, {summary.issues_updated} updated, "
                         f"{summary.issues_deleted} deleted), {summary.histories} histories, {summary.sprints} sprints, "
                         f"{summary.requests} requests")
    summary.seconds = time.perf_counter() - t0
    summary.requests = client.requests
    summary.endpoints = dict(client.transport.by_endpoint)
    return summary
