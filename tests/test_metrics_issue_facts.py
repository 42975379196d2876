"""fct_issue_facts (docs/metrics.md §1–3): completion, start, cycle/lead time, rework, as-of
replay, workflow config. Every expected number is worked out by hand in the comments
(all instants UTC; 1 day = 24 h)."""

from __future__ import annotations

import math

import pytest
from helpers_metrics import build, connect, facts, load_json

from queries.config import AnalysisConfig

# Status ids of the fixtures: 1 To Do, 3 In Progress, 4 In Review, 5 QA, 6 Done, 7 Closed.


def one(tmp_path, issue, as_of="2026-03-01 00:00", config=None, statuses=None):
    sc = {"issues": [issue]}
    if statuses:
        sc["statuses"] = statuses
    con = connect(build(tmp_path, sc), config)
    try:
        return facts(con, as_of).loc[issue["key"]]
    finally:
        con.close()


REOPENED = {
    "id": 1, "key": "P-1", "created": "2026-01-05 09:00", "history": [
        ("2026-01-06 09:00", "1", "3"),   # start
        ("2026-01-08 09:00", "3", "6"),   # first done
        ("2026-01-09 09:00", "6", "3"),   # reopen (Done rank 3 -> In Progress rank 1)
        ("2026-01-10 21:00", "3", "6"),   # redone: the completion
        ("2026-01-11 09:00", "6", "7"),   # Done -> Closed: does not move completion
    ]}


def test_reopen_then_redone_completes_at_final_entry_into_done(tmp_path):
    f = one(tmp_path, REOPENED)
    assert f["start_at"].isoformat() == "2026-01-06T09:00:00+00:00"
    assert f["completed_at"].isoformat() == "2026-01-10T21:00:00+00:00"
    # cycle = Jan 6 09:00 -> Jan 10 21:00 = 4 d 12 h = 4.5; lead = Jan 5 09:00 -> = 5.5
    assert f["cycle_time_days"] == pytest.approx(4.5)
    assert f["lead_time_days"] == pytest.approx(5.5)
    assert (f["backward_transitions"], f["qa_bounces"], f["reopens"]) == (1, 0, 1)
    # rework: Done(3) -> IP at Jan 9 09:00 until rank >= 3 again at Jan 10 21:00 = 1.5 d
    assert f["rework_days"] == pytest.approx(1.5)
    assert f["status"] == "Closed" and f["status_category"] == "done"


def test_reopened_issue_is_not_complete_while_reopened(tmp_path):
    f = one(tmp_path, REOPENED, as_of="2026-01-09 12:00")
    assert f["status"] == "In Progress"
    assert pd_isna(f["completed_at"]) and math.isnan(f["cycle_time_days"])
    # rework so far: Jan 9 09:00 -> as_of Jan 9 12:00 = 3 h = 0.125 d
    assert f["rework_days"] == pytest.approx(0.125)
    # as of Jan 8 12:00 it was complete at its first done (Jan 8 09:00): cycle 2.0, no rework
    g = one(tmp_path / "b", REOPENED, as_of="2026-01-08 12:00")
    assert g["completed_at"].isoformat() == "2026-01-08T09:00:00+00:00"
    assert g["cycle_time_days"] == pytest.approx(2.0)
    assert (g["backward_transitions"], g["rework_days"]) == (0, 0.0)


def pd_isna(v) -> bool:
    return v is None or v != v or str(v) == "NaT"


def test_backward_from_qa_twice(tmp_path):
    sc = load_json("qa_twice")
    con = connect(build(tmp_path, sc))
    f = facts(con).loc["P-2"]
    con.close()
    # start Jan 5 12:00, done Jan 9 12:00 -> cycle 4.0; lead from Jan 5 09:00 -> 4 d 3 h = 4.125
    assert f["cycle_time_days"] == pytest.approx(4.0)
    assert f["lead_time_days"] == pytest.approx(4.125)
    assert (f["backward_transitions"], f["qa_bounces"], f["reopens"]) == (2, 2, 0)
    # bounce 1: Jan 7 00:00 -> back in QA Jan 7 12:00 = 0.5; bounce 2: Jan 8 06:00 -> 18:00 = 0.5
    assert f["rework_days"] == pytest.approx(1.0)


