"""Stored facts (docs/facts.md): every figure read from the tables a load stores equals the
figure computed live from the raw history, at the stored as_of and at any other as_of
(mid-sprint ones included), for all boards and for one; the tables are readable by any
DuckDB client; a changed config falls back to live figures; a failed load keeps the
last good facts."""

from __future__ import annotations

import copy
import shutil
import tempfile
from datetime import UTC
from pathlib import Path
from unittest import mock

import duckdb
import pandas as pd
import pytest
from helpers_sprints import DONE, IN_PROGRESS, REVIEW, SOURCE, TODO, Scenario, connect, ts
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_sprints_property import (
    AS_OF_K,
    STATUS_IDS,
    at,
    build,
    fmt,
    issue_strategy,
    points,
    sprint_lists,
    times,
)

import queries
from connectors.load import ISSUE_TABLES, refresh_facts, staged_load
from queries import facts, registry
from queries.config import AnalysisConfig

REPORTS = ("issue_facts", "sprint_facts", "flow_weekly", "work_mix", "time_in_status", "cfd_daily",
           "estimate_calibration", "data_quality", "sprint__velocity", "sprint__carryover",
           "sprint__scope_changes", "flow__ageing_wip", "quality__rework_trend")
# on random histories: the reports over each stored mart
QUICK = ("issue_facts", "sprint_facts", "work_mix", "time_in_status", "sprint__carryover")
MARTS = {
    "fct_issue_facts": "SELECT * FROM fct_issue_facts($as_of)",
    "fct_status_intervals": "SELECT * FROM fct_status_intervals($as_of)",
    "fct_status_totals": "SELECT * FROM fct_status_totals($as_of)",
    "fct_sprint_windows": "SELECT * FROM fct_sprint_windows($as_of)",
    "fct_sprint_members": "SELECT * FROM fct_sprint_members($as_of)",
    "fct_sprint_board_members(1)": "SELECT * FROM fct_sprint_board_members($as_of, '1')",
    "fct_shipped_items": "SELECT * FROM fct_shipped_items($as_of)",
}


def canon(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order, lists as tuples, so two frames compare by content."""
    df = df.copy()
    for c in df.columns:
        if df[c].dtype == object and df[c].map(lambda v: isinstance(v, list | tuple)).any():
            df[c] = df[c].map(lambda v: tuple(v) if isinstance(v, list | tuple) else v)
    if len(df) < 2:
        return df.reset_index(drop=True)
    # ordered by the row's cells as text, compared in Python: for the few rows of a test
    # warehouse this is far cheaper than pandas sorting by as many keys as there are columns
    keys = ["\x1f".join(map(str, row)) for row in df.itertuples(index=False, name=None)]
    return df.iloc[sorted(range(len(df)), key=keys.__getitem__)].reset_index(drop=True)


def assert_same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    """Equal to the bit (figures are exact for the same data and as_of: docs/metrics.md
    "Exact to the bit"), not merely close."""
    assert list(a.columns) == list(b.columns), what
    pd.testing.assert_frame_equal(canon(a), canon(b), check_dtype=False, check_exact=True, obj=what)


def compare(stored, live, as_of, board, reports=REPORTS, marts=True) -> None:
    params = dict(as_of=as_of, board_id=board, project=None, date_from=None, date_to=None)
    for name in reports:
        assert_same(queries.run(stored, name, **params), queries.run(live, name, **params),
                    f"{name} as of {as_of} board {board}")
    for name, sql in MARTS.items() if marts else ():
        assert_same(stored.execute(sql, {"as_of": as_of}).df(), live.execute(sql, {"as_of": as_of}).df(),
                    f"{name} as of {as_of}")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue_strategy, min_size=1, max_size=6), st.integers(0, AS_OF_K + 6))
def test_stored_equals_live_on_random_histories(issue_list, extra_k):
    issues = {f"I{n}": it for n, it in enumerate(issue_list)}
    with tempfile.TemporaryDirectory() as d:
        db = build(issues).load(Path(d) / "w.duckdb", data_as_of=at(AS_OF_K))
        stored, live = connect(db), connect(db, stored=False)
        try:
            assert queries.facts.stored_as_of(stored) == at(AS_OF_K)
            assert queries.facts.stored_as_of(live) is None
            # the stored instant, a mid-sprint instant (sprint 2: 36..64), a drawn one
            for k in (AS_OF_K, 50, extra_k):
                compare(stored, live, at(k), None, QUICK, marts=k == extra_k)
            compare(stored, live, at(50), "1", QUICK, marts=False)
            compare(stored, live, at(50), "1", QUICK, marts=False)   # again: from the connection's cache
        finally:
            stored.close()
            live.close()


UNKNOWN = "99"   # a status id the warehouse has no name for; its changes name it variously
# issue_strategy's issues, some created in that status, some moved into it, some epics
odd_issue = st.tuples(issue_strategy, st.booleans(), st.lists(st.tuples(times, st.just(UNKNOWN)), max_size=2),
                      st.booleans()).map(lambda x: {
    **x[0], "status0": UNKNOWN if x[1] else x[0]["status0"],
    "status_changes": x[0]["status_changes"] + x[2], "epic": x[3]})


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(odd_issue, min_size=1, max_size=5), st.lists(st.sampled_from([None, "Blocked A", "Blocked B"]),
       min_size=6, max_size=6), st.integers(0, AS_OF_K + 6))
def test_stored_equals_live_with_unnamed_statuses_and_epics(issue_list, names, extra_k):
    """Histories with a status the warehouse has no name for (its changes name it "Blocked A",
    "Blocked B" or nothing) and with epics: stored == live for the reports that name statuses."""
    s = build({f"I{n}": {k: v for k, v in it.items() if k != "epic"} for n, it in enumerate(issue_list)})
    epics = {f"I{n}" for n, it in enumerate(issue_list) if it["epic"]}
    for r in s.issues:
        if r["issue_id"] in epics:
            r["issue_type"] = "Epic"
    for j, r in enumerate(r for r in s.status_changes if r["to_status_id"] == UNKNOWN):
        r["to_status_name"] = names[j % len(names)]
    with tempfile.TemporaryDirectory() as d:
        db = s.load(Path(d) / "w.duckdb", data_as_of=at(AS_OF_K))
        stored, live = connect(db), connect(db, stored=False)
        try:
            for k in (extra_k, AS_OF_K):
                compare(stored, live, at(k), None, QUICK + ("cfd_daily", "flow__time_in_status"), marts=k == extra_k)
            compare(stored, live, at(50), "1", ("time_in_status", "cfd_daily"), marts=False)
        finally:
            stored.close()
            live.close()


def test_stored_equals_live_on_the_demo(demo_db):
    """The demo's stored facts (built with the suite's one DuckDB thread, tests/conftest.py)
    equal the figures computed live with four threads and DuckDB's smallest scan chunks."""
    stored, live = queries.connect(demo_db), queries.connect(demo_db, stored=False)
    threads = live.execute("SELECT current_setting('threads')").fetchall()[0][0]
    try:
        live.execute("SET threads = 4")
        live.execute("PRAGMA verify_parallelism")
        as_of = queries.facts.stored_as_of(stored)
        assert as_of is not None
        for when in (as_of, as_of - pd.Timedelta(days=9)):      # now and mid-sprint
            for board in (None, stored.execute("SELECT min(board_id) FROM raw_boards").fetchone()[0]):
                compare(stored, live, when, board)
    finally:
        live.execute(f"SET threads = {int(threads)}")   # (the open database's, shared by both)
        stored.close()
        live.close()


