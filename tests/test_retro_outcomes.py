"""Retro outcomes (docs/metrics.md §8): action follow-through, open actions, and working
agreements judged on delivery metrics. Expected numbers are worked out by hand below."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from helpers_sprints import DONE, IN_PROGRESS, QA, TODO, Scenario, connect, ts, write_userdata

import queries
from queries.registry import run_public

AS_OF = "2026-02-05 23:59:59"


def params(**kw):
    p = dict(as_of=ts(AS_OF), board_id=None, project=None, date_from=None, date_to=None)
    p.update(kw)
    return p


# ---------------------------------------------------------------- action follow-through
RETROS = [("R1", "2026-01-05", "Atlas"), ("R2", "2026-01-19", "atlas "), ("R3", "2026-02-02", "Atlas"),
          ("R4", "2026-02-10", "Atlas"),                 # after as_of: not yet held
          ("B1", "2026-01-06", "Borealis"), ("P1", "2026-01-07", "Platform")]
ACTIONS = [
    # id, retro, due_on, status, done_on
    ("a1", "R1", "2026-01-12", "done", "2026-01-10"),    # on time
    ("a2", "R1", "2026-01-12", "done", "2026-01-15"),    # late
    ("a3", "R1", "2026-01-12", "open", None),            # never done: due, overdue
    ("a4", "R1", "2026-01-12", "dropped", None),         # dropped: not in the denominator
    ("a5", "R1", "2026-02-20", "open", None),            # not yet due
    ("a6", "R1", None, "done", "2026-01-18"),            # no due date -> due at next retro R2 (01-19): on time
    ("a7", "R1", "2026-01-12", "done", "2026-02-10"),    # done after as_of -> still open at as_of, overdue
    ("b1", "R2", None, "open", None),                    # due at next retro R3 (02-02) -> due, overdue
    ("c1", "R3", None, "open", None),                    # no next retro yet -> not due
    ("d1", "R4", "2026-02-11", "open", None),            # retro after as_of: ignored
    ("e1", "B1", "2026-01-10", "done", "2026-01-09"),    # Borealis, on time
    ("f1", "P1", "2026-01-10", "open", None),            # Platform (no board of that name), overdue
]


@pytest.fixture
def retro_con(tmp_path):
    s = Scenario().board("1", "Atlas", project_key="ATL").board("2", "Borealis", project_key="BOR")
    db = s.load(tmp_path / "w.duckdb")
    ud = write_userdata(tmp_path / "w.userdata.duckdb", retros=RETROS, actions=ACTIONS)
    con = connect(db, ud)
    yield con
    con.close()


def test_follow_through_per_retro(retro_con):
    df = run_public(retro_con, "retro_follow_through", as_of=AS_OF).set_index("retro_id")
    assert "R4" not in df.index                          # held after as_of
    r1 = df.loc["R1"]
    # R1: 7 actions; due = a1 a2 a3 a6 a7 = 5 (a4 dropped, a5 not yet due);
    # on time = a1 a6 = 2 -> follow-through 2/5 = 0.4; late a2; not done a3 a7
    assert (r1.actions, r1.actions_due, r1.actions_done_on_time) == (7, 5, 2)
    assert r1.follow_through == pytest.approx(0.4)
    assert (r1.actions_done_late, r1.actions_not_done, r1.actions_dropped, r1.actions_not_yet_due) == (1, 2, 1, 1)
    # R2: b1 due at R3 (02-02) and open -> 0 / 1
    assert (df.loc["R2"].actions_due, df.loc["R2"].follow_through) == (1, 0.0)
    # R3: c1 has no due date and no later retro -> nothing due, follow-through undefined
    assert df.loc["R3"].actions_due == 0 and math.isnan(df.loc["R3"].follow_through)
    assert df.loc["B1"].follow_through == pytest.approx(1.0)


def test_follow_through_filters_by_team_board_and_date(retro_con):
    atlas = run_public(retro_con, "retro_follow_through", as_of=AS_OF, board_id="1")
    # team matched to board name case-insensitively ("atlas " is Atlas); Platform matches no board
    assert sorted(atlas.retro_id) == ["R1", "R2", "R3"]
    assert list(run_public(retro_con, "retro_follow_through", as_of=AS_OF, project="BOR").retro_id) == ["B1"]
    dated = run_public(retro_con, "retro_follow_through", as_of=AS_OF, date_from="2026-01-06", date_to="2026-01-19")
    assert sorted(dated.retro_id) == ["B1", "P1", "R2"]
    # as of 01-11 R1's a1 was done, a2 a3 a7 not yet due (01-12), a6 not yet due (R2 on 01-19)
    early = run_public(retro_con, "retro_follow_through", as_of="2026-01-11").set_index("retro_id")
    assert (early.loc["R1"].actions_due, early.loc["R1"].actions_not_yet_due) == (0, 6)


def test_open_actions_oldest_first_with_flags(retro_con):
    df = queries.run(retro_con, "retro__open_actions", **params(board_id="1"))
    # open at 02-05 on Atlas: a3, a7 (due 01-12), a5 (due 02-20) from R1; b1 from R2; c1 from R3
    assert list(df.action_id) == ["a3", "a7", "a5", "b1", "c1"]
    flags = {r.action_id: (bool(r.is_overdue), bool(r.older_than_one_cycle)) for r in df.itertuples()}
    # latest Atlas retro by 02-05 is R3 (02-02): R1 and R2 items are older than one cycle
    assert flags == {"a3": (True, True), "a7": (True, True), "a5": (False, True),
                     "b1": (True, True), "c1": (False, False)}
    b1 = df[df.action_id == "b1"].iloc[0]
    # due at the next retro (02-02), 3 days overdue on 02-05; R3 held since
    assert (b1.due_from, b1.days_overdue, b1.retros_since) == ("next retro", 3, 1)
    everyone = queries.run(retro_con, "retro__open_actions", **params())
    assert "f1" in set(everyone.action_id) and "d1" not in set(everyone.action_id)


def test_one_rule_says_which_actions_are_open_on_a_day(tmp_path):
    """Follow-through, the Sprint retro page's last retro and the slide read an action's status on
    the as-of day by one rule (marts/action_status_on.sql): dropped stays dropped, even with a
    done date after the day (the page called it "open" while the others said dropped); done
    after the day is open; done with no date is done."""
    from datetime import date

    from queries.tech_health import latest_retro

    db = Scenario().board("1", "Atlas", project_key="ATL").load(tmp_path / "w.duckdb")
    ud = write_userdata(tmp_path / "w.userdata.duckdb", retros=[("R3", "2026-02-02", "Atlas")], actions=[
        ("x1", "R3", "2026-02-04", "dropped", "2026-02-10"),   # dropped; its date after as_of
        ("x2", "R3", "2026-02-04", "done", "2026-02-10"),      # done after as_of: open then
        ("x3", "R3", "2026-02-04", "open", None),
        ("x4", "R3", "2026-02-04", "done", None),              # done, no date: done
    ])
    con = connect(db, ud)
    try:
        last = queries.run(con, "sprint_retro__last_retro", as_of=ts(AS_OF), board_id="1")
        listed = queries.run(con, "retro__open_actions", **params(board_id="1"))
        slide = latest_retro(con, "1", date(2026, 2, 5))
    finally:
        con.close()
    assert dict(zip(last["text"], last["status"], strict=True)) == {
        "action x1": "dropped", "action x2": "open", "action x3": "open", "action x4": "done"}
    assert sorted(listed["action_id"]) == ["x2", "x3"]
    assert [a[0] for a in slide.open_actions] == ["action x2", "action x3"]


# ---------------------------------------------------------------- agreement evaluation
def agreement_scenario() -> Scenario:
    s = Scenario().board("1", "Atlas", project_key="P").board("2", "Borealis", project_key="Q")
    s.sprint("1", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    s.product_metric("conversion_rate")
    # conversion 3.0 a day 01-01..01-10, 3.5 a day 01-11..01-20 (g3: target 3.4, up -> met)
    s.product_values("conversion_rate", "2026-01-01", [3.0] * 10 + [3.5] * 10)

    def flow(iid, start, done, project="P", bounce_at=None, **kw):
        s.issue(iid, "2026-01-01 00:00", status=DONE, project=project, **kw)
        s.move(iid, start, TODO, IN_PROGRESS)
        if bounce_at:
            s.move(iid, bounce_at[0], IN_PROGRESS, QA).move(iid, bounce_at[1], QA, IN_PROGRESS)
        s.move(iid, done, IN_PROGRESS, DONE)

    # board 1 (project P), completed before 01-11: cycle times 2 and 4 days, no rework
    flow("B1", "2026-01-03 10:00", "2026-01-05 10:00")
    flow("B2", "2026-01-04 10:00", "2026-01-08 10:00")
    # completed 01-11..01-20: C1 1 day; C2 3 days with one QA -> In Progress bounce; X1 2 days
    # ranges (days): C1 0.5/1/2 (1 day: a hit); C2 1/2/2.5 (3 days: an overrun);
    # X1 3/2/4 is out of order (best > likely): not scored
    flow("C1", "2026-01-12 10:00", "2026-01-13 10:00", best=0.5, likely=1, worst=2)
    flow("C2", "2026-01-12 10:00", "2026-01-15 10:00", bounce_at=("2026-01-13 10:00", "2026-01-14 10:00"),
         best=1, likely=2, worst=2.5)
    flow("X1", "2026-01-13 10:00", "2026-01-15 10:00", sprints=["1"], points=3, best=3, likely=2, worst=4)
    # X2: committed to sprint 1 (2 points), never started
    s.issue("X2", "2026-01-01 00:00", status=TODO, sprints=["1"], points=2)
    # board 2 (project Q): 8 days, completed 01-20: not Atlas's
    flow("Q1", "2026-01-12 10:00", "2026-01-20 10:00", project="Q")
    return s


AGREEMENTS = [
    # id, retro, start, review, metric, target, direction
    ("g1", "R1", "2026-01-11", "2026-01-20", "cycle_time_p85", None, None),
    ("g2", "R1", "2026-01-11", "2026-01-20", "rework_rate", 0.25, None),
    ("g3", "R1", "2026-01-11", "2026-01-20", "conversion_rate", 3.4, "up"),
    ("g4", "R1", "2026-01-11", "2026-01-20", "happiness", None, None),
    ("g5", "R1", "2026-01-11", "2026-01-20", None, None, None),
    ("g6", "R1", "2026-02-01", "2026-02-20", "cycle_time_p85", 3.0, "down"),
    ("g7", "R1", "2026-01-15", "2026-01-24", "say_do", 0.8, "up"),
    ("g8", "R1", "2026-01-15", "2026-01-24", "scope_change", None, None),
    ("g9", "P1", "2026-01-11", "2026-01-20", "cycle_time_p85", None, None),
    ("g10", "R1", "2026-01-11", "2026-01-20", "hit_rate", 0.8, None),
]


@pytest.fixture
def agreement_con(tmp_path):
    db = agreement_scenario().load(tmp_path / "w.duckdb")
    ud = write_userdata(tmp_path / "w.userdata.duckdb",
                        retros=[("R1", "2026-01-05", "Atlas"), ("P1", "2026-01-05", "Platform")],
                        agreements=AGREEMENTS)
    con = connect(db, ud)
    yield con
    con.close()


def test_agreement_evaluation(agreement_con):
    df = queries.run(agreement_con, "retro__agreement_evaluation", **params()).set_index("agreement_id")
    v = df.verdict.to_dict()
    # g1: 10-day window 01-11..01-20, before = 01-01..01-10. Atlas = board 1 only.
    #   before: cycle times [2, 4] -> p85 = 2 + 0.85 * (4 - 2) = 3.7
    #   during: [1, 2, 3] -> p85 at position 0.85 * 2 = 1.7 -> 2 + 0.7 * (3 - 2) = 2.7 (Q1 excluded)
    #   no target, better = down: 2.7 < 3.7 -> met
    assert df.loc["g1", "before_value"] == pytest.approx(3.7)
    assert df.loc["g1", "during_value"] == pytest.approx(2.7)
    assert (df.loc["g1", "before_n"], df.loc["g1", "during_n"]) == (2, 3)
    assert v["g1"] == "met"
    # g2: rework before 0/2 = 0; during 1/3 (C2 bounced) > target 0.25 (default down) -> not met
    assert df.loc["g2", "before_value"] == pytest.approx(0.0)
    assert df.loc["g2", "during_value"] == pytest.approx(1 / 3)
    assert (df.loc["g2", "direction"], v["g2"]) == ("down", "not met")
    # 1/3 > 0.25 with direction down: above its target, in words (the figures stand beside it)
    assert df.loc["g2", "reason"] == "above its target during the agreement"
    # g3: a product metric, judged by the impact engine as on Product outcomes: during mean
    #     3.5 >= target 3.4 -> met (never a verdict outside met / not met / too early / not measurable)
    assert (v["g3"], df.loc["g3", "metric_kind"]) == ("met", "product")
    assert df.loc["g3", "during_value"] == pytest.approx(3.5)
    assert df.loc["g3", "reason"] == "daily mean reached its target during the agreement"   # 3.5 >= 3.4, up
    assert set(v.values()) <= {"met", "not met", "too early", "not measurable"}
    assert v["g4"] == "not measurable" and "unknown metric" in df.loc["g4", "reason"]
    assert v["g5"] == "not measurable" and df.loc["g5", "reason"] == "no metric linked"
    assert v["g6"] == "too early"                         # review 02-20 > as_of 02-05
    # g7: sprint 1 closed 01-19 in 01-15..01-24: completed 3 (X1) / committed 5 = 0.6 < 0.8
    #     nothing closed 01-05..01-14 -> no before value
    assert df.loc["g7", "during_value"] == pytest.approx(0.6)
    assert math.isnan(df.loc["g7", "before_value"]) and v["g7"] == "not met"
    assert df.loc["g7", "reason"] == "below its target during the agreement"     # 0.6 < 0.8, up
    # g8: scope change during = (0 + 0) / 5 = 0, but no target and no before value -> not measurable
    assert df.loc["g8", "during_value"] == pytest.approx(0.0) and v["g8"] == "not measurable"
    # g9: team Platform matches no board -> all boards: during [1, 2, 3, 8] ->
    #     position 0.85 * 3 = 2.55 -> 3 + 0.55 * (8 - 3) = 5.75 > before 3.7 -> not met
    assert df.loc["g9", "during_value"] == pytest.approx(5.75)
    assert v["g9"] == "not met"
    # g10: scored ranges during = C1 (hit), C2 (miss) -> 1/2 = 0.5 < 0.8 (default up) -> not met;
    #      B1, B2 had no range -> no before value
    assert (df.loc["g10", "during_value"], df.loc["g10", "during_n"], df.loc["g10", "before_n"]) == (0.5, 2, 0)
    assert (df.loc["g10", "direction"], v["g10"]) == ("up", "not met")


LOADED_TO_0116 = datetime(2026, 1, 16, 23, 59, 59, tzinfo=UTC)   # a load describing the data to 01-16


def _agreement(agreement_id: str) -> tuple:
    return next(a for a in AGREEMENTS if a[0] == agreement_id)


def test_a_product_agreement_reviewed_after_the_loaded_data_is_too_early(tmp_path):
    """g3's review day (01-20) is before the as-of (02-05), but the metric's load describes the
    data to 01-16 only: the days to the review are not known yet, so it is too early, judged on
    the days loaded so far (01-11..01-16: 3.0 x 0 + 3.5 x 6 -> mean 3.5), not met or not."""
    con, g3 = _evaluated(tmp_path, agreement_scenario(), _agreement("g3"), data_as_of=LOADED_TO_0116)
    con.close()
    assert g3.verdict == "too early"
    assert g3.reason == ("review on 20 Jan 2026, after the last day of conversion_rate loaded (16 Jan 2026); "
                         "values so far")
    assert g3.during_value == pytest.approx(3.5) and g3.during_n == 6


def test_a_delivery_agreement_reviewed_after_the_loaded_data_is_too_early(tmp_path):
    """g1 (cycle time p85, 01-11..01-20) is met at as_of 02-05 when the load describes the data to
    then; loaded to 01-16 only, the days to its review are not known: too early, the values so
    far shown (during: C1 1 day, C2 3 days, X1 2 days all completed by 01-15 -> p85 2.7 as before)."""
    con, g1 = _evaluated(tmp_path, agreement_scenario(), _agreement("g1"), data_as_of=LOADED_TO_0116)
    con.close()
    assert g1.verdict == "too early"
    assert g1.reason == "review on 20 Jan 2026, after the last day of delivery data loaded (16 Jan 2026); values so far"
    assert g1.during_value == pytest.approx(2.7)


def _evaluated(tmp_path, s: Scenario, agreement: tuple, data_as_of: datetime | None = None):
    """Scenario `s` with Atlas's retro R1 (05 Jan) holding the one `agreement`: an open connection
    (the caller closes it) and the agreement's evaluation row. `data_as_of`: what the load says
    its data describes (default: the load's own time)."""
    db = s.load(tmp_path / "w.duckdb", data_as_of=data_as_of)
    ud = write_userdata(tmp_path / "w.userdata.duckdb", retros=[("R1", "2026-01-05", "Atlas")],
                        agreements=[agreement])
    con = connect(db, ud)
    return con, queries.run(con, "retro__agreement_evaluation", **params()).set_index("agreement_id").loc[agreement[0]]


def test_a_debt_share_agreement_with_no_debt_done_is_zero_not_missing(tmp_path):
    """Points completed and none of them debt: the share is 0 %, as the slide's KPI says (one
    rule, marts/debt_share.sql), so a "debt share at least 20 %" agreement is not met. It was
    "not measurable": the debt points' sum over no rows was NULL."""
    s = agreement_scenario()
    # D1 (debt, 2 points) completed 01-03..01-05, before g11's window
    s.issue("D1", "2026-01-01 00:00", status=DONE, issue_type="Task", labels=["tech-debt"], points=2)
    s.move("D1", "2026-01-03 10:00", TODO, IN_PROGRESS).move("D1", "2026-01-05 10:00", IN_PROGRESS, DONE)
    con, g = _evaluated(tmp_path, s, ("g11", "R1", "2026-01-11", "2026-01-20", "debt_share", 0.2, "up"))
    try:
        kpi = queries.run(con, "tech_health__kpis", as_of=ts("2026-01-20 23:59:59"), board_id="1",
                          project=None, date_from="2026-01-11", date_to="2026-01-20")
    finally:
        con.close()
    # before 01-01..01-10 (Atlas): B1, B2 (no points), D1 (2 debt points) -> points 2, debt 2 -> 1.0
    # during 01-11..01-20: C1, C2 (no points), X1 (3 points, a feature) -> debt 0 of 3 points -> 0.0
    assert (g.before_value, g.during_value, g.during_n) == (1.0, 0.0, 3)
    assert g.verdict == "not met"
    # the slide's KPI over the same days, by the same rule
    assert kpi.set_index("kpi").loc["debt_share", "value"] == 0.0


def test_say_do_over_sprints_pools_the_sprints_that_committed_points(tmp_path):
    """A say/do agreement over several sprints: completed ÷ committed points of the sprints that
    committed any, as the slide pools a team's sprints (queries.tech_health.team_rows). A
    sprint that committed nothing (its work all added after the start) has no say/do of its
    own, and its completed points no longer lift the others'."""
    s = agreement_scenario()
    # sprint 2 (board 1) 01-19..01-23 commits nothing; Y1 (4 points) is added on 01-20 and done
    s.sprint("2", "1", "2026-01-19 10:00", "2026-01-23 09:00", complete="2026-01-23 10:00")
    s.issue("Y1", "2026-01-01 00:00", status=DONE, sprints=["2"], points=4)
    s.sprint_change("Y1", "2026-01-20 09:00", "", "2")
    s.move("Y1", "2026-01-20 10:00", TODO, IN_PROGRESS).move("Y1", "2026-01-21 10:00", IN_PROGRESS, DONE)
    con, g = _evaluated(tmp_path, s, ("g12", "R1", "2026-01-15", "2026-01-24", "say_do", 0.8, "up"))
    try:
        sprints = run_public(con, "sprint_facts", as_of=AS_OF, board_id="1").set_index("sprint_id")
    finally:
        con.close()
    # each sprint on its own: sprint 1 committed 5 (X1 3 + X2 2), completed 3 -> 0.6; sprint 2
    # committed 0 (no say/do), completed Y1's 4 added points
    assert sprints.loc["1", ["committed_points", "completed_points"]].tolist() == [5, 3]
    assert sprints.loc["2", ["committed_points", "completed_points"]].tolist() == [0, 4]
    # pooled: 3 / 5 = 0.6 (not (3 + 4) / 5 = 1.4, which read as "met") over the 2 sprints
    assert (g.during_value, g.during_n) == (pytest.approx(0.6), 2)
    assert g.verdict == "not met"


def test_follow_through_counts_agreements_met(agreement_con):
    df = run_public(agreement_con, "retro_follow_through", as_of=AS_OF).set_index("retro_id")
    # R1 has g1..g8 and g10: met = g1 and g3 (a product metric: the impact engine's verdict,
    # during mean 3.5 >= 3.4); not met = g2, g7, g10; too early = g6; product = g3;
    # not measurable = g4, g5, g8
    r1 = df.loc["R1"]
    assert (r1.agreements, r1.agreements_met, r1.agreements_not_met) == (9, 2, 3)
    assert (r1.agreements_too_early, r1.agreements_product, r1.agreements_not_measurable) == (1, 1, 3)


def test_board_filtered_evaluation_matches_the_unfiltered_one(agreement_con):
    every = queries.run(agreement_con, "retro__agreement_evaluation", **params()).set_index("agreement_id")
    atlas = queries.run(agreement_con, "retro__agreement_evaluation", **params(board_id="1")).set_index("agreement_id")
    # board 1 = team Atlas: R1's agreements only (Platform's g9 matches no board), same figures
    assert sorted(atlas.index) == sorted(f"g{i}" for i in (1, 2, 3, 4, 5, 6, 7, 8, 10))
    cols = ["verdict", "before_value", "during_value", "before_n", "during_n"]
    assert atlas[cols].sort_index().equals(every.loc[atlas.index, cols].sort_index())
    assert queries.run(agreement_con, "retro__agreement_evaluation", **params(board_id="2")).empty
