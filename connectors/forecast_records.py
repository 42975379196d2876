"""Recording forecasts in the user-input store (table `forecasts`; docs/metrics.md
"Forecasts held to account").

Every forecast the app shows or exports is written here so it can be scored once its dates
pass. A forecast's id is a hash of what makes it the same forecast (`queries.forecast_accounts.
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
        before = con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0]
        con.register("_rs_forecasts", rows)
        try:
            # new ids only, each once: an anti-join rather than the primary key, which a lake's
            # tables do not have (DuckLake stores no constraints)
            con.execute("INSERT INTO forecasts BY NAME SELECT * FROM _rs_forecasts AS r "
                        "WHERE r.forecast_id NOT IN (SELECT forecast_id FROM forecasts) "
                        "QUALIFY row_number() OVER (PARTITION BY r.forecast_id) = 1").fetchall()
        finally:
            con.unregister("_rs_forecasts")
        return con.execute("SELECT count(*) FROM forecasts").fetchall()[0][0] - before
    except duckdb.Error as e:
        raise RetroscopeError(f"cannot record forecasts in {path}: {str(e).splitlines()[0]}") from None
    finally:
        con.close()
