"""The per-connection cache of other as_of values (docs/facts.md, "Any as_of stays exact"):
bounded to the most recently used instants, and filled all or nothing. On the hand-made
warehouse of test_facts_delta, every figure after an eviction or a failed fill equals the
computation from scratch, and no cached row is held twice."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers_sprints import connect, temp_tables
from test_facts_delta import ISSUES
from test_sprints_property import AS_OF_K, at, build
from test_stored_facts import MARTS, QUICK, assert_same

import queries
from queries import facts, facts_delta

ALL_MARTS = {m.name for m in facts.STORED_MARTS}
KEYED = ("fx_cached", "fx_scoped", "fx_scope", "fx_scope_issues", "fx_running", "fx_used",
         *(f"{m}__cache" for m in sorted(ALL_MARTS)))


# The instants asked about, all after the stored k=78: at an earlier instant the sprint members
# are read from their stored rows (StoredMart.earlier) and nothing of theirs is cached, so the
# cache of every mart is exercised at later ones (the issue facts' cache at earlier ones:
# test_facts_delta). Sprint 3 runs at each of them as at k=78; D's rework runs on.
FIRST, SECOND, THIRD = 90, 84, 96


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build(dict(ISSUES)).load(tmp_path_factory.mktemp("cache") / "w.duckdb", data_as_of=at(AS_OF_K))


class Live:
    """The figures computed from scratch (test_stored_facts.compare), each computed once."""

    def __init__(self, con):
        self.con, self.frames = con, {}

    def frame(self, name: str, as_of, board):
        if (name, as_of, board) not in self.frames:
            self.frames[name, as_of, board] = _ask(self.con, name, as_of, board)
        return self.frames[name, as_of, board]


def _ask(con, name: str, as_of, board):
    if name in MARTS:
        return con.execute(MARTS[name], {"as_of": as_of}).df()
    return queries.run(con, name, as_of=as_of, board_id=board, project=None, date_from=None, date_to=None)


@pytest.fixture(scope="module")
def live(warehouse):
    con = connect(warehouse, stored=False)
    yield Live(con)
    con.close()


@pytest.fixture
def cons(warehouse, live):
    stored = connect(warehouse)
    yield stored, live
    stored.close()


def compare(stored, live: Live, as_of, board, reports=QUICK, marts=True) -> None:
    """Every report (and with `marts`, every stored mart) equals the computation from scratch."""
    for name in [*reports, *(MARTS if marts else ())]:
        assert_same(_ask(stored, name, as_of, board), live.frame(name, as_of, board), f"{name} as of {as_of} board {board}")


def _state(con) -> dict[str, list]:
    """Every cache table's rows, sorted (as text, so lists and NULLs compare)."""
    return {t: sorted(map(str, con.execute(f"SELECT * FROM {t}").fetchall())) for t in KEYED if t in temp_tables(con)}


def _instants(con, table: str) -> set:
    return {r[0] for r in con.execute(f"SELECT DISTINCT fx_as_of FROM {table}").fetchall()}


def _no_duplicates(con) -> None:
    for t in KEYED:
        if t in temp_tables(con):
            n, distinct = con.execute(f"SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT * FROM {t})) "
                                      f"FROM {t}").fetchall()[0]
            assert n == distinct, f"{t} holds {n - distinct} duplicated row(s)"
    keys = con.execute("SELECT count(*), count(DISTINCT (mart, fx_as_of, fx_board)) FROM fx_cached").fetchall()[0]
    assert keys[0] == keys[1], "an entry recorded twice"


def _macros_mention(con, instant) -> bool:
    lit = facts.ts_literal(instant).split(" ", 1)[1]     # '2026-…+00:00', as the macro's text holds it
    return bool(con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_type = 'table_macro' "
                            "AND contains(macro_definition, $l)", {"l": lit}).fetchall()[0][0])


