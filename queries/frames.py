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

A query may declare its final order (`-- order: a, b` in its header, the file ending with
`ORDER BY a, b`): on this path it runs without that clause and the rows are sorted by those
columns (ascending, NULLs last, text by its bytes: DuckDB's ORDER BY) only when they do not
come in that order already; rows that do (a stored table read in the order a full build
wrote it) skip the sort. The same rows in the same order, but for rows equal on every key,
which keep the order they came in (their order under ORDER BY is unspecified too).
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from queries.errors import QueryError

# DuckDB type names (as `description` gives them) this conversion may take
_TYPES = ("VARCHAR", "DOUBLE", "FLOAT", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "BOOLEAN",
          "TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "VARCHAR[]", "DOUBLE[]")


def takes(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the pending result's column types all convert alike (before fetching)."""
    return all(str(d[1]) in _TYPES for d in (cur.description or ()))


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ordered(text: str) -> tuple[str, list[str]] | None:
    """(the query without its final ORDER BY, the columns it orders by) for a query whose
    leading comment block declares them (`-- order: a, b`: bare column names, ascending),
    else None. QueryError when the declaration is malformed or the file does not end with
    exactly that ORDER BY (tests/test_frames.py checks every packaged query)."""
    header = []
    for line in text.lstrip().splitlines():
        if not line.startswith("--"):
            break
        header.append(line)
    decl = [ln.split(":", 1)[1] for ln in header if re.match(r"^--\s*order:", ln)]
    if not decl:
        return None
    keys = [k.strip() for k in decl[0].split(",")]
    clause = "ORDER BY " + ", ".join(keys)
    body = text.rstrip().rstrip(";").rstrip()
    if len(decl) > 1 or not all(_IDENT.match(k) for k in keys) or not body.endswith(clause):
        raise QueryError(f"'-- order:{decl[0]}' must name bare columns (ascending) and the query must end with "
                         f"'{clause}'")
    return body[: -len(clause)], keys


def in_order(tbl: pa.Table, keys: list[str]) -> bool:
    """Whether the rows of `tbl` are ascending on `keys` (ties allowed), with no NULL key."""
    n = tbl.num_rows
    if n < 2:
        return all(tbl.column(k).null_count == 0 for k in keys)
    ok = tied = None
    for k in keys:
        col = tbl.column(k)
        if col.null_count:
            return False
        a, b = col.slice(0, n - 1), col.slice(1)
        lt, eq = pc.less(a, b), pc.equal(a, b)
        ok = lt if ok is None else pc.or_(ok, pc.and_(tied, lt))
        tied = eq if tied is None else pc.and_(tied, eq)
    return bool(pc.all(pc.or_(ok, tied)).as_py())


def sort(tbl: pa.Table, keys: list[str]) -> pa.Table:
    """`tbl` in the order ORDER BY keys gives (ascending, NULLs last), unchanged when its rows
    are in that order already; rows equal on every key keep their order (a stable sort)."""
    if in_order(tbl, keys):
        return tbl
    # NULLs last is pyarrow's default placement (given per key only from pyarrow 25 on)
    return tbl.take(pc.sort_indices(tbl, sort_keys=[(k, "ascending") for k in keys]))


def _no_nulls(col: pa.ChunkedArray) -> bool:
    return col.null_count == 0


def frame(cur: duckdb.DuckDBPyConnection, order: list[str] | None = None) -> pd.DataFrame | None:
    """The pending result of `cur` as `.df()` would give it, through Arrow; None (the result
    is consumed) when a column would convert differently: fetch again with `.df()`.
    `order`: sorted by these columns first (`sort`)."""
    tbl = cur.to_arrow_table()
    if order:
        tbl = sort(tbl, order)
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
