"""Flow detail (docs/metrics.md §2): time in status per status, flow efficiency, blocked
time from Jira's Flagged field history and from blocked statuses. Expected numbers are
worked out by hand in the comments from the fixture rows."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_sprints import DONE, IN_PROGRESS, QA, TODO, Scenario, connect, ts

import queries

BLOCKED, WAITING_QA = "10005", "10006"


def flag(s: Scenario, issue_id: str, at: str, frm: str | None, to: str | None) -> None:
    """A change of Jira's Flagged field (a custom field: kept with field_key 'other')."""
    s.field_changes.append(dict(
        source="test", issue_id=issue_id, history_id=s._next_hist(), item_seq=0, changed_at=ts(at),
        field_key="other", field="Flagged", field_id="customfield_10021", from_value=None, from_string=frm,
        to_value=None, to_string=to))


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    s = Scenario().board("1", "Atlas")
    s.statuses += [(BLOCKED, "Blocked", "indeterminate"), (WAITING_QA, "Waiting for QA", "indeterminate")]
    # X: created 01-01; In Progress 01-02, Blocked 01-04, In Progress 01-05, Waiting for QA
    # 01-06, QA 01-07, Done 01-08 (lead 7 d, cycle 6 d); flagged 01-03 00:00 - 01-04 12:00.
    s.issue("X", "2026-01-01 00:00", status=DONE)
    for at, a, b in (("01-02", TODO, IN_PROGRESS), ("01-04", IN_PROGRESS, BLOCKED), ("01-05", BLOCKED, IN_PROGRESS),
                     ("01-06", IN_PROGRESS, WAITING_QA), ("01-07", WAITING_QA, QA), ("01-08", QA, DONE)):
        s.move("X", f"2026-{at} 00:00", a, b)
    flag(s, "X", "2026-01-03 00:00", None, "Impediment")
    flag(s, "X", "2026-01-04 12:00", "Impediment", None)
    # Y: created 01-01 already flagged (the first change's `from`), flag cleared 01-03;
    # In Progress 01-02, Done 01-04 (lead 3 d).
    s.issue("Y", "2026-01-01 00:00", status=DONE)
    s.move("Y", "2026-01-02 00:00", TODO, IN_PROGRESS)
    s.move("Y", "2026-01-04 00:00", IN_PROGRESS, DONE)
    flag(s, "Y", "2026-01-03 00:00", "Impediment", "")
    # Z: still in progress (not completed): in no figure.
    s.issue("Z", "2026-01-01 00:00", status=IN_PROGRESS)
    s.move("Z", "2026-01-02 00:00", TODO, IN_PROGRESS)
    c = connect(s.load(tmp_path_factory.mktemp("flow") / "w.duckdb"))
    yield c
    c.close()


def _run(con, name):
    return queries.run(con, name, as_of=ts("2026-02-01 00:00"), board_id=None, project=None,
                       date_from=date(2026, 1, 1), date_to=date(2026, 1, 31))


def test_flow_efficiency_and_blocked_time(con):
    df = _run(con, "flow__efficiency").set_index("issue_key")
    assert list(df.index) == ["P-Y", "P-X"]
    x, y = df.loc["P-X"], df.loc["P-Y"]
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
    # To Do: X 1 d, Y 1 d. In Progress: X 2 + 1 = 3 d, Y 2 d -> median 2.5, p85 2 + 0.85 x 1 = 2.85
    # by stage rank, then name ("Waiting for QA" matches the review pattern: rank 2, like QA)
    assert list(df.index) == ["To Do", "Blocked", "In Progress", "QA", "Waiting for QA"]
    assert df.loc["To Do", "issues"] == 2 and df.loc["To Do", "median_days"] == pytest.approx(1.0)
    assert df.loc["In Progress", "median_days"] == pytest.approx(2.5)
    assert df.loc["In Progress", "p85_days"] == pytest.approx(2.85)
    assert df.loc["Blocked", "issues"] == 1 and df.loc["Blocked", "median_days"] == pytest.approx(1.0)
    assert bool(df.loc["Blocked", "is_waiting"]) and bool(df.loc["Blocked", "is_blocked"])
    assert bool(df.loc["Waiting for QA", "is_waiting"]) and not bool(df.loc["Waiting for QA", "is_blocked"])
    assert not bool(df.loc["QA", "is_waiting"]) and not bool(df.loc["In Progress", "is_waiting"])
    assert "Done" not in df.index