def test_sprint_facts_reads_the_stored_rows_of_sprints_whose_window_did_not_move(demo_db):
    """Nine days before the stored instant S, the sprints closed by then (their window at T
    is the one stored at S) are read from facts.sprint_facts; those running at T, closed
    since or still running, are added up again (docs/facts.md "Sprints whose window did not
    move"); a connection computing live reads no stored row."""
    stored, live = queries.connect(demo_db), queries.connect(demo_db, stored=False)
    try:
        s_at = queries.facts.stored_as_of(stored)
        t = s_at - pd.Timedelta(days=9)
        windows = stored.execute("SELECT sprint_id, state, t_start, t_end FROM facts.sprint_windows").df()
        closed_by_t = set(windows.loc[(windows["state"] == "closed") & (windows["t_end"] <= t), "sprint_id"])
        started_by_t = set(windows.loc[windows["t_start"] <= t, "sprint_id"])
        # (the report makes the connection's sprint_facts_kept on its first question at another instant)
        assert stored.execute("SELECT count(*) FROM sprint_facts_kept($a)", {"a": t}).fetchone()[0] == 0
        params = dict(as_of=t, board_id=None, project=None, date_from=None, date_to=None)
        assert_same(queries.run(stored, "sprint_facts", **params), queries.run(live, "sprint_facts", **params),
                    "sprint_facts nine days back")
        kept = {r[0] for r in stored.execute("SELECT sprint_id FROM sprint_facts_kept($a)", {"a": t}).fetchall()}
        assert kept == closed_by_t
        assert kept and started_by_t - kept          # both kinds at this instant
        at_s = {r[0] for r in stored.execute("SELECT sprint_id FROM sprint_facts_kept($a)", {"a": s_at}).fetchall()}
        assert at_s == set(windows["sprint_id"])     # at S itself, every stored row holds
        assert live.execute("SELECT count(*) FROM sprint_facts_kept($a)", {"a": t}).fetchone()[0] == 0
    finally:
        stored.close()
        live.close()


def test_stored_facts_are_not_built_on_a_connection_that_reads_them(tmp_path, demo_db):
    """A connection reading stored facts answers from the tables a build replaces (the stored
    sprint_facts rows among them): building there is refused, and nothing is written."""
    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, db)
    before = stored_tables(db)
    con = queries.connect(db, read_only=False)
    try:
        assert queries.facts.stored_as_of(con) is not None
        with pytest.raises(queries.QueryError, match="loader's connection"):
            queries.build_facts(con)
    finally:
        con.close()
    after = stored_tables(db)
    assert sorted(after) == sorted(before)
    for name in before:
        assert_same(after[name], before[name], name)


