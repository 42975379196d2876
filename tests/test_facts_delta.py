"""Another as_of answered from the stored facts plus a small delta (docs/facts.md, "Any as_of
stays exact"): on a hand-made warehouse, a past as_of recomputes exactly the issues named by
hand, keeps every other stored row (re-anchored), reads the sprint members from their stored
rows, and every figure equals the one computed from scratch."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from helpers_sprints import DONE, IN_PROGRESS, REVIEW, TODO, connect, temp_tables
from test_sprints_property import AS_OF_K, at, build
from test_stored_facts import QUICK, assert_same, compare

import queries
from queries import facts_delta

# Sprints (test_sprints_property): 1 on board 1 closed [8, 36], 2 on board 1 [36, 64], 3 on
# board 2 running from 64; the facts are stored as of k=78 and asked about k=50 (mid sprint 2).
PAST = 50
# reports that read sprint members of the chosen board only (work_mix reads every board's)
ONE_BOARD = tuple(q for q in QUICK if q != "work_mix")


def _issue(created=0, sprint0=(), status0=TODO, status_changes=()):
    return {"created": created, "sprint0": list(sprint0), "sprint_changes": [], "points0": "3",
            "points_changes": [], "status0": status0, "status_changes": list(status_changes)}


ISSUES = {
    # done in sprint 1 long before k=50: the same at 50 and 78 -> kept
    "A": _issue(sprint0=["1"], status_changes=[(10, IN_PROGRESS), (20, DONE)]),
    # in sprint 2, whose window differs (running at 50, closed at 64) -> recomputed (R)
    "B": _issue(created=40, sprint0=["2"]),
    # created after 50 -> recomputed (E), and absent at 50
    "C": _issue(created=60),
    # sent back from review long ago and still open: rework runs until as_of -> recomputed (O)
    "D": _issue(status_changes=[(2, IN_PROGRESS), (4, REVIEW), (6, IN_PROGRESS)]),
    # a status change at 70 -> recomputed (E)
    "E": _issue(status_changes=[(70, IN_PROGRESS)]),
    # untouched, still in its first status: kept, its open stay's until_at re-anchored to 50
    "F": _issue(),
    # in sprint 3 only, which had not started at 50 -> recomputed (R)
    "G": _issue(created=30, sprint0=["3"]),
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    return build(dict(ISSUES)).load(tmp_path_factory.mktemp("delta") / "w.duckdb", data_as_of=at(AS_OF_K))


def test_a_past_as_of_recomputes_exactly_the_issues_that_differ(warehouse):
    stored, live = connect(warehouse), connect(warehouse, stored=False)
    try:
        assert queries.facts.stored_as_of(stored) == at(AS_OF_K)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None        # nothing asked yet
        compare(stored, live, at(PAST), None, QUICK, marts=True)
        # the sprint members at an earlier instant: the stored rows, sprint 2's (it ran at k=50,
        # closed at 64) read again at its end then (B), none of sprint 3's (not started at k=50:
        # G); no delta computed, nothing cached for them (StoredMart.earlier)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None
        rows = stored.execute("SELECT sprint_id, issue_id, t_end, added FROM fct_sprint_members($a) ORDER BY 1, 2",
                              {"a": at(PAST)}).fetchall()
        assert rows == [("1", "A", at(36), False), ("2", "B", at(PAST), True)]
        # the issue facts' delta at an earlier instant, read off the stored versions: C (created
        # at 60) and E (moved at 70) had an event since, D's rework still runs; their rows at k=50
        # are the versions holding it (C did not exist yet), A and F's the stored ones. The issue
        # facts read no sprint: B and G are kept there; the sprint members computed only B (G's
        # sprint 3 had not started at k=50)
        assert {r[0] for r in stored.execute("SELECT issue_id FROM fx_scope_issues").fetchall()} == {"C", "D", "E"}
        cached = {r[0] for r in stored.execute("SELECT issue_id FROM fct_issue_facts__cache").fetchall()}
        assert cached == {"D", "E"}
        assert "fct_status_totals__cache" not in _cache_tables(stored)
        assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
        stays = stored.execute("SELECT issue_id, until_at FROM fct_status_intervals($a) WHERE left_at IS NULL "
                               "ORDER BY issue_id", {"a": at(PAST)}).fetchall()
        assert dict(stays)["F"] == at(PAST)
        # one board, and again (a read of the cache), still equal to the computation from scratch
        compare(stored, live, at(PAST), "1", QUICK, marts=False)
        compare(stored, live, at(PAST), "2", QUICK, marts=False)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None
    finally:
        stored.close()
        live.close()


def test_a_sprint_running_at_both_instants_is_moved_to_its_earlier_end(warehouse):
    """At k=70 sprint 3 runs, as at the stored k=78, but its window ends at 70: at an earlier
    instant its stored members' rows are read again at 70 (G, with no event in between, keeps
    its stored row with `t_end` 70, as a later instant moves it); the rest of the sprint members
    are kept as stored."""
    stored, live = connect(warehouse), connect(warehouse, stored=False)
    try:
        compare(stored, live, at(70), None, QUICK, marts=True)
        # sprint 2's window is the same (closed at 64) at both; D's open rework and E's change
        # at 70 do not matter to the sprint members (their sprint windows end by then); G, sprint
        # 3's member, had no event after 70
        assert facts_delta.scoped_issues(stored, at(70)) is None
        rows = stored.execute("SELECT issue_id, t_end FROM fct_sprint_members($a) WHERE sprint_id = '3'",
                              {"a": at(70)}).fetchall()
        assert rows == [("G", at(70))]
        moved = stored.execute("SELECT * EXCLUDE (t_end) FROM fct_sprint_members($a) WHERE issue_id = 'G'",
                               {"a": at(70)}).df()
        kept = stored.execute("SELECT * EXCLUDE (t_end) FROM facts.sprint_members WHERE issue_id = 'G'").df()
        assert_same(moved, kept, "G's row at k=70 and as stored, but for t_end")
        assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
    finally:
        stored.close()
        live.close()


def test_a_running_sprint_s_member_with_an_event_after_an_earlier_instant_is_read_again_then(tmp_path):
    """Sprint 3 runs from 64 at k=72 and at the stored k=78. Of its members, M moved to In
    Progress at 75 and N left the sprint at 74 (events after 72: their stored trajectories read
    at k=72, where M is still To Do and N still a member), P joined at 76 (no row at k=72), G
    had no event (its stored row, `t_end` moved to 72)."""
    issues = {
        "G": _issue(created=30, sprint0=["3"]),
        "M": _issue(created=30, sprint0=["3"], status_changes=[(75, IN_PROGRESS)]),
        "N": {**_issue(created=30, sprint0=["3"]), "sprint_changes": [(74, [])]},
        "P": {**_issue(created=30), "sprint_changes": [(76, ["3"])]},
    }
    db = build(issues).load(tmp_path / "w.duckdb", data_as_of=at(AS_OF_K))
    stored, live = connect(db), connect(db, stored=False)
    try:
        compare(stored, live, at(72), None, QUICK, marts=True)
        assert facts_delta.scoped_issues(stored, at(72)) is None
        assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
        rows = stored.execute("SELECT issue_id, t_end, carryover, status_at_end, member_at_end, leaves_during "
                              "FROM fct_sprint_members($a) WHERE sprint_id = '3' ORDER BY issue_id",
                              {"a": at(72)}).fetchall()
        assert rows == [("G", at(72), True, TODO, True, 0), ("M", at(72), True, TODO, True, 0),
                        ("N", at(72), True, TODO, True, 0)]
        stored_rows = stored.execute("SELECT issue_id, status_at_end, member_at_end, leaves_during, removed "
                                     "FROM facts.sprint_members WHERE sprint_id = '3' ORDER BY issue_id").fetchall()
        assert stored_rows == [("G", TODO, True, 0, False), ("M", IN_PROGRESS, True, 0, False),
                               ("N", TODO, False, 1, True), ("P", TODO, True, 0, False)]
        compare(stored, live, at(75.5), None, QUICK, marts=True)     # after M's move and N's leaving
        compare(stored, live, at(72), "2", QUICK, marts=False)
    finally:
        stored.close()
        live.close()


def test_one_board_first_then_all_boards(warehouse):
    """Asked first for one board, a later as_of computes D's rows of that board only; asked
    then for all boards, it computes them for every board and drops the one-board entry. At an
    earlier as_of a board's sprint members are its stored rows, read by board."""
    stored, live = connect(warehouse), connect(warehouse, stored=False)
    try:
        compare(stored, live, at(PAST), "1", ONE_BOARD, marts=False)
        assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
        rows = stored.execute("SELECT DISTINCT board_id FROM fct_sprint_board_members($a, '1')", {"a": at(PAST)})
        assert rows.fetchall() == [("1",)]
        compare(stored, live, at(PAST), "2", QUICK, marts=False)
        compare(stored, live, at(PAST), None, QUICK, marts=True)
        compare(stored, live, at(PAST), "1", QUICK, marts=False)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None
    finally:
        stored.close()
        live.close()
    # later than the stored k=78 (stored as of k=60 here): sprint 2 closed at 64 (its window
    # differs: R, B), sprint 3 started at 64 (G), E moved at 70 (E); D's rework runs on (O)
    db = build(dict(ISSUES)).load(warehouse.parent / "at60.duckdb", data_as_of=at(60))
    stored, live = connect(db), connect(db, stored=False)
    try:
        compare(stored, live, at(72), None, ("issue_facts",), marts=False)   # D_issues first: not "one board whole"
        compare(stored, live, at(72), "1", ONE_BOARD, marts=False)
        assert stored.execute("SELECT DISTINCT fx_board FROM fct_sprint_board_members__cache").fetchall() == [("1",)]
        # B is board 1's (sprint 2); G, in sprint 3 of board 2, is not computed for board 1
        assert {r[0] for r in stored.execute("SELECT issue_id FROM fct_sprint_board_members__cache").fetchall()} == {"B"}
        compare(stored, live, at(72), "2", QUICK, marts=False)
        compare(stored, live, at(72), None, QUICK, marts=True)
        assert stored.execute("SELECT DISTINCT fx_board FROM fct_sprint_board_members__cache").fetchall() == [(None,)]
        compare(stored, live, at(72), "1", QUICK, marts=False)
        assert facts_delta.scoped_issues(stored, at(72)) == 4         # B, D, E, G: the delta computed once
    finally:
        stored.close()
        live.close()


