"""Product metrics pulled from where they live: `[[metrics.sources]]` in retroscope.toml
(docs/metric-sources.md).

Each source is a SQL database (`kind = "sql"`, any SQLAlchemy URL; connectors/sql_metrics.py)
or PostHog's query API (`kind = "posthog"`, HogQL; connectors/posthog.py). Both reduce to rows
of `day, metric, value[, segment]`, which go through the same validation as a metrics file
(connectors/files.py) and the same atomic load (connectors/load.py): a bad row, a failed query,
an unreachable host or a wrong key writes nothing, and the warehouse keeps its last good data.

Incremental by day: a sync re-fetches from the last day already loaded minus `overlap_days`
(analytics tools revise recent days) and replaces this source's values from that day on;
`full` re-pulls everything. Secrets (the database URL, the API key) are read from the
environment variables the config names, at sync time, and are scrubbed from every message.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import queries
from connectors import files
from connectors.load import LoadWriter, failed_loads, staged_load
from connectors.settings import Settings
from queries.errors import RetroscopeError, did_you_mean

KINDS = ("sql", "posthog")
MEASURES = ("daily_active_users", "event_count", "hogql")
DEFAULT_OVERLAP_DAYS = 7
METRICS_KEYS = ("overlap_days", "sources")   # the keys of [metrics] (parse_sources reads each)
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_PAGE_SIZE = 10_000
EARLIEST = date(1970, 1, 1)          # `since` of a first or full pull without `start`
STATE_SCOPE = "last_day"             # raw_sync_state: the last day this source has loaded
_SINCE = re.compile(r"(?<![$\w])\$since\b")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class MetricSpec:
    """One metric a source yields, with its definition (written to raw_metric_definitions)."""

    name: str
    unit: str | None = None
    direction: str = "up"            # up = higher is better | down
    description: str | None = None
    measure: str | None = None       # posthog only: daily_active_users | event_count | hogql
    event: str | None = None         # posthog event_count: the event's name
    hogql: str | None = None         # posthog hogql: the query (uses {since})


@dataclass(frozen=True)
class SourceConfig:
    name: str
    kind: str                        # sql | posthog
    metrics: tuple[MetricSpec, ...] = ()
    overlap_days: int = DEFAULT_OVERLAP_DAYS
    start: date | None = None        # first day a first / full sync pulls (None: everything)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    # sql
    url_env: str | None = None
    query: str | None = None
    query_file: Path | None = None
    # posthog
    host: str = "https://us.posthog.com"
    project_id: str | None = None
    api_key_env: str | None = None
    max_retries: int = DEFAULT_MAX_RETRIES
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def source(self) -> str:
        """The `source` column of its rows and loads: 'sql:<name>' or 'posthog:<name>'."""
        return f"{self.kind}:{self.name}"

    @property
    def secret_env(self) -> str:
        return (self.url_env if self.kind == "sql" else self.api_key_env) or ""


def _cfg_err(where: str, problem: str, expected: str, path: Path | None) -> RetroscopeError:
    return RetroscopeError(f"{path or 'retroscope.toml'}: [{where}] {problem} (expected {expected})")


def _str(d: Mapping[str, Any], key: str, where: str, path: Path | None, default: str | None = None) -> str | None:
    v = d.get(key, default)
    if v is None:
        return None
    if not isinstance(v, str | int) or isinstance(v, bool) or str(v).strip() == "":
        raise _cfg_err(f"{where}.{key}", repr(v), "a non-empty string", path)
    return str(v).strip()


def _num(d: Mapping[str, Any], key: str, where: str, path: Path | None, default, lo: float, kind=int):
    v = d.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float) or v < lo or (kind is int and int(v) != v):
        what = "a whole number" if kind is int else "a number"
        raise _cfg_err(f"{where}.{key}", repr(v), f"{what} >= {lo:g}", path)
    return kind(v)


def _metric(m: Any, where: str, kind: str, path: Path | None) -> MetricSpec:
    if not isinstance(m, dict):
        raise _cfg_err(where, "not a table", '[[metrics.sources.metrics]] with name = "..."', path)
    allowed = {"name", "unit", "direction", "description"} | (
        {"measure", "event", "hogql"} if kind == "posthog" else set())
    extra = sorted(set(m) - allowed)
    if extra:
        raise _cfg_err(where, f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(extra)}",
                       "only " + ", ".join(sorted(allowed)), path)
    name = _str(m, "name", where, path)
    if not name or not _NAME.match(name):
        raise _cfg_err(f"{where}.name", repr(m.get("name")), "a metric name: letters, digits, _ . -", path)
    direction = _str(m, "direction", where, path, "up")
    if direction not in ("up", "down"):
        raise _cfg_err(f"{where}.direction", repr(direction), "up (higher is better) or down", path)
    spec = MetricSpec(name=name, unit=_str(m, "unit", where, path), direction=direction,
                      description=_str(m, "description", where, path))
    if kind != "posthog":
        return spec
    event, hogql = _str(m, "event", where, path), _str(m, "hogql", where, path)
    measure = _str(m, "measure", where, path, "hogql" if hogql else "event_count" if event else None)
    if measure not in MEASURES:
        raise _cfg_err(f"{where}.measure", repr(measure), "daily_active_users, event_count (with event = ...) "
                       "or hogql (with hogql = ...)", path)
    if measure == "event_count" and not event:
        raise _cfg_err(where, "measure = event_count without an event", 'event = "signed_up"', path)
    if measure == "hogql":
        if not hogql:
            raise _cfg_err(where, "measure = hogql without a query", 'hogql = "SELECT ... WHERE ... >= {since} ..."',
                           path)
        if "{since}" not in hogql:
            raise _cfg_err(f"{where}.hogql", "the query does not use {since}",
                           "a filter like toDate(timestamp) >= toDate({since}), so syncs can be incremental "
                           "and paged", path)
    return MetricSpec(**{**spec.__dict__, "measure": measure, "event": event, "hogql": hogql})


def parse_sources(doc: Mapping[str, Any], path: Path | None = None) -> tuple[SourceConfig, ...]:
    """`[metrics]` (overlap_days default) and its `[[metrics.sources]]` from the parsed TOML."""
    section = doc.get("metrics", {})
    if not isinstance(section, dict):
        raise _cfg_err("metrics", "not a table", "[metrics] with [[metrics.sources]] entries", path)
    for k in section:
        if k not in METRICS_KEYS:
            raise _cfg_err(f"metrics.{k}", f"unknown key; {did_you_mean(str(k), METRICS_KEYS) or 'none is close'}",
                           " or ".join(METRICS_KEYS), path)
    overlap = _num(section, "overlap_days", "metrics", path, DEFAULT_OVERLAP_DAYS, 0)
    raw = section.get("sources", [])
    if not isinstance(raw, list):
        raise _cfg_err("metrics.sources", "not a list of tables", "[[metrics.sources]] entries", path)
    out: list[SourceConfig] = []
    for i, s in enumerate(raw):
        where = f"metrics.sources[{i}]"
        if not isinstance(s, dict):
            raise _cfg_err(where, "not a table", "[[metrics.sources]] with name and kind", path)
        name = _str(s, "name", where, path)
        if not name or not _NAME.match(name):
            raise _cfg_err(f"{where}.name", repr(s.get("name")), "a name: letters, digits, _ . -", path)
        where = f"metrics.sources {name}"
        if any(o.name == name for o in out):
            raise _cfg_err(where, "the name is used twice", "a different name per source", path)
        kind = _str(s, "kind", where, path)
        if kind not in KINDS:
            raise _cfg_err(f"{where}.kind", repr(s.get("kind")), "sql or posthog", path)
        common = {"name", "kind", "metrics", "overlap_days", "start", "timeout_seconds"}
        own = {"url_env", "query", "query_file"} if kind == "sql" else {
            "host", "project_id", "api_key_env", "max_retries", "page_size"}
        extra = sorted(set(s) - common - own)
        if extra:
            raise _cfg_err(where, f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(extra)} for kind = {kind}",
                           "only " + ", ".join(sorted(common | own)), path)
        start = s.get("start")
        if start is not None:
            if isinstance(start, datetime):
                start = start.date()
            elif not isinstance(start, date):
                try:
                    start = date.fromisoformat(str(start))
                except ValueError:
                    raise _cfg_err(f"{where}.start", repr(start), "a date like 2025-01-01", path) from None
        metrics_raw = s.get("metrics", [])
        if not isinstance(metrics_raw, list):
            raise _cfg_err(f"{where}.metrics", "not a list", "[[metrics.sources.metrics]] tables", path)
        metrics = tuple(_metric(m, f"{where}.metrics[{j}]", kind, path) for j, m in enumerate(metrics_raw))
        dup = sorted({m.name for m in metrics if sum(x.name == m.name for x in metrics) > 1})
        if dup:
            raise _cfg_err(f"{where}.metrics", f"{', '.join(dup)} listed twice", "each metric once", path)
        kw: dict[str, Any] = dict(
            name=name, kind=kind, metrics=metrics, start=start,
            overlap_days=_num(s, "overlap_days", where, path, overlap, 0),
            timeout_seconds=_num(s, "timeout_seconds", where, path, DEFAULT_TIMEOUT_SECONDS, 1, float))
        env_key = "url_env" if kind == "sql" else "api_key_env"
        env_name = _str(s, env_key, where, path)
        if not env_name or not _ENV.match(env_name):
            example = "PRODUCT_DB_URL" if kind == "sql" else "POSTHOG_API_KEY"
            raise _cfg_err(f"{where}.{env_key}", repr(s.get(env_key)),
                           f'the NAME of an environment variable, e.g. {env_key} = "{example}" (the secret itself '
                           "never goes in the file)", path)
        kw[env_key] = env_name
        if kind == "sql":
            query, qfile = _str(s, "query", where, path), _str(s, "query_file", where, path)
            if bool(query) == bool(qfile):
                raise _cfg_err(where, "give either query or query_file",
                               'query = "SELECT day, metric, value FROM ... WHERE day >= $since" '
                               'or query_file = "metrics.sql"', path)
            kw["query"] = query
            if qfile:
                qp = Path(qfile)
                kw["query_file"] = qp if qp.is_absolute() or path is None else path.parent / qp
        else:
            if not metrics:
                raise _cfg_err(where, "no metrics", "one [[metrics.sources.metrics]] per metric, e.g. "
                               'name = "dau", measure = "daily_active_users"', path)
            host = _str(s, "host", where, path, SourceConfig.host)
            if not re.match(r"^https?://[^/\s]+", host or ""):
                raise _cfg_err(f"{where}.host", repr(host), "a URL like https://eu.posthog.com", path)
            kw["host"] = host.rstrip("/")
            pid = _str(s, "project_id", where, path)
            if not pid:
                raise _cfg_err(f"{where}.project_id", "missing", "your PostHog project id (project settings)", path)
            kw["project_id"] = pid
            kw["max_retries"] = _num(s, "max_retries", where, path, DEFAULT_MAX_RETRIES, 0)
            kw["page_size"] = _num(s, "page_size", where, path, DEFAULT_PAGE_SIZE, 1)
            if kw["page_size"] > 50_000:
                raise _cfg_err(f"{where}.page_size", str(kw["page_size"]), "at most 50000 (PostHog's row limit "
                               "for one query)", path)
        out.append(SourceConfig(**kw))
    return tuple(out)


def sources_of(settings: Settings) -> tuple[SourceConfig, ...]:
    return parse_sources(settings.raw, settings.config_path)


# --------------------------------------------------------------------------- secrets
def scrub(text: str, secrets: list[str]) -> str:
    """The message with every secret (and a URL's password) replaced by ***."""
    for s in secrets:
        if s and len(s) >= 3:
            text = text.replace(s, "***")
    return re.sub(r"(://[^:/@\s]+:)[^@\s]+@", r"\1***@", text)


def secret_from_env(src: SourceConfig, env: Mapping[str, str]) -> str:
    value = (env.get(src.secret_env) or "").strip()
    if not value:
        what = ("the database URL" if src.kind == "sql" else "a PostHog personal API key (with Query Read scope)")
        example = ("postgresql+psycopg://user:password@host:5432/db" if src.kind == "sql" else "phx_...")
        raise RetroscopeError(f"metric source '{src.name}' ({src.kind}): environment variable {src.secret_env} is not "
                              f"set; export it with {what}, e.g. {src.secret_env}='{example}'")
    return value


# --------------------------------------------------------------------------- sync
@dataclass
class SourceSummary:
    source: SourceConfig
    mode: str = "first"                  # first | incremental | full
    since: date | None = None
    values: int = 0
    metrics: int = 0
    first_day: date | None = None
    last_day: date | None = None
    requests: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    # values another source had loaded (an import, another sync) that this sync replaced, per source
    replaced: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        s = self.source
        mode = {"first": "first sync", "full": "full sync"}.get(self.mode, f"incremental since {self.since}")
        days = f", {self.first_day} to {self.last_day}" if self.first_day else ""
        req = f", {self.requests} request{'s' if self.requests != 1 else ''}" if s.kind == "posthog" else ""
        return (f"{s.source}: {self.values:,} value{'s' if self.values != 1 else ''} of {self.metrics} "
                f"metric{'s' if self.metrics != 1 else ''}"
                f"{days} ({mode}{req}) in {self.seconds:.1f}s")


def _fetch(src: SourceConfig, secret: str, since: date, *, sleep: Callable[[float], None] | None,
           backoff_base: float) -> tuple[pd.DataFrame, int]:
    if src.kind == "sql":
        from connectors import sql_metrics

        return sql_metrics.fetch(src, secret, since), 0
    from connectors import posthog

    return posthog.fetch(src, secret, since, sleep=sleep, backoff_base=backoff_base)


def _validate(src: SourceConfig, frame: pd.DataFrame, today: date) -> files.MetricsImport:
    label = f"metric source '{src.name}' ({src.kind})"
    if frame.empty:
        cols = ["day", "metric", "value", "segment"]
        return files.MetricsImport(pd.DataFrame({c: [] for c in cols}).astype({"day": "datetime64[ns]"}),
                                   pd.DataFrame(columns=["metric", "unit", "higher_is_better", "description"]),
                                   "long")
    fix = ("Fix the query so it returns day, metric, value and optionally segment (or day, segment and one column "
           "per metric)" if src.kind == "sql" else "Fix the metric's HogQL so it returns day, value and optionally "
           "segment")
    tbl = files.Table(path=f"{src.name}: query result", frame=frame.reset_index(drop=True), fmt="rows",
                      lines=np.arange(1, len(frame) + 1),
                      heading=f"{label}: {{n}} problem{{s}} in the rows it returned; nothing was synced and the "
                              f"warehouse keeps its last good data. {fix}:")
    imp = files.validate_metrics(tbl, as_of=None)
    # A day after tomorrow (UTC) cannot be a measurement: a wrong date column or timezone.
    late = imp.points["day"] > pd.Timestamp(today + timedelta(days=1))
    if late.any():
        d = imp.points.loc[late, "day"].min().date()
        raise RetroscopeError(f"{label}: the result has {int(late.sum())} value(s) dated in the future (first "
                              f"{d}); nothing was synced. Check the day column of the query (a date in the "
                              "source's timezone, e.g. CAST(created_at AS DATE))")
    declared = {m.name for m in src.metrics}
    if declared:
        unknown = sorted(set(imp.points["metric"]) - declared)
        if unknown:
            raise RetroscopeError(f"{label}: the result has metric{'s' if len(unknown) > 1 else ''} "
                                  f"{', '.join(unknown[:8])} not listed under this source; nothing was synced. Add "
                                  "a [[metrics.sources.metrics]] entry for each (name, unit, direction) or drop "
                                  "the metrics list to accept every metric the query returns")
    return imp


def _definitions(src: SourceConfig) -> pd.DataFrame:
    return pd.DataFrame([{"source": src.source, "metric": m.name, "unit": m.unit,
                          "higher_is_better": m.direction != "down", "description": m.description}
                         for m in src.metrics], columns=["source", "metric", "unit", "higher_is_better", "description"])


def _window(w: LoadWriter, src: SourceConfig, full: bool) -> tuple[str, date, date | None]:
    last = None if full else w.sync_state(STATE_SCOPE)
    start = src.start or EARLIEST
    if full:
        return "full", start, None
    if last is None:
        return "first", start, None
    last_day = date.fromisoformat(last)
    return "incremental", max(start, last_day - timedelta(days=src.overlap_days)), last_day


def sync_source(db_path: str | Path, src: SourceConfig, *, full: bool = False,
                env: Mapping[str, str] | None = None, today: date | None = None,
                sleep: Callable[[float], None] | None = None, backoff_base: float = 1.0,
                progress: queries.Progress | None = None) -> SourceSummary:
    """Pull one source into the warehouse at db_path, atomically. Raises RetroscopeError with
    one clear line (secrets scrubbed); the failure is logged beside the warehouse. `progress`
    hears of the stored-facts build at the end of the load."""
    env = os.environ if env is None else env
    today = today or datetime.now(UTC).date()
    t0 = time.perf_counter()
    summary = SourceSummary(src)
    secrets: list[str] = []
    try:
        with staged_load(db_path, src.source, "sync") as w:
            w.progress = progress   # the facts build at the end
            try:
                secret = secret_from_env(src, env)
                secrets.append(secret)
                mode, since, prev_last = _window(w, src, full)
                summary.mode, summary.since = mode, since
                frame, summary.requests = _fetch(src, secret, since, sleep=sleep, backoff_base=backoff_base)
                imp = _validate(src, frame, today)
                points = imp.points
                if src.kind == "sql" and not _SINCE.search(_query_text(src)):
                    if mode == "incremental":
                        summary.notes.append("the query does not use $since, so every sync pulls and replaces "
                                             "everything")
                    summary.mode = mode = "full" if mode == "incremental" else mode
                if mode in ("full", "first"):
                    w.delete_source(["raw_metric_points"])
                else:
                    # the re-fetched window is the source's whole truth from `since` on
                    points = points[points["day"] >= pd.Timestamp(since)]
                    queries.execute(w.con, "metric_points_delete_source_since", source=src.source, since=since)
                points = points.copy()
                points.insert(0, "source", src.source)
                # (this source's own values in the window are deleted above: what is left is others')
                summary.replaced = w.replaced_metric_values(points)
                w.write("raw_metric_points", points[["source", "metric", "day", "segment", "value"]])
                defs = _definitions(src)
                if len(defs):
                    w.write("raw_metric_definitions", defs)
                summary.values = len(points)
                summary.metrics = points["metric"].nunique()
                if len(points):
                    summary.first_day = points["day"].min().date()
                    summary.last_day = points["day"].max().date()
                new_last = max(d for d in (summary.last_day, prev_last) if d is not None) \
                    if (summary.last_day or prev_last) else None
                if new_last is not None:
                    w.set_sync_state(STATE_SCOPE, new_last.isoformat())
                    w.data_as_of = w.day_end(new_last)
                elif not len(points):
                    summary.notes.append("the source returned no rows yet")
                summary.seconds = time.perf_counter() - t0
                w.detail = summary.line()
            except RetroscopeError as e:   # scrubbed before the load path logs it (no secret read yet: as is)
                raise RetroscopeError(scrub(str(e), secrets) if secrets else str(e)) from None
            except Exception as e:   # noqa: BLE001 - a driver's own error: one line, never a traceback
                first = (str(e).strip().splitlines() or [''])[0][:300]
                raise RetroscopeError(scrub(f"metric source '{src.name}' ({src.kind}): unexpected {type(e).__name__}"
                                           f" ({first}); nothing was synced. Run again with -v; if it persists, "
                                           "report it", secrets)) from None
    except RetroscopeError as e:
        raise RetroscopeError(scrub(str(e), secrets) if secrets else str(e)) from None
    summary.seconds = time.perf_counter() - t0
    return summary


def _query_text(src: SourceConfig) -> str:
    if src.query is not None:
        return src.query
    try:
        return Path(src.query_file).read_text(encoding="utf-8")   # type: ignore[arg-type]
    except OSError as e:
        raise RetroscopeError(f"metric source '{src.name}' (sql): cannot read query_file {src.query_file} "
                              f"({e.strerror}); check the path (relative to retroscope.toml)") from None


# --------------------------------------------------------------------------- status
def status(settings: Settings, points: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per configured source: kind, last sync, data as of, values and metrics in the
    warehouse, and the last error when the latest attempt failed. `points` is the
    `status_metric_sources` report (read here when not given)."""
    srcs = sources_of(settings)
    if points is None:
        points = _status_points(settings.db_path)
    fails = failed_loads(settings.db_path, limit=200)
    rows = []
    for s in srcs:
        p = points[points["source"] == s.source] if len(points) else points
        r = p.iloc[0] if len(p) else None
        last_ok = r["last_sync"] if r is not None and pd.notna(r["last_sync"]) else None
        err = None
        for f in reversed(fails):
            if f.get("source") == s.source:
                at = pd.Timestamp(f.get("finished_at"))
                if last_ok is None or at > pd.Timestamp(last_ok):
                    err = f"{str(f.get('finished_at'))[:16].replace('T', ' ')}: {f.get('detail')}"
                break
        rows.append({
            "source": s.name, "kind": s.kind,
            "last sync (UTC)": last_ok,
            "data as of (UTC)": r["data_as_of"] if r is not None else None,
            "values": int(r["points"]) if r is not None and pd.notna(r["points"]) else 0,
            "metrics": int(r["metrics"]) if r is not None and pd.notna(r["metrics"]) else 0,
            "first day": r["first_day"] if r is not None else None,
            "last day": r["last_day"] if r is not None else None,
            "last error": err or "",
        })
    return pd.DataFrame(rows, columns=["source", "kind", "last sync (UTC)", "data as of (UTC)", "values", "metrics",
                                       "first day", "last day", "last error"])


def _status_points(db_path: Path) -> pd.DataFrame:
    if not queries.store_exists(db_path):
        return pd.DataFrame(columns=["source", "points", "metrics", "first_day", "last_day", "last_sync",
                                     "data_as_of"])
    con = queries.connect(db_path, derived=False)
    try:
        return queries.run(con, "status_metric_sources")
    finally:
        con.close()
