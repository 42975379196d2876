"""The one load path into the warehouse: stage, write in one transaction, swap.

A load (demo, sync, import) works on a copy of the warehouse file, writes every table and
its `raw_loads` record in one transaction, commits them to the copy, builds the stored facts
in a second transaction, checkpoints, and atomically renames the copy over the warehouse.
The copy is private until the rename, so the two transactions are as atomic as one; the
facts are built over committed raw tables, which at 1M issues is seconds faster
(docs/architecture.md, "The load path"). So:
- a load that fails or is killed leaves the last good warehouse untouched (the copy is
  discarded);
- readers (the dashboard) keep reading the old file during a load and see the new one
  on their next connect (the file's identity changes);
- two writers never interleave: a lock file beside the warehouse admits one at a time.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd

import queries
from connectors import two_stores
from queries import lake
from queries.config import AnalysisConfig
from queries.dates import day_end_in
from queries.errors import RetroscopeError, WarehouseBusy

# Replace key per raw table: rows of the target whose key appears in the written frame
# are replaced. History tables are replaced per issue (a sync always brings an issue's
# whole history), board columns per board.
TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "raw_projects": ("source", "project_id"),
    "raw_boards": ("source", "board_id"),
    "raw_board_columns": ("source", "board_id"),
    "raw_statuses": ("source", "status_id"),
    "raw_sprints": ("source", "sprint_id"),
    "raw_issues": ("source", "issue_id"),
    "raw_status_changes": ("source", "issue_id"),
    "raw_field_changes": ("source", "issue_id"),
    "raw_versions": ("source", "version_id"),
    "raw_metric_points": ("metric", "day", "segment"),
    "raw_metric_definitions": ("metric",),
    "raw_shipped_items": ("source", "item_key"),
    "raw_sync_state": ("source", "scope"),
}

# Raw tables keyed per issue: a write records the issues it touched (incremental facts).
ISSUE_TABLES = ("raw_issues", "raw_status_changes", "raw_field_changes")


# The analysis config the stored facts are built with when a load is not given one: the CLI
# sets it from retroscope.toml (`use_config`), so facts match what the pages will ask for.
_config: AnalysisConfig | None = None


def use_config(config: AnalysisConfig | None) -> None:
    """Set the analysis config loads build the stored facts with (None: the defaults)."""
    global _config
    _config = config


def config_in_use() -> AnalysisConfig | None:
    """The config loads build the stored facts with when not given one (use_config)."""
    return _config


def _now() -> datetime:
    return datetime.now(UTC)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_copies(db: str | Path) -> list[Path]:
    """Working copies (`<db>.tmp-PID`, and their WAL) left by a load whose process is gone
    (killed), and those of the user-input store beside it (a killed migrate's): the next load
    removes them; `retroscope status` lists them."""
    if lake.is_lake(db):
        return []     # a lake load works in a transaction, not on a copy
    db = Path(db)
    out = []
    for store in (db, Path(queries.userdata_path_for(db))):
        for tmp in store.parent.glob(store.name + ".tmp-*"):
            pid = tmp.name.split(".tmp-", 1)[1].split(".", 1)[0]
            if pid.isdigit() and not _pid_alive(int(pid)):
                out.append(tmp)
    return sorted(out)


def _clean_stale(db: Path) -> None:
    for tmp in stale_copies(db):
        tmp.unlink(missing_ok=True)
    two_stores.clear_unswapped(db)   # a demo or migrate killed before it replaced the warehouse


@dataclass
class LoadWriter:
    """Open with `staged_load(...)`; call `write()` per table batch, then leave the block."""

    con: duckdb.DuckDBPyConnection
    source: str
    counts: dict[str, int] = field(default_factory=dict)
    data_as_of: datetime | None = None
    detail: str = ""
    facts_seconds: dict[str, float] = field(default_factory=dict)   # stored-fact build times
    # The issues this load wrote (source, issue_id): the stored facts are rebuilt for them
    # (and what they touch) only. `facts_full` (a reason) asks for a full rebuild instead.
    touched: set[tuple[str, str]] = field(default_factory=set)
    facts_full: str | None = None
    # Told of each stored object as the facts are built at the end (phase, done, total): a
    # connector that shows progress sets it to its own callback
    progress: queries.Progress | None = None
    # called if the load fails and the warehouse keeps its previous data (the demo's marker
    # between its two stores is removed: connectors/two_stores.py)
    on_failure: list = field(default_factory=list)
    # the analysis config the load builds the stored facts with (None: the CLI's, use_config)
    config: AnalysisConfig | None = None

    def day_end(self, day: date) -> datetime:
        """The freshness of data that runs to `day`: the last second of that day in the
        reporting timezone (queries.dates.day_end_in), the instant a bare date means everywhere."""
        return day_end_in(self.config or _config, day)

    def write(self, table: str, df: pd.DataFrame, *, replace: bool = True) -> int:
        """Upsert a batch into a raw table (see TABLE_KEYS). replace=False appends without
        looking for existing keys: only after `delete_source()` (a full rebuild)."""
        if table not in TABLE_KEYS:
            raise RetroscopeError(f"load: '{table}' is not a raw table a connector may write")
        n = queries.write_frame(self.con, table, df, TABLE_KEYS[table], replace=replace)
        self.counts[table] = self.counts.get(table, 0) + n
        if table in ISSUE_TABLES and n:
            self.touched.update(zip(df["source"].astype(str), df["issue_id"].astype(str), strict=True))
        return n

    def replaced_metric_values(self, points: pd.DataFrame) -> dict[str, int]:
        """Before `points` (source, metric, day, segment, value) are written: the stored values
        they will change, per source that brought them (queries/statements/metric_points_replaced.sql:
        a value is kept per metric, day and segment whichever source brought it; the same value
        from the same source again is not counted). Said to the user, never done silently."""
        self.con.register("_import_keys", points[["source", "metric", "day", "segment", "value"]])
        try:
            counted = queries.run(self.con, "metric_points_replaced")
        finally:
            self.con.unregister("_import_keys")
        return dict(zip(counted["source"], counted["values_replaced"].astype(int), strict=True))

    def delete_source(self, tables: list[str] | None = None) -> None:
        """Remove every row of this source from the given raw tables (a full rebuild)."""
        if set(tables or ISSUE_TABLES) & set(ISSUE_TABLES):
            self.facts_full = "a full reload of the issues"
        for t in tables or [t for t in TABLE_KEYS if t != "raw_sync_state"]:
            if t in ("raw_metric_definitions",):
                continue
            queries.execute_delete_source(self.con, t, self.source)

    def sync_state(self, scope: str) -> str | None:
        return queries.sync_state(self.con, self.source, scope)

    def set_sync_state(self, scope: str, value: str) -> None:
        self.write("raw_sync_state", pd.DataFrame({"source": [self.source], "scope": [scope], "value": [value]}))


def _open_lock(db: Path):
    """The lock file beside the warehouse, opened; a path that cannot hold a warehouse
    (a directory, an unwritable or impossible folder) is one clear error here."""
    if db.is_dir():
        raise RetroscopeError(f"--db {db}: is a directory; give a file path such as {db / 'retroscope.duckdb'}")
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        return open(db.with_name(db.name + ".lock"), "a+")
    except OSError as e:
        raise RetroscopeError(f"--db {db}: cannot write there ({e.strerror}); choose a writable folder, "
                              "e.g. --db data/retroscope.duckdb") from None


@contextlib.contextmanager
def staged_load(db_path: str | Path, source: str, kind: str, *, detail: str = "",
                config: AnalysisConfig | None = None) -> Iterator[LoadWriter]:
    """Context manager for one atomic load. On success a `raw_loads` row records it, the
    stored facts are rebuilt for the new data (on the same private copy, after its raw rows
    are committed there) and the warehouse is swapped in; on any exception nothing changes
    and the error propagates.
    On a DuckLake warehouse the load is one lake transaction instead (connectors/lake.py)."""
    if lake.is_lake(db_path):
        from connectors import lake as lake_load

        with lake_load.staged_load(db_path, source, kind, detail=detail, config=config) as w:
            yield w
        return
    db = Path(db_path)
    lock = _open_lock(db)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise WarehouseBusy(f"another load (sync, import or demo) is writing {db}; "
                            "wait for it to finish and run this again") from None
    tmp = db.with_name(f"{db.name}.tmp-{os.getpid()}")
    started = _now()
    con = writer = None
    try:
        _clean_stale(db)
        if db.exists():
            wal = db.with_name(db.name + ".wal")
            if wal.exists():
                # A reader left a WAL behind; fold it in before copying.
                with duckdb.connect(str(db)) as c:
                    c.execute("CHECKPOINT")
            shutil.copyfile(db, tmp)
        try:
            con = queries.connect(tmp, read_only=False, derived=False)
        except RetroscopeError as e:   # about the user's file, not the private copy made of it
            raise type(e)(str(e).replace(str(tmp), str(db))) from None
        con.execute("BEGIN TRANSACTION")
        writer = LoadWriter(con=con, source=source, detail=detail, config=config)
        yield writer
        load_id = uuid.uuid4().hex[:12]
        row = pd.DataFrame([{
            "load_id": load_id, "source": source, "kind": kind, "started_at": started,
            "finished_at": _now(), "status": "ok", "data_as_of": writer.data_as_of or started,
            "row_counts": json.dumps(writer.counts, sort_keys=True), "detail": writer.detail,
        }])
        con.register("_load_row", row)
        con.execute("INSERT INTO raw_loads BY NAME SELECT * FROM _load_row")
        con.unregister("_load_row")
        # the raw rows committed to the private copy (not yet the warehouse): the facts are
        # built over committed tables (1M demo: 61.0-61.1 s -> 56.6-58.9 s end to end)
        con.execute("COMMIT")
        con.execute("BEGIN TRANSACTION")
        writer.facts_seconds = queries.build_facts(
            con, config or _config, touched=None if writer.facts_full else writer.touched,
            full_reason=writer.facts_full, progress=writer.progress)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        con.close()
        con = None
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, db)
    except BaseException as exc:
        if con is not None:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            with contextlib.suppress(Exception):
                con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        for undo in (writer.on_failure if writer is not None else ()):
            with contextlib.suppress(Exception):
                undo()
        _log_failure(db, source, kind, started, exc)
        if no_space(exc):   # the working copy filled the disk: advice, not an internal error
            size = (f" (the copy is the warehouse's size, {db.stat().st_size / 1e6:,.0f} MB, plus the new data)"
                    if db.exists() else "")
            raise RetroscopeError(f"no space left on the disk of {full_folder(exc, db.parent)} for the load's "
                                  f"working copy{size}; free some space and run it again; the warehouse keeps its "
                                  "previous data") from None
        raise
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def no_space(exc: BaseException) -> bool:
    """A write that failed for want of disk space (Python's own or DuckDB's)."""
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or \
        (isinstance(exc, duckdb.Error) and "No space left on device" in str(exc))


def full_folder(exc: BaseException, default: Path) -> Path:
    """The folder whose disk was full: the failed file's, when the error names it (DuckDB's temp
    folder, say), else `default`."""
    name = getattr(exc, "filename", None)
    return Path(name).parent if name else default


def refresh_facts(db_path: str | Path, config: AnalysisConfig | None = None, *,
                  progress: queries.Progress | None = None) -> dict[str, float]:
    """Rebuild the stored facts of a warehouse (after a config edit or an upgrade) through the
    same staged load: no raw row changes and the data's freshness stays where it was.
    `progress(phase, done, total)` hears of each stored object as it is written."""
    db = db_path if lake.is_lake(db_path) else Path(db_path)
    if not queries.store_exists(db):
        raise RetroscopeError(f"no warehouse at {db}; load data first (`retroscope demo` or `retroscope sync`)")
    with staged_load(db, "retroscope", "refresh", detail="stored facts rebuilt", config=config) as w:
        w.facts_full = "retroscope refresh"
        w.progress = progress
        fresh = queries.run(w.con, "default_as_of")["as_of"]   # the data's freshness, its one rule
        w.data_as_of = fresh.iloc[0].to_pydatetime() if len(fresh) and pd.notna(fresh.iloc[0]) else None
    return w.facts_seconds


def _log_failure(db: Path, source: str, kind: str, started: datetime, exc: BaseException) -> None:
    """Failed loads cannot be recorded in the warehouse (it is left untouched), so they go
    to `<db>.loads.log` (JSON lines), which `retroscope status` shows."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    entry = {"source": source, "kind": kind, "started_at": started.isoformat(),
             "finished_at": _now().isoformat(), "status": "failed", "detail": reason[:500]}
    with contextlib.suppress(OSError), open(db.with_name(db.name + ".loads.log"), "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry) + "\n")


def failed_loads(db_path: str | Path, limit: int = 20) -> list[dict]:
    if lake.is_lake(db_path):
        from connectors import lake as lake_load

        return lake_load.failed_loads(db_path, limit)
    p = Path(db_path)
    log = p.with_name(p.name + ".loads.log")
    if not log.exists():
        return []
    lines = log.read_text(encoding="utf-8").splitlines()[-limit:]
    out = []
    for line in lines:
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out
