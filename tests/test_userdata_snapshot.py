"""A connection's snapshot of the user-input store (queries.refresh_userdata): every table
copied in one transaction; a store from before a later table (forecasts, action reviews)
reads as empty there; refreshing replaces the snapshot."""

from __future__ import annotations

import duckdb

import queries
from connectors import userdata


def test_a_store_without_the_later_tables_reads_them_as_empty(tmp_path):
    ud = tmp_path / "w.userdata.duckdb"
    rid = userdata.create_retro(ud, held_on="2026-03-13", team="Atlas", kind="scrum")
    with duckdb.connect(str(ud)) as c:              # as a store written before those tables existed
        c.execute("DROP TABLE forecasts")
        c.execute("DROP TABLE action_reviews")
    con = duckdb.connect()
    try:
        queries.refresh_userdata(con, ud)
        assert con.execute("SELECT retro_id FROM retros").fetchall() == [(rid,)]
        assert con.execute("SELECT count(*) FROM forecasts").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM action_reviews").fetchall() == [(0,)]
    finally:
        con.close()


def test_refreshing_replaces_the_snapshot(tmp_path):
    ud = tmp_path / "w.userdata.duckdb"
    first = userdata.create_retro(ud, held_on="2026-03-13", team="Atlas", kind="scrum")
    con = duckdb.connect()
    try:
        queries.refresh_userdata(con, ud)
        second = userdata.create_retro(ud, held_on="2026-03-27", team="Atlas", kind="scrum")
        queries.refresh_userdata(con, ud)
        assert sorted(r[0] for r in con.execute("SELECT retro_id FROM retros").fetchall()) == sorted([first, second])
        # the snapshot holds no keys of its own (the store enforces them): reading is all it is for
        assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'retros' "
                           "AND constraint_type = 'PRIMARY KEY'").fetchall() == [(0,)]
    finally:
        con.close()
