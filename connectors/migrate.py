"""`retroscope migrate --to TARGET`: copy a warehouse and its user input from one location to
another (a file into a lake, a lake back into a file, or between two of either).

- Every raw table and every user-input table is copied row for row; the stored facts are then
  rebuilt in the target under the current analysis config (the same SQL as every load), so the
  target answers every query exactly as the source does.
- A target that already holds data (raw rows or user input) is refused unless `force`; with
  `force` its contents are replaced.
- Atomic per store like a load: into a lake, the warehouse is one lake transaction and the
  user input another; into a file, both files are written beside the target and renamed over
  it only when complete. A failed or interrupted migrate leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import duckdb

import queries
from connectors import two_stores
from connectors.load import full_folder, no_space
from queries import Progress, lake
from queries.config import AnalysisConfig
from queries.errors import RetroscopeError
from queries.literals import sql_string

SRC = "mig_src"


def _label(loc) -> str:
    """What a location is, for telling two apart: a lake by its URL, a file by its real path (the
    same file by a relative path, an absolute one or a symlink is one file)."""
    return str(loc) if lake.is_lake(loc) else os.path.realpath(loc)


def _refuse_userdata_target(target) -> None:
    """A store of retro records is never a migrate target, --force or not: the copy would put a
    warehouse over the only data a load cannot rebuild."""
    if queries.userdata_file(target):   # (an empty file holds nothing: the copy replaces it)
        raise RetroscopeError(f"migrate: --to {target} is a store of retro records (a user-input store), not a "
                              "warehouse; name the new warehouse file (its retro records go beside it, as "
                              f"<name>{queries.USERDATA_SUFFIX})")


def _attach_source(con: duckdb.DuckDBPyConnection, loc, alias: str) -> str:
    """Attach a source store read-only as `alias`; returns the schema prefix to read from."""
    if lake.is_lake(loc):
        lake.attach(con, loc.warehouse(), alias, read_only=True)
        return f"{alias}.{loc.schema}"
    quoted = sql_string(loc)
    try:
        con.execute(f"ATTACH {quoted} AS {alias} (READ_ONLY)")
    except duckdb.Error as e:
        raise RetroscopeError(f"cannot open {loc}: {lake.one_line(e)}; is it a Retroscope warehouse? "
                              "(stop a running sync or dashboard that holds it)") from None
    return f"{alias}.main"


def _count(con, prefix: str, tables) -> int:
    n = 0
    for t in tables:
        with contextlib.suppress(duckdb.CatalogException):
            n += con.execute(f"SELECT count(*) FROM {prefix}.{t}").fetchall()[0][0]
    return n


def _rows(loc, tables) -> int:
    """How many rows the store at `loc` holds in `tables` (0 when it does not exist, or is an empty file)."""
    if not queries.store_exists(loc) or (not lake.is_lake(loc) and Path(loc).stat().st_size == 0):
        return 0
    con = duckdb.connect(":memory:")
    try:
        prefix = _attach_source(con, loc, "probe")
        return _count(con, prefix, tables)
    finally:
        con.close()


def _has_rows(loc, tables) -> bool:
    """Does the store at `loc` hold any row in `tables`? (False when it does not exist.)"""
    return _rows(loc, tables) > 0


def backup_command(target: str | Path) -> str:
    """The command that backs up the retro records of `target` (a file, or a lake URL, whose
    spaces the shell would split: quoted), as a refusal prints it for pasting."""
    return f"retroscope --db {lake.db_arg(target)} export retro --out backup.json"


def migrate(source, target, *, force: bool = False, config: AnalysisConfig | None = None,
            progress: Progress | None = None) -> dict:
    """Copy the warehouse at `source` (file path or Lake) and its user input to `target`.
    Returns {'tables': n, 'rows': n, 'user_rows': n, 'seconds': s}."""
    progress = progress or (lambda *a: None)
    t0 = time.perf_counter()
    if _label(source) == _label(target):
        raise RetroscopeError(f"migrate: the target is the source ({target}); name another file or lake with --to")
    src_ud, dst_ud = queries.userdata_path_for(source), queries.userdata_path_for(target)
    if _label(src_ud) in (_label(target), _label(dst_ud)):
        raise RetroscopeError(f"migrate: --to {target} is the source's own store of retro records; name a new "
                              "warehouse file or lake with --to")
    if _label(dst_ud) == _label(source):
        raise RetroscopeError(f"migrate: --db {source} is the store of retro records that belongs to --to {target}; "
                              "point --db at the warehouse to copy")
    if not lake.is_lake(target) and Path(target).is_dir():
        raise RetroscopeError(f"migrate: --to {target}: is a directory; give a file path such as "
                              f"{Path(target) / 'retroscope.duckdb'}")
    if not queries.store_exists(source):
        raise RetroscopeError(f"migrate: no warehouse at {source} to copy; point --db at the warehouse to copy")
    if not lake.is_lake(target) and queries.other_file(Path(target)):
        raise RetroscopeError(f"migrate: --to {target}: not a DuckDB warehouse file (another kind of file); name a "
                              "new file, which is created, or an existing warehouse")
    _refuse_userdata_target(target)
    if not force:
        kept = _rows(dst_ud, queries.USERDATA_TABLES)
        if kept or _has_rows(target, queries.raw_tables()):
            # --force replaces the target's retro records too: say so, and how to keep them
            theirs = (f" ({kept:,} rows of retro records among it, which --force replaces as well: keep them "
                      f"first with `{backup_command(target)}`)" if kept else "")
            raise RetroscopeError(f"migrate: {target} already holds data{theirs}; pass --force to replace it with "
                                  f"a copy of {source}, or choose an empty target")
    tables = queries.raw_tables()
    # two stores, each written atomically: a marker between them (connectors/two_stores.py) tells
    # status and doctor when a kill fell between the warehouse and its retro records
    if not lake.is_lake(target):
        _writable_folder(Path(target))
    pending = two_stores.begin(target, "migrate", f"from {source}")
    folder = None if lake.is_lake(target) else Path(target).parent
    try:
        rows = (_into_lake(source, target, tables, config, progress) if lake.is_lake(target)
                else _into_file(source, Path(target), tables, config, progress))
    except BaseException as e:
        two_stores.end(pending)   # the warehouse was not replaced: the stores still match
        if folder is not None and no_space(e):
            raise RetroscopeError(f"migrate: no space left on the disk of {full_folder(e, folder)} for the copy; "
                                  f"free some space and run it again; {target} is as it was") from None
        raise
    # (an error from here on leaves the marker: the warehouse is the new one, the retro records not yet)
    try:
        user_rows = (_userdata_into_lake(src_ud, target, progress) if lake.is_lake(target)
                     else _userdata_into_file(src_ud, Path(dst_ud), progress))
    except BaseException as e:
        if folder is not None and no_space(e):
            raise RetroscopeError(f"migrate: no space left on the disk of {full_folder(e, folder)} for the retro "
                                  f"records after the warehouse was copied; free some space and run the same "
                                  "migrate with --force again") from None
        raise
    two_stores.end(pending)
    return {"tables": len(tables), "rows": rows, "user_rows": user_rows, "seconds": time.perf_counter() - t0}


def _copy(con, prefix: str, tables, progress: Progress, phase: str) -> int:
    total = 0
    for i, t in enumerate(tables, 1):
        con.execute(f"DELETE FROM {t}")
        try:
            n = con.execute(f"INSERT INTO {t} BY NAME SELECT * FROM {prefix}.{t}").fetchall()[0][0]
        except duckdb.CatalogException:
            n = 0      # a source from before this table existed
        total += n
        progress(phase, i, len(tables))
    return total


def _copy_warehouse(con, source, tables, config, progress: Progress) -> int:
    """In one transaction on `con` (the target): every raw table from `source`, then the stored
    facts built there under `config`. Returns the rows copied."""
    prefix = _attach_source(con, source, SRC)
    con.execute("BEGIN TRANSACTION")
    rows = _copy(con, prefix, tables, progress, "warehouse")
    queries.build_facts(con, config, progress=progress)
    con.execute("COMMIT")
    return rows


@contextlib.contextmanager
def _writing(con: duckdb.DuckDBPyConnection):
    """A lake connection for one copy: an open transaction is rolled back on error, and the
    connection is closed either way."""
    try:
        yield con
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _into_lake(source, target: lake.Lake, tables, config, progress: Progress) -> int:
    from connectors.lake import _open_writer

    with _writing(_open_writer(target.warehouse())) as con:
        return _copy_warehouse(con, source, tables, config, progress)


def _userdata_into_lake(src_ud, target: lake.Lake, progress: Progress) -> int:
    with _writing(queries.open_userdata(target.userdata())) as con:
        if not queries.store_exists(src_ud):
            return 0
        prefix = _attach_source(con, src_ud, SRC)
        con.execute("BEGIN TRANSACTION")
        rows = _copy(con, prefix, queries.USERDATA_TABLES, progress, "user input")
        con.execute("COMMIT")
        return rows


@contextlib.contextmanager
def _swapped_in(target: Path):
    """Write a file store as a working copy beside `target` (yielded), moved over `target`
    only when the block ends without error; the copy (and its WAL) never outlives the block."""
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _writable_folder(target: Path) -> None:
    """The target's folder, created if missing, and a file written and removed in it: a folder that
    cannot be created or written (read-only, immutable) is one line before any work."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise RetroscopeError(f"migrate --to {target}: cannot create {target.parent} ({e.strerror}); choose a "
                              "folder you can write to") from None
    probe = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        probe.unlink(missing_ok=True)
        probe.touch()
        probe.unlink()
    except OSError as e:
        raise RetroscopeError(f"migrate --to {target}: cannot write in {target.parent} ({e.strerror}); choose a "
                              "folder you can write to") from None


def _into_file(source, target: Path, tables, config, progress: Progress) -> int:
    if target.is_dir():
        raise RetroscopeError(f"migrate --to {target}: is a directory; give a file path such as "
                              f"{target / 'retroscope.duckdb'}")
    with _swapped_in(target) as tmp:
        con = queries.connect(tmp, read_only=False, derived=False)
        try:
            rows = _copy_warehouse(con, source, tables, config, progress)
            con.execute(f"DETACH {SRC}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return rows


def _userdata_into_file(src_ud, target: Path, progress: Progress) -> int:
    with _swapped_in(target) as tmp:
        con = queries.open_userdata(tmp)
        try:
            rows = 0
            if queries.store_exists(src_ud):
                prefix = _attach_source(con, src_ud, SRC)
                con.execute("BEGIN TRANSACTION")
                rows = _copy(con, prefix, queries.USERDATA_TABLES, progress, "user input")
                con.execute("COMMIT")
                con.execute(f"DETACH {SRC}")
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return rows
