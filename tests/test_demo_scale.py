"""`retroscope demo --scale N` beyond the generated pool: further teams are copies of pool
teams with their own ids, projects, boards and sprints (connectors/demo.py, _replicate)."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

import queries
from connectors import demo
from queries.registry import run_public

TEAMS = 2 + demo.POOL_TEAMS + 3          # three copies: teams 53, 54, 55 copy pool teams 3, 4, 5


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("scale") / "s.duckdb"
    summary = demo.build(path, seed=3, scale=TEAMS * demo.ISSUES_PER_TEAM)
    return path, summary


def test_copies_have_their_own_ids_and_consistent_references(db):
    path, summary = db
    c = duckdb.connect(str(path), read_only=True)
    try:
        n, ids, keys, projects = c.execute(
            "SELECT count(*), count(DISTINCT issue_id), count(DISTINCT issue_key), count(DISTINCT project_key) "
            "FROM raw_issues").fetchone()
        assert n == ids == keys == summary["issues"]
        assert projects == TEAMS
        for table in ("raw_status_changes", "raw_field_changes"):
            rows, distinct = c.execute(f"SELECT count(*), count(DISTINCT (issue_id, history_id, item_seq)) "
                                       f"FROM {table}").fetchone()
            assert rows == distinct
        assert summary["histories"] == c.execute(
            "SELECT (SELECT count(*) FROM raw_status_changes) + (SELECT count(*) FROM raw_field_changes)").fetchone()[0]
        # every sprint an issue names (now or in its history) is a sprint of its own team
        assert c.execute("""
            SELECT count(*) FROM (SELECT unnest(sprint_ids) AS s, project_key FROM raw_issues) AS i
            LEFT JOIN raw_sprints AS sp ON sp.sprint_id = i.s
            WHERE sp.sprint_id IS NULL OR sp.name NOT LIKE i.project_key || ' Sprint %'""").fetchone()[0] == 0
        assert c.execute("""
            SELECT count(*) FROM (
                SELECT unnest(string_split(to_value, ', ')) AS s, to_string FROM raw_field_changes
                WHERE field_key = 'sprint' AND to_value <> '') AS f
            LEFT JOIN raw_sprints AS sp ON sp.sprint_id = f.s
            WHERE sp.sprint_id IS NULL OR position(sp.name IN f.to_string) = 0""").fetchone()[0] == 0
        assert c.execute("""
            SELECT count(*) FROM raw_issues AS i LEFT JOIN raw_issues AS p ON p.issue_id = i.parent_id
            WHERE i.parent_id IS NOT NULL AND (p.issue_id IS NULL OR p.project_key <> i.project_key)""").fetchone()[0] == 0
        assert c.execute("SELECT count(DISTINCT board_id) FROM raw_sprints").fetchone()[0] == TEAMS
    finally:
        c.close()


def test_a_copy_has_the_figures_of_its_pool_team(db):
    path, _ = db
    con = queries.connect(path)
    try:
        sf = run_public(con, "sprint_facts")
    finally:
        con.close()
    copy = sf[sf.board_id == str(TEAMS)]           # the last team (index TEAMS - 1) copies pool team 5
    pool = sf[sf.board_id == "5"]
    assert len(copy) == demo.SPRINTS_PER_TEAM
    assert copy["sprint_name"].iloc[0] == f"T{TEAMS:04d} Sprint 1"
    same = [c for c in sf.columns if c not in ("sprint_id", "sprint_name", "board_id")]
    pd.testing.assert_frame_equal(copy[same].reset_index(drop=True), pool[same].reset_index(drop=True))
