"""Loads into a DuckLake warehouse: one lake transaction per load, optimistic commits.

On a file the loader copies the warehouse, writes and swaps (`connectors.load`). On a lake
many loads may run at once (one Jira sync per team) while the dashboard reads, so a load is
one transaction on the lake instead:

1. BEGIN on the lake; the connector's writes go straight in (its reads see its own writes
   and the snapshot it started from), and every write is also recorded;
2. at its end the load waits for its turn (a Postgres advisory lock in the catalog database:
   loads fetch from their sources at the same time but finish one at a time). If another
   load committed since this one began, its commit would be refused, so it rolls back and
   replays its recorded writes on the new snapshot first (one line on stderr). The source is
   not fetched again: the writes are upserts by key, so replaying them keeps both loads;
3. the `raw_loads` row and the stored facts (`queries.build_facts`) in the same transaction,
   then COMMIT. Should DuckLake still refuse it (a writer that does not take turns, e.g. a
   user-input save, or no lock because the catalog cannot be reached through psycopg), the
   load says so in one line, backs off (bounded, exponential with jitter) and replays again,
   at most `RETROSCOPE_LAKE_RETRIES` attempts (default 6).

A load that fails or is killed never commits: the lake keeps its last good snapshot (the
Parquet files an uncommitted load wrote are unreferenced; DuckLake's
`ducklake_delete_orphaned_files` removes them). Readers are pinned to the snapshot they
opened (`queries.lake.open_reader`), so a page never mixes two loads.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import pandas as pd

import queries
from connectors.load import LoadWriter
from queries import lake
from queries.config import AnalysisConfig
from queries.errors import RetroscopeError

FAILURES = "ops.failed_loads"     # failed loads of a lake (a file keeps them in <db>.loads.log)


def _attempts() -> int:
    raw = os.environ.get("RETROSCOPE_LAKE_RETRIES", "6")
    try:
        return max(int(raw), 1)
    except ValueError:
        raise RetroscopeError(f"RETROSCOPE_LAKE_RETRIES={raw!r} is not a whole number; set it to e.g. 6 "
                              "or unset it") from None


def is_conflict(e: BaseException) -> bool:
    """A commit DuckLake refused because another transaction changed the same tables first."""
    msg = str(e).lower()
    return isinstance(e, duckdb.Error) and ("conflict" in msg or "failed to commit ducklake" in msg)


def _backoff(attempt: int) -> float:
    return min(0.2 * 2 ** (attempt - 1), 5.0) * (0.5 + random.random())


def with_retries(what: str, fn, *, attempts: int | None = None):
    """Run `fn()` (one whole lake transaction) again when its commit conflicts."""
    attempts = attempts or _attempts()
    for attempt in range(1, attempts + 1):
        try:
            return fn()
        except duckdb.Error as e:
            if not is_conflict(e) or attempt == attempts:
                raise
            print(f"retroscope: {what}: another write committed to the lake first; retrying "
                  f"(attempt {attempt + 1} of {attempts})", file=sys.stderr, flush=True)
            time.sleep(_backoff(attempt))
    raise AssertionError("not reached")


@dataclass
class LakeWriter(LoadWriter):
    """A LoadWriter that also records its writes, so that a refused commit can replay them."""

    ops: list[tuple] = field(default_factory=list)

    def write(self, table: str, df: pd.DataFrame, *, replace: bool = True) -> int:
        n = super().write(table, df, replace=replace)
        self.ops.append(("write", table, df, replace))
        return n

    def delete_source(self, tables: list[str] | None = None) -> None:
        super().delete_source(tables)
        self.ops.append(("delete", tables))

    def replay(self) -> None:
        for op in self.ops:
            if op[0] == "write":
                _, table, df, replace = op
                queries.write_frame(self.con, table, df, _keys(table), replace=replace)
            else:
                LoadWriter.delete_source(self, op[1])


def _keys(table: str) -> tuple[str, ...]:
    from connectors.load import TABLE_KEYS

    return TABLE_KEYS[table]


def _open_writer(db: lake.Lake) -> duckdb.DuckDBPyConnection:
    """A read-write connection with the raw tables in place (their creation on a new lake can
    conflict with another first load: retried like any commit)."""
    def go():
        return queries.connect(db, read_only=False, derived=False)
    return with_retries("creating the warehouse tables", go)


class _CommitLock:
    """Loads take turns at their end, not at their start: the Jira fetches of two teams overlap,
    but the stored facts (which cover every board) are built by one load at a time, on the
    latest data. Without this both loads build the facts and DuckLake throws one build away.

    The turn is a Postgres advisory lock in the lake's own catalog database, held by a
    session of this process (psycopg, the same libpq settings and environment as the lake):
    a killed load's session ends and its turn with it. When the catalog cannot be reached
    this way, loads fall back to optimistic commits alone (retried as above)."""

    KEY = 0x5265_7472_6F4C_616B & 0x7FFF_FFFF_FFFF_FFFF    # "RetroLak", one lock for every load of a lake

    def __init__(self, db: lake.Lake):
        self.pg = None
        try:
            import psycopg

            self.pg = psycopg.connect(db.url.split(":", 2)[2], autocommit=True, connect_timeout=10)
        except Exception:   # noqa: BLE001 - the lock is an optimisation; commits stay safe without it
            self.pg = None

    def latest(self) -> int | None:
        """The lake's latest committed snapshot id (None: unknown)."""
        if self.pg is None:
            return None
        try:
            return self.pg.execute("SELECT max(snapshot_id) FROM ducklake_snapshot").fetchone()[0]
        except Exception:   # noqa: BLE001 - a catalog still being created
            return None

    def acquire(self, what: str) -> None:
        if self.pg is None:
            return
        if not self.pg.execute("SELECT pg_try_advisory_lock(%s)", (self.KEY,)).fetchone()[0]:
            print(f"retroscope: {what}: waiting for another load to commit to the lake", file=sys.stderr, flush=True)
            self.pg.execute("SELECT pg_advisory_lock(%s)", (self.KEY,))

    def close(self) -> None:
        if self.pg is not None:
            # released here, before the next load asks: closing the session releases it too, but
            # only once the server's backend has exited, which on a busy machine came after the
            # next load's try (it printed "waiting for another load" with no other load running)
            with contextlib.suppress(Exception):
                self.pg.execute("SELECT pg_advisory_unlock_all()")
            with contextlib.suppress(Exception):
                self.pg.close()      # ends the session (a killed load's session ends with it)