def test_never_started(tmp_path):
    sc = {"issues": [
        # To Do -> Done directly: complete, no start, no cycle time; lead Jan 5 09:00 -> Jan 6 09:00 = 1
        {"id": 1, "key": "P-1", "history": [("2026-01-06 09:00", "1", "6")]},
        # still in To Do
        {"id": 2, "key": "P-2", "history": []},
    ]}
    con = connect(build(tmp_path, sc))
    f = facts(con)
    con.close()
    assert pd_isna(f.loc["P-1", "start_at"]) and math.isnan(f.loc["P-1", "cycle_time_days"])
    assert f.loc["P-1", "lead_time_days"] == pytest.approx(1.0)
    assert pd_isna(f.loc["P-2", "start_at"]) and pd_isna(f.loc["P-2", "completed_at"])
    assert f.loc["P-2", "status_category"] == "todo"


def test_back_to_todo_and_restarted_keeps_first_start(tmp_path):
    f = one(tmp_path, {"id": 1, "key": "P-1", "history": [
        ("2026-01-06 09:00", "1", "3"),   # first start: counts
        ("2026-01-07 09:00", "3", "1"),   # back to To Do: backward (1 -> 0), not a QA bounce nor reopen
        ("2026-01-09 09:00", "1", "3"),   # restarted
        ("2026-01-10 09:00", "3", "6")]})
    assert f["start_at"].isoformat() == "2026-01-06T09:00:00+00:00"
    assert f["cycle_time_days"] == pytest.approx(4.0)   # Jan 6 09:00 -> Jan 10 09:00
    assert (f["backward_transitions"], f["qa_bounces"], f["reopens"]) == (1, 0, 0)
    assert f["rework_days"] == pytest.approx(2.0)       # Jan 7 09:00 -> rank >= 1 at Jan 9 09:00


def test_renamed_status_is_matched_by_id_and_shown_by_current_name(tmp_path):
    statuses = [("1", "To Do", "new"), ("3", "Doing", "indeterminate"), ("6", "Done", "done")]
    # the history still carries the old name "In Progress" for id 3
    f = one(tmp_path, {"id": 1, "key": "P-1", "history": [("2026-01-06 09:00", "1", "3", "In Progress")]},
            statuses=statuses)
    assert f["status"] == "Doing" and f["status_category"] == "in_progress"
    assert f["start_at"].isoformat() == "2026-01-06T09:00:00+00:00"


REVIEW_THEN_DONE = {"id": 1, "key": "P-1", "history": [
    ("2026-01-06 09:00", "1", "3"),
    ("2026-01-07 09:00", "3", "4"),   # In Review
    ("2026-01-08 09:00", "4", "6")]}


def test_status_category_override(tmp_path):
    # default: In Review is in progress, completion at Done (Jan 8 09:00): cycle 2.0
    f = one(tmp_path, REVIEW_THEN_DONE)
    assert f["cycle_time_days"] == pytest.approx(2.0)
    # override In Review (id 4) to done: completion at entry into In Review (Jan 7 09:00), and
    # the later move Review -> Done is between done statuses, so it does not move it: cycle 1.0
    cfg = AnalysisConfig(status_category_overrides={"4": "done"})
    g = one(tmp_path / "b", REVIEW_THEN_DONE, config=cfg)
    assert g["completed_at"].isoformat() == "2026-01-07T09:00:00+00:00"
    assert g["cycle_time_days"] == pytest.approx(1.0)


