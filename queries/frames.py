"""A query result as a pandas DataFrame through Arrow, the same frame DuckDB's `.df()` gives.

`.df()` builds a Python string per text value; Arrow hands the strings over in bulk (a
public query of 340k rows of keys and status names converts in half the time). The two
conversions agree for most types but not all: `frame()` takes the Arrow way only for a
result whose every column converts to what `.df()` gives (checked against `.df()` for
each type and null pattern in tests/test_frames.py), and otherwise returns None, so the
caller fetches with `.df()`.

- text: the same, except a column with no value at all (empty, or all NULL), which `.df()`
  gives as Python objects (None) and is given so here;
- timestamps and floating point numbers: the same;
- integers, booleans and lists of text or numbers: the same when they hold no NULL
  (`.df()` makes nullable integer and boolean columns, Arrow floats and objects);
- anything else (dates, decimals, HUGEINT, intervals, structs, ...): not taken.
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pyarrow as pa

# DuckDB type names (as `description` gives them) this conversion may take
_TYPES = ("VARCHAR", "DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "BOOLEAN",
          "TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "VARCHAR[]", "DOUBLE[]")


def takes(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the pending result's column types all convert alike (before fetching)."""
    return all(str(d[1]) in _TYPES for d in (cur.description or ()))


def _no_nulls(col: pa.ChunkedArray) -> bool:
    return col.null_count == 0


def frame(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The pending result of `cur` as `.df()` would give it, through Arrow; None (the result
    is consumed) when a column would convert differently: fetch again with `.df()`."""
    tbl = cur.to_arrow_table()
    empty_text = []
    for i, col in enumerate(tbl.columns):
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            if len(col) == 0 or col.null_count == len(col):
                empty_text.append(i)
        elif pa.types.is_floating(t) or pa.types.is_timestamp(t):
            continue
        elif pa.types.is_integer(t) or pa.types.is_boolean(t):
            if not _no_nulls(col):
                return None
        elif pa.types.is_list(t) and (pa.types.is_string(t.value_type) or pa.types.is_floating(t.value_type)):
            if not _no_nulls(col):
                return None
        else:
            return None
    df = tbl.to_pandas()
    for i in empty_text:
        df.isetitem(i, pd.Series([None] * len(df), index=df.index, dtype=object))
    return df