def test_the_least_recently_used_instant_is_evicted_and_computed_again_exactly(cons, monkeypatch):
    monkeypatch.setattr(facts_delta, "CACHED_INSTANTS", 2)
    stored, live = cons
    compare(stored, live, at(FIRST), None, QUICK, marts=True)
    compare(stored, live, at(SECOND), None, QUICK, marts=True)
    compare(stored, live, at(FIRST), "1", ("sprint_facts",), marts=False)   # a read: FIRST is the most recently used again
    assert facts_delta.cached_instants(stored) == [at(FIRST), at(SECOND)]
    assert at(SECOND) in _instants(stored, "fx_running")          # sprint 3 runs then and at 78
    compare(stored, live, at(THIRD), None, QUICK, marts=True)     # a third instant: SECOND goes
    assert facts_delta.cached_instants(stored) == [at(THIRD), at(FIRST)]
    for t in KEYED:
        if t in temp_tables(stored):
            assert at(SECOND) not in _instants(stored, t), t
    assert not _macros_mention(stored, at(SECOND))
    assert _macros_mention(stored, at(FIRST))
    # asked again, SECOND is computed again (D recomputed) and evicts FIRST; every figure is exact
    compare(stored, live, at(SECOND), None, QUICK, marts=True)
    assert facts_delta.scoped_issues(stored, at(SECOND)) == 1     # D, whose rework runs on; G kept, moved
    assert facts_delta.cached_instants(stored) == [at(SECOND), at(THIRD)]
    assert facts_delta.scoped_issues(stored, at(FIRST)) is None
    compare(stored, live, at(THIRD), "2", ("sprint_facts",), marts=False)
    compare(stored, live, at(FIRST), None, QUICK, marts=True)
    assert facts_delta.cached_instants(stored) == [at(FIRST), at(THIRD)]
    _no_duplicates(stored)


def test_the_cache_holds_at_most_the_bound(cons):
    stored, _ = cons
    n = facts_delta.CACHED_INSTANTS
    assert 8 <= n <= 16
    ks = list(range(80, 80 + 3 * (n + 2), 3))                   # n + 2 instants after the stored 78
    for k in ks:
        _ask(stored, "sprint_facts", at(k), None)
    assert facts_delta.cached_instants(stored) == [at(k) for k in reversed(ks[-n:])]
    assert _instants(stored, "fct_sprint_board_members__cache") <= {at(k) for k in ks[-n:]}
    assert _instants(stored, "fx_scope") == {at(k) for k in ks[-n:]}
    assert _instants(stored, "fx_cached") == {at(k) for k in ks[-n:]}


class Failing:
    """A connection that fails at the `nth` statement containing `marker`: as a Ctrl-C
    between two statements (`kind` "interrupt": nothing of the statement ran) or as a DuckDB
    error in the statement (`kind` "error": it aborts the transaction, as an interrupt by
    another thread or a failing query does)."""

    def __init__(self, con, marker: str, nth: int, kind: str):
        self.con, self.marker, self.nth, self.kind, self.seen = con, marker, nth, kind, 0

    def execute(self, sql, *args):
        if self.marker in sql:
            self.seen += 1
            if self.seen == self.nth:
                if self.kind == "interrupt":
                    raise KeyboardInterrupt
                return self.con.execute("SELECT error('injected failure')")
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


FAILURES = [
    # (at k=90, after the stored k=78: the sprint windows are cached first, then the four issue
    # marts' delta and rows, then the sprint members' delta and rows, then the shipped items)
    ("CREATE OR REPLACE TEMP VIEW stg_issues", 2),   # mid-narrowing for the sprint members
    ("INSERT INTO fx_scope ", 1),                # the running sprints kept, D not
    ("INSERT INTO fx_scoped", 2),                # D kept, not recorded
    ("INSERT INTO fx_cached", 6),                # the issue marts recorded, the sprint members cached, not recorded
    ("CREATE OR REPLACE TEMP MACRO fct_sprint_board_members", 1),   # recorded, macro not re-pointed
    ("CREATE OR REPLACE TEMP TABLE fx_scope AS", 1),   # mid-eviction (one instant kept)
]


