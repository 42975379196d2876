"""Flow reports (docs/metrics.md §2, §3, §6): weekly throughput / percentiles / WIP, CFD, time in
status, ageing WIP, rework trend, bug inflow. Hand-worked from one small fixture.
Jan 5 2026 is a Monday; all instants UTC."""

from __future__ import annotations

import pytest
from helpers_metrics import build, connect, done_issue, run

AS_OF = "2026-01-14 12:00"   # Wednesday of the week of Jan 12

FLOW = {
    "boards": [{"id": "1", "project": "P"}],
    "issues": [
        done_issue(1, "2026-01-05 09:00", 2),           # A: created Jan 4, done Wed Jan 7
        done_issue(2, "2026-01-05 09:00", 4),           # B: created Jan 4, done Fri Jan 9
        {"id": 3, "key": "P-3", "created": "2026-01-05 09:00", "history": [   # C
            ("2026-01-06 09:00", "1", "3"),
            ("2026-01-08 09:00", "3", "5"),             # QA
            ("2026-01-09 09:00", "5", "3"),             # QA bounce
            ("2026-01-13 09:00", "3", "6")]},           # done Tue Jan 13: cycle 7
        {"id": 4, "key": "Q-1", "project": "Q", "created": "2026-01-07 09:00",   # D: in progress
         "history": [("2026-01-08 09:00", "1", "3")]},
        {"id": 5, "key": "P-5"},                        # E: created Jan 5 09:00, To Do
        {"id": 6, "key": "P-6", "type": "Bug", "labels": ["escaped"], "created": "2026-01-06 09:00"},
        {"id": 7, "key": "P-7", "type": "Bug", "created": "2026-01-13 09:00"},
    ]}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(build(tmp_path_factory.mktemp("flow"), FLOW))
    yield c
    c.close()


def test_flow_weekly(con):
    df = run(con, "flow_weekly", as_of=AS_OF).set_index("week")
    assert [str(w)[:10] for w in df.index] == ["2026-01-05", "2026-01-12"]
    w1, w2 = df.iloc[0], df.iloc[1]
    # week of Jan 5: A (2 d) and B (4 d) complete; continuous quantiles of [2, 4]
    assert w1["throughput"] == 2
    assert (w1["cycle_time_p50"], w1["cycle_time_p85"], w1["cycle_time_p95"]) == \
        (pytest.approx(3.0), pytest.approx(3.7), pytest.approx(3.9))
    # end of that week (Mon Jan 12 00:00): C and D started, not complete
    assert w1["wip_end_of_week"] == 2
    # week of Jan 12: C (7 d); at as_of only D is in progress
    assert (w2["throughput"], w2["cycle_time_p85"], w2["wip_end_of_week"]) == (1, pytest.approx(7.0), 1)


def test_flow_weekly_board_filter(con):
    # board 1 = project P: D is not on it
    df = run(con, "flow_weekly", as_of=AS_OF, board_id="1")
    assert list(df["wip_end_of_week"]) == [1, 0]
    assert list(df["throughput"]) == [2, 1]


def test_cfd_daily(con):
    df = run(con, "cfd_daily", as_of=AS_OF)
    st = df[df["level"] == "status"].set_index(["day", "status"])["issues"]
    cat = df[df["level"] == "category"].set_index(["day", "category"])["issues"]
    day = df["day"].iloc[0]
    assert str(day)[:10] == "2026-01-04" and str(df["day"].iloc[-1])[:10] == "2026-01-14"
    jan7 = df.loc[df["day"].astype(str).str[:10] == "2026-01-07", "day"].iloc[0]
    # end of Jan 7: To Do = D (created Jan 7), E, P-6; In Progress = B, C; Done = A
    assert (st[(jan7, "To Do")], st[(jan7, "In Progress")], st[(jan7, "Done")], st[(jan7, "QA")]) == (3, 2, 1, 0)
    assert (cat[(jan7, "todo")], cat[(jan7, "in_progress")], cat[(jan7, "done")]) == (3, 2, 1)
    # end of Jan 4: A and B created in To Do
    assert st[(day, "To Do")] == 2


def test_time_in_status(con):
    df = run(con, "time_in_status", as_of=AS_OF).set_index(["issue_key", "status"])
    # A: To Do Jan 4 09:00 -> Jan 5 09:00 = 1; In Progress 2; Done Jan 7 09:00 -> as_of = 7 d 3 h
    assert df.loc[("P-1", "To Do"), "days"] == pytest.approx(1.0)
    assert df.loc[("P-1", "In Progress"), "days"] == pytest.approx(2.0)
    assert df.loc[("P-1", "Done"), "days"] == pytest.approx(7.125)
    # C: In Progress Jan 6 -> Jan 8 (2) + Jan 9 -> Jan 13 (4) = 6 over two stays; QA 1
    assert (df.loc[("P-3", "In Progress"), "days"], df.loc[("P-3", "In Progress"), "stays"]) == (pytest.approx(6.0), 2)
    assert df.loc[("P-3", "QA"), "days"] == pytest.approx(1.0)


def test_ageing_wip(con):
    df = run(con, "flow__ageing_wip", as_of=AS_OF)
    assert list(df["issue_key"]) == ["Q-1"]
    # started Jan 8 09:00 -> as_of Jan 14 12:00 = 6 d 3 h; in the same status since
    assert df["age_days"].iloc[0] == pytest.approx(6.125)
    assert df["days_in_status"].iloc[0] == pytest.approx(6.125)


def test_rework_trend(con):
    df = run(con, "quality__rework_trend", as_of=AS_OF).set_index("week")
    assert list(df["completed"]) == [2, 1] and list(df["with_rework"]) == [0, 1]
    w2 = df.iloc[1]
    # C: QA -> In Progress at Jan 9 09:00 until Done (rank 3 >= 2) at Jan 13 09:00 = 4 d
    assert (w2["rework_rate"], w2["qa_bounces"], w2["reopens"], w2["rework_days"]) == \
        (1.0, 1, 0, pytest.approx(4.0))


def test_bug_inflow(con):
    df = run(con, "quality__bug_inflow", as_of=AS_OF)
    # P-6 (escaped) created in the week of Jan 5, P-7 in the week of Jan 12
    assert [str(w)[:10] for w in df["week"]] == ["2026-01-05", "2026-01-12"]
    assert list(df["bugs_created"]) == [1, 1] and list(df["escaped_bugs"]) == [1, 0]


def test_cycle_time_scatter(con):
    df = run(con, "flow__cycle_time_scatter", as_of=AS_OF)
    assert list(df["issue_key"]) == ["P-1", "P-2", "P-3"]
    # p50 of [2, 4, 7] = 4; p85 = 4 + 0.7 * (7 - 4) = 6.1
    assert df["p50"].iloc[0] == pytest.approx(4.0) and df["p85"].iloc[0] == pytest.approx(6.1)
