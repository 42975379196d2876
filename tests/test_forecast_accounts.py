"""Forecasts held to account (queries/forecast_accounts.py, connectors/forecast_records.py,
the Calibration page's block): the scoring rule on a hand-worked fixture, idempotent
recording, an old user-input store without the table, a backtest on a history whose
outcome is known, and the page."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
from helpers_metrics import build, connect, done_issue, ts
from helpers_pages import app_for, open_page, problems

import queries
from connectors import forecast_records
from queries import forecast as fc
from queries import forecast_accounts as fa
from queries.errors import RetroscopeError
from queries.registry import run_public


def _rec(fid, kind, as_of, *, items=None, target=None, on=(None, None, None), many=(None, None, None)):
    return {"forecast_id": fid, "made_at": ts(as_of), "as_of": ts(as_of), "board_id": None, "project": None,
            "kind": kind, "items": items, "target_on": target, "p50_on": on[0], "p85_on": on[1], "p95_on": on[2],
            "p50_items": many[0], "p85_items": many[1], "p95_items": many[2], "method": "monte_carlo", "runs": 100,
            "window_from": None, "window_to": None, "source": "page"}


D = date.fromisoformat
# Completions (instant, day): the first is before every forecast and never counts.
DONE = pd.DataFrame({"completed_at": [ts("2026-01-10 09:00"), ts("2026-01-11 10:00"), ts("2026-01-13 15:00"),
                                      ts("2026-01-15 08:00"), ts("2026-01-16 20:00")],
                     "completed_on": [D("2026-01-10"), D("2026-01-11"), D("2026-01-13"), D("2026-01-15"),
                                      D("2026-01-16")]})
RECORDED = pd.DataFrame([
    # A: made Jan 10 12:00, 3 items. Items after it: Jan 11, 13, 15, 16 -> the 3rd is done Jan 15.
    #   50 % by Jan 12: 1 done -> missed; 85 % by Jan 14: 2 done -> missed; 95 % by Jan 16: 4 -> came true
    _rec("A", "when", "2026-01-10 12:00", items=3, on=(D("2026-01-12"), D("2026-01-14"), D("2026-01-16"))),
    # B: made Jan 10 12:00, how many by Jan 14: 2 done (Jan 11, 13).
    #   50 %: at least 3 -> missed; 85 %: at least 2 -> came true; 95 %: at least 1 -> came true
    _rec("B", "how_many", "2026-01-10 12:00", target=D("2026-01-14"), many=(3, 2, 1)),
    # C: made Jan 15 00:00, 2 items. After it: Jan 15, 16 -> the 2nd is done Jan 16.
    #   50 % by Jan 16 -> came true; 85 % by Jan 19 -> came true; 95 % by Jan 21: day not over at
    #   the scoring instant (Jan 20 12:00) -> pending, although already done
    _rec("C", "when", "2026-01-15 00:00", items=2, on=(D("2026-01-16"), D("2026-01-19"), D("2026-01-21"))),
    # D: the simulation never got there (no dates) -> not scorable
    _rec("D", "when", "2026-01-15 00:00", items=5),
])


def test_scoring_rule_on_a_hand_worked_fixture():
    s = fa.score(RECORDED, DONE, ts("2026-01-20 12:00"), date(2026, 1, 20))
    got = {(r.forecast_id, r.confidence): r.outcome for r in s.itertuples()}
    assert got == {
        ("A", 0.5): "missed", ("A", 0.85): "missed", ("A", 0.95): "came true",
        ("B", 0.5): "missed", ("B", 0.85): "came true", ("B", 0.95): "came true",
        ("C", 0.5): "came true", ("C", 0.85): "came true", ("C", 0.95): "pending",
        ("D", 0.5): "not scorable", ("D", 0.85): "not scorable", ("D", 0.95): "not scorable",
    }
    a = s[s["forecast_id"] == "A"].set_index("confidence")
    assert set(a["actual_on"]) == {D("2026-01-15")} and list(a["actual_items"]) == [1, 2, 4]
    assert list(s.loc[s["forecast_id"] == "B", "actual_items"]) == [2, 2, 2]
    t = fa.tally(s).set_index("confidence")
    # 50 %: A missed, B missed, C came true -> 1 of 3; 85 %: A missed, B and C came true -> 2 of 3;
    # 95 %: A and B came true, C pending -> 2 of 2 (1 pending)
    assert [(t.loc[c, "came_true"], t.loc[c, "judged"], t.loc[c, "pending"]) for c in (0.5, 0.85, 0.95)] == [
        (1, 3, 0), (2, 3, 0), (2, 2, 1)]


def test_a_claim_is_judged_only_when_its_day_is_over():
    # Jan 14 18:00: A's 85 % day (Jan 14) is not over -> pending; its 50 % day (Jan 12) is -> missed;
    # B's date is Jan 14 too -> pending at every confidence, with the 2 items done so far
    s = fa.score(RECORDED, DONE, ts("2026-01-14 18:00"), date(2026, 1, 14)).set_index(["forecast_id", "confidence"])
    assert s.loc[("A", 0.5), "outcome"] == "missed" and s.loc[("A", 0.85), "outcome"] == "pending"
    assert list(s.loc["B", "outcome"]) == ["pending"] * 3 and list(s.loc["B", "actual_items"]) == [2, 2, 2]


# Two completions a day (12:00 and 12:00) from Jan 1 to Jan 23, then nothing: the team stalls.
STALL = {"as_of": "2026-01-31 23:00",
         "issues": [done_issue(100 * d + k, f"2026-01-{d:02d} 06:00", 0.25) for d in range(1, 24) for k in range(2)]}


@pytest.fixture(scope="module")
def stall(tmp_path_factory):
    con = connect(build(tmp_path_factory.mktemp("stall"), STALL))
    yield con
    con.close()


def test_backtest_on_a_known_history(stall):
    bt = fa.backtest(stall, as_of=ts("2026-01-31 23:00"), weeks=2, window_days=7, runs=200)
    # Instants 15 and 8 days before as_of: Jan 16 23:00 and Jan 23 23:00. Each window (7 days to the
    # instant's day) holds 2 completions every day, so a week's worth = 7 x 2 = 14 items, done on day 7
    # in every run, and 14 items by day 7: every claim is Jan 23 / 14 items, resp. Jan 30 / 14 items.
    assert sorted(set(bt["as_of"].astype(str))) == ["2026-01-16 23:00:00+00:00", "2026-01-23 23:00:00+00:00"]
    first = bt[bt["as_of"] == ts("2026-01-16 23:00")]
    second = bt[bt["as_of"] == ts("2026-01-23 23:00")]
    assert set(first["forecast_on"]) == {D("2026-01-23")} and set(second["forecast_on"]) == {D("2026-01-30")}
    assert set(first.loc[first["kind"] == "when", "items"]) == {14}
    assert set(first.loc[first["kind"] == "how_many", "forecast_items"]) == {14}
    # Jan 17..23: 14 done -> every claim of the first week came true; Jan 24..30: none -> all missed
    assert set(first["outcome"]) == {"came true"} and set(second["outcome"]) == {"missed"}
    assert list(first.loc[first["kind"] == "how_many", "actual_items"]) == [14] * 3
    assert list(second.loc[second["kind"] == "how_many", "actual_items"]) == [0] * 3
    t = fa.tally(bt)
    assert list(t["came_true"]) == [2, 2, 2] and list(t["judged"]) == [4, 4, 4]
    # the public query answers the same
    q = run_public(stall, "forecast_backtest", as_of="2026-01-31T23:00:00+00:00", weeks=2, window_days=7, runs=200)
    assert list(q["outcome"]) == list(bt["outcome"])


def test_each_forecast_counts_from_its_own_as_of_day_in_the_reporting_timezone(tmp_path):
    """The same history reported in Auckland (UTC+13 in January): the backtest's instants, Jan 16
    and 23 at 23:00 UTC, are Jan 17 and 24 there (its as-of days; in UTC Jan 16 and 23). The
    completions (06:00 UTC = 19:00 there, the same day) make 2 a day again, so a week's worth is
    done on day 7: the 'when' claims are Jan 24 / 31 there, and the chart draws them 7 days after
    the forecast's as-of day, as in UTC (not 8, from the UTC day)."""
    from dashboard.charts import forecast_vs_actual
    from queries.config import AnalysisConfig

    path = build(tmp_path, STALL)
    nz = connect(path, AnalysisConfig(timezone="Pacific/Auckland"))
    utc = connect(path)
    try:
        for con, days, claims in ((nz, ["2026-01-17", "2026-01-24"], ["2026-01-24", "2026-01-31"]),
                                  (utc, ["2026-01-16", "2026-01-23"], ["2026-01-23", "2026-01-30"])):
            bt = fa.backtest(con, as_of=ts("2026-01-31 23:00"), weeks=2, window_days=7, runs=200)
            assert sorted({str(d) for d in bt["as_of_day"]}) == days
            when = bt[bt["kind"] == "when"]
            assert sorted({str(d) for d in when["forecast_on"]}) == claims
            fig = forecast_vs_actual(bt)
            ys = {y for t in fig.data if t.name.endswith("claim") and t.xaxis == "x" for y in t.y}
            assert ys == {7}, ys
    finally:
        nz.close()
        utc.close()


