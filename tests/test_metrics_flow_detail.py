"""Flow detail (docs/metrics.md §2): time in status per status, flow efficiency, blocked
time from Jira's Flagged field history and from blocked statuses. Expected numbers are
worked out by hand in the comments from the fixture rows (helpers_sprints.flow_scenario)."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_sprints import connect, flow_scenario, ts

import queries


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(flow_scenario().load(tmp_path_factory.mktemp("flow") / "w.duckdb"))
    yield c
    c.close()


def _run(con, name):
    return queries.run(con, name, as_of=ts("2026-02-01 00:00"), board_id=None, project=None,
                       date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))


def test_flow_efficiency_and_blocked_time(con):
    df = _run(con, "flow__efficiency").set_index("issue_key")
    assert list(df.index) == ["P-Y", "P-W", "P-X"]   # by completion: 01-04, 01-06, 01-08
    x, y, w = df.loc["P-X"], df.loc["P-Y"], df.loc["P-W"]
    # W: 4 d in progress, never flagged or waiting: efficiency 4 / 5
    assert (w.active_days, w.flagged_days, w.blocked_days, w.waiting_days) == (4.0, 0.0, 0.0, 0.0)
    assert w.efficiency == pytest.approx(0.8)
    # X in progress: In Progress 2 d + 1 d, QA 1 d = 4 d, less the 1 d flagged in In Progress
    # (01-03 - 01-04) = 3 d active; waiting: Blocked 1 d + Waiting for QA 1 d = 2 d.
    assert x.active_days == pytest.approx(3.0) and x.waiting_days == pytest.approx(2.0)
    # flagged 1.5 d; blocked = flagged 1.5 + Blocked status 1 - overlap 0.5 (01-04 00-12h) = 2 d
    assert x.flagged_days == pytest.approx(1.5) and x.blocked_days == pytest.approx(2.0)
    assert x.lead_time_days == pytest.approx(7.0) and x.efficiency == pytest.approx(3 / 7)
    # Y: flagged from creation (01-01) to 01-03 = 2 d; In Progress 2 d less 1 d flagged = 1 d active
    assert y.flagged_days == pytest.approx(2.0) and y.blocked_days == pytest.approx(2.0)
    assert y.active_days == pytest.approx(1.0) and y.efficiency == pytest.approx(1 / 3)
    assert y.waiting_days == 0


def test_time_in_status_per_status(con):
    df = _run(con, "flow__time_in_status").set_index("status")
    # To Do: X, Y, W 1 d each. In Progress: X 2 + 1 = 3 d, Y 2 d, W 4 d -> sorted [2, 3, 4]:
    # median 3, p85 at rank 0.85 x 2 = 1.7 -> 3 + 0.7 x (4 - 3) = 3.7
    # by stage rank, then name ("Waiting for QA" matches the review pattern: rank 2, like QA)
    assert list(df.index) == ["To Do", "Blocked", "In Progress", "QA", "Waiting for QA"]
    assert df.loc["To Do", "issues"] == 3 and df.loc["To Do", "median_days"] == pytest.approx(1.0)
    assert df.loc["In Progress", "median_days"] == pytest.approx(3.0)
    assert df.loc["In Progress", "p85_days"] == pytest.approx(3.7)
    assert df.loc["QA", "issues"] == 1
    assert df.loc["Blocked", "issues"] == 1 and df.loc["Blocked", "median_days"] == pytest.approx(1.0)
    assert bool(df.loc["Blocked", "is_waiting"]) and bool(df.loc["Blocked", "is_blocked"])
    assert bool(df.loc["Waiting for QA", "is_waiting"]) and not bool(df.loc["Waiting for QA", "is_blocked"])
    assert not bool(df.loc["QA", "is_waiting"]) and not bool(df.loc["In Progress", "is_waiting"])
    assert "Done" not in df.index
