"""Completions at past instants from the stored status stays (marts/fct_completion_spans.sql,
docs/facts.md "Forecasts at other instants"): on random histories — reopened and redone
issues, moves between done statuses, several changes at one instant, changes dated before
creation, a change whose `from` is not the status before (or missing), unknown statuses,
resolution dates with and without history, epics, sub-tasks, another project — the spans as
known at the stored instant holding any earlier instant T give exactly the completions that
fct_issue_facts computes from scratch at T, for all boards, one board and one project; and
the backtest's one-pass inputs equal the per-instant daily throughput and completions
computed from scratch, and so do the forecast's inputs at an earlier instant (completions,
cycle times, estimates and time spent replayed to that instant)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
from helpers_sprints import DONE, IN_PROGRESS, QA, REVIEW, TODO, WONT_DO, Scenario, connect
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import queries
from queries import facts
from queries import forecast as fc
from queries import forecast_accounts as fa

BASE = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(hours=9)          # instants k * 9 h: changes share instants and days often
STORED_K = 40
UNKNOWN = "99999"                  # a status id the status table does not have
STATUS_IDS = [TODO, IN_PROGRESS, REVIEW, QA, DONE, WONT_DO, UNKNOWN]


def at(k: float) -> datetime:
    return BASE + k * STEP


def fmt(k: int) -> str:
    return at(k).strftime("%Y-%m-%d %H:%M")


ks = st.integers(min_value=0, max_value=STORED_K + 3)
issue_strategy = st.fixed_dictionaries({
    "created": st.integers(min_value=0, max_value=STORED_K),
    "status0": st.sampled_from(STATUS_IDS),
    "resolved": st.one_of(st.none(), st.integers(min_value=-2, max_value=STORED_K + 3)),
    # (instant offset from creation, from: 'prev' = the status before, None, or another, to)
    "changes": st.lists(st.tuples(st.integers(min_value=-3, max_value=STORED_K),
                                  st.sampled_from(["prev", "prev", "prev", None, TODO, DONE]),
                                  st.sampled_from(STATUS_IDS)), max_size=5),
    "kind": st.sampled_from(["story", "story", "story", "epic", "subtask", "other_project", "in_sprint"]),
    "range0": st.sampled_from([(None, None, None), (1.0, 2.0, 4.0), (3.0, 2.0, 4.0)]),
    # (instant offset from creation, field, from, to): estimates and time spent replayed at as_of
    "estimates": st.lists(st.tuples(st.integers(min_value=-1, max_value=STORED_K),
                                    st.sampled_from(["estimate_best", "estimate_likely", "estimate_worst",
                                                     "time_spent"]),
                                    st.sampled_from([None, "1", "3", "8"]), st.sampled_from([None, "2", "5", "9"])),
                          max_size=3),
})


def build(issues: list[dict]) -> Scenario:
    s = Scenario().board("1", "Alpha", project_key="P").sprint("1", "1", fmt(5), fmt(30), fmt(30))
    for n, it in enumerate(issues):
        iid = f"I{n}"
        kind = it["kind"]
        s.issue(iid, fmt(it["created"]), status=it["status0"],
                project="Q" if kind in ("other_project", "in_sprint") else "P",
                issue_type="Epic" if kind == "epic" else "Story", is_subtask=kind == "subtask",
                sprints=["1"] if kind == "in_sprint" else [], best=it["range0"][0], likely=it["range0"][1],
                worst=it["range0"][2])
        s.issues[-1]["time_spent_seconds"] = 3600.0 * (n + 1)
        for dk, key, frm, to in it["estimates"]:
            s.change(iid, fmt(it["created"] + dk), key, frm, to)
        if it["resolved"] is not None:
            s.issues[-1]["resolved_at"] = at(it["created"] + it["resolved"] / 2)
        prev = it["status0"]
        for dk, frm, to in sorted(it["changes"], key=lambda c: c[0]):
            s.move(iid, fmt(it["created"] + dk), prev if frm == "prev" else frm, to)
            prev = to
        if it["changes"]:   # the issue's current status is the last change's target
            s.issues[-1]["status_id"] = prev
    return s


def completions_known(con, known, instant, board, project) -> pd.DataFrame:
    return con.execute(
        "SELECT issue_id, completed_at, completed_on FROM fct_completion_spans($k, $b, $p) "
        "WHERE valid_from <= $t AND (valid_to IS NULL OR valid_to > $t) ORDER BY issue_id",
        {"k": known, "t": instant, "b": board, "p": project}).df()


def completions_from_scratch(con, instant, board, project) -> pd.DataFrame:
    return con.execute(
        "SELECT issue_id, completed_at, completed_on FROM fct_issue_scoped($t, $b, $p) "
        "WHERE completed_at IS NOT NULL ORDER BY issue_id", {"t": instant, "b": board, "p": project}).df()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue_strategy, min_size=1, max_size=7), st.lists(ks, min_size=1, max_size=3),
       st.sampled_from([2, 90]))
def test_spans_holding_an_instant_are_its_completions(issues, drawn, window_days):
    with tempfile.TemporaryDirectory() as d:
        db = build(issues).load(Path(d) / "w.duckdb", data_as_of=at(STORED_K))
        stored, live = connect(db), connect(db, stored=False)
        try:
            assert facts.stored_as_of(stored) == at(STORED_K)
            # the stored instant, instants on a change and between changes, before any issue
            instants = [at(STORED_K)] + [at(k) for k in drawn if k <= STORED_K] + [at(k + 0.5) for k in drawn
                                                                                   if k < STORED_K]
            for n, t in enumerate(instants + [at(-1)]):
                # every scope at the first instants, all boards at the others (each from
                # scratch costs a live computation)
                for board, project in ((None, None), ("1", None), (None, "Q"))[:3 if n < 2 else 1]:
                    want = completions_from_scratch(live, t, board, project)
                    got = completions_known(stored, at(STORED_K), t, board, project)
                    pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"at {t} {board} {project}")
                    if board is None and project is None:   # known at the instant itself (no stored facts)
                        got = completions_known(live, t, t, board, project)
                        pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"live at {t}")
            # the forecast's inputs at an earlier instant, read from the stored facts
            sample = ("SELECT source, issue_id, issue_key, completed_at, completed_on, cycle_time_days, "
                      "time_spent_seconds, estimate_best, estimate_likely, estimate_worst FROM {} ORDER BY issue_id")
            for n, t in enumerate(instants):
                w_from, w_to = fc.window(t.date(), None, None, window_days)   # UTC: t's day
                for board, project in ((None, None), ("1", None), (None, "Q"))[:3 if n == 1 else 1]:
                    p = {"k": at(STORED_K), "t": t, "b": board, "p": project, "f": w_from, "w": w_to}
                    got = stored.execute(sample.format("fct_forecast_sample_at($k, $t, $b, $p, $f, $w)"), p).df()
                    want = live.execute(sample.format("fct_forecast_sample($t, $b, $p, $f, $w)"),
                                        {k: v for k, v in p.items() if k != "k"}).df()
                    pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=f"sample at {t} {board} {project}")
                if n == 1:   # the public path (the first instant is the stored one)
                    pd.testing.assert_frame_equal(fc.forecast_inputs(stored, t, None, None, w_from, w_to),
                                                  fc.forecast_inputs(live, t, None, None, w_from, w_to),
                                                  check_dtype=False, obj=f"forecast inputs at {t}")
            # the backtest's one pass: the daily throughput at every instant and the completions
            # at the scoring instant, against the per-instant queries computed from scratch
            # (at an as_of after the stored one the spans are known at that as_of, computed)
            for as_of in (at(STORED_K), at(STORED_K - 7.5), at(STORED_K + 2)):
                past = sorted({t for t in instants if t < as_of})
                if not past:
                    continue
                windows = [fc.window(t.date(), None, None, window_days) for t in past]
                for board in (None, "1") if as_of == at(STORED_K) else (None,):
                    dailies, done = fa.backtest_inputs(stored, as_of=as_of, board_id=board, project=None,
                                                       instants=past, windows=windows)
                    for t, (w_from, w_to), daily in zip(past, windows, dailies, strict=True):
                        want = fc.daily_throughput(fc.forecast_inputs(live, t, board, None, w_from, w_to),
                                                   w_from, w_to)
                        assert daily.tolist() == want.tolist(), (t, board)
                    want = queries.run(live, "forecast__completions", as_of=as_of, board_id=board, project=None,
                                       since=past[0])
                    assert sorted(pd.to_datetime(done["completed_at"], utc=True)) == \
                        sorted(pd.to_datetime(want["completed_at"], utc=True))
                    assert sorted(pd.to_datetime(done["completed_on"])) == sorted(pd.to_datetime(want["completed_on"]))
        finally:
            stored.close()
            live.close()


def test_a_reopened_issue_is_complete_only_while_done():
    """Hand-worked: A created at k=0, done at 2, reopened at 4, redone at 6, moved Done ->
    Won't Do at 8 (not a new completion), reopened at 9: complete at [2, 4) since 2, not at
    [4, 6), at [6, 9) since 6, not after. B's start
    comes after its first completion, so it has no cycle time while first complete."""
    s = Scenario().board("1", "Alpha", project_key="P")
    s.issue("A", fmt(0), status=WONT_DO)
    s.move("A", fmt(1), TODO, IN_PROGRESS).move("A", fmt(2), IN_PROGRESS, DONE)
    s.move("A", fmt(4), DONE, IN_PROGRESS).move("A", fmt(6), IN_PROGRESS, DONE).move("A", fmt(8), DONE, WONT_DO)
    s.move("A", fmt(9), WONT_DO, IN_PROGRESS)
    # B: done at 2 without ever starting, reopened into progress at 4 (its start), redone at 6
    s.issue("B", fmt(0), status=DONE)
    s.move("B", fmt(2), TODO, DONE).move("B", fmt(4), DONE, IN_PROGRESS).move("B", fmt(6), IN_PROGRESS, DONE)
    with tempfile.TemporaryDirectory() as d:
        db = s.load(Path(d) / "w.duckdb", data_as_of=at(10))
        con = connect(db)
        try:
            spans = con.execute("SELECT valid_from, valid_to, completed_at FROM fct_completion_spans($k, NULL, NULL) "
                                "WHERE issue_id = 'A' ORDER BY valid_from", {"k": at(10)}).fetchall()
            assert [(a, b, c) for a, b, c in spans] == [(at(2), at(4), at(2)), (at(6), at(8), at(6)),
                                                        (at(8), at(9), at(6))]

            def cycle(k):
                return con.execute("SELECT cycle_time_days FROM fct_forecast_sample_at($k, $t, NULL, NULL, "
                                   "DATE '2026-01-01', DATE '2026-12-31') WHERE issue_id = 'B'",
                                   {"k": at(10), "t": at(k)}).fetchall()

            assert cycle(3) == [(None,)]          # complete at 3, not started yet: no cycle time
            assert cycle(5) == [(None,)]          # in progress: remaining
            assert cycle(7) == [(0.75,)]          # started at 4, done at 6: 2 x 9 h = 0.75 days
            # the forecast's inputs at an earlier instant are kept for the connection: asked
            # again, the same rows (a caller changing its copy changes nothing kept)
            w = fc.window(at(7).date(), None, None, 90)   # A complete since 6, B since 6
            first = fc.forecast_inputs(con, at(7), None, None, *w)
            assert first["kind"].tolist() == ["completed", "completed"]    # A (since 6) and B
            first.loc[:, "kind"] = "changed"
            again = fc.forecast_inputs(con, at(7), None, None, *w)
            assert again["kind"].tolist() == ["completed", "completed"]
            assert again["actual_days"].tolist() == [5 * 9 / 24, 0.75]    # A: started at 1, done at 6
        finally:
            con.close()
