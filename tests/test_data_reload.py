"""A finished load shows on the next page view without a restart (dashboard/data.py): a load
swaps the warehouse file, and the dashboard's connections follow the file's identity. DuckDB
keeps one database instance per path in a process, so while a connection to the swapped-out
file stayed open, connecting to the path again returned the old file: a running
`retroscope serve` showed the data it started with until it was restarted."""

from __future__ import annotations

import os

from helpers_metrics import build, done_issue

from dashboard import data


def _issues(n: int) -> dict:
    return {"issues": [done_issue(k, "2026-01-05 12:00", 1) for k in range(1, n + 1)]}


def _raw_issues() -> int:
    counts = data.run_query("status_row_counts").set_index("table_name")["row_count"]
    return int(counts["raw_issues"])


def test_a_swapped_warehouse_is_read_on_the_next_view(tmp_path, monkeypatch):
    db = build(tmp_path / "a", _issues(2))
    newer = build(tmp_path / "b", _issues(5))
    monkeypatch.setenv("RETROSCOPE_DB", str(db))
    monkeypatch.setenv("RETROSCOPE_USERDATA", str(tmp_path / "ud.duckdb"))
    assert _raw_issues() == 2
    side = data._conn(side=True)                 # the prefetch's connection to the same file
    os.replace(newer, db)                        # what a load's atomic swap does
    assert _raw_issues() == 5
    assert data._conn(side=True).con.execute("SELECT count(*) FROM raw_issues").fetchall() == [(5,)]
    assert side.closed                           # the old file's connections are closed


def test_a_connection_retired_between_picking_and_locking_it_is_picked_again(tmp_path, monkeypatch):
    """A page thread picks the connection, then another thread opens the new file's and closes
    the old one before the page locks it: the page's query runs on the new one, not on a closed
    connection (an error on screen)."""
    db = build(tmp_path / "a", _issues(2))
    newer = build(tmp_path / "b", _issues(5))
    monkeypatch.setenv("RETROSCOPE_DB", str(db))
    monkeypatch.setenv("RETROSCOPE_USERDATA", str(tmp_path / "ud.duckdb"))
    assert _raw_issues() == 2
    picked = []
    real_conn = data._conn

    def conn_then_swap(side=False):
        c = real_conn(side)
        if not picked:                       # the first pick: the file is swapped and the old
            picked.append(c)                 # connections retired before the caller locks it
            os.replace(newer, db)
            data._conn(side=True)
        return c

    monkeypatch.setattr(data, "_conn", conn_then_swap)
    df = data._cached("report", "status_row_counts", (), ("x",), None)   # uncached: a fresh key
    assert int(df.set_index("table_name").loc["raw_issues", "row_count"]) == 5
    assert picked[0].closed
