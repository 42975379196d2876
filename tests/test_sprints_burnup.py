"""The chosen sprint's burnup replayed from history (sprint__burnup, docs/metrics.md §4) and
its issue lists (sprint__issues). Expected numbers are worked out by hand in the comments."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers_sprints import burnup_scenario as scenario
from helpers_sprints import connect, sprint_facts, ts

import queries

AFTER = "2026-03-01 00:00"


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(scenario().load(tmp_path_factory.mktemp("burnup") / "w.duckdb"))
    yield c
    c.close()


def burnup(con, as_of: str = AFTER, board_id: str | None = "1") -> pd.DataFrame:
    return queries.run(con, "sprint__burnup", as_of=ts(as_of), board_id=board_id, sprint_id="1")


def test_burnup_points_and_issues_at_each_instant(con):
    df = burnup(con)
    got = [(r.instant.strftime("%m-%d %H:%M"), r.scope_issues, r.scope_points, r.done_issues, r.done_points)
           for r in df.itertuples()]
    assert got == [
        ("01-05 09:00", 4, 17.0, 0, 0.0),   # start: A5 + B3 + D8 + F1 (E done before start)
        ("01-07 09:00", 5, 19.0, 0, 0.0),   # C (2) added; F's first Done (01-06) is not final
        ("01-08 10:00", 5, 19.0, 1, 5.0),   # A done
        ("01-09 12:00", 5, 21.0, 1, 5.0),   # B re-estimated 3 -> 5
        ("01-10 09:00", 4, 13.0, 1, 5.0),   # D (8) removed
        ("01-12 09:00", 4, 13.0, 2, 7.0),   # C done
        ("01-13 09:00", 4, 13.0, 3, 8.0),   # F done for good
        ("01-19 10:00", 4, 13.0, 3, 8.0),   # sprint completed
    ]
    assert list(df["remaining_points"]) == [17.0, 19.0, 14.0, 16.0, 8.0, 6.0, 5.0, 5.0]
    assert df["days_into_sprint"].iloc[1] == pytest.approx(2.0)


def test_burnup_end_matches_sprint_facts(con):
    end = burnup(con).iloc[-1]
    f = sprint_facts(con, AFTER).iloc[0]
    assert end.done_points == f.completed_points and end.done_issues == f.completed_issues
    assert end.scope_points == f.completed_points + f.carryover_points


def test_burnup_of_a_running_sprint_stops_at_as_of(con):
    # as of 01-09 00:00 the sprint is running: start, C added, A done, then the as-of instant.
    df = burnup(con, "2026-01-09 00:00")
    assert [r.instant for r in df.itertuples()][-1] == ts("2026-01-09 00:00")
    assert list(df["scope_points"]) == [17.0, 19.0, 19.0, 19.0]
    assert list(df["done_points"]) == [0.0, 0.0, 5.0, 5.0]


def test_burnup_same_for_all_boards(con):
    pd.testing.assert_frame_equal(burnup(con), burnup(con, board_id=None))


def test_sprint_issue_lists(con):
    df = queries.run(con, "sprint__issues", as_of=ts(AFTER), board_id="1", sprint_id="1")
    got = {r.issue_key: (r.outcome, r.added, r.points) for r in df.itertuples()}
    # E (done before the start) is in no list; C was added; D left with its 8 points.
    assert got == {"P-A": ("completed", False, 5.0), "P-C": ("completed", True, 2.0),
                   "P-F": ("completed", False, 1.0), "P-B": ("not completed", False, 5.0),
                   "P-D": ("removed", False, 8.0)}
    by = df.set_index("issue_key")
    assert by.loc["P-F", "completed_at"] == ts("2026-01-13 09:00")
    assert by.loc["P-C", "added_at"] == ts("2026-01-07 09:00")
    assert by.loc["P-D", "removed_at"] == ts("2026-01-10 09:00")
    assert list(df["issue_key"]) == ["P-A", "P-C", "P-F", "P-B", "P-D"]
