"""Sprint facts rebuilt from history (docs/metrics.md §4), one small scenario per test.
Every expected number is worked out by hand in the comments from the fixture rows."""

from __future__ import annotations

import pytest
from helpers_sprints import (
    DONE,
    IN_PROGRESS,
    QA,
    TODO,
    WONT_DO,
    Scenario,
    assert_identity,
    connect,
    members,
    row,
    sprint_facts,
    ts,
)

# Board 1 maps only Done to its last column (so Won't Do is *not* done there);
# board 2 has no column mapping (done = done-category status).
BOARD_COLUMNS = [("To Do", [TODO]), ("Doing", [IN_PROGRESS, QA]), ("Done", [DONE])]

# Three back-to-back two-week sprints on board 1.
S1 = ("1", "2026-01-05 09:00", "2026-01-19 09:00", "2026-01-19 10:00")
S2 = ("2", "2026-01-19 11:00", "2026-02-02 09:00", "2026-02-02 10:00")
S3 = ("3", "2026-02-02 11:00", "2026-02-16 09:00", "2026-02-16 10:00")
AFTER_ALL = "2026-03-01 00:00"


def base() -> Scenario:
    s = Scenario().board("1", "Atlas", columns=BOARD_COLUMNS).board("2", "Borealis")
    for sid, start, end, complete in (S1, S2, S3):
        s.sprint(sid, "1", start, end, complete=complete)
    return s


# Instants at which every fixture's sprints must satisfy the identity (start, middle and
# end of each sprint, and after all of them).
CHECK_INSTANTS = ["2026-01-05 09:00", "2026-01-08 10:00", "2026-01-19 10:00", "2026-01-25 00:00",
                  "2026-02-02 10:00", "2026-02-10 10:00", "2026-02-16 10:00", AFTER_ALL]


@pytest.fixture
def load(tmp_path):
    """Load a scenario; after the test, check the §4 identity on it at every CHECK_INSTANT."""
    cons = []

    def _load(s: Scenario):
        cons.append(connect(s.load(tmp_path / "w.duckdb")))
        return cons[-1]
    yield _load
    for con in cons:
        for instant in CHECK_INSTANTS:
            assert_identity(sprint_facts(con, instant))


def test_carryover_across_three_sprints_and_done_before_start_excluded(load):
    s = base()
    # A: 5 points, in sprint 1 before it starts, carried into 2 and 3 at each completion
    # instant (Jira adds the next sprint to the list when the sprint is completed), done
    # on 2026-02-10 inside sprint 3.
    s.issue("A", "2026-01-01 10:00", status=DONE, sprints=["1", "2", "3"], points=5)
    s.sprint_change("A", "2026-01-02 10:00", "", "1")
    s.sprint_change("A", "2026-01-19 10:00", "1", "1, 2")
    s.sprint_change("A", "2026-02-02 10:00", "1, 2", "1, 2, 3")
    s.move("A", "2026-01-06 10:00", TODO, IN_PROGRESS)
    s.move("A", "2026-02-10 10:00", IN_PROGRESS, DONE)
    # B: 8 points, in sprint 1 before it starts but already Done on 01-04 (< t_start 01-05):
    # excluded from every bucket of sprint 1.
    s.issue("B", "2026-01-01 10:00", status=DONE, sprints=["1"], points=8)
    s.sprint_change("B", "2026-01-02 10:00", "", "1")
    s.move("B", "2026-01-04 10:00", TODO, DONE)
    con = load(s)
    df = sprint_facts(con, AFTER_ALL)
    assert_identity(df)
    s1, s2, s3 = (row(df, sprint_id=i) for i in ("1", "2", "3"))
    # sprint 1: committed A (5); at 01-19 10:00 A is In Progress and still in the list -> carry-over 5
    assert (s1["committed_issues"], s1["committed_points"]) == (1, 5)
    assert (s1["carryover_issues"], s1["carryover_points"]) == (1, 5)
    assert (s1["completed_issues"], s1["removed_issues"], s1["added_issues"]) == (0, 0, 0)
    # sprint 2: A joined at 01-19 10:00 <= t_start 11:00 -> committed 5; carried over again
    assert (s2["committed_points"], s2["carryover_points"], s2["completed_points"]) == (5, 5, 0)
    # sprint 3: committed 5, Done on 02-10 <= t_end 02-16 -> completed 5; say/do = 5/5 = 1
    assert (s3["committed_points"], s3["completed_points"], s3["carryover_issues"]) == (5, 5, 0)
    assert s3["say_do_ratio"] == pytest.approx(1.0)
    assert s1["say_do_ratio"] == pytest.approx(0.0)  # 0 completed / 5 committed
    m = members(con, AFTER_ALL)
    b = row(m, sprint_id="1", issue_id="B")
    assert b["is_excluded"] and not (b["committed"] or b["added"] or b["completed"] or b["removed"] or b["carryover"])