def test_one_board_asked_first_is_computed_whole(warehouse):
    """Sprint figures for one board at a later instant, before anything else about that
    instant: that board's sprints are computed from scratch (no D yet), and still equal the
    computation from scratch (stored as of k=36 here, asked about k=50: sprint 1 closed at 36,
    sprint 2 runs at both)."""
    db = build(dict(ISSUES)).load(warehouse.parent / "at36.duckdb", data_as_of=at(36))
    stored, live = connect(db), connect(db, stored=False)
    try:
        compare(stored, live, at(PAST), "1", ("sprint_facts", "sprint__carryover"), marts=False)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None
        rows = stored.execute("SELECT DISTINCT issue_id FROM fct_sprint_board_members__cache").fetchall()
        assert sorted(r[0] for r in rows) == ["A", "B"]                    # sprints 1 and 2, whole
        compare(stored, live, at(PAST), "1", QUICK, marts=False)           # then D for the rest
        compare(stored, live, at(PAST), None, QUICK, marts=True)
        assert facts_delta.scoped_issues(stored, at(PAST)) == 2            # B (created at 40), D (rework)
    finally:
        stored.close()
        live.close()


def test_a_report_over_every_board_caches_every_board(warehouse):
    """work_mix reads sprint members of every board (fct_sprint_members) even when a team is
    chosen: at another as_of its cache entry must hold every board, else each ask recomputes
    every board's sprints from scratch (the figure was right, the cache was never used). (At a
    later one: stored as of k=60 here, asked about k=72; an earlier one caches no sprint member.)"""
    db = build(dict(ISSUES)).load(warehouse.parent / "every.duckdb", data_as_of=at(60))
    stored, live = connect(db), connect(db, stored=False)
    try:
        compare(stored, live, at(72), "1", ("work_mix",), marts=False)
        assert stored.execute("SELECT DISTINCT fx_board FROM fct_sprint_board_members__cache").fetchall() == [(None,)]
        # a second ask reads the cache: with the live definition broken it still answers
        stored.execute("CREATE OR REPLACE TEMP MACRO fct_sprint_board_members__live(as_of, in_board) AS TABLE "
                       "SELECT error('the live definition was used') AS source")
        compare(stored, live, at(72), "1", ("work_mix",), marts=False)
    finally:
        stored.close()
        live.close()


