"""`kind = "sql"` metric sources: one query over any SQLAlchemy URL (docs/metric-sources.md).

The only module importing SQLAlchemy. PostgreSQL goes through psycopg 3 (`postgresql://`
URLs are read as `postgresql+psycopg://`); other databases work through their SQLAlchemy
dialect package (BigQuery, Snowflake, MySQL, ...). The query's `$since` is bound as a date
parameter, never formatted into the SQL.
"""

from __future__ import annotations

import contextlib
import logging
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from queries.errors import RetroscopeError

if TYPE_CHECKING:
    from datetime import date

    from connectors.metric_sources import SourceConfig

log = logging.getLogger(__name__)
_SINCE = re.compile(r"(?<![$\w])\$since\b")


def bind_since(query: str) -> str:
    """The query as SQLAlchemy text: every colon escaped (casts `::date` and literals like
    '10:30' stay as written), then `$since` becomes the bound parameter `:since`."""
    return _SINCE.sub(":since", query.replace(":", "\\:"))


def normalise_url(url: str) -> str:
    """postgres:// and postgresql:// mean psycopg 3, the driver Retroscope installs."""
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url.strip())


def _first_line(e: BaseException) -> str:
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip()
    return (text.splitlines() or [type(e).__name__])[0].strip()


def fetch(src: SourceConfig, url: str, since: date) -> pd.DataFrame:
    """Run the source's query with `since` bound; rows as a frame with the query's columns
    (lower-cased)."""
    import sqlalchemy as sa
    from sqlalchemy import exc
    from sqlalchemy.pool import NullPool

    from connectors.metric_sources import _query_text

    label = f"metric source '{src.name}' (sql)"
    query = _query_text(src)
    url = normalise_url(url)
    connect_args: dict = {}
    try:
        parsed = sa.engine.make_url(url)
    except exc.ArgumentError:
        raise RetroscopeError(f"{label}: {src.url_env} is not a database URL; set it to a SQLAlchemy URL such as "
                              "postgresql+psycopg://user:password@host:5432/dbname") from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") \
            and not parsed.database.startswith("file:") and not Path(parsed.database).is_file():
        # SQLite creates a missing file on connect: a typo in the path made an empty database,
        # and the query then failed on a table it does not have
        raise RetroscopeError(f"{label}: no SQLite file at {Path(parsed.database).resolve()} (the path in "
                              f"{src.url_env}); fix the path (sqlite:///relative/path.db or "
                              "sqlite:////absolute/path.db)")
    if parsed.get_backend_name() == "postgresql":
        t = max(1, int(src.timeout_seconds))
        connect_args = {"connect_timeout": t, "options": f"-c statement_timeout={t * 1000}"}
    try:
        engine = sa.create_engine(parsed, poolclass=NullPool, connect_args=connect_args)
    except (exc.NoSuchModuleError, ImportError, ModuleNotFoundError) as e:
        raise RetroscopeError(f"{label}: no SQLAlchemy driver for '{parsed.drivername}' ({_first_line(e)}); install "
                              "the dialect package (see docs/metric-sources.md, Other databases) or fix the URL "
                              f"in {src.url_env}") from None
    t0 = time.perf_counter()
    try:
        try:
            conn = engine.connect()
        except exc.DBAPIError as e:
            raise RetroscopeError(f"{label}: cannot connect to the database ({_first_line(e)}); check the host, "
                                  f"port, user and password in {src.url_env} and that the server is reachable") from None
        try:
            try:
                result = conn.execute(sa.text(bind_since(query)), {"since": since} if _SINCE.search(query) else {})
                cols = [str(c).strip().lower() for c in result.keys()]
                rows = result.fetchall()
            except exc.DBAPIError as e:
                raise RetroscopeError(f"{label}: the query failed ({_first_line(e)}); fix the query "
                                      f"({'query_file ' + str(src.query_file) if src.query_file else 'query'} "
                                      "in retroscope.toml) and try it in your SQL client first") from None
            except exc.StatementError as e:
                raise RetroscopeError(f"{label}: the query could not be run ({_first_line(e)}); the only "
                                      "parameter it may use is $since") from None
        finally:
            conn.close()
    finally:
        engine.dispose()
    log.debug("%s: %d rows in %.1f ms", label, len(rows), (time.perf_counter() - t0) * 1000)
    # column by column: building a frame from SQLAlchemy Row objects is ~5x slower
    data = list(zip(*rows, strict=True)) if rows else [()] * len(cols)
    frame = pd.DataFrame({c: pd.Series(list(v), dtype=object) for c, v in zip(cols, data, strict=True)})
    for c in frame.columns:   # numeric columns (NUMERIC arrives as Decimal) as float64, NULL as NaN
        first = next((v for v in frame[c] if v is not None), None)
        if isinstance(first, int | float | Decimal) and not isinstance(first, bool):
            with contextlib.suppress(TypeError, ValueError):
                frame[c] = frame[c].astype(float)
    return frame
