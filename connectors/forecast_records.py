"""Recording forecasts in the user-input store (table `forecasts`; docs/metrics.md
"Forecasts held to account").

The forecasts the app holds to account (the page's default forecast, every export) are written
here so they can be scored once their dates pass. A forecast's id is a hash of what makes it the same forecast (`queries.forecast_accounts.
forecast_id`), so recording it again writes nothing: a page rerun or a second export of the
same forecast leaves one row, the first (its `made_at` and `source` are the first showing's).

`record()` is one short transaction. Callers that must not wait or fail (a page) pass
`wait_s=0` and treat any `RetroscopeError` as "not recorded this time".
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

import queries
from queries.errors import RetroscopeError


def record(path: str | Path, rows: pd.DataFrame, *, wait_s: float | None = None) -> int:
    """Insert the forecasts of `rows` (store columns) whose id is not recorded yet; returns
    how many were new. Creates the store, or the table in a store written before it existed."""
    if rows.empty:
        return 0
    try:
        con = queries.open_userdata(path, wait_s=wait_s)
    except OSError as e:     # e.g. a read-only folder: DuckDB cannot create or lock the file
        raise RetroscopeError(f"cannot record forecasts in {path} ({e})") from None
    try:
        return insert_new(con, rows)
    except duckdb.Error as e:
        raise RetroscopeError(f"cannot record forecasts in {path}: {str(e).splitlines()[0]}") from None
    finally:
        con.close()


# where forecasts are kept: the store's table, and a dashboard connection's copy of it
TABLES = ("forecasts", "temp.main.forecasts")


def insert_new(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame, table: str = "forecasts") -> int:
    """Insert the forecasts of `rows` whose id `table` does not hold yet, each once; returns how
    many. New ids by an anti-join, not by a key: a lake's tables and the connection's copy
    have none (DuckLake stores no constraints)."""
    if table not in TABLES:
        raise ValueError(f"insert_new: {table!r} is not a forecasts table")
    before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    con.register("_rs_forecasts", rows)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rs_forecasts AS r "
                    f"WHERE r.forecast_id NOT IN (SELECT forecast_id FROM {table}) "
                    "QUALIFY row_number() OVER (PARTITION BY r.forecast_id) = 1").fetchall()
    finally:
        con.unregister("_rs_forecasts")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] - before