def test_carryover_report_counts_sprints_carried(load):
    s = base()
    s.issue("A", "2026-01-01 10:00", status=IN_PROGRESS, sprints=["1", "2", "3"], points=5)
    s.sprint_change("A", "2026-01-02 10:00", "", "1")
    s.sprint_change("A", "2026-01-19 10:00", "1", "1, 2")
    s.sprint_change("A", "2026-02-02 10:00", "1, 2", "1, 2, 3")
    s.move("A", "2026-01-06 10:00", TODO, IN_PROGRESS)
    con = load(s)
    import queries
    df = queries.run(con, "sprint__carryover", as_of=ts(AFTER_ALL), board_id=None, project=None,
                     date_from=None, date_to=None)
    # A is carried over at the end of sprints 1, 2 and 3: 1, 2 and 3 times so far
    got = sorted(zip(df.sprint_id, df.issue_key, df.times_carried, strict=True))
    assert got == [("1", "P-A", 1), ("2", "P-A", 2), ("3", "P-A", 3)]


def test_added_after_start_then_removed(load):
    s = base()
    # 2 points, added to sprint 1 on 01-07 (after t_start 01-05 09:00), removed on 01-09
    s.issue("C", "2026-01-01 10:00", status=TODO, sprints=[], points=2)
    s.sprint_change("C", "2026-01-07 10:00", "", "1")
    s.sprint_change("C", "2026-01-09 10:00", "1", "")
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["added_issues"], s1["added_points"]) == (1, 2)
    assert (s1["removed_issues"], s1["removed_points"]) == (1, 2)
    assert (s1["committed_issues"], s1["completed_issues"], s1["carryover_issues"]) == (0, 0, 0)
    # scope change = (2 added + 2 removed) / 0 committed -> undefined, not a division error
    assert s1["scope_change"] is None or s1["scope_change"] != s1["scope_change"]
    m = row(members(con, AFTER_ALL), sprint_id="1", issue_id="C")
    assert m["first_joined_at"] == ts("2026-01-07 10:00") and m["last_left_at"] == ts("2026-01-09 10:00")


def test_estimate_change_mid_sprint(load):
    s = base()
    # committed at 3 points; re-estimated 3 -> 5 on 01-08 (Jira's number-field form: values
    # in from/toString only, "5.0"); Done on 01-16.
    s.issue("D", "2026-01-01 10:00", status=DONE, sprints=["1"], points=5)
    s.sprint_change("D", "2026-01-02 10:00", "", "1")
    s.change("D", "2026-01-08 10:00", "story_points", "3", "5.0", as_string=True)
    s.move("D", "2026-01-16 10:00", TODO, DONE)
    # E: a second committed issue, unchanged at 1 point, never done -> carry-over 1
    s.issue("E", "2026-01-01 10:00", status=TODO, sprints=["1"], points=1)
    s.sprint_change("E", "2026-01-02 10:00", "", "1")
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    # committed 3 + 1 = 4; completed 5 (estimate at t_end); carry-over 1; estimate change +2
    # identity: 4 + 0 + 2 = 5 + 1 + 0
    assert s1["committed_points"] == 4
    assert s1["completed_points"] == 5
    assert s1["carryover_points"] == 1
    assert s1["estimate_change_points"] == 2
    assert s1["say_do_ratio"] == pytest.approx(5 / 4)
    assert_identity(sprint_facts(con, AFTER_ALL))