def _fail(stored, marker, nth, kind):
    with pytest.raises(KeyboardInterrupt if kind == "interrupt" else duckdb.Error):
        facts_delta.ensure(Failing(stored, marker, nth, kind), ALL_MARTS, at(FIRST))


@pytest.mark.parametrize("kind", ["interrupt", "error"])
@pytest.mark.parametrize(("marker", "nth"), FAILURES)
def test_a_fill_that_fails_midway_leaves_the_cache_as_it_was(cons, monkeypatch, marker, nth, kind):
    stored, live = cons
    if "fx_scope AS" in marker:
        monkeypatch.setattr(facts_delta, "CACHED_INSTANTS", 1)
    compare(stored, live, at(SECOND), None, QUICK, marts=True)    # something cached already
    before = _state(stored)
    _fail(stored, marker, nth, kind)
    assert _state(stored) == before                           # all or nothing
    assert not {r[0] for r in stored.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()} & {
        *facts.PER_ISSUE_VIEWS, *facts.RAW_ISSUE_TABLES}   # no narrowing left behind
    stored.execute("BEGIN TRANSACTION")                       # no transaction left open
    stored.execute("ROLLBACK")
    compare(stored, live, at(FIRST), None, QUICK, marts=True)    # asked again: computed whole, exact
    compare(stored, live, at(FIRST), "1", ("sprint_facts",), marts=False)
    compare(stored, live, at(SECOND), None, (), marts=True)
    _no_duplicates(stored)


@pytest.mark.parametrize(("marker", "nth"), FAILURES[:-1])
def test_inside_a_caller_s_transaction_a_retry_after_a_failure_is_exact(cons, marker, nth):
    """In the caller's transaction the fill is part of it: a DuckDB error aborts it (the caller
    rolls back); a Ctrl-C the caller swallows before committing leaves part of a fill, which
    the next question at that instant replaces instead of adding to."""
    stored, live = cons
    for kind in ("error", "interrupt"):
        stored.execute("BEGIN TRANSACTION")
        _fail(stored, marker, nth, kind)
        stored.execute("ROLLBACK" if kind == "error" else "COMMIT")
    compare(stored, live, at(FIRST), None, QUICK, marts=True)
    compare(stored, live, at(FIRST), "2", ("sprint_facts",), marts=False)
    _no_duplicates(stored)


def test_a_fill_inside_a_caller_s_transaction_does_not_break_it(cons):
    stored, live = cons
    stored.execute("CREATE TEMP TABLE mine (x INT)")
    stored.execute("BEGIN TRANSACTION")
    stored.execute("INSERT INTO mine VALUES (1)")
    compare(stored, live, at(50), None, QUICK, marts=True)
    stored.execute("INSERT INTO mine VALUES (2)")
    stored.execute("COMMIT")
    assert stored.execute("SELECT count(*) FROM mine").fetchall() == [(2,)]
    assert facts_delta.cached_instants(stored) == [at(50)]


def test_the_stored_instant_is_read_once_per_connection(cons, warehouse):
    """Every question asks which instant the stored facts hold (facts.stored_as_of): it is
    read from the connection's fx_stored once, then kept beside the connection."""
    stored, _ = cons
    meta_as_of = stored.execute("SELECT as_of FROM facts.meta").fetchall()[0][0]
    assert facts.stored_as_of(stored) == meta_as_of == at(AS_OF_K)
    stored.execute("DROP TABLE temp.fx_stored")   # were it read again, there would be no instant
    assert facts.stored_as_of(stored) == meta_as_of
    # a connection computing from scratch has none, and keeps none
    live = connect(warehouse, stored=False)
    try:
        assert facts.stored_as_of(live) is None
        assert facts.stored_as_of(live) is None
    finally:
        live.close()
