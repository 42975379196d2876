"""SQL literals for the statements DuckDB takes no bound parameter in (ATTACH, LOAD, the text
a stored mart's macro hands to query()): the one quoting rule."""

from __future__ import annotations


def sql_string(text) -> str:
    """`text` (made a str) as a SQL string literal: in single quotes, each quote doubled."""
    return "'" + str(text).replace("'", "''") + "'"
