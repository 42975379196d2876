"""Figures are exact to the bit for the same data and as_of (docs/metrics.md "Exact to the
bit"): durations are added up in whole microseconds and turned into days once, Spearman's
rho comes from integer rank sums, so neither the order in which DuckDB's threads add rows
nor the order in which a group's values arrive can change a last bit."""

from __future__ import annotations

import pickle
import random
from datetime import timedelta

import numpy as np
import pytest
from helpers_metrics import build, connect, done_issue, facts, run, ts

from queries import calibration

# Three stays of 1 h 0.1 s, 2 h 0.00001 s and 3 h 0.3 s: 6 h 0.40001 s in all. Added up as
# seconds in floating point, in any order, they give 21600.400009999998 s, one unit in the
# last place short; summed exactly they are 21600.40001 s.
TOTAL_DAYS = 21600.40001 / 86400

EXACT = {
    "boards": [{"id": "1", "project": "P"}],
    "issues": [
        {"id": 1, "key": "P-1", "created": "2026-01-05 08:00", "history": [
            ("2026-01-05 09:00:00", "1", "3"),
            ("2026-01-05 10:00:00.100000", "3", "5"),   # In Progress 1 h 0.1 s
            ("2026-01-05 11:00:00", "5", "3"),
            ("2026-01-05 13:00:00.000010", "3", "4"),   # In Progress 2 h 0.00001 s
            ("2026-01-05 14:00:00", "4", "3"),
            ("2026-01-05 17:00:00.300000", "3", "6")]},  # In Progress 3 h 0.3 s; done
        # sent back from review three times, each time back in review after the same three
        # durations: rework = 6 h 0.40001 s (the intervals do not overlap)
        {"id": 2, "key": "Q-1", "project": "Q", "created": "2026-01-05 08:00", "history": [
            ("2026-01-05 09:00:00", "1", "3"),
            ("2026-01-05 10:00:00", "3", "4"),
            ("2026-01-05 11:00:00", "4", "3"),
            ("2026-01-05 12:00:00.100000", "3", "4"),
            ("2026-01-05 13:00:00", "4", "3"),
            ("2026-01-05 15:00:00.000010", "3", "4"),
            ("2026-01-05 16:00:00", "4", "3"),
            ("2026-01-05 19:00:00.300000", "3", "4"),
            ("2026-01-05 20:00:00", "4", "6")]},
    ],
    "as_of": "2026-01-10 00:00",
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    c = connect(build(tmp_path_factory.mktemp("exact"), EXACT))
    yield c
    c.close()


def test_time_in_status_adds_the_stays_exactly(con):
    df = run(con, "time_in_status", as_of="2026-01-10 00:00").set_index(["issue_key", "status"])
    assert df.loc[("P-1", "In Progress"), "stays"] == 3
    assert df.loc[("P-1", "In Progress"), "days"] == TOTAL_DAYS          # ==, not approx


def test_flow_time_in_status_adds_the_stays_exactly(con):
    df = run(con, "flow__time_in_status", as_of="2026-01-10 00:00", project="P").set_index("status")
    assert df.loc["In Progress", "issues"] == 1
    assert df.loc["In Progress", "median_days"] == TOTAL_DAYS


def test_rework_adds_its_intervals_exactly(con):
    assert facts(con, "2026-01-10 00:00").loc["Q-1", "rework_days"] == TOTAL_DAYS


def test_spearman_rho_is_the_same_in_any_order():
    """A group's (points, days) reach the scoring in whatever order DuckDB's list() collected
    them. Before the integer rank sums, a large group's rho changed in its last bits with that
    order (3 different values from these 4 orders)."""
    rng = np.random.default_rng(3)
    n = 400_000
    p = rng.integers(1, 4, n).astype(float)
    t = np.round(rng.gamma(2.0, 2.0, n) * p, 4)
    orders = (np.arange(n), np.arange(n)[::-1], rng.permutation(n), rng.permutation(n))
    results = {calibration.ordering_scores(p[o], t[o]) for o in orders}
    assert len(results) == 1
    assert 0 < next(iter(results))[2] < 1


# A sprint whose three stories of 0.1, 0.2 and 0.3 points are all committed and completed.
# Added smallest first: 0.1 + 0.2 = 0.30000000000000004, + 0.3 = 0.6000000000000001; in
# another order they can give 0.6 (0.3 + 0.2 = 0.5, + 0.1), so a plain sum's last bit is
# whatever order the rows reach it in.
SPRINT = {
    "boards": [{"id": "1", "project": "P"}],
    "sprints": [{"id": "10", "board": "1", "start": "2026-01-05 09:00", "end": "2026-01-19 09:00",
                 "complete": "2026-01-19 09:00"}],
    "issues": [done_issue(n, "2026-01-06 09:00", 1, points=pts, sprints=["10"], created="2026-01-02 09:00")
               for n, pts in ((1, 0.1), (2, 0.2), (3, 0.3))],
}


def test_sprint_points_are_added_smallest_first(tmp_path):
    c = connect(build(tmp_path, SPRINT))
    try:
        sprint = run(c, "sprint_facts", as_of="2026-02-01 00:00").set_index("sprint_id").loc["10"]
        velocity = run(c, "sprint__velocity", as_of="2026-02-01 00:00").set_index("sprint_id").loc["10"]
        mix = run(c, "work_mix", as_of="2026-02-01 00:00").set_index(["sprint_id", "work_type"]).loc[("10", "feature")]
        # the rule itself: the same total whatever order the values arrive in, which a plain
        # sum does not give (the rows above happen to reach the aggregate in one order)
        orders = c.execute("SELECT sum_sorted([0.3, 0.2, 0.1]::DOUBLE[]), sum_sorted([0.2, 0.1, 0.3]::DOUBLE[]), "
                           "sum_sorted([0.1, 0.2, 0.3]::DOUBLE[]), list_sum([0.3, 0.2, 0.1]::DOUBLE[]), "
                           "sum_sorted([]::DOUBLE[]), sum_sorted([NULL, 0.5]::DOUBLE[])").fetchall()[0]
    finally:
        c.close()
    total = 0.6000000000000001
    assert orders == (total, total, total, 0.6, None, 0.5)
    assert (sprint["committed_points"], sprint["completed_points"]) == (total, total)
    assert (velocity["committed_points"], velocity["completed_points"]) == (total, total)
    assert (mix["completed_points"], mix["share"]) == (total, 1.0)


def _bouncing(n_issues: int = 3, bounces: int = 3000) -> dict:
    """Issues moving between In Progress and In Review thousands of times, each stay a
    random number of microseconds: an issue's stays in one status span many of the chunks
    DuckDB's threads take, and their sum in seconds depends on the order it is taken in."""
    rnd = random.Random(1)
    issues = []
    for i in range(n_issues):
        t, cur, hist = ts("2026-01-05 09:00"), "1", []
        for _ in range(bounces):
            for to in ("3", "4"):
                t += timedelta(microseconds=rnd.randrange(1, 4 * 3600 * 10**6))
                hist.append((t.isoformat(sep=" ")[:26], cur, to))
                cur = to
        hist.append(((t + timedelta(seconds=1)).isoformat(sep=" ")[:26], cur, "6"))
        issues.append({"id": i + 1, "created": "2026-01-05 08:00", "history": hist})
    return {"issues": issues, "as_of": "2027-06-01 00:00"}


def test_figures_repeat_to_the_bit_across_threads(tmp_path):
    """The same query on the same data, again and again with four threads and DuckDB's
    smallest scan chunks (`verify_parallelism`), gives the same bits every time. With the
    stays summed as seconds in floating point, 8 runs here gave 2 to 8 different results."""
    c = connect(build(tmp_path, _bouncing()))
    try:
        c.execute("PRAGMA verify_parallelism")
        c.execute("SET threads = 4")
        for name in ("time_in_status", "flow__time_in_status", "flow__efficiency"):
            runs = {pickle.dumps(run(c, name, as_of="2027-06-01 00:00")) for _ in range(10)}
            assert len(runs) == 1, f"{name}: {len(runs)} different results in 10 runs"
    finally:
        c.close()
