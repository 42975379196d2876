"""The only seam between Streamlit and DuckDB.

- One read-only connection per warehouse *file identity* (inode, mtime, size), held with
  `st.cache_resource`. A sync or import swaps the file atomically, so the identity changes
  and the next rerun opens the new file: a finished sync shows without restarting the app,
  and a running sync never blocks the pages (they keep reading the old file).
- Query results are cached with `st.cache_data`, keyed by query name, the parameters the
  query uses (a public query's declared ones, the `$params` a report's SQL binds) and the
  warehouse + user-input versions.
- The user-input store is copied into the connection's temp tables; after a page writes
  to it, `invalidate_userdata()` makes the next read see the change.
- Recording a shown forecast (`record_forecasts`) is the exception: a best-effort write of
  the new rows only, added to the connection's copy too, after which the store's new file
  version counts as the old one, so the write invalidates no cached figure.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import logging
import os
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

import queries
from connectors.settings import Settings, load_settings
from dashboard import present
from dashboard.safe_text import spreadsheet_safe
from queries import forecast_accounts, transactions
from queries.registry import REGISTRY, run_public


@st.cache_resource(show_spinner=False, max_entries=4)
def _settings(db: str | None, userdata: str | None, config: str | None) -> Settings:
    return load_settings()


def settings() -> Settings:
    """Settings for this process, re-read when the environment points elsewhere (tests)."""
    env = os.environ
    return _settings(env.get("RETROSCOPE_DB"), env.get("RETROSCOPE_USERDATA"), env.get("RETROSCOPE_CONFIG"))


@st.cache_resource(show_spinner=False, max_entries=4)
def _lake_probe(url: str, data_path: str | None) -> queries.lake.Probe:
    return queries.lake.Probe(queries.lake.Lake(url, data_path))


def _version(path) -> tuple | None:
    if queries.lake.is_lake(path):
        # A lake's identity is its snapshot: a finished load (or a saved form) is a new snapshot,
        # and a connection is pinned to the one it opened, as a reader of a file keeps its file.
        snap = _lake_probe(path.url, path.data_path).snapshot()
        return None if snap is None else ("lake", snap)
    try:
        s = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):   # no store (yet), or no folder that could hold one
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


def warehouse_version() -> tuple | None:
    """What the figures read: the warehouse file's identity (or lake snapshot) and the analysis
    config they are computed under (its fingerprint), so that a connection and every cached
    figure belong to one config (settings() is re-read when the environment points at another
    config file). None without a warehouse."""
    v = _version(settings().db_path)
    return None if v is None else (*v, queries.facts_fingerprint(settings().analysis))


# file versions of the user-input store produced by our own forecast records -> the version
# they stand for (the same store as far as every cached figure is concerned)
_own_writes: dict[tuple, tuple | None] = {}


def userdata_version() -> tuple | None:
    v = _version(settings().userdata)
    return _own_writes.get(v, v)


@dataclass(eq=False)   # hashed by identity (kept in a WeakSet)
class _Conn:
    con: object
    lock: threading.Lock
    userdata_version: tuple | None
    db_path: object = None
    version: tuple | None = None   # warehouse_version() it was opened at (file identity or lake snapshot, config)
    prefetching: bool = False   # a background prefetch query runs on `con` now (a page interrupts it)
    closed: bool = False


_open_conns: weakref.WeakSet = weakref.WeakSet()   # every _Conn opened (a page run interrupts their prefetch)


def _open(db_path, version: tuple) -> _Conn:
    if version[:-1] == _version(db_path):   # the current file: the older ones' connections go (a
        _retire(db_path, version)           # thread that read a version just before a swap retires nothing)
    s = settings()
    con = queries.connect(db_path, config=s.analysis, userdata_path=s.userdata)
    c = _Conn(con=con, lock=threading.Lock(), userdata_version=userdata_version(), db_path=db_path, version=version)
    with _interrupt_lock:   # a page run iterates the set under this lock (_interrupt_prefetch)
        _open_conns.add(c)
    return c


def _retire(db_path, version: tuple) -> None:
    """Close the connections to an earlier version of the warehouse before opening the new one.
    DuckDB keeps one database instance per path in a process: while any connection to the
    swapped-out file is open, connecting to the path again returns that old file (deleted from
    the folder, still open), so a finished load would never show until a restart. Each waits
    for the query it runs (a prefetch query is interrupted)."""
    with _interrupt_lock:
        old = [c for c in _open_conns if c.db_path == db_path and c.version != version and not c.closed]
        for c in old:
            if c.prefetching:
                c.con.interrupt()
    for c in old:
        with c.lock:
            if not c.closed:
                with contextlib.suppress(duckdb.Error):
                    c.con.close()
                c.closed = True


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(db_path, version: tuple) -> _Conn:
    return _open(db_path, version)


@st.cache_resource(show_spinner=False, max_entries=2)
def _side_connection(db_path, version: tuple) -> _Conn:
    """The prefetch's own connection for its analyses (`_cached_analysis`): several queries
    each, some at past as_of values (the forecast backtest: 2.4 s at 100k issues), which
    cannot be cut short (`_using`); on their own connection a page never waits for them."""
    return _open(db_path, version)


def has_warehouse() -> bool:
    return warehouse_version() is not None


def setup_problem() -> str | None:
    """What keeps the app from reading its data — a config file that is refused, a damaged
    or long-locked store — as the one-line message the CLI would print, else None. The app
    shows it inline instead of an exception box on every page."""
    try:
        settings()
        if has_warehouse():
            _conn()
    except queries.RetroscopeError as e:
        return str(e)
    return None


def _conn(side: bool = False) -> _Conn:
    version = warehouse_version()
    if version is None:
        raise queries.WarehouseMissing(f"no warehouse at {settings().db_path}")
    opener = _side_connection if side else _connection
    c = opener(settings().db_path, version)
    if c.closed:   # retired by another thread's newer version since `version` was read
        opener.clear()
        return _conn(side)
    ud = userdata_version()
    if ud != c.userdata_version:
        with c.lock:
            if c.closed:
                opener.clear()
                return _conn(side)
            queries.refresh_userdata(c.con, settings().userdata)
            c.userdata_version = ud
    return c


class _Retired(Exception):
    """The connection was closed (its warehouse file replaced by a load) between picking it and
    locking it: pick again."""


RETRIES = 3
KEPT_CHANGING = "the warehouse file kept changing while it was read; reload the page"


@contextmanager
def _locked(side: bool = False):
    """The current connection, held: picked again if a newer warehouse version retired it in
    between (`_retire` closes a connection under its lock)."""
    for _ in range(RETRIES):
        c = _conn(side)
        with c.lock:
            if c.closed:
                continue
            yield c
            return
    raise queries.RetroscopeError(KEPT_CHANGING)


@st.cache_data(show_spinner=False, ttl=60, max_entries=4)
def _today(config_fingerprint: str):
    from queries.dates import today_in

    return today_in(settings().analysis)


def today():
    """Today in the reporting timezone (queries.dates.today_in): the default day of what a person
    records on a page, and the latest day a form or the sidebar accepts. Not on the warehouse
    connection (a page would wait behind a prefetch query for it); kept a minute."""
    return _today(queries.facts_fingerprint(settings().analysis))


class PrefetchYield(Exception):
    """A prefetch query stopped (or not started) because a page run wants the connection."""


@contextmanager
def _using(c: _Conn, interruptible: bool = False):
    """Hold the connection for one computation. On the prefetch thread none starts while a
    page runs (PrefetchYield: it is done again later); an `interruptible` one (one query:
    nothing of the connection's state is half-written when it stops, see _cached) is
    interrupted by a page run that starts meanwhile (`page_run`), and raises PrefetchYield
    too, with no transaction left open on the connection."""
    with c.lock:
        if c.closed:
            raise _Retired()
        if threading.current_thread().name != _PREFETCH_THREAD:
            yield
            return
        with _interrupt_lock:
            if _active_runs:
                raise PrefetchYield()
            c.prefetching = interruptible
        try:
            yield
        except Exception as e:   # noqa: BLE001 - an interrupt by a page run, or a real error (left to the page)
            if _active_runs:
                _settle(c)
                raise PrefetchYield() from e
            raise
        finally:
            with _interrupt_lock:
                c.prefetching = False


def _settle(c: _Conn) -> None:
    """After an interrupted prefetch query: stop the interrupts, then roll back a transaction
    it left open (an interrupt may also have hit the rollback of its own), so the page's
    queries find the connection as before it."""
    with _interrupt_lock:
        c.prefetching = False
    with contextlib.suppress(duckdb.Error):
        if transactions.in_transaction(c.con):
            c.con.execute("ROLLBACK")


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(kind: str, name: str, params: tuple, wh_version: tuple, ud_version: tuple | None) -> pd.DataFrame:
    for _ in range(RETRIES):
        c = _conn()
        # one query, interruptible: at another as_of than the stored one, queries.run first caches
        # that instant's facts, all in one transaction (queries/facts_delta.py), which an interrupt
        # rolls back whole (tests/test_facts_cache.py); at 1M issues that caching takes seconds, and a
        # page waiting behind it took 3-4 s for an as-of change (docs/pages.md)
        try:
            with _using(c, interruptible=True):
                if kind == "public":
                    return run_public(c.con, name, **dict(params))
                return queries.run(c.con, name, **dict(params))
        except _Retired:
            continue
    raise queries.RetroscopeError(KEPT_CHANGING)


@functools.cache
def _report_params(name: str) -> frozenset[str]:
    """The `$params` a packaged report's SQL binds (queries.run binds only these)."""
    return frozenset(queries.params_of(queries.sql_text(name)))


def run_query(name: str, **params) -> pd.DataFrame:
    """Run a query (public ones through the registry's validation) with caching.
    Parameters a report does not use are ignored; public queries get only theirs."""
    kind = "public" if name in REGISTRY else "report"
    if kind == "public":
        params = {k: v for k, v in params.items() if REGISTRY[name].param(k) is not None}
    else:   # keyed by the parameters the SQL binds: a period change does not recompute an as-of-only report
        used = _report_params(name)
        params = {k: v for k, v in params.items() if k in used}
    key = tuple(sorted((k, v) for k, v in params.items()))
    return _cached(kind, name, key, warehouse_version(), userdata_version())


def recorded_forecasts() -> int:
    """How many forecasts the connection's copy of the user-input store holds (a cache key
    for the forecast history, which an own forecast record does not invalidate)."""
    with _locked() as c:
        return int(queries.run(c.con, "forecast__recorded_count")["n"].iloc[0])


def page_forecast_days(board_id: str | None, project: str | None) -> set:
    """The as-of days (as_of's day in the reporting timezone, queries.dates.local_day) on which
    the page already recorded a forecast for this scope, from the connection's copy of the
    user-input store (docs/metrics.md "Forecasts held to account": at most one per scope and
    day). Empty if it cannot be read."""
    from queries.dates import local_days

    try:
        with _locked() as c:
            rows = queries.run(c.con, "forecast__page_instants", board_id=board_id, project=project)["as_of"]
            return set(local_days(c.con, rows))
    except Exception as e:  # noqa: BLE001 - only decides whether to record: never breaks the page
        logging.getLogger("retroscope.app").debug("recorded forecasts not read: %s", e)
        return set()


def forecast_records(answer: pd.DataFrame, params: dict, source: str) -> pd.DataFrame:
    """The store rows of a forecast the page showed (queries.forecast_accounts.records_for)."""
    from datetime import UTC, datetime

    from queries import forecast_accounts

    with _locked() as c:
        return forecast_accounts.records_for(c.con, answer, params, made_at=datetime.now(UTC), source=source)


def record_forecasts(rows: pd.DataFrame) -> int:
    """Record forecasts the page showed (docs/metrics.md "Forecasts held to account"). Best
    effort and cheap: ids already recorded are skipped without opening the store; new ones are
    one small write that waits for no lock. A read-only or busy store, or any other failure,
    records nothing and shows nothing (logged at debug level). Returns the rows written."""
    from connectors import forecast_records

    try:
        c = _conn()
        with c.lock:
            have = set(queries.run(c.con, "forecast__ids_recorded",
                                   ids=[str(i) for i in rows["forecast_id"]])["forecast_id"])
        new = rows[~rows["forecast_id"].isin(have)]
        if new.empty:
            return 0
        path = settings().userdata
        with c.lock:
            before = userdata_version()
            written = forecast_records.record(path, new, wait_s=0)
            forecast_records.insert_new(c.con, new, table="temp.main.forecasts")
            after = _version(path)
            if after is not None and before == c.userdata_version:
                _own_writes[after] = before
                c.userdata_version = before
        return written
    except Exception as e:  # noqa: BLE001 - recording must never break the page
        logging.getLogger("retroscope.app").debug("forecast not recorded: %s", e)
        return 0


def metric_sources() -> pd.DataFrame:
    """The configured metric sources with freshness, values and last error (empty: none).
    A config error is shown as the table's one row."""
    from connectors import metric_sources as ms
    from queries.errors import RetroscopeError

    try:
        return ms.status(settings(), run_query("status_metric_sources"))
    except RetroscopeError as e:
        return pd.DataFrame([{"source": "(config)", "last error": str(e)}])


def invalidate_userdata() -> None:
    """Call after writing to the user-input store (the version check picks it up; this
    also drops cached frames at once)."""
    _cached.clear()


def db_label() -> str:
    """The warehouse as it is typed after `--db` (a lake URL quoted: it holds spaces)."""
    return queries.lake.db_arg(settings().db_path)


def userdata_path() -> Path:
    return settings().userdata


def jira_base(board_id: str | None = None) -> str | None:
    """The Jira site URL when the board's (or the only) source is a Jira sync, for links."""
    boards = run_query("dim_boards")
    if board_id is not None:
        boards = boards[boards["board_id"] == board_id]
    sources = {s for s in boards["source"] if isinstance(s, str) and s.startswith("jira:")}
    return sources.pop()[len("jira:"):].rstrip("/") if len(sources) == 1 else None


def csv_bytes(name: str, **params) -> bytes:
    """A public query's result as CSV (for the Data page's lazy download buttons; runs on
    Streamlit's download thread, so it bypasses st.cache_data)."""
    with _locked() as c:
        df = run_public(c.con, name, **params)
    if name == "forecast":   # an exported forecast is held to account like a shown one
        from datetime import UTC, datetime

        from queries.registry import resolve_params

        with _locked() as c:
            bound = resolve_params(c.con, name, dict(params))
            rows = forecast_accounts.records_for(c.con, df, bound, made_at=datetime.now(UTC), source="export")
        record_forecasts(rows)
    return spreadsheet_safe(df).to_csv(index=False).encode("utf-8")


# (256: the small day and time labels of queries.dates live here too, one per instant shown,
# and must not push the page analyses out)
@st.cache_data(show_spinner=False, max_entries=256)
def _cached_analysis(target: str, params: tuple, wh_version: tuple, ud_version: tuple | None):
    mod, fn = target.split(":")
    func = getattr(importlib.import_module(mod), fn)
    for _ in range(RETRIES):
        c = _conn(side=threading.current_thread().name == _PREFETCH_THREAD)
        try:
            with _using(c):
                return func(c.con, **dict(params))
        except _Retired:
            continue
    raise queries.RetroscopeError(KEPT_CHANGING)


def analysis(target: str, **params):
    """A pure-Python analysis `module:function(con, **params)` that is not a public query
    (e.g. the tech-health figures), cached like run_query."""
    key = tuple(sorted(params.items(), key=lambda kv: kv[0]))
    return _cached_analysis(target, key, warehouse_version(), userdata_version())


def local_day(instant):
    """The day an instant falls on in the reporting timezone (queries.dates.local_day), cached."""
    return analysis("queries.dates:local_day", instant=instant)


def local_times(instants) -> list[str | None]:
    """Each instant as the reporting timezone's wall clock with the zone's name
    (queries.dates.local_times), cached."""
    return analysis("queries.dates:local_times", instants=tuple(instants))


# Queries the pages run with the sidebar's parameters (plus page-specific extras), computed
# in the background once a view's filters are known, so switching pages finds them cached.
PREFETCH: tuple[tuple[str, dict], ...] = (
    ("sprint_facts", {}), ("tech_health__kpis", {}), ("flow_weekly", {}),
    ("estimate_calibration", {}), ("retro_follow_through", {}),
    ("sprint__carryover", {}), ("cfd_daily", {}), ("flow__ageing_wip", {}), ("quality__rework_trend", {}),
    ("flow__efficiency", {}), ("flow__time_in_status", {}),
    ("work_mix", {}), ("sprint_retro__last_retro", {}), ("retro__open_actions", {}),
    ("retro__agreement_evaluation", {}), ("flow__cycle_time_scatter", {}), ("calibration__worst_misses", {"limit": 15}),
    ("calibration__worst_misses", {"limit": 10**9}),
    ("impact", {}), ("outcomes__agreement_evaluation", {}), ("outcomes_page__metrics", {}),
    ("retro_log__retros", {}), ("retro_log__choices", {}), ("retro_log__agreement_verdicts", {}), ("data_quality", {}),
)

# The Sprint retro page's follow-up block asks these with the chosen sprint's board, which under
# All teams is not the sidebar's (dashboard/blocks.py retro_follow_up): prefetched with the
# board of the sprint its picker starts on too (follow_up_board).
FOLLOW_UP = ("sprint_retro__last_retro", "retro__open_actions", "retro__agreement_evaluation", "outcomes_page__metrics")


def follow_up_board(params: dict) -> str | None:
    """The board of the sprint the Sprint retro picker starts on under All teams (the latest
    closed of the sprints it lists), or None: with a team chosen, or no sprints."""
    if params.get("board_id") is not None:
        return None
    row = present.default_sprint(present.pickable_sprints(run_query("sprint_facts", **params)))
    return None if row is None else row.board_id


def _prefetch_follow_up(params: dict) -> None:
    board = follow_up_board(params)
    if board is not None:
        for name in FOLLOW_UP:
            run_query(name, **{**params, "board_id": board})


# The Calibration page's forecast panel: the public query 'forecast' and the histogram of its
# 'when' runs from one simulation (prefetched with the page's defaults below).
FORECAST_PANEL = "queries.forecast:forecast_with_histogram"


def forecast_panel_defaults(p: dict) -> dict:
    """The forecast panel's parameters before anyone edits them: the open items in scope and
    as_of + 28 days (dashboard/blocks.py forecast_panel)."""
    return {**p, "items": max(int(analysis("queries.forecast:remaining_items", **p)), 1),
            "target_date": analysis("queries.forecast:default_target_date", **p)}


def tech_health(board_id: str | None, as_of, sprints: int):
    """The tech-health figures (queries.tech_health.kpis) with the configured thresholds."""
    from queries.tech_health import Thresholds

    s = settings()
    thresholds = Thresholds.from_mapping(s.section("slide").get("thresholds"), where=str(s.config_path or "retroscope.toml"))
    return analysis("queries.tech_health:kpis", board_id=board_id, as_of=as_of, sprints=sprints, thresholds=thresholds)
_prefetched: set = set()
_prefetch_lock = threading.Lock()
_generation = 0           # the newest prefetch; an older one stops at its next query
_active_runs = 0          # page scripts running now (the prefetch waits while any is)
_last_run_end = 0.0       # time.monotonic() when the last one finished
IDLE_S = 1.5              # ... and this long after: the browser is still drawing that page
_runs_lock = threading.Lock()
_interrupt_lock = threading.Lock()   # orders a page's interrupt with a prefetch query's start and end
_PREFETCH_THREAD = "retroscope-prefetch"
_PENDING = "_retroscope_prefetch"   # session-state key: the filters of the page being drawn


def prefetch(params: dict) -> None:
    """Ask for every page's queries with these filters to be computed in the background
    once the page being drawn has finished (`page_run`). Called by the sidebar."""
    try:
        st.session_state[_PENDING] = params
    except Exception:   # noqa: BLE001 - no session (bare mode): start at once
        _start_prefetch(params)


@contextmanager
def page_run():
    """Around one run of a page script: while any page runs (and for IDLE_S after), the
    background prefetch waits between queries, so it does not compete with the page a user
    is waiting for nor hold the connection it needs; a prefetch query already running when
    the page starts is interrupted (DuckDB stops it within milliseconds) and done again
    later. When the page has finished (or stopped early), the prefetch for its filters is
    started. A run interrupted by a newer one starts nothing."""
    global _active_runs, _last_run_end
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException

    with _runs_lock, _interrupt_lock:
        _active_runs += 1
        try:
            _interrupt_prefetch()
        except Exception as e:   # noqa: BLE001 - best effort: a query left running only makes this page wait
            logging.getLogger("retroscope.app").debug("prefetch not interrupted: %s", e)
    try:
        yield
    except StopException:
        _start_prefetch(st.session_state.get(_PENDING))
        raise
    else:
        _start_prefetch(st.session_state.get(_PENDING))
    finally:
        with _runs_lock:
            _active_runs -= 1
            _last_run_end = time.monotonic()


def _interrupt_prefetch() -> None:
    """Interrupt the prefetch query running now, if any (caller holds _interrupt_lock, so the
    query cannot end and another start on the connection in between). DuckDB forgets an
    interrupt that arrives before the query has begun executing, so it is repeated every
    INTERRUPT_EVERY_S, from a short-lived thread, until that query has stopped."""
    busy = [c for c in _open_conns if c.prefetching]
    for c in busy:
        c.con.interrupt()
    if busy:
        threading.Thread(target=_keep_interrupting, args=(busy,), name="retroscope-interrupt", daemon=True).start()


INTERRUPT_EVERY_S = 0.05


def _keep_interrupting(conns: list) -> None:
    while True:
        time.sleep(INTERRUPT_EVERY_S)
        with _interrupt_lock:
            busy = [c for c in conns if c.prefetching] if _active_runs else []
            if not busy:
                return
            for c in busy:
                c.con.interrupt()


def _wait_for_pages() -> None:
    """Until no page runs and the last one finished IDLE_S ago (the browser draws a page's
    charts after its run ends; on one machine the prefetch's queries would slow that)."""
    while _active_runs or time.monotonic() - _last_run_end < IDLE_S:
        time.sleep(0.05)


def _start_prefetch(params: dict | None) -> None:
    """Warm the cache for every page's queries with these filters, on a background thread
    (once per warehouse version, user-input version and filters; only the newest filters:
    a user clicking through the sidebar does not queue a prefetch per step). Best effort:
    errors are left for the page that needs the data to report."""
    if params is None:
        return
    global _generation
    key = (warehouse_version(), userdata_version(), tuple(sorted(params.items())))
    with _prefetch_lock:
        if key in _prefetched or os.environ.get("RETROSCOPE_NO_PREFETCH"):
            return
        _prefetched.add(key)
        _generation += 1
        mine = _generation
    from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

    def work() -> None:
        jobs = [lambda n=n, e=e: run_query(n, **params, **(e(params) if callable(e) else e)) for n, e in PREFETCH]
        jobs += [lambda: _prefetch_follow_up(params),
                 lambda: analysis(FORECAST_PANEL, **forecast_panel_defaults(params)),
                 lambda: tech_health(params["board_id"], params["as_of"], 6),
                 lambda: analysis("queries.impact:hypotheses_table", **params),
                 lambda: analysis("queries.forecast_accounts:backtest", weeks=forecast_accounts.BACKTEST_WEEKS,
                                  runs=forecast_accounts.BACKTEST_RUNS, **params)]
        jobs.reverse()
        while jobs:
            _wait_for_pages()
            if mine != _generation:   # newer filters were asked for: they matter, these no longer
                with _prefetch_lock:
                    _prefetched.discard(key)   # done again if the user comes back to them
                return
            job = jobs.pop()
            try:
                job()
            except PrefetchYield:   # a page started: this job again once it has finished
                jobs.append(job)
            except Exception:  # noqa: BLE001 - best effort; the page shows the error
                pass

    t = threading.Thread(target=work, name=_PREFETCH_THREAD, daemon=True)
    add_script_run_ctx(t, get_script_run_ctx())
    t.start()