def test_an_issue_question_at_an_earlier_instant_reads_the_stored_history(warehouse):
    """Issue facts and time in status at an earlier as_of read no sprint and scan no history:
    the issues whose stored facts may not hold then are read off the stored versions (C,
    created at 60, and E, moved at 70, had an event since; D's rework still runs) and their
    rows are the versions holding k=50; the status stays are the stored ones clipped, the
    status totals the stored ones but for the issues with a stay entered or left since (C, E),
    totalled again over their clipped stays. Sprint figures asked afterwards read the stored
    sprint members and compute nothing more."""
    stored, live = connect(warehouse), connect(warehouse, stored=False)
    try:
        compare(stored, live, at(PAST), None, ("issue_facts", "time_in_status"), marts=False)
        assert facts_delta.scoped_issues(stored, at(PAST), "issues") == 3     # C, D, E
        assert facts_delta.scoped_issues(stored, at(PAST)) is None            # no D: no sprint asked
        # the versions, stays and totals at k=50 come from their stored macros (StoredMart.earlier):
        # nothing cached for them, no macro of this connection shadowing those
        assert stored.execute("SELECT mart, whole FROM fx_cached ORDER BY 1").fetchall() == [("fct_issue_facts", False)]
        assert stored.execute("SELECT DISTINCT function_name FROM duckdb_functions() WHERE database_name = 'temp' AND "
                              "function_name LIKE 'fct_%' AND NOT function_name LIKE '%__live'").fetchall() == [
            ("fct_issue_facts",)]
        assert _cache_tables(stored) == {"fct_issue_facts__cache"}
        cached = {r[0] for r in stored.execute("SELECT issue_id FROM fct_issue_facts__cache").fetchall()}
        assert cached == {"D", "E"}                                           # C did not exist at k=50
        # D's rework still runs at k=50: from its stored version, read at k=50
        rework = stored.execute("SELECT rework_days FROM fct_issue_facts($a) WHERE issue_id = 'D'",
                                {"a": at(PAST)}).fetchall()
        assert rework == [((PAST - 6) / 2,)]                                  # since k=6, half a day a step
        compare(stored, live, at(PAST), None, QUICK, marts=True)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None            # no sprint members' delta
        assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
        assert stored.execute("SELECT count(*) FROM fct_issue_facts__cache").fetchall() == [(2,)]   # not again
    finally:
        stored.close()
        live.close()