def test_facts_are_tables_any_duckdb_client_can_read(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'facts'").fetchall()}
        assert {"issue_facts", "sprint_facts", "sprint_members", "status_stays", "status_totals", "flow_weekly",
                "work_mix", "shipped_items", "sprint_windows", "meta"} <= tables
        n_sprints = con.execute("SELECT count(*) FROM facts.sprint_facts").fetchone()[0]
        n_closed = con.execute("SELECT count(*) FROM raw_sprints WHERE state <> 'future'").fetchone()[0]
        assert n_sprints == n_closed == 26
        # the derived layers are stored too: any as_of from a plain client, as docs/facts.md shows
        con.execute("SET search_path = 'main,derived'")
        stored_n = con.execute("SELECT count(*) FROM fct_issue_facts((SELECT as_of FROM facts.meta))").fetchone()[0]
        assert stored_n == con.execute("SELECT count(*) FROM facts.issue_facts").fetchone()[0]
        earlier = con.execute("SELECT count(*) FROM fct_issue_facts(TIMESTAMPTZ '2026-08-01 00:00:00+00')").fetchone()[0]
        assert 0 < earlier < stored_n    # fewer issues existed then
        # the issue facts at a past instant as a range predicate over the stored versions, as
        # docs/facts.md shows: the same rows as the replay of the history (fct_issue_facts)
        at = "TIMESTAMPTZ '2026-10-01 09:30:00+00'"
        read = con.execute(f"SELECT * FROM issue_facts_between('facts.issue_facts', 'facts.issue_versions', {at}) "
                           "ORDER BY issue_id").df()
        replayed = con.execute(f"SELECT * FROM fct_issue_facts({at}) ORDER BY issue_id").df()   # computed anew
        assert len(read) > 100 and read["completed_at"].notna().any() and (read["rework_days"] > 0).any()
        assert_same(read, replayed, "issue facts from the stored versions vs the replay")
        # the marts stored over the whole history answer an earlier instant from their tables,
        # clipped (StoredMart.earlier): the same rows as their definition, no history replayed
        for m in (m for m in facts.STORED_MARTS if m.earlier):
            args = ", ".join([at] + ["NULL"] * (len(m.args) - 1))   # (every board)
            got = con.execute(f"SELECT * FROM {m.name}({args})").df()
            assert len(got) > 100, m.name
            assert_same(got, con.execute(f"SELECT * FROM {m.name}__live({args})").df(), f"{m.name} at {at}")
            plan = "\n".join(r[1] for r in con.execute(f"EXPLAIN SELECT * FROM {m.name}({args})").fetchall())
            assert m.table in plan, m.name   # its stored table (the plan may not name the schema)
            assert "stg_status_changes" not in plan, f"{m.name} at {at} replays the status history"
            if m.board_arg:   # one board's: the same rows as the definition's for that board
                board = con.execute("SELECT max(board_id) FROM facts.sprint_windows").fetchone()[0]
                args = ", ".join([at] + [f"'{board}'" if a == m.board_arg else "NULL" for a in m.args[1:]])
                got = con.execute(f"SELECT * FROM {m.name}({args})").df()
                every = con.execute(f"SELECT count(*) FROM {m.name}({at}, NULL)").fetchone()[0]
                assert 0 < len(got) < every, m.name
                assert set(got["board_id"]) == {board}
                assert_same(got, con.execute(f"SELECT * FROM {m.name}__live({args})").df(), f"{m.name} board {board}")
    finally:
        con.close()
    # and the stored table is what the public query returns for all boards at the default as_of
    rc = queries.connect(demo_db)
    try:
        as_of = registry.default_as_of(rc)
        public = registry.run_public(rc, "sprint_facts", as_of=as_of)
        table = rc.execute("SELECT * FROM facts.sprint_facts").df()
        assert_same(public, table, "facts.sprint_facts vs the public query")
    finally:
        rc.close()


def test_a_reader_binds_only_the_branch_its_question_takes(tmp_path, demo_db):
    """Retroscope's readers call the stored marts' macros of schema `reader`, which bind only
    the branch an instant takes (docs/facts.md "Binding only the branch taken"); a plain client
    calls those of `derived`, which bind every branch and take any argument. With a mart's live
    definition gone, the stored instant still reads on a reader, not on a plain client; and the
    arguments a reader's macro writes back into SQL (instants, one given as text, board ids with
    a quote, NULL) give the rows `derived` gives."""
    db = tmp_path / "copy.duckdb"
    shutil.copyfile(demo_db, db)
    with duckdb.connect(str(db)) as c:
        stored = c.execute("SELECT as_of FROM facts.meta").fetchone()[0]
        n_stored = c.execute("SELECT count(*) FROM facts.issue_facts").fetchone()[0]
        board = c.execute("SELECT min(board_id) FROM raw_boards").fetchone()[0]
        c.execute("SET search_path = 'main,derived'")
        past = pd.Timestamp(stored) - pd.Timedelta(days=20)
        plain = {b: c.execute("SELECT * FROM fct_sprint_board_members($a, $b)", {"a": past, "b": b}).df()
                 for b in (board, None, "O'Neil")}
        as_text = str(past)   # an instant given as text: cast where the definition compares it, as before
        windows = c.execute("SELECT * FROM fct_sprint_windows($a)", {"a": as_text}).df()
        c.execute("DROP MACRO TABLE derived.fct_issue_facts__live")
    reader = queries.connect(db)
    try:
        assert reader.execute("SELECT count(*) FROM fct_issue_facts($a)", {"a": stored}).fetchone()[0] == n_stored
        for b, rows in plain.items():
            got = reader.execute("SELECT * FROM fct_sprint_board_members($a, $b)", {"a": past, "b": b}).df()
            assert_same(got, rows, f"sprint members of board {b!r} 20 days back")
        assert len(plain[board]) > 10 and len(plain[None]) > len(plain[board]) and plain["O'Neil"].empty
        assert len(windows) > 5
        assert_same(reader.execute("SELECT * FROM fct_sprint_windows($a)", {"a": as_text}).df(), windows,
                    "sprint windows at an instant given as text")
    finally:
        reader.close()
    with duckdb.connect(str(db), read_only=True) as c:
        c.execute("SET search_path = 'main,derived'")
        with pytest.raises(duckdb.CatalogException, match="fct_issue_facts__live"):
            c.execute("SELECT count(*) FROM fct_issue_facts($a)", {"a": stored})


def test_a_full_build_stores_each_ordered_table_in_its_order(demo_db):
    """The orders a full build writes (StoredMart.order_by, STORED_VIEW_ORDER): read in storage
    order (rowid), every such table is sorted by its order. (A speed, not a rule: a range
    predicate skips row groups, and the write is DuckDB's parallel one; docs/facts.md.)"""
    ordered = {f"{facts.SCHEMA}.{m.table}": m.order_by for m in facts.STORED_MARTS if m.order_by}
    ordered |= {f"{facts.STG_SCHEMA}.{v}": order for v, order in facts.STORED_VIEW_ORDER.items()}
    assert {"facts.issue_versions", "facts.issue_facts", "facts.sprint_members", "stg.stg_issues",
            "stg.stg_board_issues"} <= set(ordered)
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        out_of_order = []
        for table, order in ordered.items():
            n, unsorted = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE in_order <> stored) FROM ("
                f"SELECT row_number() OVER (ORDER BY {order}, rowid) AS in_order, "
                f"row_number() OVER (ORDER BY rowid) AS stored FROM {table})").fetchone()
            assert n > 20, table
            if unsorted:
                out_of_order.append(f"{table}: {unsorted} of {n} rows out of the order {order}")
    finally:
        con.close()
    assert not out_of_order, out_of_order