def test_unestimated_issues_count_zero_points(load):
    s = base()
    # no estimate anywhere; committed and done inside sprint 1
    s.issue("F", "2026-01-01 10:00", status=DONE, sprints=["1"], points=None)
    s.move("F", "2026-01-12 10:00", TODO, DONE)
    # an issue whose estimate was cleared mid-sprint (2 -> empty): committed 2, completed 0
    s.issue("G", "2026-01-01 10:00", status=DONE, sprints=["1"], points=None)
    s.points_change("G", "2026-01-10 10:00", "2", None)
    s.move("G", "2026-01-12 10:00", TODO, DONE)
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["committed_issues"], s1["completed_issues"]) == (2, 2)
    # points: committed 0 + 2 = 2; completed 0 + 0 = 0; estimate change 0 + (0 - 2) = -2
    assert (s1["committed_points"], s1["completed_points"], s1["estimate_change_points"]) == (2, 0, -2)


def test_active_sprint_ends_at_as_of(load):
    s = Scenario().board("1", "Atlas", columns=BOARD_COLUMNS)
    s.sprint("9", "1", "2026-01-05 09:00", "2026-01-19 09:00", state="active")
    # a sprint completed on 01-19, seen as of 01-10 when it was still running
    s.sprint("8", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    # a sprint that starts after the as_of instant: not in the report
    s.sprint("10", "1", "2026-01-19 11:00", "2026-02-02 09:00", state="active")
    for iid, done_at in (("H1", "2026-01-08 10:00"), ("H2", "2026-01-12 10:00")):
        s.issue(iid, "2026-01-01 10:00", status=DONE, sprints=["9", "8"], points=3)
        s.move(iid, done_at, TODO, DONE)
    con = load(s)
    df = sprint_facts(con, "2026-01-10 00:00")
    assert set(df.sprint_id) == {"8", "9"}
    for sid in ("8", "9"):
        r = row(df, sprint_id=sid)
        # t_end = as_of: H1 done (01-08) -> completed 3; H2 not yet -> carry-over 3
        assert r["state"] == "active" and r["end_at"] == ts("2026-01-10 00:00")
        assert (r["completed_points"], r["carryover_points"]) == (3, 3)
    # later, sprint 9 is still active and both are done by 01-13
    r = row(sprint_facts(con, "2026-01-13 00:00"), sprint_id="9")
    assert (r["completed_issues"], r["carryover_issues"]) == (2, 0)


def test_re_added_after_removal_and_estimate_changed_while_away(load):
    s = base()
    # I: committed (3), removed 01-08, re-added 01-12, Done 01-15 -> committed 3, completed 3,
    #    not removed (a member at t_end), not added (it was a member at t_start)
    s.issue("I", "2026-01-01 10:00", status=DONE, sprints=["1"], points=3)
    s.sprint_change("I", "2026-01-02 10:00", "", "1")
    s.sprint_change("I", "2026-01-08 10:00", "1", "")
    s.sprint_change("I", "2026-01-12 10:00", "", "1")
    s.move("I", "2026-01-15 10:00", TODO, DONE)
    # J: added 01-06 at 1 point, removed 01-08, re-estimated 1 -> 4 while out (01-09),
    #    re-added 01-10, still open at t_end -> added 1, carry-over 4, estimate change +3
    s.issue("J", "2026-01-01 10:00", status=TODO, sprints=["1"], points=4)
    s.sprint_change("J", "2026-01-06 10:00", "", "1")
    s.sprint_change("J", "2026-01-08 10:00", "1", "")
    s.points_change("J", "2026-01-09 10:00", "1", "4")
    s.sprint_change("J", "2026-01-10 10:00", "", "1")
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["committed_issues"], s1["committed_points"]) == (1, 3)
    assert (s1["added_issues"], s1["added_points"]) == (1, 1)
    assert (s1["removed_issues"], s1["completed_issues"], s1["carryover_issues"]) == (0, 1, 1)
    assert (s1["completed_points"], s1["carryover_points"], s1["estimate_change_points"]) == (3, 4, 3)
    m = members(con, AFTER_ALL)
    assert row(m, sprint_id="1", issue_id="I")["joins_during"] == 1       # the re-add on 01-12
    assert row(m, sprint_id="1", issue_id="J")["first_joined_at"] == ts("2026-01-06 10:00")