def test_explicit_stage_order_changes_what_is_backward(tmp_path):
    issue = {"id": 1, "key": "P-1", "history": [
        ("2026-01-06 09:00", "1", "5"),   # straight to QA
        ("2026-01-07 09:00", "5", "4"),   # QA -> In Review: default ranks 2 -> 2, not backward
        ("2026-01-08 09:00", "4", "6")]}
    assert one(tmp_path, issue)["backward_transitions"] == 0
    # stages To Do < In Progress < In Review < QA < Done: QA (3) -> In Review (2) is backward
    cfg = AnalysisConfig(stages=(("To Do",), ("In Progress",), ("In Review",), ("QA",), ("Done", "Closed")))
    g = one(tmp_path / "b", issue, config=cfg)
    assert (g["backward_transitions"], g["qa_bounces"]) == (1, 1)
    assert g["rework_days"] == pytest.approx(1.0)   # Jan 7 09:00 -> Done (rank 4 >= 3) Jan 8 09:00


def test_subtask_excluded_parent_counts(tmp_path):
    sc = {"issues": [
        {"id": 1, "key": "P-1", "history": [("2026-01-06 09:00", "1", "3"), ("2026-01-07 09:00", "3", "6")]},
        {"id": 2, "key": "P-2", "type": "Sub-task", "subtask": True, "parent": "1",
         "history": [("2026-01-06 09:00", "1", "3"), ("2026-01-07 09:00", "3", "6")]},
    ]}
    con = connect(build(tmp_path, sc))
    f = facts(con)
    con.close()
    assert list(f.index) == ["P-1"]


def test_done_before_and_after_as_of_and_created_after(tmp_path):
    sc = {"issues": [
        {"id": 1, "key": "P-1", "history": [("2026-01-06 09:00", "1", "3"), ("2026-01-10 09:00", "3", "6")]},
        {"id": 2, "key": "P-2", "created": "2026-01-12 09:00", "history": []},
    ]}
    con = connect(build(tmp_path, sc))
    before = facts(con, "2026-01-09 00:00")
    after = facts(con, "2026-01-11 00:00")
    con.close()
    assert list(before.index) == ["P-1"] and list(after.index) == ["P-1"]   # P-2 created later
    assert pd_isna(before.loc["P-1", "completed_at"]) and before.loc["P-1", "status"] == "In Progress"
    assert after.loc["P-1", "cycle_time_days"] == pytest.approx(4.0)


def test_history_all_after_as_of_uses_first_from_status(tmp_path):
    # created Jan 5; first change Jan 10 from In Progress: at Jan 8 it was In Progress since creation
    f = one(tmp_path, {"id": 1, "key": "P-1", "history": [("2026-01-10 09:00", "3", "6")]},
            as_of="2026-01-08 09:00")
    assert f["status"] == "In Progress"
    assert f["start_at"].isoformat() == "2026-01-05T09:00:00+00:00"   # created straight into it


def test_no_history_done_uses_resolution_else_creation(tmp_path):
    sc = {"issues": [
        {"id": 1, "key": "P-1", "status": "6", "resolved": "2026-01-07 21:00"},
        {"id": 2, "key": "P-2", "status": "6"},
    ]}
    con = connect(build(tmp_path, sc))
    f = facts(con)
    con.close()
    assert f.loc["P-1", "lead_time_days"] == pytest.approx(2.5)   # Jan 5 09:00 -> Jan 7 21:00
    assert f.loc["P-2", "lead_time_days"] == pytest.approx(0.0)   # completes at creation
    assert pd_isna(f.loc["P-1", "start_at"])


def test_estimates_replayed_as_of(tmp_path):
    sc = {"issues": [
        {"id": 1, "key": "P-1", "points": 5, "likely": 2,
         "fields": [("2026-01-07 09:00", "story_points", "3", "5"),
                    ("2026-01-08 09:00", "estimate_likely", None, "2")]},
        {"id": 2, "key": "P-2", "points": 8},
    ]}
    con = connect(build(tmp_path, sc))
    early = facts(con, "2026-01-06 00:00")
    mid = facts(con, "2026-01-07 12:00")
    late = facts(con, "2026-01-09 00:00")
    con.close()
    assert early.loc["P-1", "story_points"] == 3 and mid.loc["P-1", "story_points"] == 5
    assert math.isnan(mid.loc["P-1", "estimate_likely"]) and late.loc["P-1", "estimate_likely"] == 2
    assert early.loc["P-2", "story_points"] == 8   # no history: current value


