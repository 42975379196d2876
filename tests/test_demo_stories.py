"""The demo tells the stories of issue 12: a blocked stretch on Borealis (Jira's Flagged
field), a sprint with a goal and scope changed mid-sprint (BOR Sprint 10), and a retro loop
(an action with a Jira key carried across three retros, counted once)."""

from __future__ import annotations

from datetime import timedelta

import queries
from connectors import demo
from queries.registry import run_public


def _period(**kw):
    p = dict(as_of=demo.AS_OF, board_id=None, project=None, date_to=demo.AS_OF.date(),
             date_from=demo.AS_OF.date() - timedelta(days=182))      # the pages' default period
    p.update(kw)
    return p


def test_borealis_has_a_blocked_stretch_and_atlas_none(demo_con):
    bor = queries.run(demo_con, "flow__efficiency", **_period(board_id="2"))
    flagged = bor[bor["flagged_days"] > 0]
    assert len(flagged) >= 2
    assert bor["blocked_days"].sum() * 24 > 24                   # more than a day of blocked hours
    # every flagged day lies in the sandbox outage (27 Oct 10:00 - 29 Oct 16:00 = 2.25 days)
    assert (flagged["flagged_days"] <= 2.25 + 1e-9).all()
    assert (flagged["completed_at"] > demo.BLOCKED_FROM).all()
    atl = queries.run(demo_con, "flow__efficiency", **_period(board_id="1"))
    assert len(atl) > 0 and atl["flagged_days"].sum() == 0
    raw = demo_con.execute("SELECT DISTINCT field, field_key, to_string FROM raw_field_changes "
                           "WHERE field = 'Flagged' AND to_string IS NOT NULL").fetchall()
    assert raw == [("Flagged", "other", "Impediment")]           # as a Jira sync stores the custom field


def test_bor_sprint_10_has_a_goal_and_mid_sprint_scope_changes(demo_con):
    sprint = demo_con.execute("SELECT sprint_id, goal FROM raw_sprints WHERE name = 'BOR Sprint 10'").fetchall()
    assert len(sprint) == 1 and sprint[0][1]
    scope = queries.run(demo_con, "sprint__scope_changes", **_period(date_from=None, date_to=None))
    mine = scope[scope["sprint_id"] == sprint[0][0]]
    assert set(mine["direction"]) == {"added", "removed"}


def test_retro_loop_action_carried_across_three_retros_counts_once(demo_con):
    reviews = demo_con.execute("SELECT retro_id, status_then FROM action_reviews WHERE action_id = $a "
                               "ORDER BY reviewed_on", {"a": demo.LOOP_ACTION}).fetchall()
    assert reviews == [("demo-atl-s10", "open"), ("demo-atl-s11", "open"), ("demo-atl-s12", "done")]
    act = demo_con.execute("SELECT retro_id, jira_key FROM action_items WHERE action_id = $a",
                           {"a": demo.LOOP_ACTION}).fetchall()
    assert act == [("demo-atl-s9", "ATL-204")]
    ft = run_public(demo_con, "retro_follow_through", as_of=demo.AS_OF, board_id="1").set_index("retro_id")
    n_actions = demo_con.execute("SELECT retro_id, count(*) FROM action_items GROUP BY ALL").fetchall()
    for retro_id, n in n_actions:                                 # every action at its own retro only
        if retro_id in ft.index:
            assert ft.loc[retro_id, "actions"] == n
    assert ft.loc[["demo-atl-s10", "demo-atl-s11", "demo-atl-s12"], "actions"].sum() == \
        sum(n for r, n in n_actions if r in ("demo-atl-s10", "demo-atl-s11", "demo-atl-s12"))
