"""queries/frames.py: a result converted through Arrow is the very frame `.df()` gives, for
every column type and null pattern, or it is not converted that way at all."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from queries import frames
from queries.errors import QueryError

VALUES = {
    "VARCHAR": "'x'", "TIMESTAMPTZ": "TIMESTAMPTZ '2026-01-01 10:00:00+00'", "TIMESTAMP": "TIMESTAMP '2026-01-01 10:00'",
    "DATE": "DATE '2026-01-01'", "DOUBLE": "1.5", "INTEGER": "1", "BIGINT": "1", "HUGEINT": "1", "BOOLEAN": "true",
    "VARCHAR[]": "['a', NULL]", "DOUBLE[]": "[1.0]", "INTEGER[]": "[1, NULL]", "DECIMAL(10,2)": "1.5",
    "STRUCT(a INT)": "{'a': 1}", "INTERVAL": "INTERVAL 1 DAY", "UTINYINT": "1", "FLOAT": "1.5",
    "SMALLINT": "1", "TINYINT": "1", "TIMESTAMP_NS": "TIMESTAMP '2026-01-01 10:00'",
}
PATTERNS = {
    "all null": "SELECT NULL::{t} AS c, 'k' AS k FROM range(3)",
    "some null": "SELECT CASE WHEN range = 1 THEN NULL ELSE {v}::{t} END AS c, 'k' AS k FROM range(3)",
    "no null": "SELECT {v}::{t} AS c, 'k' AS k FROM range(3)",
    "no rows": "SELECT {v}::{t} AS c, 'k' AS k FROM range(0)",
}


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    yield c
    c.close()


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("kind", VALUES)
def test_arrow_frame_is_the_df_frame_or_nothing(con, kind, pattern):
    sql = PATTERNS[pattern].format(t=kind, v=VALUES[kind])
    want = con.execute(sql).df()
    cur = con.execute(sql)
    got = frames.frame(cur) if frames.takes(cur) else None
    if got is not None:
        pd.testing.assert_frame_equal(got, want, check_exact=True)


@pytest.mark.parametrize("kind", ["VARCHAR", "TIMESTAMPTZ", "DOUBLE", "BIGINT", "BOOLEAN", "VARCHAR[]"])
def test_the_common_columns_take_the_fast_way(con, kind):
    cur = con.execute(PATTERNS["no null"].format(t=kind, v=VALUES[kind]))
    assert frames.takes(cur) and frames.frame(cur) is not None


# A declared final order (`-- order: a, b`): the Arrow path sorts only rows out of order, and
# then as DuckDB's ORDER BY does (ascending, NULLs last, text by its bytes).
ROWS = ("SELECT k, n::DOUBLE AS n, payload FROM (VALUES ('b', 2.0, 'x'), ('a', NULL, 'y'), (NULL, 1.0, 'z'), ('a', 1.0, 'w'), ('B', 3.0, 'v'), "
        "('é', 1.0, 'u'), ('a', 3.0, 't'), ('', 1.0, 's'), ('a b', 1.0, 'r'), (NULL, NULL, 'q'), ('a', -1.5, 'p')) "
        "AS t(k, n, payload)")


def test_rows_out_of_order_are_sorted_as_order_by_sorts_them(con):
    want = con.execute(f"SELECT * FROM ({ROWS}) ORDER BY k, n").df()
    got = frames.frame(con.execute(ROWS), ["k", "n"])
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_rows_in_order_are_taken_as_they_come(con):
    sql = "SELECT range // 3 AS k, 'r' || (range % 3) AS s, range AS i FROM range(10)"
    tbl = con.execute(sql).to_arrow_table()
    assert frames.in_order(tbl, ["k"]) and frames.in_order(tbl, ["k", "s"])
    assert not frames.in_order(tbl, ["s"])
    assert frames.sort(tbl, ["k"]).equals(tbl)                        # ties keep the order they came in
    shuffled = con.execute(sql + " ORDER BY i DESC").to_arrow_table()
    assert not frames.in_order(shuffled, ["k"])
    assert frames.sort(shuffled, ["k", "s"]).column("i").to_pylist() == list(range(10))


def test_a_declared_order_needs_its_order_by_at_the_end():
    text = "-- order: a, b\nSELECT a, b FROM t\nORDER BY a, b\n"
    assert frames.ordered(text) == ("-- order: a, b\nSELECT a, b FROM t\n", ["a", "b"])
    assert frames.ordered("SELECT a FROM t ORDER BY a") is None
    with pytest.raises(QueryError, match="ORDER BY a, b"):
        frames.ordered("-- order: a, b\nSELECT a, b FROM t ORDER BY b, a")
    # only the leading comment block declares; bare column names, ascending
    assert frames.ordered("SELECT 1 AS a\n-- order: newest first\nORDER BY a") is None
    with pytest.raises(QueryError, match="bare columns"):
        frames.ordered("-- order: a DESC\nSELECT a FROM t ORDER BY a DESC")


def test_every_packaged_query_declares_its_order_well():
    """A malformed declaration would fail every Arrow run of its query: each packaged SQL file
    parses, and a declared order names columns its query ends ordering by."""
    import queries

    declared = []
    for layer in queries.LAYERS:
        for name, text in queries._layer_files(layer):
            if frames.ordered(text):
                declared.append(name)
    assert "time_in_status" in declared


def test_time_in_status_through_arrow_is_the_frame_of_its_sql_as_written(demo_db):
    """The one public query declaring its order: on a warehouse with stored facts (rows read
    in the stored order) and without (computed rows, sorted by pyarrow), at the stored
    instant and another, the Arrow frame is the frame `.df()` gives for the SQL with its
    ORDER BY."""
    import queries

    for stored in (True, False):
        c = queries.connect(demo_db, stored=stored)
        try:
            as_of = queries.registry.default_as_of(c)
            for at in (as_of, as_of - pd.Timedelta(days=20)):
                for params in ({}, {"board_id": c.execute("SELECT min(board_id) FROM raw_boards").fetchone()[0]}):
                    p = {"as_of": at, "board_id": None, "project": None, "date_from": None, "date_to": None} | params
                    got = queries.run(c, "time_in_status", arrow=True, **p)
                    want = queries.run(c, "time_in_status", **p)
                    assert len(got) > 0
                    pd.testing.assert_frame_equal(got, want, check_exact=True)
        finally:
            c.close()


def test_time_in_status_reads_the_stored_totals_in_report_order(demo_con):
    """At the stored instant with no filter the rows come in report order, so nothing is sorted
    (docs/facts.md, "Time in status from stored totals")."""
    import queries

    text, keys = frames.ordered(queries.sql_text("time_in_status"))
    p = {"as_of": queries.registry.default_as_of(demo_con), "board_id": None, "project": None,
         "date_from": None, "date_to": None}
    tbl = demo_con.execute(text, p).to_arrow_table()
    assert tbl.num_rows > 0 and frames.in_order(tbl, keys)
