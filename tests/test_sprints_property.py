"""Property tests of the sprint replay (docs/metrics.md §4) on random membership, estimate and
status histories: the identity holds for every sprint, and every bucket and point figure of
fct_sprint_members agrees with a direct, independent Python replay of the definitions."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from helpers_sprints import (
    DONE,
    IN_PROGRESS,
    QA,
    REVIEW,
    STATUSES,
    TODO,
    WONT_DO,
    Scenario,
    assert_identity,
    connect,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import queries

BASE = datetime(2026, 1, 1, tzinfo=UTC)
STEP = timedelta(hours=12)
# Sprint boundaries sit on the same 12-hour grid as the random events, so ties are common:
# sprint 1 on board 1 [k=8, k=36], sprint 2 on board 1 [k=36, k=64], sprint 3 on board 2
# active from k=64; as_of = k=78.
SPRINTS = {"1": ("1", 8, 36), "2": ("1", 36, 64), "3": ("2", 64, None)}
AS_OF_K = 78
BOARD1_DONE = {DONE}                                   # board 1's last column holds Done only
CATEGORY_DONE = {s for s, _, c in STATUSES if c == "done"}
SPRINT_IDS = ["1", "2", "3"]
STATUS_IDS = [TODO, IN_PROGRESS, REVIEW, QA, DONE, WONT_DO]


def at(k: int) -> datetime:
    return BASE + k * STEP


def fmt(k: int) -> str:
    return at(k).strftime("%Y-%m-%d %H:%M")


sprint_lists = st.lists(st.sampled_from(SPRINT_IDS), max_size=3, unique=True).map(sorted)
points = st.sampled_from([None, "1", "2", "3.0", "5", "8"])
times = st.integers(min_value=0, max_value=AS_OF_K + 4)

issue_strategy = st.fixed_dictionaries({
    "created": times,
    "sprint0": sprint_lists,
    "sprint_changes": st.lists(st.tuples(times, sprint_lists), max_size=5),
    "points0": points,
    "points_changes": st.lists(st.tuples(times, points), max_size=3),
    "status0": st.sampled_from(STATUS_IDS),
    "status_changes": st.lists(st.tuples(times, st.sampled_from(STATUS_IDS)), max_size=4),
})


def _replay(initial, changes, t):
    """Value at instant t: the last change at or before t (changes in history order), else
    the initial value."""
    v = initial
    for k, value in changes:
        if at(k) <= t:
            v = value
    return v


def _replay_before(initial, changes, t):
    v = initial
    for k, value in changes:
        if at(k) < t:
            v = value
    return v


def oracle(issues: dict) -> dict:
    """(sprint_id, issue_id) -> dict of buckets and points, straight from docs/metrics.md §4."""
    out = {}
    as_of = at(AS_OF_K)
    for sid, (board, k0, k1) in SPRINTS.items():
        t0, t1 = at(k0), (at(k1) if k1 is not None and at(k1) <= as_of else as_of)
        done_set = BOARD1_DONE if board == "1" else CATEGORY_DONE
        for iid, it in issues.items():
            created = at(it["created"])
            sc = [(k, v) for k, v in it["sprint_changes"]]
            pc = [(k, None if v is None else float(v)) for k, v in it["points_changes"]]
            stc = it["status_changes"]

            def member(t, before=False, sc=sc, it=it, created=created, sid=sid):
                if (t <= created) if before else (t < created):
                    return False
                vals = (_replay_before if before else _replay)(it["sprint0"], sc, t)
                return sid in vals

            def est(t, pc=pc, it=it):
                v = _replay(None if it["points0"] is None else float(it["points0"]), pc, t)
                return v or 0.0

            def done(t, it=it, stc=stc, done_set=done_set):
                return _replay(it["status0"], stc, t) in done_set

            instants = sorted({created} | {at(k) for k, _ in sc})
            inside = [t for t in instants if t0 < t <= t1]
            joins = [t for t in inside if member(t) and not member(t, before=True)]
            leaves = [t for t in inside if member(t, before=True) and not member(t)]
            s, e = member(t0), member(t1)
            if not (s or joins):
                continue
            excluded = s and done(t0)
            committed = s and not done(t0)
            added = not s and bool(joins)
            considered = committed or added
            r = dict(committed=committed, added=added, excluded=excluded,
                     removed=considered and not e,
                     completed=considered and e and done(t1),
                     carryover=considered and e and not done(t1))
            r["entry_points"] = est(t0) if committed else (est(joins[0]) if added else None)
            r["exit_points"] = (est(t1) if e else est(leaves[-1])) if considered else None
            out[(sid, iid)] = r
    return out


def build(issues: dict) -> Scenario:
    s = Scenario().board("1", "Atlas", columns=[("To Do", [TODO]), ("Doing", [IN_PROGRESS, REVIEW, QA]),
                                                 ("Done", [DONE])]).board("2", "Borealis")
    for sid, (board, k0, k1) in SPRINTS.items():
        s.sprint(sid, board, fmt(k0), fmt(k0 + 28), complete=fmt(k1) if k1 is not None else None,
                 state=None if k1 is not None else "active")
    for iid, it in issues.items():
        # history order = list order: sort by time, stable, so ties keep their drawn order
        it["sprint_changes"].sort(key=lambda c: c[0])
        it["points_changes"].sort(key=lambda c: c[0])
        it["status_changes"].sort(key=lambda c: c[0])
        cur_sprints = it["sprint_changes"][-1][1] if it["sprint_changes"] else it["sprint0"]
        cur_points = it["points_changes"][-1][1] if it["points_changes"] else it["points0"]
        cur_status = it["status_changes"][-1][1] if it["status_changes"] else it["status0"]
        s.issue(iid, fmt(it["created"]), status=cur_status, sprints=list(cur_sprints),
                points=None if cur_points is None else float(cur_points))
        prev = it["sprint0"]
        for k, v in it["sprint_changes"]:
            s.sprint_change(iid, fmt(k), ", ".join(prev), ", ".join(v))
            prev = v
        prev = it["points0"]
        for k, v in it["points_changes"]:
            s.points_change(iid, fmt(k), prev, v)
            prev = v
        prev = it["status0"]
        for k, v in it["status_changes"]:
            s.move(iid, fmt(k), prev, v)
            prev = v
    return s


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(issue_strategy, min_size=1, max_size=6))
def test_random_histories_identity_and_replay(issue_list):
    issues = {f"I{n}": it for n, it in enumerate(issue_list)}
    scenario = build(issues)
    with tempfile.TemporaryDirectory() as d:
        con = connect(scenario.load(Path(d) / "w.duckdb"))
        try:
            as_of = at(AS_OF_K)
            facts = queries.run(con, "sprint_facts", as_of=as_of, board_id=None, project=None,
                                date_from=None, date_to=None)
            got = con.execute("SELECT * FROM fct_sprint_members($a)", {"a": as_of}).df()
        finally:
            con.close()
    assert sorted(facts.sprint_id) == ["1", "2", "3"]
    assert_identity(facts)
    expected = oracle(issues)
    actual = {}
    for r in got.to_dict("records"):
        actual[(r["sprint_id"], r["issue_id"])] = dict(
            committed=bool(r["committed"]), added=bool(r["added"]), excluded=bool(r["is_excluded"]),
            removed=bool(r["removed"]), completed=bool(r["completed"]), carryover=bool(r["carryover"]),
            entry_points=None if r["entry_points"] != r["entry_points"] or r["entry_points"] is None else float(r["entry_points"]),
            exit_points=None if r["exit_points"] != r["exit_points"] or r["exit_points"] is None else float(r["exit_points"]))
    assert actual == expected
