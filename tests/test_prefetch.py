"""The background prefetch (dashboard/data.py PREFETCH) computes what the pages will ask for,
and nothing else: a query no page runs still costs its run and, at 1M issues, seconds of
pickling into Streamlit's cache while a user waits for the page they opened."""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import data

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"


def test_every_prefetched_query_is_one_a_page_runs():
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DASHBOARD.rglob("*.py") if p.name != "data.py")
    unused = [name for name, _ in data.PREFETCH if f'"{name}"' not in pages]
    assert unused == [], f"prefetched but run by no page: {unused}"


def _prefetch_query(c, out: dict, rows: int = 30_000_000_000, interruptible: bool = True) -> None:
    """A long query as the background prefetch runs it (on its thread, through data._using)."""
    t = time.monotonic()
    try:
        with data._using(c, interruptible=interruptible):
            c.con.execute(f"SELECT count(*) FROM range({rows}) t(x) WHERE x % 7 = 3").fetchall()
        out["result"] = "finished"
    except data.PrefetchYield:
        out["result"] = "yielded"
    out["seconds"] = time.monotonic() - t


def test_a_page_run_interrupts_the_prefetch_query_and_then_has_the_connection():
    c = data._Conn(con=duckdb.connect(), lock=threading.Lock(), userdata_version=None)
    data._open_conns.add(c)
    out: dict = {}
    th = threading.Thread(target=_prefetch_query, args=(c, out), name=data._PREFETCH_THREAD)
    th.start()
    deadline = time.monotonic() + 10
    while not c.prefetching and time.monotonic() < deadline:
        time.sleep(0.01)
    assert c.prefetching, "the prefetch query did not start"
    with data.page_run():
        th.join(10)
        # the page's own queries run on the connection as usual, and nothing is interrupted
        with data._using(c):
            assert c.con.execute("SELECT 42").fetchall() == [(42,)]
        # while the page runs, a prefetch query does not even start
        later: dict = {}
        blocked = threading.Thread(target=_prefetch_query, args=(c, later), name=data._PREFETCH_THREAD)
        blocked.start()
        blocked.join(10)
    assert out["result"] == "yielded" and out["seconds"] < 8, out
    assert later["result"] == "yielded" and later["seconds"] < 1, later
    assert not c.prefetching


def test_a_prefetch_computation_that_writes_state_is_not_interrupted():
    """An analysis runs several queries (data._cached_analysis, not interruptible): a page waits
    for it rather than cut it short."""
    c = data._Conn(con=duckdb.connect(), lock=threading.Lock(), userdata_version=None)
    data._open_conns.add(c)
    out: dict = {}
    th = threading.Thread(target=_prefetch_query, args=(c, out, 200_000_000, False), name=data._PREFETCH_THREAD)
    th.start()
    deadline = time.monotonic() + 10
    while not c.lock.locked() and time.monotonic() < deadline:
        time.sleep(0.001)
    with data.page_run():
        th.join(120)
    assert out["result"] == "finished", out


def test_a_failed_interrupt_does_not_leave_a_page_counted_as_running(monkeypatch):
    """Interrupting is best effort: if it fails, the page still runs and, when it ends, is no
    longer counted (a page counted for ever would keep every later prefetch waiting)."""
    def broken() -> None:
        raise RuntimeError("Set changed size during iteration")

    monkeypatch.setattr(data, "_interrupt_prefetch", broken)
    before = data._active_runs
    with data.page_run():
        assert data._active_runs == before + 1
    assert data._active_runs == before