def test_a_stored_report_is_read_only_for_the_question_it_stores(demo_db, monkeypatch):
    """The stored as_of with no other parameter reads facts.<report>: the very frame the
    report gives over the stored marts (same rows, same order); a filter or another as_of
    runs the report."""
    con = queries.connect(demo_db)
    try:
        as_of = queries.facts.stored_as_of(con)
        unset = dict(board_id=None, project=None, date_from=None, date_to=None)
        for name in queries.facts.STORED_REPORTS:
            needed = queries.params_of(queries.sql_text(name))
            bound = {k: v for k, v in {"as_of": as_of, **unset}.items() if k in needed}
            assert queries.facts.stored_report(con, name, bound) == f"SELECT * FROM facts.{name}"
            naive = {**bound, "as_of": pd.Timestamp(as_of).tz_convert(UTC).tz_localize(None)}
            assert queries.facts.stored_report(con, name, naive) is not None, name
            assert queries.facts.stored_report(con, name, {**bound, "as_of": as_of - pd.Timedelta(days=1)}) is None
            if "board_id" in bound:
                assert queries.facts.stored_report(con, name, {**bound, "board_id": "1"}) is None
            read = registry.run_public(con, name, as_of=as_of)
            with monkeypatch.context() as m:
                m.setattr(queries.facts, "stored_report", lambda *a: None)
                ran = registry.run_public(con, name, as_of=as_of)
            pd.testing.assert_frame_equal(read, ran, check_exact=True, obj=name)
        assert queries.facts.stored_report(con, "issue_facts", {"as_of": as_of}) is None   # not a stored report
    finally:
        con.close()
    live = queries.connect(demo_db, stored=False)
    try:
        assert queries.facts.stored_report(live, "sprint_facts", {"as_of": as_of}) is None
    finally:
        live.close()


def test_a_different_config_reads_live_figures(tmp_path, demo_db):
    config = AnalysisConfig(timezone="Europe/Berlin")
    con = queries.connect(demo_db, config=config)
    try:
        assert queries.facts.stored_as_of(con) is None      # built under the default config
        assert queries.facts_fingerprint(config) != queries.facts_fingerprint(None)
    finally:
        con.close()


