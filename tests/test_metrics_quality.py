"""data_quality and work_mix (docs/metrics.md §6), hand-worked."""

from __future__ import annotations

import pytest
from helpers_metrics import build, connect, done_issue, run

AS_OF = "2026-02-15 00:00"


def test_data_quality_checks(tmp_path):
    sc = {
        "sprints": [
            {"id": "10", "board": "1", "state": "closed", "start": "2026-01-05 09:00"},  # no completion
            {"id": "11", "board": "1", "state": "active"},                                # no start
            {"id": "12", "board": "1", "state": "future"},                                # fine: not started
            {"id": "13", "board": "1", "state": "closed", "start": "2026-01-05 09:00",
             "complete": "2026-01-19 09:00"},                                             # fine
        ],
        "issues": [
            {"id": 1, "key": "P-1", "history": [("2026-01-06 09:00", "1", "6")]},      # never started, no estimate
            done_issue(2, "2026-01-06 09:00", 1, best=3, likely=2, worst=4, points=1),  # best > likely
            done_issue(3, "2026-01-06 09:00", 1, likely=2),                             # partial range
            {"id": 4, "key": "P-4", "points": 2, "history": [
                ("2026-01-06 09:00", "1", "99"), ("2026-01-07 09:00", "99", "3")]},     # unknown status id
            {"id": 5, "key": "P-5", "points": 1, "created": "2026-01-05 09:00",
             "history": [("2026-01-04 09:00", "1", "3")]},                              # before creation
        ]}
    con = connect(build(tmp_path, sc))
    df = run(con, "data_quality", as_of=AS_OF)
    con.close()
    found = sorted(zip(df["check"], df["issue_key"].fillna("-"), strict=True))
    assert found == [
        ("done_without_start", "P-1"),
        ("no_estimate", "P-1"),
        ("partial_range", "P-3"),
        ("range_out_of_order", "P-2"),
        ("sprint_without_dates", "-"),
        ("sprint_without_dates", "-"),
        ("transition_before_creation", "P-5"),
        ("unknown_status", "P-4"),
    ]
    assert df["why_it_matters"].str.len().min() > 20
    sprint_rows = " ".join(df.loc[df["check"] == "sprint_without_dates", "detail"])
    assert "sprint 10" in sprint_rows and "completion date" in sprint_rows and "sprint 11" in sprint_rows



def test_data_quality_names_each_findings_team(tmp_path):
    """Each finding says whose it is: the names of the issue's boards (an issue in a sprint of
    another team's board belongs to both), the sprint's board for a sprint without dates; with a
    team chosen, only that team's name."""
    sc = {
        "boards": [{"id": "1", "project": "P", "name": "Atlas"}, {"id": "2", "project": "Q", "name": "Zephyr"},
                   {"id": "3", "project": "R"}],   # no name given: the helper calls it 'board 3'
        "sprints": [{"id": "20", "board": "2", "state": "closed", "start": "2026-01-05 09:00"},   # no completion
                    {"id": "30", "board": "3", "state": "active"}],                                # no start
        "issues": [
            # never started, no estimate; in Zephyr's sprint too
            {"id": 1, "key": "P-1", "sprints": ["20"], "history": [("2026-01-06 09:00", "1", "6")]},
            {"id": 2, "key": "Q-2", "project": "Q", "points": 1, "history": [("2026-01-06 09:00", "1", "3")]},  # fine
            {"id": 3, "key": "Q-3", "project": "Q", "history": [("2026-01-06 09:00", "1", "3")]},  # no estimate
        ]}
    con = connect(build(tmp_path, sc))
    every = run(con, "data_quality", as_of=AS_OF)
    zephyr = run(con, "data_quality", as_of=AS_OF, board_id="2")
    con.close()
    assert list(every.columns) == ["check", "team", "issue_key", "detail", "why_it_matters"]
    assert sorted(zip(every["check"], every["team"], every["issue_key"].fillna("-"), strict=True)) == [
        ("done_without_start", "Atlas, Zephyr", "P-1"),
        ("no_estimate", "Atlas, Zephyr", "P-1"),
        ("no_estimate", "Zephyr", "Q-3"),
        ("sprint_without_dates", "Zephyr", "-"),
        ("sprint_without_dates", "board 3", "-"),
    ]
    assert sorted(zip(zephyr["check"], zephyr["team"], zephyr["issue_key"].fillna("-"), strict=True)) == [
        ("done_without_start", "Zephyr", "P-1"),
        ("no_estimate", "Zephyr", "P-1"),
        ("no_estimate", "Zephyr", "Q-3"),
        ("sprint_without_dates", "Zephyr", "-"),
    ]