@contextlib.contextmanager
def staged_load(db: lake.Lake, source: str, kind: str, *, detail: str = "",
                config: AnalysisConfig | None = None) -> Iterator[LoadWriter]:
    """`connectors.load.staged_load` for a lake: see the module docstring."""
    started = datetime.now(UTC)
    con = writer = None
    turn = _CommitLock(db)
    try:
        con = _open_writer(db.warehouse())
        seen = turn.latest()
        con.execute("BEGIN TRANSACTION")
        writer = LakeWriter(con=con, source=source, detail=detail, config=config)
        yield writer
        what = f"{kind} of {source}"
        turn.acquire(what)
        attempts = _attempts()
        if seen is not None and turn.latest() != seen:
            # another load committed since this one began: its commit would be refused, so start
            # over on the new data now rather than after building the facts for nothing
            print(f"retroscope: {what}: another load committed to the lake while this one ran; replaying this "
                  "load's writes on the new data", file=sys.stderr, flush=True)
            con.execute("ROLLBACK")
            con.execute("BEGIN TRANSACTION")
            writer.replay()
        for attempt in range(1, attempts + 1):
            try:
                if attempt > 1:
                    con.execute("BEGIN TRANSACTION")
                    writer.replay()
                _finish(con, writer, source, kind, started, config)
                con.execute("COMMIT")
                break
            except duckdb.Error as e:
                with contextlib.suppress(duckdb.Error):
                    con.execute("ROLLBACK")
                if not is_conflict(e) or attempt == attempts:
                    if is_conflict(e):
                        raise RetroscopeError(f"{what}: the lake kept changing under this load "
                                              f"({attempts} attempts); run it again when fewer loads run at once, "
                                              "or raise RETROSCOPE_LAKE_RETRIES") from None
                    raise
                print(f"retroscope: {what}: another load committed to the lake first; replaying this load's writes "
                      f"on the new data (attempt {attempt + 1} of {attempts})", file=sys.stderr, flush=True)
                time.sleep(_backoff(attempt))
    except BaseException as exc:
        if con is not None:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
        for undo in (writer.on_failure if writer is not None else ()):
            with contextlib.suppress(Exception):
                undo()
        _log_failure(db, source, kind, started, exc)
        raise
    finally:
        turn.close()
        if con is not None:
            with contextlib.suppress(Exception):
                con.close()