def test_created_straight_into_running_sprint(load):
    s = base()
    # created on 01-08 with sprint 1 in its sprint field and no sprint history: joins at
    # creation (after t_start) -> added with its 2 points; never done -> carry-over 2
    s.issue("K", "2026-01-08 10:00", status=TODO, sprints=["1"], points=2)
    # created on 01-20 (after sprint 1 completed), straight into sprint 2 (running)
    s.issue("L", "2026-01-20 10:00", status=TODO, sprints=["2"], points=1)
    con = load(s)
    df = sprint_facts(con, AFTER_ALL)
    s1, s2 = row(df, sprint_id="1"), row(df, sprint_id="2")
    assert (s1["committed_issues"], s1["added_issues"], s1["added_points"]) == (0, 1, 2)
    assert (s1["carryover_issues"], s1["carryover_points"]) == (1, 2)
    assert (s2["committed_issues"], s2["added_issues"], s2["added_points"]) == (0, 1, 1)
    m = row(members(con, AFTER_ALL), sprint_id="1", issue_id="K")
    assert m["first_joined_at"] == ts("2026-01-08 10:00")


def test_removed_issue_that_was_done(load):
    s = base()
    # committed (1 point), Done 01-09, then taken out of the sprint 01-10:
    # removed (estimate when it left: 1), not completed
    s.issue("M", "2026-01-01 10:00", status=DONE, sprints=[], points=1)
    s.sprint_change("M", "2026-01-02 10:00", "", "1")
    s.move("M", "2026-01-09 10:00", TODO, DONE)
    s.sprint_change("M", "2026-01-10 10:00", "1", "")
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["committed_issues"], s1["removed_issues"], s1["removed_points"]) == (1, 1, 1)
    assert (s1["completed_issues"], s1["carryover_issues"]) == (0, 0)
    # scope change = (0 added + 1 removed) / 1 committed = 1.0
    assert s1["scope_change"] == pytest.approx(1.0)


def test_activated_at_differs_from_planned_start(load):
    s = Scenario().board("1", "Atlas", columns=BOARD_COLUMNS)
    # DC: planned start 01-05 09:00, actually started (activatedDate) 01-06 14:00
    s.sprint("1", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00",
             activated="2026-01-06 14:00")
    # N joined 01-06 10:00: after the planned start but before activation -> committed
    s.issue("N", "2026-01-01 10:00", status=TODO, sprints=["1"], points=2)
    s.sprint_change("N", "2026-01-06 10:00", "", "1")
    # O: in the sprint from 01-02, Done 01-06 12:00 (before activation) -> excluded
    s.issue("O", "2026-01-01 10:00", status=DONE, sprints=["1"], points=5)
    s.sprint_change("O", "2026-01-02 10:00", "", "1")
    s.move("O", "2026-01-06 12:00", TODO, DONE)
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert s1["start_at"] == ts("2026-01-06 14:00")
    assert (s1["committed_issues"], s1["committed_points"], s1["added_issues"]) == (1, 2, 0)
    assert (s1["completed_issues"], s1["carryover_issues"]) == (0, 1)