def _page_forecast(con, as_of, items=7, runs=200):
    answer = run_public(con, "forecast", as_of=as_of, items=items, window_days=7, runs=runs)
    params = {"as_of": ts(as_of), "board_id": None, "project": None, "date_from": None, "date_to": None,
              "items": items, "target_date": None, "window_days": 7, "runs": runs, "seed": 42}
    return fa.records_for(con, answer, params, made_at=datetime(2026, 1, 20, 9, tzinfo=UTC), source="page")


def test_recording_is_idempotent_and_scored_later(stall, tmp_path):
    ud = tmp_path / "u.duckdb"
    rows = _page_forecast(stall, "2026-01-16 23:00")
    assert list(rows["kind"]) == ["when", "how_many"]
    assert forecast_records.record(ud, rows) == 2
    for _ in range(3):                                    # the page rerun: the same forecast again
        assert forecast_records.record(ud, _page_forecast(stall, "2026-01-16 23:00")) == 0
    assert forecast_records.record(ud, _page_forecast(stall, "2026-01-16 23:00", items=9)) == 1   # new 'when' only
    with duckdb.connect(str(ud), read_only=True) as c:
        assert c.execute("SELECT count(*), count(DISTINCT forecast_id) FROM forecasts").fetchall() == [(3, 3)]
    # a connection to the warehouse with this store sees and scores them
    db = tmp_path / "w.duckdb"
    build(tmp_path, STALL, name="w.duckdb")
    con = queries.connect(db, userdata_path=ud)
    try:
        h = run_public(con, "forecast_history", as_of="2026-01-31T23:00:00+00:00")
    finally:
        con.close()
    # 7 items at 2 a day: done on day 4 (Jan 20) in every run; 9 items: day 5 (Jan 21); items after
    # Jan 16 23:00 by Jan 20 = 8 >= 7 and by Jan 21 = 10 >= 9 -> came true. 'How many' by the default
    # date (as_of + 28 days = Feb 13) is not over on Jan 31 -> pending, with the 14 items done so far
    assert len(h) == 9
    assert set(h.loc[h["kind"] == "when", "outcome"]) == {"came true"}
    many = h[h["kind"] == "how_many"]
    assert set(many["outcome"]) == {"pending"} and set(many["target_on"]) == {D("2026-02-13")}
    assert set(many["actual_items"]) == {14}
    assert set(h.loc[(h["kind"] == "when") & (h["items"] == 7), "forecast_on"]) == {D("2026-01-20")}