def _finish(con, writer: LoadWriter, source: str, kind: str, started: datetime, config) -> None:
    from connectors import load

    row = pd.DataFrame([{
        "load_id": uuid.uuid4().hex[:12], "source": source, "kind": kind, "started_at": started,
        "finished_at": datetime.now(UTC), "status": "ok", "data_as_of": writer.data_as_of or started,
        "row_counts": json.dumps(writer.counts, sort_keys=True), "detail": writer.detail,
    }])
    con.register("_load_row", row)
    try:
        con.execute("INSERT INTO raw_loads BY NAME SELECT * FROM _load_row")
    finally:
        con.unregister("_load_row")
    # the same incremental rule as a file load: only the issues this load wrote (and what they
    # touch) are recomputed, against the facts of the snapshot this transaction sees
    writer.facts_seconds = queries.build_facts(
        con, config or load._config, touched=None if writer.facts_full else writer.touched,
        full_reason=writer.facts_full, progress=writer.progress)


# --------------------------------------------------------------------------- failed loads
def _log_failure(db: lake.Lake, source: str, kind: str, started: datetime, exc: BaseException) -> None:
    """A failed load is recorded in the lake in a transaction of its own (best effort: a
    catalog that cannot be reached cannot record it either)."""
    if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
        reason = "interrupted"
    else:
        reason = lake.one_line(exc) if str(exc) else type(exc).__name__
    entry = {"source": source, "kind": kind, "started_at": started, "finished_at": datetime.now(UTC),
             "status": "failed", "detail": reason[:500]}
    with contextlib.suppress(Exception):
        con = lake.open_lake(db.warehouse(), read_only=False)
        try:
            con.execute("CREATE SCHEMA IF NOT EXISTS ops")
            con.execute(f"CREATE TABLE IF NOT EXISTS {FAILURES} (source VARCHAR, kind VARCHAR, started_at TIMESTAMPTZ, "
                        "finished_at TIMESTAMPTZ, status VARCHAR, detail VARCHAR)")
            con.execute(f"INSERT INTO {FAILURES} VALUES ($source, $kind, $started_at, $finished_at, $status, $detail)",
                        entry)
        finally:
            con.close()


def failed_loads(db: lake.Lake, limit: int = 20) -> list[dict]:
    """The lake's most recent failed loads, oldest first (as `load.failed_loads` for a file)."""
    try:
        con = lake.open_lake(db.warehouse(), read_only=True)
    except RetroscopeError:
        return []
    try:
        if not lake.has_table(con, "ops", "failed_loads"):
            return []
        rows = con.execute(f"SELECT source, kind, started_at, finished_at, status, detail FROM {FAILURES} "
                           "ORDER BY finished_at DESC LIMIT $n", {"n": limit}).fetchall()
    finally:
        con.close()
    cols = ("source", "kind", "started_at", "finished_at", "status", "detail")
    out = [dict(zip(cols, r, strict=True)) for r in reversed(rows)]
    for r in out:
        for k in ("started_at", "finished_at"):
            r[k] = r[k].astimezone(UTC).isoformat() if r[k] is not None else ""
    return out