def test_issue_versions_span_the_history_between_events(warehouse):
    """facts.issue_versions: one row per issue and span between two of its events (creation,
    each status change), the last one open (valid_to NULL); the rework of D, sent back from
    review at k=6 and never back there, is kept as running since k=6."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("SELECT valid_from, valid_to, status, start_at, completed_at, backward_transitions, "
                           "qa_bounces, rework_closed_us, rework_open_since FROM facts.issue_versions "
                           "WHERE issue_id = $i ORDER BY valid_from", {"i": "D"}).fetchall()
        assert [(r[0], r[1]) for r in rows] == [(at(0), at(2)), (at(2), at(4)), (at(4), at(6)), (at(6), None)]
        assert [r[2] for r in rows] == ["To Do", "In Progress", "In Review", "In Progress"]
        assert [r[3] for r in rows] == [None, at(2), at(2), at(2)]
        assert [(r[5], r[6], r[7], r[8]) for r in rows] == [(0, 0, 0, None), (0, 0, 0, None), (0, 0, 0, None),
                                                            (1, 1, 0, at(6))]
        rows = con.execute("SELECT valid_from, valid_to, status, completed_at FROM facts.issue_versions "
                           "WHERE issue_id = $i ORDER BY valid_from", {"i": "A"}).fetchall()
        assert rows == [(at(0), at(10), "To Do", None), (at(10), at(20), "In Progress", None),
                        (at(20), None, "Done", at(20))]
        # C, created at k=60, starts there; every issue has exactly one open version
        assert con.execute("SELECT min(valid_from) FROM facts.issue_versions WHERE issue_id = 'C'").fetchall() == [
            (at(60),)]
        assert con.execute("SELECT count(*), count(DISTINCT issue_id) FROM facts.issue_versions "
                           "WHERE valid_to IS NULL").fetchall() == [(len(ISSUES), len(ISSUES))]
    finally:
        con.close()


def _cache_tables(con) -> set[str]:
    return {t for t in temp_tables(con) if t.endswith("__cache")}


def test_an_earlier_instant_takes_a_changed_sprint_s_stored_members_only(tmp_path):
    """At an instant earlier than the stored one every sprint window is the same or shorter
    and membership stays do not depend on as_of, so whoever is a member at k=50 is a stored
    member (k=78) of the same sprint: a sprint that closed in between (2) has its stored members
    read again at k=50, and an issue its field named but that was never in it during its window
    (H, taken out before it started) has no row; J joined sprint 3 at 70 and K sits in sprint 3,
    which started at 64: stored members of a sprint with no window at k=50, with no row then."""
    issues = {
        "B": _issue(created=40, sprint0=["2"]),
        "H": {**_issue(sprint0=["2"]), "sprint_changes": [(20, [])]},
        "J": {**_issue(), "sprint_changes": [(70, ["3"])]},
        "K": _issue(sprint0=["3"]),
    }
    db = build(issues).load(tmp_path / "w.duckdb", data_as_of=at(AS_OF_K))
    stored, live = connect(db), connect(db, stored=False)
    try:
        compare(stored, live, at(PAST), None, QUICK, marts=True)
        assert facts_delta.scoped_issues(stored, at(PAST)) is None
        assert facts_delta.scoped_issues(stored, at(PAST), "issues") == 0      # no event but sprint ones
        assert {r[0] for r in stored.execute("SELECT issue_id FROM facts.sprint_members").fetchall()} == {"B", "J", "K"}
        rows = stored.execute("SELECT sprint_id, issue_id FROM fct_sprint_members($a)", {"a": at(PAST)}).fetchall()
        assert rows == [("2", "B")]                                            # J and K: no sprint with a window
        compare(stored, live, at(PAST), "1", QUICK, marts=False)
        compare(stored, live, at(30), None, QUICK, marts=True)                 # before sprint 2 started
    finally:
        stored.close()
        live.close()


def test_an_event_after_an_earlier_instant_in_an_unchanged_sprint_keeps_its_sprint_rows(tmp_path):
    """At an instant T earlier than the stored one, a sprint member's row depends on T only
    through its sprint's window (the replay looks no later than the window's end, which is at
    most T). L was in sprint 1 (closed at 36, the same window at k=50 and k=78) and moved at 60
    and 70: its issue facts at k=50 are its stored version holding k=50 (an event in between), its
    sprint row is the stored one. Asked in either order at the same instant (sprint figures first, or the issue facts),
    every figure equals the computation from scratch; sprint 2's member B, read again at k=50."""
    issues = {
        "L": _issue(sprint0=["1"], status_changes=[(10, IN_PROGRESS), (20, REVIEW), (60, IN_PROGRESS), (70, DONE)]),
        "B": _issue(created=40, sprint0=["2"]),
    }
    db = build(issues).load(tmp_path / "w.duckdb", data_as_of=at(AS_OF_K))
    for first, then in ((("sprint_facts",), ("issue_facts",)), (("issue_facts",), ("sprint_facts",))):
        stored, live = connect(db), connect(db, stored=False)
        try:
            compare(stored, live, at(PAST), None, first, marts=False)
            compare(stored, live, at(PAST), None, then, marts=False)
            assert "fct_sprint_board_members__cache" not in _cache_tables(stored)
            # L's sprint 1 row: the stored one, though L moved after k=50
            kept = stored.execute("SELECT * FROM facts.sprint_members WHERE issue_id = 'L'").df()
            assert_same(stored.execute("SELECT * FROM fct_sprint_members($a) WHERE issue_id = 'L'",
                                       {"a": at(PAST)}).df(), kept, "L's sprint 1 row at k=50 and as stored")
            # L's issue facts at k=50 (moved since): its stored version holding k=50, from its move at 20
            assert {r[0] for r in stored.execute("SELECT issue_id FROM fct_issue_facts__cache").fetchall()} == {"L"}
            assert stored.execute("SELECT status FROM fct_issue_facts($a) WHERE issue_id = 'L'",
                                  {"a": at(PAST)}).fetchall() == [("In Review",)]
            compare(stored, live, at(PAST), None, QUICK, marts=True)
        finally:
            stored.close()
            live.close()