def test_work_type_and_escaped_bug(tmp_path):
    sc = {"issues": [
        {"id": 1, "key": "P-1", "type": "Bug", "labels": ["Production"]},
        {"id": 2, "key": "P-2", "type": "Story", "labels": ["tech-debt"]},
        {"id": 3, "key": "P-3", "type": "Chore"},
        {"id": 4, "key": "P-4", "type": "Story", "labels": ["production"]},
    ]}
    con = connect(build(tmp_path, sc))
    f = facts(con)
    con.close()
    assert list(f["work_type"]) == ["bug", "debt", "debt", "feature"]
    assert list(f["is_escaped_bug"]) == [True, False, False, False]   # only bugs can escape


def test_work_type_first_matching_rule_across_type_labels_and_components(tmp_path):
    from queries.config import WorkTypeRule
    cfg = AnalysisConfig(work_type_rules=(
        WorkTypeRule("ops", "component", r"^infra$"),      # position 0
        WorkTypeRule("bug", "issue_type", r"^bug$"),        # 1
        WorkTypeRule("debt", "label", r"debt"),             # 2
        WorkTypeRule("research", "issue_type", r"spike"),  # 3
    ), escaped_bug_labels=(" Escaped ", ""))
    sc = {"issues": [
        {"id": 1, "key": "P-1", "type": "Bug", "labels": ["tech-debt"], "components": ["INFRA"]},  # rule 0
        {"id": 2, "key": "P-2", "type": "Spike", "labels": ["DEBT"]},                            # rule 2 before 3
        {"id": 3, "key": "P-3", "type": "bug", "labels": ["debt", "ESCAPED"]},                   # rule 1, escaped
        {"id": 4, "key": "P-4", "type": "Spike", "components": ["web", "infra-old"]},            # rule 3
        {"id": 5, "key": "P-5", "type": "Story", "labels": ["escaped"]},                         # default
    ]}
    con = connect(build(tmp_path, sc), cfg)
    f = facts(con)
    con.close()
    assert list(f["work_type"]) == ["ops", "debt", "bug", "research", "feature"]
    # the configured label is trimmed and compared case-insensitively; the empty one matches nothing
    assert list(f["is_escaped_bug"]) == [False, False, True, False, False]


def test_board_membership_by_project_or_sprint_history(tmp_path):
    sc = {
        "boards": [{"id": "1", "project": "P"}, {"id": "2", "project": "Q"}],
        "sprints": [{"id": "10", "board": "1", "start": "2026-01-05 09:00", "complete": "2026-01-19 09:00"}],
        "issues": [
            {"id": 1, "key": "P-1"},                                   # board 1 by project
            {"id": 2, "key": "Q-1", "project": "Q",                   # board 2 by project, board 1 by
             "fields": [("2026-01-06 09:00", "sprint", "10", "")]},  # having been in sprint 10
            {"id": 3, "key": "Q-2", "project": "Q"},                   # board 2 only
            {"id": 4, "key": "R-1", "project": "R", "sprints": ["10"]},  # board 1 by current sprint
        ]}
    con = connect(build(tmp_path, sc))
    rows = con.execute("SELECT board_id, issue_id FROM stg_board_issues ORDER BY ALL").fetchall()
    con.close()
    assert rows == [("1", "1"), ("1", "2"), ("1", "4"), ("2", "2"), ("2", "3")]


def test_transition_before_creation_is_clamped(tmp_path):
    # the change is dated a day before creation: it counts at creation (Jan 5 09:00)
    f = one(tmp_path, {"id": 1, "key": "P-1", "history": [
        ("2026-01-04 09:00", "1", "3"), ("2026-01-07 09:00", "3", "6")]})
    assert f["start_at"].isoformat() == "2026-01-05T09:00:00+00:00"
    assert f["cycle_time_days"] == pytest.approx(2.0) and f["lead_time_days"] == pytest.approx(2.0)
