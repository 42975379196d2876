"""queries.transactions: all of a few statements or none, and inside a caller's open
transaction as part of it (a second BEGIN would abort the caller's)."""

from __future__ import annotations

import duckdb
import pytest

from queries.transactions import in_transaction, one_transaction


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("CREATE TABLE t (x INTEGER)")
    yield c
    c.close()


def rows(c) -> list[int]:
    return [r[0] for r in c.execute("SELECT x FROM t ORDER BY x").fetchall()]


def test_in_transaction_tells_an_open_transaction(con):
    assert not in_transaction(con)
    con.execute("BEGIN TRANSACTION")
    assert in_transaction(con)
    con.execute("COMMIT")
    assert not in_transaction(con)


def test_all_or_nothing(con):
    with one_transaction(con):
        con.execute("INSERT INTO t VALUES (1)")
        con.execute("INSERT INTO t VALUES (2)")
    assert rows(con) == [1, 2] and not in_transaction(con)
    with pytest.raises(KeyboardInterrupt), one_transaction(con):
        con.execute("INSERT INTO t VALUES (3)")
        raise KeyboardInterrupt                      # Ctrl+C between two statements
    assert rows(con) == [1, 2] and not in_transaction(con)


def test_inside_the_callers_transaction_it_is_part_of_it(con):
    con.execute("BEGIN TRANSACTION")
    con.execute("INSERT INTO t VALUES (1)")
    with one_transaction(con):
        con.execute("INSERT INTO t VALUES (2)")
    con.execute("INSERT INTO t VALUES (3)")          # the caller's transaction is still usable
    assert in_transaction(con)
    con.execute("ROLLBACK")                          # and decides for both
    assert rows(con) == []
