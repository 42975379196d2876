"""One transaction on a connection: all of a few statements or none of them.

DuckDB cannot nest transactions, and a BEGIN inside an open one fails *and aborts* the open
one. So `one_transaction` first asks whether the caller has one open (`in_transaction`) and,
if so, runs inside it: the caller's COMMIT or ROLLBACK then decides for both."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether `con` has a transaction open (BEGIN): two statements then share one id, while
    each autocommitted statement has its own (current_transaction_id; txid_current fails on a
    DuckLake catalog)."""
    return len({con.execute("SELECT current_transaction_id()").fetchall()[0][0] for _ in range(2)}) == 1


@contextlib.contextmanager
def one_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block in one transaction on `con`, committed at its end and rolled back if it
    raises (Ctrl+C too); inside the caller's open transaction, as part of that one."""
    if in_transaction(con):
        yield
        return
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