def test_done_column_of_the_board_and_done_category_without_mapping(load):
    s = Scenario().board("1", "Atlas", columns=BOARD_COLUMNS).board("2", "Borealis")
    s.sprint("1", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    s.sprint("2", "2", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    # both moved to Won't Do (done category) mid-sprint
    for iid, sid in (("W1", "1"), ("W2", "2")):
        s.issue(iid, "2026-01-01 10:00", status=WONT_DO, sprints=[sid], points=2)
        s.move(iid, "2026-01-10 10:00", TODO, WONT_DO)
    con = load(s)
    df = sprint_facts(con, AFTER_ALL)
    # board 1 maps only Done to its last column -> Won't Do is not done -> carry-over
    assert (row(df, sprint_id="1")["completed_issues"], row(df, sprint_id="1")["carryover_issues"]) == (0, 1)
    # board 2 has no mapping -> done category -> completed
    assert (row(df, sprint_id="2")["completed_issues"], row(df, sprint_id="2")["carryover_issues"]) == (1, 0)


def test_subtasks_and_deleted_issues_left_out(load):
    s = base()
    s.issue("P", "2026-01-01 10:00", status=TODO, sprints=["1"], points=3)
    s.issue("Q", "2026-01-01 10:00", status=TODO, sprints=["1"], points=8, is_subtask=True, issue_type="Sub-task")
    s.issue("R", "2026-01-01 10:00", status=TODO, sprints=["1"], points=13, is_deleted=True)
    con = load(s)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["committed_issues"], s1["committed_points"]) == (1, 3)


def test_filters_board_project_and_start_dates(load):
    s = base()
    s.sprint("20", "2", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    s.issue("X", "2026-01-01 10:00", status=TODO, sprints=["1"], points=3, project="P")
    s.issue("Y", "2026-01-01 10:00", status=TODO, sprints=["1", "20"], points=5, project="Q")
    con = load(s)
    assert set(sprint_facts(con, AFTER_ALL, board_id="2").sprint_id) == {"20"}
    by_project = sprint_facts(con, AFTER_ALL, project="P")
    # only sprint 1 has a P issue; its committed points are X's 3 only
    assert list(by_project.sprint_id) == ["1"] and by_project.committed_points.iloc[0] == 3
    from helpers_sprints import day
    dated = sprint_facts(con, AFTER_ALL, date_from=day("2026-01-19"), date_to=day("2026-02-01"))
    assert list(dated.sprint_id) == ["2"]   # starts 01-19 11:00; sprint 3 starts 02-02


def _report(con, name, as_of=AFTER_ALL, **kw):
    import queries
    p = dict(as_of=ts(as_of), board_id=None, project=None, date_from=None, date_to=None)
    p.update(kw)
    return queries.run(con, name, **p)


def test_scope_changes_list_each_added_and_removed_issue(load):
    s = base()
    # C: 2 points, added 01-07 10:00 and removed 01-09 10:00 (t_start 01-05 09:00)
    s.issue("C", "2026-01-01 10:00", status=TODO, sprints=[], points=2)
    s.sprint_change("C", "2026-01-07 10:00", "", "1")
    s.sprint_change("C", "2026-01-09 10:00", "1", "")
    # D: committed at 3, re-estimated to 5 on 01-08, removed 01-10 -> removed with 5 points
    s.issue("D", "2026-01-01 10:00", status=TODO, sprints=[], points=5)
    s.sprint_change("D", "2026-01-02 10:00", "", "1")
    s.points_change("D", "2026-01-08 10:00", "3", "5")
    s.sprint_change("D", "2026-01-10 10:00", "1", "")
    con = load(s)
    df = _report(con, "sprint__scope_changes")
    got = sorted((r.issue_key, r.direction, str(r.changed_at)[:16], r.points, round(r.days_into_sprint, 4))
                 for r in df.itertuples())
    # days into sprint: 01-07 10:00 - 01-05 09:00 = 2 d 1 h = 2.0417; 01-09 10:00 -> 4.0417; 01-10 10:00 -> 5.0417
    assert got == [("P-C", "added", "2026-01-07 10:00", 2.0, 2.0417),
                   ("P-C", "removed", "2026-01-09 10:00", 2.0, 4.0417),
                   ("P-D", "removed", "2026-01-10 10:00", 5.0, 5.0417)]


def test_velocity_rolling_mean_of_last_three_closed_sprints(load):
    s = base()
    s.sprint("4", "1", "2026-02-16 11:00", "2026-03-02 09:00", complete="2026-03-02 10:00")
    # one issue completed per sprint, with 1, 2, 4 and 8 points
    for sid, pts, done in (("1", 1, "2026-01-10 10:00"), ("2", 2, "2026-01-25 10:00"),
                           ("3", 4, "2026-02-10 10:00"), ("4", 8, "2026-02-20 10:00")):
        s.issue(f"V{sid}", "2026-01-01 10:00", status=DONE, sprints=[sid], points=pts)
        s.move(f"V{sid}", done, TODO, DONE)
    con = load(s)
    v = _report(con, "sprint__velocity", as_of="2026-03-05 00:00").set_index("sprint_id")
    assert list(v.completed_points) == [1, 2, 4, 8]
    # rolling mean of up to three closed sprints: 1, (1+2)/2 = 1.5, (1+2+4)/3 = 7/3, (2+4+8)/3 = 14/3
    assert list(v.rolling_velocity_points) == pytest.approx([1.0, 1.5, 7 / 3, 14 / 3])


def test_done_by_category_when_board_column_rule_is_off(tmp_path):
    from queries.config import AnalysisConfig
    s = Scenario().board("1", "Atlas", columns=BOARD_COLUMNS)
    s.sprint("1", "1", "2026-01-05 09:00", "2026-01-19 09:00", complete="2026-01-19 10:00")
    s.issue("W", "2026-01-01 10:00", status=WONT_DO, sprints=["1"], points=2)
    s.move("W", "2026-01-10 10:00", TODO, WONT_DO)
    db = s.load(tmp_path / "w.duckdb")
    # default: board 1's done column holds only Done -> Won't Do is carried over
    assert row(sprint_facts(connect(db), AFTER_ALL), sprint_id="1")["carryover_issues"] == 1
    # use_board_done_column = false: done category -> completed
    con = connect(db, config=AnalysisConfig(use_board_done_column=False))
    assert row(sprint_facts(con, AFTER_ALL), sprint_id="1")["completed_issues"] == 1


def test_as_of_before_a_sprint_starts_leaves_it_out(load):
    s = base()
    s.issue("Z", "2026-01-01 10:00", status=TODO, sprints=["1"], points=1)
    con = load(s)
    assert sprint_facts(con, "2026-01-05 08:59").empty            # sprint 1 starts 09:00
    df = sprint_facts(con, "2026-01-05 09:00")                      # started this very instant
    assert list(df.sprint_id) == ["1"] and df.committed_issues.iloc[0] == 1


def test_completed_while_member(load):
    s = base()
    # K1: committed, done 01-10 while in sprint 1 -> completed, completed while a member
    s.issue("K1", "2026-01-01 10:00", status=DONE, sprints=["1"], points=1)
    s.move("K1", "2026-01-10 10:00", TODO, DONE)
    # K2: done on 01-06 outside any sprint, added to sprint 1 on 01-08 already done ->
    #     added and completed (as Jira counts it), but not completed while a member
    s.issue("K2", "2026-01-01 10:00", status=DONE, sprints=["1"], points=2)
    s.move("K2", "2026-01-06 10:00", TODO, DONE)
    s.sprint_change("K2", "2026-01-08 10:00", "", "1")
    con = load(s)
    m = members(con, AFTER_ALL)
    k1, k2 = row(m, sprint_id="1", issue_id="K1"), row(m, sprint_id="1", issue_id="K2")
    assert (k1["completed"], k1["completed_while_member"], k1["done_since_at"]) == (True, True, ts("2026-01-10 10:00"))
    assert (k2["added"], k2["completed"], k2["completed_while_member"]) == (True, True, False)
    s1 = row(sprint_facts(con, AFTER_ALL), sprint_id="1")
    assert (s1["completed_issues"], s1["completed_points"]) == (2, 3)
