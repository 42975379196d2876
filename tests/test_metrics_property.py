"""Property tests on random status histories: invariants of fct_issue_facts, and start /
completion and rework days checked against a direct reading of docs/metrics.md §1 and §3
written here in Python. The histories include a status the warehouse does not know (no
category, no stage rank) and changes dated before the issue's creation (they count at it)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from helpers_metrics import STATUSES, build, connect, ts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CATEGORY = {sid: {"new": "todo", "indeterminate": "in_progress", "done": "done"}[k] for sid, _, k in STATUSES}
# the default stage ranks (§1): to do 0, in progress 1, review/QA statuses 2, done 3
RANK = {"1": 0, "3": 1, "4": 2, "5": 2, "6": 3, "7": 3}
UNKNOWN = "99"   # a status missing from the status table: no category, no rank (§1, §3)
IDS = [s[0] for s in STATUSES] + [UNKNOWN]
CREATED = ts("2026-01-05 09:00")

# (hours after the previous change, to status); the first change may be dated before the
# creation (an import, a clock skew), and so may the next ones while they add up below zero
step = st.tuples(st.integers(min_value=0, max_value=96), st.sampled_from(IDS))
first_step = st.tuples(st.integers(min_value=-72, max_value=96), st.sampled_from(IDS))
issue = st.tuples(st.sampled_from(IDS), st.one_of(st.just([]), st.tuples(first_step, st.lists(step, max_size=7)).map(
    lambda fs: [fs[0], *fs[1]])))                                                # (initial, steps)


def backward(frm: str, to: str) -> bool:
    """§3: to a lower stage rank; a move from or to an unknown status is none."""
    return frm in RANK and to in RANK and RANK[to] < RANK[frm]


def reaches(to: str, frm: str) -> bool:
    """§3: into a status ranked at least as high as `frm` (an unknown one never is)."""
    return to in RANK and RANK[to] >= RANK[frm]


def reference(initial: str, steps: list[tuple[int, str]], as_of) -> tuple:
    """start and completion as of as_of, straight from the words of §1."""
    t, status, stays = CREATED, initial, [(CREATED, initial)]
    for hours, to in steps:
        t = t + timedelta(hours=hours)
        if t > as_of:
            break
        stays.append((max(t, CREATED), to))   # a change dated before the creation counts at it
        status = to
    start = next((at for at, s in stays if CATEGORY.get(s) == "in_progress"), None)
    completed = None
    if CATEGORY.get(status) == "done":
        completed = stays[0][0] if len(stays) == 1 else None
        for (at, s), (_, prev) in zip(stays[1:], stays[:-1], strict=True):
            if CATEGORY.get(s) == "done" and CATEGORY.get(prev) != "done":
                completed = at
        if completed is None:   # created in done and never left it
            completed = CREATED
    return start, completed


def reference_rework_days(initial: str, steps: list[tuple[int, str]], as_of, completed) -> float:
    """§3: each backward transition (to a lower stage rank) opens an interval that ends when
    the issue next reaches a status ranked at least as high as the one it left, or completes
    (as seen at as_of), or at as_of; the union of the intervals, in days."""
    moves, t, prev = [], CREATED, initial
    for hours, to in steps:
        t = t + timedelta(hours=hours)
        if t > as_of:
            break
        moves.append((max(t, CREATED), prev, to))
        prev = to
    cutoff = completed if completed is not None else as_of
    intervals = []
    for i, (at, frm, to) in enumerate(moves):
        if backward(frm, to):
            reach = next((a for a, _, later in moves[i + 1:] if reaches(later, frm)), None)
            end = min(reach if reach is not None else as_of, cutoff)
            intervals.append((at, max(at, end)))
    covered, reach_so_far = timedelta(0), None
    for start, end in sorted(intervals):
        start = start if reach_so_far is None else max(start, reach_so_far)
        if end > start:
            covered += end - start
        reach_so_far = end if reach_so_far is None else max(reach_so_far, end)
    return covered / timedelta(days=1)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(issue, min_size=1, max_size=12), st.integers(min_value=0, max_value=400))
def test_random_histories(tmp_path_factory, issues, as_of_hours):
    as_of = CREATED + timedelta(hours=as_of_hours)
    rows = []
    for n, (initial, steps) in enumerate(issues):
        t, prev, hist = CREATED, initial, []
        for hours, to in steps:
            t = t + timedelta(hours=hours)
            hist.append((t.strftime("%Y-%m-%d %H:%M"), prev, to))
            prev = to
        rows.append({"id": n, "key": f"P-{n:02d}", "created": "2026-01-05 09:00", "history": hist,
                     "status": prev, "resolved": None})
    con = connect(build(tmp_path_factory.mktemp("prop"), {"issues": rows}))
    f = con.execute("SELECT * FROM fct_issue_facts($a) ORDER BY issue_key", {"a": as_of}).df()
    con.close()
    assert len(f) == len(issues)
    complete = f[f["completed_at"].notna()]
    assert (complete["cycle_time_days"].dropna() >= 0).all()
    assert (complete["rework_days"] <= complete["lead_time_days"] + 1e-9).all()
    age = (as_of - CREATED).total_seconds() / 86400
    assert (f["rework_days"] >= 0).all() and (f["rework_days"] <= age + 1e-9).all()
    assert (f["qa_bounces"] + f["reopens"] <= f["backward_transitions"]).all()
    assert ((f["rework_days"] > 0) <= (f["backward_transitions"] > 0)).all()
    for (initial, steps), (_, row) in zip(issues, f.iterrows(), strict=True):
        start, completed = reference(initial, steps, as_of)
        got_start = None if pd.isna(row["start_at"]) else row["start_at"].to_pydatetime()
        got_done = None if pd.isna(row["completed_at"]) else row["completed_at"].to_pydatetime()
        assert got_start == start, (initial, steps)
        assert got_done == completed, (initial, steps)
        assert abs(row["rework_days"] - reference_rework_days(initial, steps, as_of, completed)) < 1e-9, (initial, steps)