def test_connections_opened_while_a_page_interrupts_are_safe(monkeypatch):
    """Opening connections (another session, after a sync) while page runs interrupt the
    prefetch: the set of open connections is never changed while it is iterated."""
    import sys
    from types import SimpleNamespace

    monkeypatch.setattr(data.queries, "connect", lambda *a, **k: None)   # data._open, without a warehouse
    monkeypatch.setattr(data, "settings", lambda: SimpleNamespace(analysis=None, userdata=None))
    monkeypatch.setattr(data, "userdata_version", lambda: None)
    errors: list[BaseException] = []
    stop = time.monotonic() + 3
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)   # provoke the interleaving

    def opener() -> None:
        kept = []
        while time.monotonic() < stop:
            kept.append(data._open("no.duckdb", ("v",)))
            if len(kept) > 50:
                kept.clear()

    def interrupter() -> None:
        while time.monotonic() < stop:
            try:
                with data._interrupt_lock:
                    data._interrupt_prefetch()
            except BaseException as e:   # noqa: BLE001
                errors.append(e)
                return

    try:
        threads = [threading.Thread(target=opener), threading.Thread(target=interrupter)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    finally:
        sys.setswitchinterval(switch)
    assert errors == []


def which_connection(con, tag: str) -> int:
    """An 'analysis' that says which connection it was given (for the test below)."""
    return id(con)


def test_the_prefetch_runs_its_analyses_on_its_own_connection(monkeypatch):
    """An analysis cannot be cut short (several queries, some at past as_of values): on the
    prefetch's own connection, a page never waits for it."""
    conns = [data._Conn(con=duckdb.connect(), lock=threading.Lock(), userdata_version=None) for _ in range(2)]
    version = ("test", time.monotonic_ns())   # a warehouse version of its own: fresh caches
    monkeypatch.setattr(data, "warehouse_version", lambda: version)
    monkeypatch.setattr(data, "userdata_version", lambda: None)
    monkeypatch.setattr(data, "settings", lambda: type("S", (), {"db_path": "test.duckdb"})())
    monkeypatch.setattr(data, "_open", lambda db_path, version: conns.pop())
    target = f"{__name__}:which_connection"
    page = data.analysis(target, tag="page")
    out: dict = {}
    th = threading.Thread(target=lambda: out.update(id=data.analysis(target, tag="prefetch")),
                          name=data._PREFETCH_THREAD)
    th.start()
    th.join(30)
    assert page != out["id"]
    assert data.analysis(target, tag="page again") == page   # pages keep theirs


class _SlowAt:
    """The connection, with a long query run just before the first statement containing
    `marker` (inside whatever transaction is open then): where a page's interrupt lands."""

    def __init__(self, con, marker: str):
        self.con, self.marker, self.slow_started = con, marker, threading.Event()

    def execute(self, sql, *args):
        if self.marker in sql and not self.slow_started.is_set():
            self.slow_started.set()
            # a few seconds: long enough for the page's interrupt to land in it, short enough that
            # a prefetch the page waits for (not interrupted) finishes and the test fails quickly
            self.con.execute("SELECT count(*) FROM range(3000000000) t(x) WHERE x % 7 = 3").fetchall()
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_a_page_interrupts_the_prefetch_caching_another_as_of_and_the_cache_stays_whole(demo_db, monkeypatch):
    """At another as_of a query first caches that instant's facts, in one transaction: a page
    run interrupts it midway (here in the sprint windows' fill), the whole of it is rolled back
    (no transaction left open, nothing of that instant cached), and the same question asked
    again on that connection is answered exactly."""
    import queries
    from queries import facts_delta, transactions
    from queries.registry import default_as_of, run_public

    con = queries.connect(demo_db)
    past = default_as_of(con) - timedelta(days=20)
    slow = _SlowAt(con, "INSERT INTO fct_sprint_windows__cache")
    c = data._Conn(con=slow, lock=threading.Lock(), userdata_version=None)
    data._open_conns.add(c)
    monkeypatch.setattr(data, "_conn", lambda side=False: c)
    out: dict = {}

    def prefetch() -> None:   # the prefetch's query, as data.run_query runs it (uncached)
        t = time.monotonic()
        try:
            data._cached.__wrapped__("public", "sprint_facts", (("as_of", past),), None, None)
            out["result"] = "finished"
        except data.PrefetchYield:
            out["result"] = "yielded"
        out["seconds"] = time.monotonic() - t

    th = threading.Thread(target=prefetch, name=data._PREFETCH_THREAD)
    th.start()
    assert slow.slow_started.wait(60)
    time.sleep(0.2)
    with data.page_run():
        th.join(60)
    assert out["result"] == "yielded", out
    assert not c.prefetching
    assert not transactions.in_transaction(con)
    assert facts_delta.cached_instants(con) == []
    assert con.execute("SELECT count(*) FROM fx_cached").fetchall()[0][0] == 0
    got = run_public(con, "sprint_facts", as_of=past)
    fresh = queries.connect(demo_db)
    try:
        want = run_public(fresh, "sprint_facts", as_of=past)
    finally:
        fresh.close()
    assert len(got) > 0
    pd.testing.assert_frame_equal(got, want)
    con.close()


def _sprints(rows):
    return pd.DataFrame(rows, columns=["board_id", "sprint_id", "start_at", "state"]).assign(
        start_at=lambda d: pd.to_datetime(d["start_at"]))


def test_under_all_teams_the_follow_up_is_prefetched_for_the_sprint_the_picker_starts_on(monkeypatch):
    """Sprint retro asks for last retro's actions with the chosen sprint's board; under All teams
    the picker starts on the latest closed sprint (here board 2's, though board 1 has a later,
    running one), so the prefetch warms those queries with board 2."""
    sprints = _sprints([("1", "a1", "2026-10-01", "closed"), ("2", "b1", "2026-10-08", "closed"),
                        ("1", "a2", "2026-10-15", "active"), ("2", "b2", "2026-10-22", "future")])
    asked = []

    def run_query(name, **params):
        asked.append((name, params.get("board_id")))
        return sprints if name == "sprint_facts" else pd.DataFrame()

    monkeypatch.setattr(data, "run_query", run_query)
    assert data.follow_up_board({"board_id": None}) == "2"
    assert data.follow_up_board({"board_id": "1"}) is None   # a team chosen: the sidebar's board is the sprint's
    asked.clear()
    data._prefetch_follow_up({"board_id": None})
    assert asked == [("sprint_facts", None)] + [(name, "2") for name in data.FOLLOW_UP]
    monkeypatch.setattr(data, "run_query", lambda name, **p: _sprints([]))
    assert data.follow_up_board({"board_id": None}) is None   # no sprints: nothing to warm


def test_the_follow_up_queries_are_the_ones_the_block_runs():
    block = (DASHBOARD / "blocks.py").read_text(encoding="utf-8").split("def retro_follow_up", 1)[1].split("\ndef ", 1)[0]
    assert sorted(data.FOLLOW_UP) == sorted(set(re.findall(r'data\.run_query\("(\w+)"', block)))
