"""Sprint facts on the demo warehouse: the §4 identity for every sprint at several instants,
and the sprint-page reports agree with sprint_facts (sums of the same members)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from helpers_sprints import assert_identity

import queries
from queries.registry import default_as_of, run_public


def _p(as_of, **kw):
    p = dict(as_of=as_of, board_id=None, project=None, date_from=None, date_to=None)
    p.update(kw)
    return p


def test_identity_holds_for_every_demo_sprint(demo_con):
    as_of = default_as_of(demo_con)
    df = run_public(demo_con, "sprint_facts")
    assert len(df) >= 20 and set(df.board_id) == {"1", "2"}
    assert_identity(df)
    # and as of instants in the middle of past sprints (active sprints end at as_of)
    for days_back in (3, 40, 101, 170):
        past = run_public(demo_con, "sprint_facts", as_of=as_of - timedelta(days=days_back, hours=5))
        assert (past.state == "active").sum() >= 1
        assert_identity(past)


def test_page_reports_add_up_to_sprint_facts(demo_con):
    as_of = default_as_of(demo_con)
    facts = run_public(demo_con, "sprint_facts").set_index("sprint_id")
    scope = queries.run(demo_con, "sprint__scope_changes", **_p(as_of))
    added = scope[scope.direction == "added"].groupby("sprint_id").points.sum()
    removed = scope[scope.direction == "removed"].groupby("sprint_id").points.sum()
    carry = queries.run(demo_con, "sprint__carryover", **_p(as_of))
    carried = carry.groupby("sprint_id").points.sum()
    velocity = queries.run(demo_con, "sprint__velocity", **_p(as_of)).set_index("sprint_id")
    for sid, r in facts.iterrows():
        assert added.get(sid, 0) == pytest.approx(r.added_points)
        assert removed.get(sid, 0) == pytest.approx(r.removed_points)
        if r.state == "closed":
            assert carried.get(sid, 0) == pytest.approx(r.carryover_points)
        assert velocity.loc[sid, "completed_points"] == pytest.approx(r.completed_points)
        assert velocity.loc[sid, "committed_points"] == pytest.approx(r.committed_points)
    assert (carry.times_carried >= 1).all()


def test_board_filter_partitions_demo_sprints(demo_con):
    every = run_public(demo_con, "sprint_facts")
    parts = [run_public(demo_con, "sprint_facts", board_id=b) for b in ("1", "2")]
    assert sorted(every.sprint_id) == sorted(list(parts[0].sprint_id) + list(parts[1].sprint_id))
    assert (parts[0].board_id == "1").all() and (parts[1].board_id == "2").all()


def test_board_scoped_replay_equals_the_full_replay(demo_con):
    """fct_sprint_board_members(as_of, board) replays only the issues of that board's
    sprints; it must give exactly the rows the all-boards replay gives for that board."""
    as_of = default_as_of(demo_con)
    full = demo_con.execute("SELECT * FROM fct_sprint_members($a) WHERE board_id = '2' "
                            "ORDER BY sprint_id, issue_id", {"a": as_of}).df()
    scoped = demo_con.execute("SELECT * FROM fct_sprint_board_members($a, '2') ORDER BY sprint_id, issue_id",
                              {"a": as_of}).df()
    assert len(full) > 100
    assert full.reset_index(drop=True).equals(scoped.reset_index(drop=True))
