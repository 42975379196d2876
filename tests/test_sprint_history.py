"""facts.sprint_history: the sprint replay's inputs (each issue's status and estimate segments
and sprint stays), stored at load time, and read by a question about another instant instead
of the changelogs (docs/facts.md "Sprint members at another instant"). That the figures it
gives equal a computation from scratch is checked with random histories in
test_stored_facts.py and test_facts_cache.py; here, that it is what the replay reads."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd
from test_stored_facts import assert_same

import queries
from queries import facts, registry

PAST_DAYS = 30


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(list(df.columns), na_position="first").reset_index(drop=True)


def test_the_stored_history_is_what_the_replay_would_compute(demo_db):
    con = queries.connect(demo_db)
    try:
        stored = con.execute(f"SELECT * FROM {facts.SCHEMA}.{facts.SPRINT_HISTORY}").df()
        live = con.execute("SELECT * FROM fct_sprint_history(NULL)").df()   # over the stored parses
    finally:
        con.close()
    assert set(stored["kind"]) == {"status", "estimate", "sprint"}
    assert stored.loc[stored["kind"] == "sprint", "sprint_id"].notna().all()
    assert stored.loc[stored["kind"] == "estimate", "points"].notna().all()
    assert_same(_sorted(stored), _sorted(live), "facts.sprint_history vs fct_sprint_history(NULL)")


def _past_sprints(db) -> tuple[pd.DataFrame, pd.DataFrame]:
    """sprint_facts at the stored instant and PAST_DAYS before it, on a fresh connection."""
    con = queries.connect(db)
    try:
        as_of = registry.default_as_of(con)
        now = registry.run_public(con, "sprint_facts", as_of=as_of)
        past = registry.run_public(con, "sprint_facts", as_of=as_of - timedelta(days=PAST_DAYS))
    finally:
        con.close()
    return now.set_index("sprint_id"), past.set_index("sprint_id")


def test_a_past_question_replays_the_sprints_from_the_stored_history(demo_copy):
    now, past = _past_sprints(demo_copy)
    with duckdb.connect(str(demo_copy)) as rw:   # every estimate 100 points larger, in the history only
        rw.execute(f"UPDATE {facts.SCHEMA}.{facts.SPRINT_HISTORY} SET points = points + 100 WHERE kind = 'estimate'")
    now_after, past_after = _past_sprints(demo_copy)
    # the stored instant reads the stored sprint facts: untouched
    pd.testing.assert_frame_equal(now_after, now)
    # at the past instant, the sprints whose window moved (running then, closed since) are replayed
    # from the history: their committed points grew by 100 per committed issue; the others are
    # the stored rows
    moved = past.index[past["state"] != now.loc[past.index, "state"]]
    assert len(moved) >= 1
    for sprint in moved:
        assert past_after.loc[sprint, "committed_points"] > past.loc[sprint, "committed_points"], sprint
    kept = past.index.difference(moved)
    pd.testing.assert_frame_equal(past_after.loc[kept], past.loc[kept])