def test_a_store_written_before_the_table_existed(stall, tmp_path):
    ud = tmp_path / "old.userdata.duckdb"
    old_schema = queries.sql_text("schema/userdata").split("-- Every forecast")[0]   # before this table
    with duckdb.connect(str(ud)) as c:
        c.execute(old_schema)
        c.execute("INSERT INTO retros VALUES ('r1', DATE '2026-01-05', 'A', 'scrum', NULL, NULL)")
        assert "forecasts" not in {r[0] for r in c.execute("SHOW TABLES").fetchall()}
    db = tmp_path / "w.duckdb"
    build(tmp_path, STALL, name="w.duckdb")
    con = queries.connect(db, userdata_path=ud)           # read as having no forecasts, not as damaged
    try:
        assert con.execute("SELECT count(*) FROM forecasts").fetchall() == [(0,)]
        assert con.execute("SELECT retro_id FROM retros").fetchall() == [("r1",)]
    finally:
        con.close()
    assert forecast_records.record(ud, _page_forecast(stall, "2026-01-16 23:00")) == 2   # migrates, then records
    with duckdb.connect(str(ud), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM forecasts").fetchall() == [(2,)]
        assert c.execute("SELECT count(*) FROM retros").fetchall() == [(1,)]


def test_a_busy_store_is_not_waited_for(stall, tmp_path):
    ud = tmp_path / "busy.duckdb"
    queries.open_userdata(ud).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(30)", str(ud)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        t0 = time.perf_counter()
        with pytest.raises(RetroscopeError, match="locked"):
            forecast_records.record(ud, _page_forecast(stall, "2026-01-16 23:00"), wait_s=0)
        assert time.perf_counter() - t0 < 2
    finally:
        holder.kill()
        holder.wait()


def test_forecast_ids_ignore_how_the_instant_is_written():
    a = fa.forecast_id(as_of=datetime(2026, 1, 16, 23, tzinfo=UTC), board_id="1", project=None, kind="when",
                       items=7, target_on=None, runs=10, window_from=None, window_to=None, seed=42, backtest=False)
    b = fa.forecast_id(as_of=pd.Timestamp("2026-01-17 00:00", tz="Europe/Paris"), board_id="1", project=None,
                       kind="when", items=7, target_on=None, runs=10, window_from=None, window_to=None, seed=42,
                       backtest=False)
    c = fa.forecast_id(as_of=datetime(2026, 1, 16, 23, tzinfo=UTC), board_id="1", project=None, kind="when",
                       items=7, target_on=None, runs=10, window_from=None, window_to=None, seed=42, backtest=True)
    assert a == b and a != c


# --------------------------------------------------------------------------- the page
HEADLINE = re.compile(r"Our 85 % forecasts came true \*\*(\d+) of (\d+)\*\* times")


def _forecast_tab(at):
    """The Estimate calibration page opened on its Forecast tab (only the open tab is built)."""
    at.query_params["section"] = "Forecast"
    return at


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_calibration_page_holds_the_demo_forecasts_to_account(monkeypatch, demo_db, demo_con):
    at = open_page(_forecast_tab(app_for(monkeypatch, demo_db)), "calibration")
    assert not problems(at), problems(at)
    text = _markdown(at)
    m = HEADLINE.search(text)
    assert m, text[-2000:]
    h = run_public(demo_con, "forecast_history")
    judged85 = h[(h["confidence"] == 0.85) & h["outcome"].isin(("came true", "missed"))]
    k, n = int(m.group(1)), int(m.group(2))
    assert (k, n) == (int((judged85["outcome"] == "came true").sum()), len(judged85))
    assert 0 < k < n, "the demo's history has hits and misses"
    assert "Backtest: 85 % forecasts came true" in text
    history = [d.value for d in at.dataframe if "question" in getattr(d.value, "columns", [])]
    assert history and any(history[0]["85 % claim"].str.contains("✗ missed"))
    assert any(c.key == "calibration_accounts_vs_actual" for c in at.get("plotly_chart"))


def test_the_page_records_what_it_shows_once(monkeypatch, demo_copy):
    def page_rows():
        with duckdb.connect(str(queries.userdata_path_for(demo_copy)), read_only=True) as c:
            return c.execute("SELECT forecast_id, kind FROM forecasts WHERE source = 'page' "
                             "AND forecast_id NOT LIKE 'demo-%' ORDER BY 1").fetchall()

    with duckdb.connect(str(queries.userdata_path_for(demo_copy))) as c:   # what other page tests recorded
        c.execute("DELETE FROM forecasts WHERE forecast_id NOT LIKE 'demo-%'")
    assert page_rows() == []
    at = open_page(app_for(monkeypatch, demo_copy), "calibration")   # the default tab shows no forecast
    assert not problems(at), problems(at)
    assert page_rows() == []
    at = open_page(_forecast_tab(app_for(monkeypatch, demo_copy)), "calibration")
    assert not problems(at), problems(at)
    shown = page_rows()
    assert sorted(k for _, k in shown) == ["how_many", "when"]
    at.run()
    at.run()
    assert page_rows() == shown                          # reruns write nothing
    at.number_input(key="calibration_forecast_items").set_value(3).run()
    assert page_rows() == shown                          # a what-if is shown, not recorded
    assert not problems(at), problems(at)
    assert any("A what-if: shown, not recorded" in c.value for c in at.caption)


def test_an_unwritable_store_shows_no_error(monkeypatch, demo_copy, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    at = open_page(_forecast_tab(app_for(monkeypatch, demo_copy, userdata=blocker / "u.duckdb")), "calibration")
    assert not problems(at), problems(at)
    assert "Forecasts held to account" in [s.value for s in at.subheader]


def test_scoring_uses_the_forecasts_own_method(stall):
    # the recorded 'when' dates are exactly forecast()'s (same seed, same draws)
    answer = fc.forecast(stall, as_of=ts("2026-01-16 23:00"), items=7, window_days=7, runs=200)
    rows = _page_forecast(stall, "2026-01-16 23:00")
    when = answer[answer["question"] == "when"]["on_date"].tolist()
    assert [rows.iloc[0][f"p{p}_on"] for p in (50, 85, 95)] == when


def test_recording_invalidates_no_cached_figure(monkeypatch, demo_copy):
    ud = queries.userdata_path_for(demo_copy)
    with duckdb.connect(str(ud)) as c:                    # what other page tests recorded
        c.execute("DELETE FROM forecasts WHERE forecast_id NOT LIKE 'demo-%'")
    s = ud.stat()
    before = (s.st_ino, s.st_mtime_ns, s.st_size)
    at = open_page(_forecast_tab(app_for(monkeypatch, demo_copy)), "calibration")
    assert not problems(at), problems(at)
    s = ud.stat()
    after = (s.st_ino, s.st_mtime_ns, s.st_size)
    assert after != before                                # the page did write the store ...
    from dashboard import data

    assert data._own_writes.get(after) == before          # ... and every cache key still sees the old version


def test_export_and_import_retro_keep_the_forecast_history(tmp_path):
    """A backup (`export retro`) carries the recorded forecasts; restoring it into an empty store
    gives them back column for column; restoring again writes nothing (the first record of a
    forecast is kept); a bad forecast record stops the whole import with its place."""
    import json

    from connectors import userdata
    from connectors.imports import prepare_retro

    ud, ud2 = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    rows = RECORDED.copy()
    rows.loc[0, "window_from"], rows.loc[0, "window_to"] = D("2025-12-01"), D("2026-01-09")
    assert forecast_records.record(ud, rows) == len(RECORDED)
    out = tmp_path / "backup.json"
    counts = userdata.export_json(ud, out)
    assert counts["forecasts"] == len(RECORDED)
    doc = json.loads(out.read_text())
    a = next(f for f in doc["forecasts"] if f["forecast_id"] == "A")
    assert a["as_of"].startswith("2026-01-10T12:00:00") and a["p95_on"] == "2026-01-16"
    assert a["window_from"] == "2025-12-01" and a["items"] == 3 and a["kind"] == "when"

    prepared, _ = prepare_retro(str(out), as_of=date(2026, 3, 1), known_metrics=None, existing_retros=set())
    assert userdata.save_records(ud2, prepared)["forecasts"] == len(RECORDED)
    cols = ", ".join(fa.STORE_COLUMNS)
    read = "SELECT {} FROM forecasts ORDER BY forecast_id"
    with duckdb.connect(str(ud)) as c1, duckdb.connect(str(ud2)) as c2:
        assert c1.execute(read.format(cols)).fetchall() == c2.execute(read.format(cols)).fetchall()
    # again: nothing new; a changed copy of a known forecast does not replace the first record
    doc["forecasts"][0]["made_at"] = "2026-02-01T00:00:00+00:00"
    again = tmp_path / "again.json"
    again.write_text(json.dumps(doc))
    prepared, _ = prepare_retro(str(again), as_of=date(2026, 3, 1), known_metrics=None, existing_retros=set())
    assert userdata.save_records(ud2, prepared).get("forecasts", 0) == 0
    first = "SELECT made_at FROM forecasts WHERE forecast_id = $f"
    with duckdb.connect(str(ud)) as c1, duckdb.connect(str(ud2)) as c2:
        fid = {"f": doc["forecasts"][0]["forecast_id"]}
        assert c2.execute(first, fid).fetchall() == c1.execute(first, fid).fetchall()

    doc["forecasts"][1]["kind"] = "someday"
    doc["forecasts"][2]["made_at"] = "yesterday"
    doc["forecasts"][3]["as_of"] = "now"
    doc["forecasts"][0]["as_of"] = 1.5
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(RetroscopeError) as e:
        prepare_retro(str(bad), as_of=date(2026, 3, 1), known_metrics=None, existing_retros=set())
    msg = str(e.value)
    assert "forecasts[1]: column kind: 'someday' is not a forecast kind (expected when or how_many)" in msg
    assert "forecasts[2]: column made_at: 'yesterday' is not an instant" in msg
    assert "forecasts[3]: column as_of: 'now' is not an instant" in msg
    assert "forecasts[0]: column as_of: '1.5' is not an instant" in msg


def test_a_forecast_that_claims_nothing_is_not_recorded():
    """A window without completions (an as_of before the data, say) answers 'when: never' and
    'how many: at least 0': scored, the second always came true and padded the track record
    ('came true 13 of 15'). Neither is recorded; a forecast with a claim still is, row by row."""
    as_of, w_from, w_to = ts("1990-01-01 12:00"), D("1989-10-04"), D("1990-01-01")

    def recorded(daily) -> list[str]:
        answer = fc.throughput_forecast(np.array(daily, dtype=float), start=as_of.date(), items=20, target_date=None,
                                        runs=500, seed=1, w_from=w_from, w_to=w_to)
        rows = fa.records(answer, as_of=as_of, as_of_day=as_of.date(), board_id=None, project=None, items=20, target_date=None, runs=500,
                          seed=1, window_from=w_from, window_to=w_to, made_at=as_of, source="export")
        return list(rows["kind"])

    assert recorded([0.0] * 90) == []                        # no completion: nothing claimed
    assert recorded([1.0, 2.0, 0.0] * 30) == ["when", "how_many"]


def test_the_history_table_reads_each_claim_as_a_report():
    """The page's table of scored forecasts: days in cells are ISO, the data instant carries its zone,
    and a claim already reached before its day is over says so (it still counts as pending)."""
    from dashboard.forecast_view import history_report

    # Jan 14 18:00 (A, B and C from the fixture above): B's date (Jan 14) is not over, 2 done so far:
    # its 50 % claim (at least 3) is not reached; its 85 % and 95 % (at least 2, at least 1) already are.
    # A (3 items): 2 done, its 85 % day not over -> pending, not reached; its 50 % day is over -> missed.
    known = DONE[DONE["completed_at"] <= ts("2026-01-14 18:00")]      # completions as known then
    s = fa.score(RECORDED, known, ts("2026-01-14 18:00"), date(2026, 1, 14))
    t = history_report(s, {ts("2026-01-10 12:00"): "2026-01-10 13:00 Europe/Berlin"}).set_index("question")
    b = t.loc["how many items by 2026-01-14?"]
    assert b["forecast from data of"] == "2026-01-10 13:00 Europe/Berlin"
    assert b["what happened"] == "2 done so far"
    assert b["50 % claim"] == "at least 3 · … pending"
    assert b["85 % claim"] == "at least 2 · … met already, scored once that day is over"
    assert b["95 % claim"] == "at least 1 · … met already, scored once that day is over"
    a = t.loc["when will 3 items be done?"]
    assert a["50 % claim"] == "by 2026-01-12 · ✗ missed"
    assert a["85 % claim"] == "by 2026-01-14 · … pending"
    assert a["what happened"] == "not all done yet"
    # no wall clock given: the instant in UTC, said so
    assert set(history_report(s)["forecast from data of"]) == {"2026-01-10 12:00 UTC", "2026-01-15 00:00 UTC"}
    # at Jan 20 12:00 C's 95 % day (Jan 21) is not over although its 2 items were done Jan 16
    c = history_report(fa.score(RECORDED, DONE, ts("2026-01-20 12:00"), date(2026, 1, 20))).set_index("question")
    row = c.loc["when will 2 items be done?"]
    assert row["what happened"] == "item 2 done 2026-01-16"
    assert row["95 % claim"] == "by 2026-01-21 · … met already, scored once that day is over"
    assert row["85 % claim"] == "by 2026-01-19 · ✓ came true"