@pytest.mark.parametrize("changed", ["reports/work_mix", "python/queries.calibration", "marts/fct_issue_facts"])
def test_a_release_that_changes_a_stored_report_reads_no_stored_table(demo_db, monkeypatch, changed):
    """A stored report's table is served as the report's answer, so the code it was computed
    with (its SQL, the Python scoring estimate_calibration calls, the marts) is part of the
    fingerprint: after a release that changes it the reader computes live, never the table
    an older release stored."""
    real = queries._stored_report_code, queries._derived_objects
    con = queries.connect(demo_db)
    try:
        assert queries.facts.stored_as_of(con) is not None                # the demo's facts are current
    finally:
        con.close()

    def edited(objs):
        return tuple((n, t + "\n-- changed" if n.endswith(changed.split("/")[-1]) else t) for n, t in objs)

    monkeypatch.setattr(queries, "_FINGERPRINTS", {})
    monkeypatch.setattr(queries, "_stored_report_code", lambda: edited(real[0]()))
    monkeypatch.setattr(queries, "_derived_objects", lambda: edited(real[1]()))
    con = queries.connect(demo_db)
    try:
        assert queries.facts.stored_as_of(con) is None
        as_of = queries.registry.default_as_of(con)
        assert queries.facts.stored_report(con, "work_mix", {"as_of": as_of, "board_id": None}) is None
    finally:
        con.close()


