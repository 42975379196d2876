"""The Estimate calibration page's forecast panel (dashboard/blocks.py forecast_panel): the
pickers offer only what the query accepts, a refused value is one line of advice, only the
default question is held to account (once per scope and as-of day), and the how-many answer
says it is about the pace, not the items left."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd
import pytest
from helpers_pages import app_for, open_page, problems

import queries
from dashboard.blocks import forecast_summary
from queries import limits
from queries.errors import QueryError


def test_target_date_range_is_the_rule_the_check_enforces():
    as_of, day = datetime(2026, 11, 18, 17, 30, tzinfo=UTC), date(2026, 11, 18)
    first, last = limits.target_date_range(day)
    assert (first, last) == (date(2026, 11, 18), date(2028, 11, 17))      # 730 days after
    for ok in (first, last):
        limits.check({"as_of": as_of, "target_date": ok, "runs": 10000}, as_of_day=day)
    for bad in (first - timedelta(days=1), last + timedelta(days=1)):
        with pytest.raises(QueryError, match="target_date"):
            limits.check({"as_of": as_of, "target_date": bad, "runs": 10000}, as_of_day=day)
    # many runs shorten the horizon: 100,000 runs × 200 days = 20,000,000 simulated days
    assert limits.target_date_range(day, 100_000) == (first, first + timedelta(days=200))
    limits.check({"as_of": as_of, "target_date": first + timedelta(days=200), "runs": 100_000}, as_of_day=day)
    with pytest.raises(QueryError, match="simulated days"):
        limits.check({"as_of": as_of, "target_date": first + timedelta(days=201), "runs": 100_000}, as_of_day=day)
    # the day is the caller's to give (as_of's day in the reporting timezone), never guessed in UTC
    with pytest.raises(TypeError):
        limits.target_date_range(as_of)
    with pytest.raises(TypeError):
        limits.check({"as_of": as_of, "target_date": first})


class _Where:
    def __init__(self):
        self.text = ""

    def markdown(self, s):
        self.text = s


def test_how_many_says_it_is_about_the_pace_not_the_items_left():
    rows = [{"question": q, "confidence": c, "value": v, "on_date": d, "basis": "", "detail": ""}
            for q, v, d in (("when", 14.0, date(2026, 12, 8)), ("how_many", 21.0, date(2026, 12, 24)))
            for c in (0.5, 0.85, 0.95)]
    w = _Where()
    forecast_summary(pd.DataFrame(rows), w, 11)
    assert "done by **8 Dec 2026** (85 % of runs; 50 %: 8 Dec 2026)" in w.text
    assert ("**How many:** at the current pace, at least **21** items (any items, not only these 11) "
            "by 24 Dec 2026 (85 %)") in w.text
    # at scale (All teams at 100k demo issues) a count reads as every count on the pages does
    rows = [dict(r, value=9691.0) if r["question"] == "how_many" else r for r in rows]
    forecast_summary(pd.DataFrame(rows), w, 3948)
    assert "at least **9,691** items (any items, not only these 3,948)" in w.text


FORECAST_TAB = {"section": "Forecast"}


def _page_rows(db):
    with duckdb.connect(str(queries.userdata_path_for(db)), read_only=True) as c:
        return c.execute("SELECT forecast_id, as_of FROM forecasts WHERE source = 'page' "
                         "AND forecast_id NOT LIKE 'demo-%' ORDER BY 1").fetchall()


def _forecast_page(monkeypatch, db):
    at = app_for(monkeypatch, db)
    at.query_params.update(FORECAST_TAB)
    return open_page(at, "calibration")


def test_a_when_beyond_the_horizon_says_so_not_that_nothing_was_completed():
    """A what-if of 1,000,000 items once read "not reached: no completions in the window" (CLI) and
    "not enough completed work in the window to forecast" (page), beside a pace of 0.77 a day."""
    import numpy as np

    from queries.forecast import throughput_forecast

    def when(daily, items):
        fc = throughput_forecast(np.array(daily, dtype=float), start=date(2026, 11, 18), items=items,
                                 target_date=None, runs=200, seed=1, w_from=date(2026, 11, 17), w_to=date(2026, 11, 18))
        return fc[fc["question"] == "when"]

    # one item every other day: at most 3,650 days x 1 item, so a million is never reached
    far = when([1, 0], 1_000_000)
    assert far["on_date"].isna().all()
    assert set(far["detail"]) == {"not reached within 10 years at the window's pace (0.50 items a day)"}
    assert set(when([0, 0], 5)["detail"]) == {"not reached: no completions in the window"}
    assert when([1, 0], 3)["on_date"].notna().all()
    w = _Where()
    forecast_summary(far, w, 1_000_000)
    assert w.text == ("**When:** not reached within 10 years at the window's pace (0.50 items a day) "
                      "for 1,000,000 items")
    from dashboard.charts import forecast_distribution

    fig = forecast_distribution(pd.DataFrame(columns=["on_date", "share", "cumulative"]), far, 1_000_000)
    assert [a.text for a in fig.layout.annotations] == ["not reached within 10 years at the window's pace (0.50 "
                                                        "items a day)"]


def test_the_pickers_offer_only_allowed_values_and_a_refusal_is_advice(monkeypatch, demo_copy):
    at = _forecast_page(monkeypatch, demo_copy)
    assert not problems(at), problems(at)
    by = at.date_input(key="calibration_forecast_by")
    default = by.value
    first, last = by.min, by.max
    assert (last - first).days == limits.MAX_HORIZON_DAYS and default == first + timedelta(days=28)
    items = at.number_input(key="calibration_forecast_items")
    assert (items.min, items.max) == (1, limits.INT_RANGES["items"][1])
    # a day outside the range (left from another as-of date, or typed past the picker) falls back
    by.set_value(first - timedelta(days=8)).run()
    assert not problems(at), problems(at)
    assert at.date_input(key="calibration_forecast_by").value == default
    at.date_input(key="calibration_forecast_by").set_value(last).run()
    assert not problems(at), problems(at)
    assert any("A what-if: shown, not recorded" in c.value for c in at.caption)


def test_a_refused_forecast_is_one_line_of_advice(monkeypatch, demo_copy):
    at = _forecast_page(monkeypatch, demo_copy)
    monkeypatch.setitem(limits.INT_RANGES, "runs", (1, 5000))   # the panel's 10,000 runs now refused
    by = at.date_input(key="calibration_forecast_by")
    by.set_value(by.max - timedelta(days=1)).run()               # a question not answered (cached) before
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("No forecast for these inputs: parameter runs=10000 is out of range") and "\n" not in w
               for w in warnings), warnings


def test_only_the_default_question_is_recorded_once_per_scope_and_day(monkeypatch, demo_copy):
    with duckdb.connect(str(queries.userdata_path_for(demo_copy))) as c:   # what other page tests recorded
        c.execute("DELETE FROM forecasts WHERE forecast_id NOT LIKE 'demo-%'")
    at = _forecast_page(monkeypatch, demo_copy)
    assert not problems(at), problems(at)
    shown = _page_rows(demo_copy)
    assert len(shown) == 2                                    # the default question: 'when' and 'how many'
    by = at.date_input(key="calibration_forecast_by")
    by.set_value(by.value + timedelta(days=7)).run()
    at.number_input(key="calibration_forecast_items").set_value(500).run()
    assert not problems(at), problems(at)
    assert _page_rows(demo_copy) == shown                     # what-ifs are not recorded

    # the same scope's default forecast from a later data instant of the same day (a second sync):
    # stand the recorded ones in at an earlier instant of that day, as if made before the sync
    with duckdb.connect(str(queries.userdata_path_for(demo_copy))) as c:
        c.execute("UPDATE forecasts SET forecast_id = forecast_id || '-earlier', "
                  "as_of = as_of - INTERVAL 1 SECOND WHERE forecast_id NOT LIKE 'demo-%'")
        moved = c.execute("SELECT count(*) FROM forecasts WHERE forecast_id LIKE '%-earlier'").fetchall()[0][0]
    assert moved == 2
    at = _forecast_page(monkeypatch, demo_copy)
    assert not problems(at), problems(at)
    assert len(_page_rows(demo_copy)) == 2                    # not a second forecast for that day


def test_a_new_team_gets_its_own_default_question_and_record(monkeypatch, demo_copy):
    with duckdb.connect(str(queries.userdata_path_for(demo_copy))) as c:
        c.execute("DELETE FROM forecasts WHERE forecast_id NOT LIKE 'demo-%'")
    at = _forecast_page(monkeypatch, demo_copy)
    all_teams = at.number_input(key="calibration_forecast_items").value
    at.selectbox(key="f_board").set_value("2").run()       # another team: its own open items, not All teams'
    assert not problems(at), problems(at)
    items = at.number_input(key="calibration_forecast_items").value
    con = queries.connect(demo_copy)
    try:
        stored = queries.run(con, "default_as_of").iloc[0, 0].to_pydatetime()
        team_open = int(queries.run(con, "forecast__remaining", as_of=stored, board_id="2",
                                    project=None)["remaining"].iloc[0])
    finally:
        con.close()
    assert items == team_open != all_teams
    with duckdb.connect(str(queries.userdata_path_for(demo_copy)), read_only=True) as c:
        boards = c.execute("SELECT board_id, count(*) FROM forecasts WHERE source = 'page' "
                           "AND forecast_id NOT LIKE 'demo-%' GROUP BY 1 ORDER BY 1 NULLS FIRST").fetchall()
    assert boards == [(None, 2), ("2", 2)]                 # All teams' default, then team 2's own


def test_a_picked_period_is_a_what_if(monkeypatch, demo_copy):
    with duckdb.connect(str(queries.userdata_path_for(demo_copy))) as c:
        c.execute("DELETE FROM forecasts WHERE forecast_id NOT LIKE 'demo-%'")
    at = app_for(monkeypatch, demo_copy)
    at.query_params["from"], at.query_params["to"] = "2026-06-01", "2026-06-03"
    at.query_params["section"] = "Forecast"
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    assert len(_page_rows(demo_copy)) == 0                   # a 3-day throughput window is not the team's forecast


def test_the_plan_checks_bars_write_their_day_as_every_label_does():
    """The bars read '16.0 d · 2026-12-05' where every other label writes '5 Dec 2026'; the day is
    the as-of day plus the days rounded up (16.02 days from 18 Nov: by 5 Dec)."""
    from dashboard.charts import plan_check

    fc = pd.DataFrame([{"question": "plan_check", "confidence": None, "value": 16.02, "on_date": date(2026, 12, 5)},
                       {"question": "plan_check", "confidence": 0.85, "value": 20.0, "on_date": None}])
    assert list(plan_check(fc).data[0].text) == ["16.0 d · 5 Dec 2026", "20.0 d"]