# Sprint 10 on board 1 (Jan 5 09:00 - Jan 19 09:00); issues created Jan 4 in the sprint:
#   P-1 feature 5 pts done Jan 7; P-2 debt (label refactor) 3 pts done Jan 8;
#   P-3 bug, unestimated, done Jan 9 (counts 0 points, 1 issue); P-4 feature 8 pts not done.
# completed points 5 + 3 + 0 = 8 -> shares feature 5/8, debt 3/8, bug 0.
# Sprint 11 (Jan 19 - Feb 2): only P-5, an unestimated bug done Jan 20 -> share by issues: bug 1.
WORK = {
    "boards": [{"id": "1", "project": "P"}],
    "sprints": [
        {"id": "10", "board": "1", "start": "2026-01-05 09:00", "end": "2026-01-19 09:00",
         "complete": "2026-01-19 09:00"},
        {"id": "11", "board": "1", "start": "2026-01-19 10:00", "end": "2026-02-02 09:00",
         "complete": "2026-02-02 09:00"},
    ],
    "issues": [
        done_issue(1, "2026-01-05 10:00", 2, points=5, sprints=["10"]),
        done_issue(2, "2026-01-05 10:00", 3, points=3, labels=["refactor"], sprints=["10"]),
        done_issue(3, "2026-01-05 10:00", 4, type="Bug", sprints=["10"]),
        {"id": 4, "key": "P-4", "created": "2026-01-04 09:00", "points": 8, "sprints": ["10"],
         "history": [("2026-01-06 09:00", "1", "3")]},
        {**done_issue(5, "2026-01-19 12:00", 1, type="Bug", sprints=["11"]), "created": "2026-01-19 11:00"},
    ]}


def test_work_mix_unestimated_count_zero_points(tmp_path):
    con = connect(build(tmp_path, WORK))
    df = run(con, "work_mix", as_of=AS_OF).set_index(["sprint_id", "work_type"])
    con.close()
    s10 = df.loc["10"]
    assert s10.loc["feature", "completed_points"] == 5 and s10.loc["debt", "completed_points"] == 3
    assert s10.loc["bug", "completed_points"] == 0 and s10.loc["bug", "completed_issues"] == 1
    assert s10.loc["feature", "completed_issues"] == 1   # P-4 is carried over, not completed
    assert s10.loc["feature", "share"] == pytest.approx(5 / 8)
    assert s10.loc["debt", "share"] == pytest.approx(3 / 8)
    assert s10.loc["bug", "share"] == 0 and (s10["share_basis"] == "points").all()
    s11 = df.loc["11"]
    assert s11.loc["bug", "share"] == 1.0 and s11.loc["bug", "share_basis"] == "issues"
    assert s11.loc["feature", "completed_issues"] == 0


def test_work_mix_filters(tmp_path):
    con = connect(build(tmp_path, WORK))
    none = run(con, "work_mix", as_of=AS_OF, board_id="2")
    later = run(con, "work_mix", as_of=AS_OF, date_from="2026-01-10")
    con.close()
    assert none.empty
    assert set(later["sprint_id"]) == {"11"}   # sprint 10 started before Jan 10


def test_work_mix_totals_match_sprint_facts_on_demo(demo_con):
    # an identity, not a demo number: per sprint, work mix sums to sprint_facts' completed work
    from queries.registry import run_public
    wm = run_public(demo_con, "work_mix").groupby("sprint_id")[["completed_points", "completed_issues"]].sum()
    sf = run_public(demo_con, "sprint_facts").set_index("sprint_id")[["completed_points", "completed_issues"]]
    joined = wm.merge(sf, left_index=True, right_index=True, how="outer", suffixes=("", "_sprint"))
    assert len(joined) > 0
    assert (joined["completed_points"] - joined["completed_points_sprint"]).abs().max() < 1e-9
    assert (joined["completed_issues"] == joined["completed_issues_sprint"]).all()


def test_flow_throughput_sums_to_completed_issues_on_demo(demo_con):
    from queries.registry import run_public
    fw = run_public(demo_con, "flow_weekly")
    facts = run_public(demo_con, "issue_facts")
    done = facts[facts["completed_at"].notna() & ~facts["is_epic"]]
    assert fw["throughput"].sum() == len(done) > 0


def test_data_quality_lists_issue_keys_in_their_natural_order(tmp_path):
    """P-2 before P-10 before P-100, as a reader counts, not as text sorts them (P-10, P-100, P-2)."""
    sc = {"issues": [{"id": n, "key": f"P-{n}", "history": [("2026-01-06 09:00", "1", "3")]}   # no estimate
                     for n in (100, 2, 10)]}
    con = connect(build(tmp_path, sc))
    df = run(con, "data_quality", as_of=AS_OF)
    con.close()
    assert list(df.loc[df["check"] == "no_estimate", "issue_key"]) == ["P-2", "P-10", "P-100"]