def test_a_failed_load_keeps_the_last_good_facts(tmp_path):
    s = Scenario().board("1", "Atlas")
    s.sprint("1", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 09:00")
    s.issue("I1", "2026-01-04 09:00", sprints=["1"], points=3.0)
    db = s.load(tmp_path / "w.duckdb")
    before = duckdb.connect(str(db), read_only=True)
    meta = before.execute("SELECT * FROM facts.meta").fetchall()
    facts_before = before.execute("SELECT * FROM facts.issue_facts").fetchall()
    before.close()
    with pytest.raises(RuntimeError), staged_load(db, "t", "import") as w:
        w.write("raw_issues", pd.DataFrame([{**s.issues[0], "summary": "changed"}]))
        raise RuntimeError("killed")
    after = duckdb.connect(str(db), read_only=True)
    try:
        assert after.execute("SELECT * FROM facts.meta").fetchall() == meta
        assert after.execute("SELECT * FROM facts.issue_facts").fetchall() == facts_before
    finally:
        after.close()


def test_refresh_rebuilds_the_facts_under_an_edited_config(tmp_path, capsys, monkeypatch):
    from connectors import load
    from dashboard.cli import main

    monkeypatch.setattr(load, "_config", load._config)   # the CLI sets the loads' config: restored after

    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "demo"]) == 0
    cfg = tmp_path / "retroscope.toml"
    cfg.write_text('timezone = "Europe/Berlin"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--db", str(db), "--config", str(cfg), "status"]) == 0
    assert "built under another config" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as c:
        as_of_before = c.execute("SELECT max(data_as_of) FROM raw_loads").fetchone()[0]
    assert main(["--db", str(db), "--config", str(cfg), "refresh"]) == 0
    printed = capsys.readouterr()
    assert "stored facts rebuilt" in printed.out
    total = len(facts.STORED_VIEWS) + len(facts.STORED_MARTS) + len(facts.STORED_REPORTS)
    assert f"stored facts   [{'#' * 30}] {total}/{total}" in printed.err      # its progress, to the end
    assert main(["--db", str(db), "--config", str(cfg), "status"]) == 0
    assert "built in" in capsys.readouterr().out
    with duckdb.connect(str(db), read_only=True) as c:   # the data's freshness did not move
        assert c.execute("SELECT max(data_as_of) FROM raw_loads").fetchone()[0] == as_of_before
    with queries.connect(db) as c:   # a refresh brings no data: the sidebar and Data page list no 'retroscope' source
        assert set(queries.run(c, "status_freshness")["source"]) == {"demo"}
    from connectors.settings import load_settings
    config = load_settings(config=cfg, db=db).analysis
    stored, live = queries.connect(db, config=config), queries.connect(db, config=config, stored=False)
    try:
        assert queries.facts.stored_as_of(stored) is not None
        compare(stored, live, queries.facts.stored_as_of(stored), None, ("issue_facts", "sprint_facts"), marts=False)
    finally:
        stored.close()
        live.close()


# changes a later sync brings for an issue: its history grows (Jira never shortens one)
more_history = st.fixed_dictionaries({
    "sprint_changes": st.lists(st.tuples(times, sprint_lists), max_size=2),
    "points_changes": st.lists(st.tuples(times, points), max_size=2),
    "status_changes": st.lists(st.tuples(times, st.sampled_from(STATUS_IDS)), max_size=2),
})


def stored_tables(db: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as c:
        names = c.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables() "
                          "WHERE schema_name IN ('facts', 'stg') AND table_name <> 'meta' ORDER BY 1").fetchall()
        return {n: c.execute(f"SELECT * FROM {n}").df() for (n,) in names}


def _issue(created=0, sprint0=(), status0=TODO, status_changes=(), sprint_changes=()):
    return {"created": created, "sprint0": list(sprint0), "sprint_changes": list(sprint_changes), "points0": "3",
            "points_changes": [], "status0": status0, "status_changes": list(status_changes)}


# an issue sent back from review long ago and still open: its rework runs on with as_of
_REWORKED = _issue(status0=TODO, status_changes=[(2, IN_PROGRESS), (4, REVIEW), (6, IN_PROGRESS)])
# an issue in sprint 3 since its creation, with no history: its membership rows follow the sprint's window
_IN_SPRINT_3 = _issue(created=1, sprint0=["3"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_list=st.lists(issue_strategy, min_size=1, max_size=5),
       k_a=st.integers(30, AS_OF_K + 4), dk=st.sampled_from([0, 1, 6, 30]) | st.integers(0, 30),
       changes=st.lists(st.tuples(st.integers(0, 4), more_history), max_size=3),
       deleted=st.lists(st.integers(0, 4), max_size=1), new=st.lists(issue_strategy, max_size=2),
       close_3=st.none() | st.integers(64, AS_OF_K + 24))
@example(issue_list=[_REWORKED], k_a=40, dk=10, changes=[], deleted=[], new=[], close_3=None)
@example(issue_list=[_IN_SPRINT_3], k_a=70, dk=5, changes=[], deleted=[], new=[], close_3=None)    # running
@example(issue_list=[_IN_SPRINT_3], k_a=50, dk=20, changes=[], deleted=[], new=[], close_3=None)   # starts
@example(issue_list=[_IN_SPRINT_3, _REWORKED], k_a=70, dk=0, changes=[], deleted=[], new=[], close_3=72)
# the data's freshness unchanged (the stays' stored macro already names that instant) while an
# issue's status history grows: its status totals are added up from its stays, read live
# (facts_incremental.READ_LIVE_UNTIL), and another issue keeps its stored totals
@example(issue_list=[_REWORKED, _IN_SPRINT_3], k_a=70, dk=0,
         changes=[(0, {"sprint_changes": [], "points_changes": [], "status_changes": [(8, DONE), (9, IN_PROGRESS)]})],
         deleted=[], new=[], close_3=None)
def test_an_incremental_load_equals_a_full_rebuild(issue_list, k_a, dk, changes, deleted, new, close_3):
    """Load part A (full build) at one instant, then a later load that rewrites some issues
    (longer histories, a deletion), adds new ones and maybe closes the running sprint, at a
    later instant: the incrementally updated facts equal a full build of the same data."""
    first = {f"I{n}": it for n, it in enumerate(issue_list)}
    k_b = k_a + dk
    final = copy.deepcopy(first)
    ids = sorted(first)
    changed = sorted({ids[i % len(ids)] for i, _ in changes})
    for i, more in changes:
        for key, extra in more.items():
            final[ids[i % len(ids)]][key] = final[ids[i % len(ids)]][key] + extra
    deleted = sorted({ids[i % len(ids)] for i in deleted})
    final.update({f"N{n}": it for n, it in enumerate(new)})
    later = build(final)
    for row in later.issues:
        row["is_deleted"] = row["issue_id"] in deleted
    if close_3 is not None:
        later.sprints[2].update(state="closed", complete_at=at(close_3), end_at=at(close_3))
    touched = set(changed) | set(deleted) | {f"N{n}" for n in range(len(new))}
    with tempfile.TemporaryDirectory() as d:
        incr, ref = Path(d) / "incr.duckdb", Path(d) / "ref.duckdb"
        build(first).load(incr, data_as_of=at(k_a))
        with staged_load(incr, SOURCE, "import") as w:     # a sync: all metadata, the changed issues
            w.write("raw_statuses", pd.DataFrame([dict(source=SOURCE, status_id=i, name=n, category_key=c)
                                                  for i, n, c in later.statuses]))
            for t, rows in (("raw_boards", later.boards), ("raw_board_columns", later.columns),
                            ("raw_sprints", later.sprints)):
                w.write(t, pd.DataFrame(rows))
            for t, rows in zip(ISSUE_TABLES, (later.issues, later.status_changes, later.field_changes), strict=True):
                df = pd.DataFrame([r for r in rows if r["issue_id"] in touched])
                if not df.empty:
                    w.write(t, df)
            w.data_as_of = at(k_b)
        shutil.copyfile(incr, ref)
        refresh_facts(ref)                                  # the same data, facts built from scratch
        for db, how in ((incr, "incremental"), (ref, "full")):
            with duckdb.connect(str(db), read_only=True) as c:
                assert c.execute("SELECT build FROM facts.meta").fetchall()[0][0].startswith(how)
        got, want = stored_tables(incr), stored_tables(ref)
        # and the stored report is the report over the new data (a loader reads no stored row
        # of the table it replaces: docs/facts.md "Sprints whose window did not move")
        with queries.connect(incr, stored=False) as live:
            params = dict(as_of=at(k_b), board_id=None, project=None, date_from=None, date_to=None)
            assert_same(got["facts.sprint_facts"], queries.run(live, "sprint_facts", **params),
                        f"facts.sprint_facts after the load as of {fmt(k_b)} vs live")
    assert sorted(got) == sorted(want)
    for name in want:
        assert_same(got[name], want[name], f"{name}: incremental (as of {fmt(k_a)} then {fmt(k_b)}) vs full")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(issue_list=st.lists(issue_strategy, min_size=2, max_size=7), k=st.integers(30, AS_OF_K + 6))
@example(issue_list=[_REWORKED, _IN_SPRINT_3, _REWORKED, _IN_SPRINT_3], k=70)
def test_a_full_build_in_parts_equals_one_in_a_single_part(issue_list, k):
    """A large full build computes the per-issue marts marked `in_parts` over parts of the
    issues, appending each part's rows (docs/facts.md, "A full build in parts"): with parts
    of one issue each, every stored table holds the same rows as the build in one part."""
    with tempfile.TemporaryDirectory() as d:
        whole, parted = Path(d) / "whole.duckdb", Path(d) / "parted.duckdb"
        build({f"I{n}": it for n, it in enumerate(issue_list)}).load(whole, data_as_of=at(k))
        shutil.copyfile(whole, parted)
        with mock.patch.object(facts, "PART_ISSUES", 1):
            refresh_facts(parted)
        with duckdb.connect(str(parted), read_only=True) as c:
            n = c.execute("SELECT count(*) FROM stg.stg_issues").fetchall()[0][0]
            spread = c.execute(f"SELECT count(DISTINCT hash(issue_id) % {n}) FROM stg.stg_issues").fetchall()[0][0]
        assert n == len(issue_list) and (spread > 1 or n < 4)   # the parts split the issues
        got, want = stored_tables(parted), stored_tables(whole)
    assert sorted(got) == sorted(want)
    for name in want:
        assert_same(got[name], want[name], f"{name}: {n} parts vs one, as of {fmt(k)}")


def test_an_incremental_jira_sync_updates_only_what_changed(tmp_path):
    """Against the fake Jira: a later sync that brings one changed issue builds the facts
    incrementally, and they equal a full rebuild of the same warehouse; a full sync rebuilds."""
    from helpers_jira import later, start, sync

    fake = start("cloud")
    try:
        db = tmp_path / "w.duckdb"
        sync(db, fake)
        fake.site.transition("20002", "3", later(2).astimezone(UTC))      # BOR-2 moves after the first sync
        sync(db, fake, when=later(5))
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT build FROM facts.meta").fetchall()[0][0].startswith("incremental: 1 issue written")
        ref = tmp_path / "ref.duckdb"
        shutil.copyfile(db, ref)
        refresh_facts(ref)
        got, want = stored_tables(db), stored_tables(ref)
        assert sorted(got) == sorted(want)
        for name in want:
            assert_same(got[name], want[name], f"{name}: incremental sync vs full rebuild")
        sync(db, fake, when=later(9), full=True)
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT build FROM facts.meta").fetchall()[0][0] == "full: a full reload of the issues"
    finally:
        fake.__exit__()


def test_a_load_that_rewrites_most_issues_builds_the_facts_anew(tmp_path, monkeypatch):
    from queries import facts_incremental

    s = Scenario().board("1", "Atlas")
    s.issue("I1", "2026-01-04 09:00", points=3.0).issue("I2", "2026-01-05 09:00")
    db = s.load(tmp_path / "w.duckdb", data_as_of=ts("2026-01-10 09:00"))
    monkeypatch.setattr(facts_incremental, "BULK_MIN", 1)
    for rows, want in (([s.issues[0]], "incremental: 1 issue written"), (s.issues, "full: the load wrote 2 of 2 issues")):
        with staged_load(db, SOURCE, "import") as w:
            w.write("raw_issues", pd.DataFrame([{**r, "summary": "changed"} for r in rows]))
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT build FROM facts.meta").fetchall()[0][0].startswith(want)


def test_a_load_failing_inside_the_incremental_build_keeps_the_last_good_facts(tmp_path, monkeypatch):
    s = Scenario().board("1", "Atlas")
    s.issue("I1", "2026-01-04 09:00", points=3.0).issue("I2", "2026-01-05 09:00")
    db = s.load(tmp_path / "w.duckdb", data_as_of=ts("2026-01-10 09:00"))

    before = stored_tables(db)

    def killed(*a, **k):
        raise RuntimeError("killed")

    monkeypatch.setattr(queries.facts_delta, "narrow_parses", killed)   # after the parses were updated in place
    with pytest.raises(RuntimeError), staged_load(db, SOURCE, "import") as w:
        w.write("raw_issues", pd.DataFrame([{**s.issues[0], "summary": "changed", "is_deleted": True}]))
        w.data_as_of = ts("2026-01-12 09:00")
    after = stored_tables(db)
    assert sorted(after) == sorted(before)
    for name in before:
        assert_same(after[name], before[name], f"{name} after a failed incremental build")
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM raw_loads").fetchall()[0][0] == 1


def test_the_facts_build_reports_each_stored_object_and_a_kill_during_it_keeps_the_last_good_data(tmp_path):
    """A full build of the stored facts at 1M issues takes over a minute, so a load reports
    each stored object as it is written, full or incremental; and a load stopped there (Ctrl-C
    while the bar moves) leaves the warehouse file as it was, byte for byte."""
    s = Scenario().board("1", "Atlas")
    s.issue("I1", "2026-01-04 09:00", points=3.0).issue("I2", "2026-01-05 09:00")
    db = s.load(tmp_path / "w.duckdb", data_as_of=ts("2026-01-10 09:00"))
    total = len(facts.STORED_VIEWS) + len(facts.STORED_MARTS) + len(facts.STORED_REPORTS)
    every = [("stored facts", n, total) for n in range(total + 1)]

    def refresh(progress) -> None:
        refresh_facts(db, progress=progress)

    def incremental(progress) -> None:
        with staged_load(db, SOURCE, "import") as w:
            w.progress = progress
            w.write("raw_issues", pd.DataFrame([{**s.issues[0], "summary": "changed"}]))

    for load, note in ((refresh, "full: retroscope refresh"), (incremental, "incremental: 1 issue written")):
        seen: list[tuple] = []
        load(lambda *a, seen=seen: seen.append(a))
        assert seen == every, note
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT build FROM facts.meta").fetchall()[0][0].startswith(note)

    def killed(phase, done, total):
        if done == total // 2:
            raise KeyboardInterrupt

    before = db.read_bytes()
    for load in (refresh, incremental):
        with pytest.raises(KeyboardInterrupt):
            load(killed)
        assert db.read_bytes() == before, load.__name__
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_a_load_writes_the_derived_layers_again_when_they_are_gone(tmp_path):
    """The marts are computed through the stored derived layers: when they are gone (dropped
    by hand), a load of one issue writes them anew before it updates the facts (incrementally),
    and a reader reads the stored facts through them."""
    s = Scenario().board("1", "Atlas")
    s.issue("I1", "2026-01-04 09:00", points=3.0).issue("I2", "2026-01-05 09:00")
    db = s.load(tmp_path / "w.duckdb", data_as_of=ts("2026-01-10 09:00"))
    with duckdb.connect(str(db)) as c:
        c.execute("DROP SCHEMA derived CASCADE")
    with staged_load(db, SOURCE, "import") as w:
        w.write("raw_issues", pd.DataFrame([{**s.issues[0], "summary": "changed"}]))
        w.data_as_of = ts("2026-01-12 09:00")
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT build FROM facts.meta").fetchone()[0].startswith("incremental: 1 issue written")
        assert c.execute("SELECT count(*) FROM duckdb_functions() WHERE schema_name = 'derived' "
                         "AND function_name = 'fct_issue_facts'").fetchone()[0] == 1
    con = connect(db)
    try:
        assert facts.stored_as_of(con) == ts("2026-01-12 09:00")
        got = con.execute("SELECT issue_key, summary FROM fct_issue_facts($a) ORDER BY issue_key",
                          {"a": ts("2026-01-12 09:00")}).fetchall()
        assert got == [("P-I1", "changed"), ("P-I2", "issue I2")], got
    finally:
        con.close()


def test_a_later_load_under_the_same_config_writes_only_the_stored_marts_macros_again(tmp_path):
    """The derived layers a load stored under a fingerprint stay; a later load under the same
    one writes again only the stored marts' macros, which name its stored instant. A plain
    DuckDB client then reads the stored rows at the new instant and computes another one from
    the history, as after a first load."""
    db = tmp_path / "w.duckdb"
    build({"I0": _REWORKED, "I1": _IN_SPRINT_3}).load(db, data_as_of=at(70))

    def derived_objects():
        with duckdb.connect(str(db), read_only=True) as c:
            views = c.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'derived'").fetchall()
            macros = c.execute("SELECT function_name, macro_definition FROM duckdb_functions() "
                               "WHERE schema_name = 'derived'").fetchall()
        return sorted(views), dict(macros)

    def instant(k):   # as DuckDB writes the literal back
        return f"'{at(k).isoformat()}'"

    views, macros = derived_objects()
    assert views and instant(70) in macros["fct_issue_facts"]
    with duckdb.connect(str(db)) as c:               # a mark that only a view written again would lose
        c.execute("COMMENT ON VIEW derived.stg_issues IS 'kept'")

    def mark():
        with duckdb.connect(str(db), read_only=True) as c:
            return c.execute("SELECT comment FROM duckdb_views() WHERE schema_name = 'derived' "
                             "AND view_name = 'stg_issues'").fetchone()[0]

    with staged_load(db, SOURCE, "import") as w:     # nothing new but the data's freshness
        w.data_as_of = at(75)
    views2, macros2 = derived_objects()
    assert views2 == views and sorted(macros2) == sorted(macros)
    assert mark() == "kept"                          # the view was kept, not written again
    for m in facts.STORED_MARTS:
        assert instant(75) in macros2[m.name] and instant(70) not in macros2[m.name], m.name
    live = queries.connect(db, stored=False)
    try:
        with duckdb.connect(str(db), read_only=True) as c:
            c.execute("SET search_path = 'main,derived'")
            assert c.execute("SELECT build FROM facts.meta").fetchone()[0].startswith("incremental")
            assert_same(c.execute("SELECT * FROM fct_issue_facts($a)", {"a": at(75)}).df(),
                        c.execute("SELECT * FROM facts.issue_facts").df(), "the stored rows at the new instant")
            for k in (72, 60):
                for name, sql in MARTS.items():
                    assert_same(c.execute(sql, {"as_of": at(k)}).df(), live.execute(sql, {"as_of": at(k)}).df(),
                                f"{name} at k={k} from a plain client")
    finally:
        live.close()
    refresh_facts(db, AnalysisConfig(timezone="Europe/Berlin"))   # another fingerprint: written whole
    assert mark() is None
