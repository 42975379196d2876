"""The one way into the database.

- `connect()` opens the warehouse (read-only by default), snapshots the user-input store
  into temp tables, loads the analysis config into `cfg_*` temp tables and builds the
  derived layers (staging views, mart views/macros) as TEMP objects from the packaged
  `.sql` files, so a warehouse file never holds stale derived objects.
- `run(con, name, **params)` executes one packaged query with bound `$params`.
- `write_frame()` is the only place raw tables are written (used by `connectors.load`).

SQL lives in `queries/{schema,staging,marts,reports}/*.sql`, one object per file,
file name = object name, loaded with `importlib.resources` (works from a wheel).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb
import pandas as pd

from queries import calibration, errors, facts, facts_delta, facts_incremental, frames, lake, transactions
from queries.config import AnalysisConfig
from queries.errors import QueryError, RetroscopeError, WarehouseBusy, WarehouseMissing
from queries.literals import sql_string

log = logging.getLogger("retroscope.sql")

LAYERS = ("staging", "marts", "reports", "statements")
DERIVED_LAYERS = ("staging", "marts")
USERDATA_TABLES = ("retros", "retro_cards", "action_items", "action_reviews", "agreements", "hypotheses",
                   "settings", "forecasts")
# User-input tables added after stores were first written: a store without one is read as
# empty (it gets the table the next time it is opened for writing), not as damaged. Newer
# columns need nothing here: BY NAME leaves them empty.
USERDATA_LATER = frozenset({"forecasts", "action_reviews"})
_PARAM = re.compile(r"(?<![$\w])\$([A-Za-z_][A-Za-z0-9_]*)")
_ARGS = re.compile(r"^--[ \t]*args:[ \t]*(.*)$", re.MULTILINE)   # (no line break: a macro may take no argument)
_COMMENT = re.compile(r"--[^\n]*")
_SCALAR = re.compile(r"^--[ \t]*scalar:[ \t]*(.*)$", re.MULTILINE)
_CHECK = re.compile(r"\s*CHECK \((?:[^()]|\([^()]*\))*\)")
_LOCK_HINT = ("Could not set lock", "Conflicting lock")
_ATTACH_SEQ = itertools.count()

__all__ = [
    "AnalysisConfig", "RetroscopeError", "WarehouseMissing", "WarehouseBusy", "QueryError",
    "connect", "run", "sql_text", "apply_schema", "apply_userdata_schema", "write_frame",
    "userdata_path_for", "open_userdata", "refresh_userdata", "raw_tables",
]


# --------------------------------------------------------------------------- SQL files
@cache
def sql_text(name: str, layer: str | None = None) -> str:
    """The text of a packaged SQL file, by stem (searched in reports, marts, staging) or
    'layer/stem'."""
    if "/" in name:
        layer, name = name.split("/", 1)
    layers = (layer,) if layer else LAYERS
    root = resources.files("queries")
    for lyr in layers:
        f = root / lyr / f"{name}.sql"
        if f.is_file():
            return f.read_text(encoding="utf-8")
    raise QueryError(f"unknown query '{name}': no queries/{'|'.join(layers)}/{name}.sql; "
                     "run `retroscope query --list` for the public names")


@cache
def _layer_files(layer: str) -> tuple[tuple[str, str], ...]:
    root = resources.files("queries") / layer
    if not root.is_dir():
        return ()
    return tuple(sorted((p.name[:-4], p.read_text(encoding="utf-8"))
                        for p in root.iterdir() if p.name.endswith(".sql")))


def raw_tables() -> tuple[str, ...]:
    """Names of the warehouse's raw tables, read from the schema file."""
    return tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", sql_text("schema/warehouse")))


# --------------------------------------------------------------------------- schema
def _on_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Is the connection's default database a DuckLake (not a DuckDB file)?"""
    return con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
                       ).fetchall()[0][0] == "ducklake"


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables if missing (idempotent)."""
    text = sql_text("schema/warehouse")
    if _on_lake(con):
        _lake_ddl_at_once(con, lake.lake_ddl(text))
    else:
        con.execute(text)


def _lake_ddl_at_once(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Schema statements on a lake in one transaction (the caller's, when it has one open):
    one catalog commit instead of one per statement (0.06 s instead of 0.2 s for a schema
    file; statements that change nothing make no snapshot either way)."""
    with transactions.one_transaction(con):
        con.execute(text)


def apply_userdata_schema(con: duckdb.DuckDBPyConnection, *, temp: bool = False) -> None:
    """The user-input tables (created when missing) and the migrations of an older store
    (ALTER TABLE … ADD COLUMN IF NOT EXISTS). temp: as fresh temp tables (no migration)."""
    text = sql_text("schema/userdata")
    if temp:
        con.execute(_userdata_snapshot_ddl())
    elif _on_lake(con):
        _lake_ddl_at_once(con, lake.lake_ddl(text))
    else:
        con.execute(text)


@cache
def _userdata_snapshot_ddl() -> str:
    """The user-input tables as fresh TEMP tables (a connection's read-only snapshot of the
    store, replaced on each refresh): no migrations, and no primary keys or CHECKs, which the
    store itself enforces on every write (building their indexes was most of a connect)."""
    text = sql_text("schema/userdata").replace("CREATE TABLE IF NOT EXISTS", "CREATE OR REPLACE TEMP TABLE")
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("ALTER TABLE"))
    text = _COMMENT.sub("", text)
    return _CHECK.sub("", text.replace(" PRIMARY KEY", ""))


USERDATA_SUFFIX = ".userdata.duckdb"   # a file warehouse's user-input store: <name>.userdata.duckdb beside it


def userdata_path_for(db_path: str | Path | lake.Lake) -> Path | lake.Lake:
    """The user-input store that belongs to a warehouse: `<name>.userdata.duckdb` beside it
    (on a lake: the lake's `userdata` schema)."""
    if lake.is_lake(db_path):
        return db_path.userdata()
    p = Path(db_path)
    stem = p.name[:-7] if p.name.endswith(".duckdb") else p.name
    return p.with_name(stem + USERDATA_SUFFIX)


# --------------------------------------------------------------------------- connections
def _lock_wait(path: str | Path, attempt, wait_s: float | None = None):
    """Call `attempt()` until another process's lock on `path` is released (DuckDB raises
    "Could not set lock" / "Conflicting lock"), up to `wait_s` seconds (env
    RETROSCOPE_LOCK_WAIT, default 10). Every reader of either store goes through here."""
    if wait_s is None:
        raw = os.environ.get("RETROSCOPE_LOCK_WAIT", "10")
        try:
            wait_s = float(raw)
        except ValueError:
            wait_s = -1.0
        if not 0 <= wait_s < float("inf"):   # a negative, NaN or endless wait: refused, not clamped
            raise RetroscopeError(f"RETROSCOPE_LOCK_WAIT={raw!r} is not a number of seconds (0 or more); "
                                  "set it to e.g. 10 or unset it")
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            return attempt()
        except duckdb.IOException as e:
            msg = str(e)
            newer = re.search(r"version number (\d+), but we can only read", msg)
            if newer:
                raise RetroscopeError(
                    f"cannot open {path}: it was written by a newer DuckDB (file format {newer.group(1)}) than "
                    f"this Retroscope's DuckDB {duckdb.__version__}; move it aside and rebuild a warehouse here (sync, import, demo) "
                    "and carry retro records across with `retroscope export retro --out backup.json` in the "
                    "install that wrote it, then `retroscope import retro backup.json` here") from None
            if not any(h in msg for h in _LOCK_HINT):
                raise RetroscopeError(f"cannot open {path}: {errors.unreadable(msg, path)}; if the file is damaged, "
                                      f"move it aside and {_rebuild(path)}") from None
            if time.monotonic() >= deadline:
                holder = re.search(r"\(PID (\d+)\)", msg)
                who = f"process {holder.group(1)}" if holder else "another process"
                raise WarehouseBusy(
                    f"{path} is locked by {who}; wait for it to finish or stop it, then try again"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as e:
            raise RetroscopeError(f"cannot open {path}: {str(e).splitlines()[0]} "
                                  "(is it a DuckDB file written by Retroscope?)") from None


def _rebuild(path) -> str:
    """How to get a damaged store's contents back: a warehouse is rebuilt by a load; the retro
    records (the user-input store beside it) only from a backup."""
    if str(path).endswith(USERDATA_SUFFIX):
        return ("restore the retro records from a backup (`retroscope import retro backup.json`); a sync or "
                "an import rebuilds the warehouse, not them")
    return errors.REBUILD_WAREHOUSE


def damaged_userdata(path, e: BaseException) -> RetroscopeError:
    """The one line for a user-input store DuckDB cannot read (`e`, DuckDB's error)."""
    return RetroscopeError(f"{path}: the user-input store is damaged or not Retroscope's "
                           f"({errors.unreadable(str(e), path)}); restore it from a backup "
                           "(`retroscope export retro` writes one) or move it aside")


def _open(path: str | Path, *, read_only: bool, wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    if Path(path).is_dir():
        raise RetroscopeError(f"cannot open {path}: it is a directory; give a file path such as "
                              f"{Path(path) / 'retroscope.duckdb'}")
    _refuse_other_files(Path(path))
    con = _lock_wait(path, lambda: duckdb.connect(str(path), read_only=read_only), wait_s)
    con.execute("SET enable_progress_bar = false")   # loads and pages report their own progress
    return con


def other_file(path: Path) -> bool:
    """Is there a file at `path` that is not a DuckDB database (a CSV, a TOML, a damaged file)? A
    DuckDB file carries DUCK at byte 8; a missing, unreadable or empty file is left to DuckDB."""
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return len(head) > 0 and (len(head) < 12 or head[8:12] != b"DUCK")


def _refuse_other_files(path: Path) -> None:
    """A file that is not a DuckDB database (a CSV given as --db, say): one line of advice
    instead of DuckDB's own error ("Cannot launch in-memory database in read-only mode!")."""
    with contextlib.suppress(OSError):
        if path.is_file() and path.stat().st_size == 0:   # DuckDB: "exists, but it is not a valid DuckDB database"
            raise RetroscopeError(f"cannot open {path}: an empty file (0 bytes), not a DuckDB file; remove it, or "
                                  "name another file")
    if not other_file(path):
        return
    if str(path).endswith(USERDATA_SUFFIX):
        raise RetroscopeError(f"cannot open {path}: not a DuckDB file (a damaged store of retro records); move it "
                              f"aside and {_rebuild(path)}")
    raise RetroscopeError(f"cannot open {path}: not a DuckDB warehouse file (another kind of file, or a damaged "
                          f"one); a damaged warehouse: move it aside and {_rebuild(path)}; a CSV, JSON or Parquet "
                          "file is loaded with `retroscope import metrics|features|retro FILE` into the warehouse "
                          "--db names")


def _main_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                                      "AND schema_name = 'main'").fetchall()}


def _retro_records_only(con: duckdb.DuckDBPyConnection) -> bool:
    names = _main_tables(con)
    return "retros" in names and "raw_issues" not in names


def userdata_file(path) -> bool:
    """Is the file at `path` (not open yet) a store of retro records? Looked into only when it is a
    DuckDB file with something in it (a migrate target, an export's --db)."""
    if lake.is_lake(path) or not Path(path).is_file() or other_file(Path(path)) or Path(path).stat().st_size == 0:
        return False
    con = _open(path, read_only=True)
    try:
        return _retro_records_only(con)
    finally:
        con.close()


def refuse_userdata_as_warehouse(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """A store of retro records given where a warehouse belongs (`--db x.userdata.duckdb`): one
    line naming the warehouse beside it, before anything reads or writes the file as a warehouse
    (a load would write raw tables into it)."""
    if _retro_records_only(con):
        raise userdata_as_warehouse(path)


def userdata_as_warehouse(path) -> RetroscopeError:
    """The refusal of a store of retro records given as the warehouse, naming the warehouse beside it."""
    name = re.sub(r"\.tmp-\d+$", "", Path(path).name)   # (a load's private copy, <db>.tmp-PID)
    beside = (f" ({Path(path).with_name(name[: -len(USERDATA_SUFFIX)] + '.duckdb')})"
              if name.endswith(USERDATA_SUFFIX) else "")
    return RetroscopeError(f"{path} is a store of retro records (the user-input store), not a warehouse; point "
                           f"--db at the warehouse it belongs to{beside}")


def refuse_warehouse_as_userdata(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """A warehouse given where the store of retro records belongs (RETROSCOPE_USERDATA or
    [warehouse] userdata naming the warehouse itself): one line, before a write adds retro
    tables to it or a read finds none."""
    if "raw_issues" in _main_tables(con):
        raise RetroscopeError(WAREHOUSE_AS_USERDATA.format(path=path))


WAREHOUSE_AS_USERDATA = ("{path} is a warehouse, not a store of retro records; the user-input store is the file beside "
                         f"the warehouse (<name>{USERDATA_SUFFIX}) unless RETROSCOPE_USERDATA or [warehouse] userdata "
                         "names another: point it at that file, not at the warehouse")


def store_exists(location: str | Path | lake.Lake) -> bool:
    """Does the warehouse or user-input store at `location` exist (a file, or tables in a lake)?"""
    return lake.exists(location) if lake.is_lake(location) else Path(location).exists()


def open_userdata_if_exists(path: str | Path | lake.Lake) -> duckdb.DuckDBPyConnection | None:
    """A read-only connection to the user-input store at `path`, or None when there is none
    yet. On a lake one connection answers both (store_exists and then open_userdata would
    open the lake twice, ~0.3 s each)."""
    if not lake.is_lake(path):
        return open_userdata(path, read_only=True) if Path(path).exists() else None
    try:
        con = lake.open_lake(path.userdata(), read_only=True)
    except WarehouseMissing:
        return None
    try:
        there = lake.has_userdata(con)
    except BaseException:
        con.close()
        raise
    if not there:
        con.close()
        return None
    return con


def open_userdata(path: str | Path | lake.Lake, *, read_only: bool = False,
                  wait_s: float | None = None) -> duckdb.DuckDBPyConnection:
    """A short-lived connection to the user-input store (created with its schema if missing).
    Hold it only for one operation: the store is shared by the app and the CLI. `wait_s`
    bounds the wait for another writer's lock on a file store (default RETROSCOPE_LOCK_WAIT)."""
    if lake.is_lake(path):
        con = lake.open_lake(path.userdata(), read_only=read_only)
        if not read_only:
            try:
                lake.use_schema(con, lake.USERDATA_SCHEMA)
                apply_userdata_schema(con)
            except BaseException:
                con.close()
                raise
        return con
    path = Path(path)
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RetroscopeError(f"cannot create the user-input store {path} ({e.strerror}); choose a writable "
                                  "folder (RETROSCOPE_USERDATA or [warehouse] userdata)") from None
        with _open(path, read_only=False, wait_s=wait_s) as c:
            apply_userdata_schema(c)
    con = _open(path, read_only=read_only, wait_s=wait_s)
    try:
        refuse_warehouse_as_userdata(con, path)
        if not read_only:
            apply_userdata_schema(con)
    except BaseException:
        con.close()
        raise
    return con


def refresh_userdata(con: duckdb.DuckDBPyConnection, userdata_path: str | Path | None) -> None:
    """(Re)load the user-input store into temp tables of `con`. The store's file is locked
    only for the milliseconds of the copy."""
    if lake.is_lake(userdata_path):
        apply_userdata_schema(con, temp=True)   # (replaces the previous snapshot)
        _refresh_userdata_lake(con, userdata_path)
        return
    if userdata_path is None or not Path(userdata_path).exists():
        apply_userdata_schema(con, temp=True)
        return
    # A unique alias: connections to one file in one process share its catalog of attached
    # databases, so two threads refreshing at once must not both use one name.
    alias = f"ud_src_{os.getpid()}_{threading.get_ident()}_{next(_ATTACH_SEQ)}"
    # ATTACH takes no bound parameter in DuckDB 1.5: the path goes in as a quoted literal.
    target = sql_string(userdata_path)
    _lock_wait(userdata_path, lambda: con.execute(f"ATTACH {target} AS {alias} (READ_ONLY)"))
    try:
        # the snapshot replaced in one transaction (one commit, not one per table); a store from
        # before a later table fails on it, and is copied again without it
        con.execute("BEGIN")
        try:
            apply_userdata_schema(con, temp=True)
            con.execute(_copies(alias, USERDATA_TABLES))
        except duckdb.CatalogException:
            con.execute("ROLLBACK")
            present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = $a",
                                                 {"a": alias}).fetchall()}
            apply_userdata_schema(con, temp=True)
            con.execute(_copies(alias, [t for t in USERDATA_TABLES if t not in USERDATA_LATER or t in present]))
        except BaseException:
            con.execute("ROLLBACK")
            raise
        else:
            con.execute("COMMIT")
    except duckdb.Error as e:
        if con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = $a AND table_name = 'raw_issues'",
                       {"a": alias}).fetchall()[0][0]:
            raise RetroscopeError(WAREHOUSE_AS_USERDATA.format(path=userdata_path)) from None
        raise damaged_userdata(userdata_path, e) from None
    finally:
        con.execute(f"DETACH {alias}")


def _copies(alias: str, tables) -> str:
    return ";\n".join(f"INSERT INTO temp.main.{t} BY NAME SELECT * FROM {alias}.{t}" for t in tables)


def _refresh_userdata_lake(con: duckdb.DuckDBPyConnection, store: lake.Lake) -> None:
    """The lake's user-input schema into temp tables, read through `con`'s own attachment of
    the lake (the snapshot it is pinned to), or through a short-lived one."""
    own = _on_lake(con)
    src = con if own else lake.open_lake(store, read_only=True)
    try:
        if not lake.has_userdata(src):
            return
        # the lake's catalog read once, not once per table: one snapshot of the store
        with transactions.one_transaction(con), transactions.one_transaction(src):
            for t in USERDATA_TABLES:
                name = f"{lake.CATALOG}.{lake.USERDATA_SCHEMA}.{t}"
                if own:
                    con.execute(f"INSERT INTO temp.main.{t} BY NAME SELECT * FROM {name}")
                else:
                    con.register("_ud_frame", src.execute(f"SELECT * FROM {name}").df())
                    con.execute(f"INSERT INTO temp.main.{t} BY NAME SELECT * FROM _ud_frame")
                    con.unregister("_ud_frame")
    finally:
        if not own:
            src.close()


def config_connection(config: AnalysisConfig | None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection holding only `config`'s tables and the reporting-timezone
    rules (staging/reporting_zone.sql and local_ts.sql; UTC session): for the date rules of
    queries.dates where no analysis connection is at hand (a load's freshness, a command's
    "today"). The caller closes it."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    _load_config(con, config or AnalysisConfig())
    for name in ("reporting_zone", "local_ts"):   # the zone's one rule, then the wall time by it
        con.execute(derived_ddl(name, sql_text(name, "staging")))
    return con


def _load_config(con: duckdb.DuckDBPyConnection, config: AnalysisConfig) -> None:
    for name, df in config.tables().items():
        con.execute(f"DROP TABLE IF EXISTS temp.main.{name}")
        con.register("_cfg_df", df)
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM _cfg_df")
        con.unregister("_cfg_df")


@cache
def _derived_objects() -> tuple[tuple[str, str], ...]:
    """(name, sql) for staging and marts, ordered so every object comes after those it uses."""
    objs = {name: text for layer in DERIVED_LAYERS for name, text in _layer_files(layer)}
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(n: str, path: tuple[str, ...]) -> None:
        if state.get(n) == 2:
            return
        if state.get(n) == 1:
            raise QueryError(f"circular SQL dependency: {' -> '.join(path + (n,))}")
        state[n] = 1
        body = _COMMENT.sub("", objs[n])   # names in comments are not dependencies
        for other in objs:
            if other != n and re.search(rf"\b{re.escape(other)}\b", body):
                visit(other, path + (n,))
        state[n] = 2
        order.append(n)

    for n in sorted(objs):
        visit(n, ())
    return tuple((n, objs[n]) for n in order)


def build_derived(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = DERIVED_LAYERS) -> None:
    """Create the staging views and marts of `layers` as TEMP objects. A file whose header has
    `-- args: a, b` becomes a table macro `name(a, b)`; `-- scalar: a, b` a scalar macro
    (a shared rule, one expression); any other file becomes a view."""
    names = {name for layer in layers for name, _ in _layer_files(layer)}
    for name, text in _derived_objects():
        if name not in names:
            continue
        try:
            con.execute(derived_ddl(name, text))
        except duckdb.Error as e:
            raise QueryError(f"building {name}: {str(e).splitlines()[0]}") from e


def derived_ddl(name: str, text: str, schema: str | None = None) -> str:
    """The CREATE statement for one packaged staging/mart file, as `name`: a TEMP object, or
    one stored in `schema` (the stored facts' derived layers). The file's header decides the
    kind: `-- args:` a table macro, `-- scalar:` a scalar macro, else a view."""
    body = text.strip().rstrip(";")
    m = _ARGS.search(text)
    s = _SCALAR.search(text)
    if m or s:
        args = ", ".join(a.strip() for a in (m or s).group(1).split(",") if a.strip())
        target = f"MACRO {schema}.{name}" if schema else f"OR REPLACE TEMP MACRO {name}"
        return f"CREATE {target}({args}) AS {'TABLE' if m else ''}\n{body}"
    target = f"VIEW {schema}.{name}" if schema else f"OR REPLACE TEMP VIEW {name}"
    return f"CREATE {target} AS\n{body}"


def connect(
    db_path: str | Path,
    *,
    read_only: bool = True,
    config: AnalysisConfig | None = None,
    userdata_path: str | Path | None = None,
    derived: bool = True,
    stored: bool = True,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for analysis: raw tables + user input + config + derived layers.

    read_only=False is for the loader only (see connectors.load). stored=False ignores the
    stored facts and computes every figure from the raw history (tests compare the two).
    `db_path` may be a `queries.lake.Lake` (a DuckLake warehouse): a reader is then pinned to
    the lake's snapshot at connect time, and every query runs unchanged (see queries/lake.py)."""
    if lake.is_lake(db_path):
        con = lake.open_reader(db_path) if read_only else lake.open_lake(db_path, read_only=False)
        return _prepare(con, db_path, read_only=read_only, config=config, userdata_path=userdata_path,
                        derived=derived, stored=stored)
    db_path = Path(db_path)
    if read_only and not db_path.exists():
        raise WarehouseMissing(
            f"no warehouse at {db_path}; load your data with `retroscope --db {db_path} sync jira` "
            "(or `import metrics|features`), or try the demo with `retroscope --db data/demo.duckdb demo`"
        )
    con = _open(db_path, read_only=read_only)
    return _prepare(con, db_path, read_only=read_only, config=config, userdata_path=userdata_path,
                    derived=derived, stored=stored)


def _threads() -> int | None:
    """DuckDB's worker threads for the warehouse (env RETROSCOPE_THREADS, 1-1024; unset: every
    core). DuckDB keeps it per open database: every connection to the file in this process.
    Fewer suit a shared machine, or many small warehouses at once: the test suite runs with 1
    (tests/conftest.py)."""
    raw = os.environ.get("RETROSCOPE_THREADS", "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 1024:
        raise RetroscopeError(f"RETROSCOPE_THREADS={raw!r} is not a number of threads; "
                              "set it to a whole number from 1 to 1024, or unset it to use every core")
    return int(raw)


def _prepare(con, db_path, *, read_only, config, userdata_path, derived, stored) -> duckdb.DuckDBPyConnection:
    try:
        # An ASOF join stays one: DuckDB makes one whose left side it expects to be small (64
        # rows) a nested-loop join, and inside a load (tables written in the same transaction,
        # no statistics yet) it expects 1 row where there are thousands. The issue versions'
        # rework (fct_issue_versions) took 3.7 s instead of 0.3 s on 3 issues x 6,000 changes.
        con.execute("SET asof_loop_join_threshold = 0")
        threads = _threads()
        if threads:
            con.execute(f"SET threads = {threads}")
        if not lake.is_lake(db_path) and (not read_only or not derived):
            # before the raw tables are added to a store of retro records, or read from one (a
            # reader with stored facts is a warehouse's: it is checked below only when there are none)
            refuse_userdata_as_warehouse(con, db_path)
        if not read_only:
            apply_schema(con)
        if derived:
            con.execute("SET TimeZone = 'UTC'")
            calibration.register(con)
            refresh_userdata(con, userdata_path if userdata_path is not None else userdata_path_for(db_path))
            # Stored facts built from this SQL and config: the derived layers the load stored
            # beside them (schema `derived`) are used as they are. Otherwise every object is
            # created here as a TEMP object (shadowing any stored one) and every figure is
            # computed live from the raw history (same numbers, slower).
            meta = facts.stored_meta(con) if stored else None
            if meta is not None and meta["fingerprint"] == facts_fingerprint(config) and meta["derived"]:
                facts.use_stored(con)
                facts.mark_stored(con, meta["as_of"])
            else:
                if not lake.is_lake(db_path):   # (the live path only: stored facts are a warehouse's)
                    refuse_userdata_as_warehouse(con, db_path)
                _load_config(con, config or AnalysisConfig())
                build_derived(con)
    except BaseException:
        con.close()
        raise
    return con


_FINGERPRINTS: dict[str, str] = {}


def facts_fingerprint(config: AnalysisConfig | None) -> str:
    """The fingerprint stored facts must carry to be read under `config` (derived SQL + config)."""
    config = config or AnalysisConfig()
    key = repr(config)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = facts.fingerprint(config, _derived_objects() + _stored_report_code())
    return _FINGERPRINTS[key]


def _stored_report_code() -> tuple[tuple[str, str], ...]:
    """What the stored report tables are computed with besides the derived layers: each
    report's SQL and the Python function estimate_calibration calls. A reader serves a stored
    report's table as the report's answer (facts.stored_report), so a release that changes
    either must not read a table an older release stored: it is in the fingerprint."""
    code = tuple((f"reports/{n}", sql_text(n, "reports")) for n in facts.STORED_REPORTS)
    return code + (("python/queries.calibration", resources.files("queries").joinpath("calibration.py")
                    .read_text(encoding="utf-8")),)


# A long job's progress, as loads report it: progress(phase, done, total or None when unknown)
Progress = Callable[[str, int, int | None], None]
PROGRESS_PHASE = "stored facts"   # what a loader's progress line calls the facts build


def build_facts(con: duckdb.DuckDBPyConnection, config: AnalysisConfig | None = None, *,
                touched: set[tuple[str, str]] | None = None, full_reason: str | None = None,
                progress: Progress | None = None) -> dict[str, float]:
    """Build the stored facts on a read-write warehouse connection (the loader's, inside its
    transaction), for the data's freshness. Returns seconds per stored object.
    `touched`: the (source, issue_id) the load wrote; given, and the stored facts allow it,
    only those issues and what they touch are recomputed (queries.facts_incremental); None
    (or `full_reason`) rebuilds everything. facts.meta `build` says which was done and why.
    `progress(phase, done, total)`, when given, hears of each stored object as it is written
    (phase PROGRESS_PHASE): a full build at 1M issues takes over a minute."""
    if facts.stored_as_of(con) is not None:   # its macros answer from the tables this would replace
        raise QueryError("stored facts are built on a loader's connection (queries.connect(..., "
                         "read_only=False, derived=False)), not on one that reads them")
    config = config or AnalysisConfig()
    con.execute("SET TimeZone = 'UTC'")
    calibration.register(con)        # estimate_calibration, a stored report, calls it
    refresh_userdata(con, None)      # empty user-input tables: no stored fact reads them
    _load_config(con, config)
    # The staging layer live (TEMP, over the raw tables): the shared inputs' hash, the plan and
    # the stored parses read it. The marts are written to schema `derived` only, and computed
    # through it: DuckDB binds a mart (costly for the large ones) once or twice per load, not up
    # to five times (docs/facts.md, "Incremental loads")
    build_derived(con, ("staging",))
    as_of = con.execute(sql_text("default_as_of")).fetchall()[0][0]
    if as_of is None:
        return {}
    fp = facts_fingerprint(config)
    # every build, full or incremental, stores each stored parse, mart and report once
    total = len(facts.STORED_VIEWS) + len(facts.STORED_MARTS) + len(facts.STORED_REPORTS)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(PROGRESS_PHASE, done, total)

    if progress is not None:
        progress(PROGRESS_PHASE, 0, total)
    t0 = time.perf_counter()
    inputs = facts_incremental.inputs_hash(con)
    plan = facts_incremental.plan(con, as_of=as_of, fp=fp, touched=touched, full_reason=full_reason, inputs=inputs)
    # the derived layers the last load stored under this very fingerprint are these ones: kept,
    # with only the stored marts' macros, which name the stored instant, written again (not on a
    # lake: there every load writes them whole)
    keep = plan.same_derived and not _on_lake(con)
    if plan.full:
        note = f"full: {plan.full}"
        timings = facts.build(con, as_of=as_of, fp=fp, derived_sql=_derived_objects(),
                              config_tables=tuple(config.tables()), ddl=derived_ddl, keep_derived=keep,
                              inputs=inputs, note=note, step=step)
    else:
        t1 = time.perf_counter()
        if keep:
            facts.use_derived(con)
        else:
            facts.store_derived(con, _derived_objects(), tuple(config.tables()), derived_ddl)
        written = time.perf_counter() - t1
        timings, note = facts_incremental.build(con, as_of=as_of, stored_as_of=plan.stored_as_of, fp=fp,
                                                inputs=inputs, touched=touched or set(), step=step)
        timings["derived layers"] = written
    timings["plan"] = time.perf_counter() - t0 - sum(timings.values())
    for name in facts.STORED_REPORTS:   # all boards, whole history: every other parameter unset
        t0 = time.perf_counter()
        text = sql_text(name)
        facts.store_report(con, name, text, {p: as_of if p == "as_of" else None for p in params_of(text)})
        timings[name] = time.perf_counter() - t0
        step()
    facts.set_built_seconds(con, sum(timings.values()))
    return timings


_WORD = re.compile(r"\w+")


@cache
def _stored_marts_used(name: str) -> tuple[frozenset[str], bool]:
    """The stored marts a packaged query reads, directly or through other derived objects, and
    whether it reads a board-narrowed one for every board (called with a NULL board, e.g.
    through fct_sprint_members): then its cache at another as_of must hold every board."""
    objs = dict(_derived_objects())
    stored = {m.name for m in facts.STORED_MARTS}
    every_board = [re.compile(rf"\b{re.escape(m.name)}\s*\([^,()]*,\s*NULL\s*\)", re.IGNORECASE)
                   for m in facts.STORED_MARTS if m.board_arg]
    seen: set[str] = set()
    all_boards = False
    stack = [_COMMENT.sub("", sql_text(name))]
    while stack:
        body = stack.pop()
        all_boards = all_boards or any(r.search(body) for r in every_board)
        # the objects named in it as whole words: one pass over its words, not one search per
        # object (~950 searches, 30 ms on the first ask of each query in a process)
        for other in sorted(objs.keys() & set(_WORD.findall(body)) - seen):
            seen.add(other)
            stack.append(_COMMENT.sub("", objs[other]))
    return frozenset(seen & stored), all_boards


# --------------------------------------------------------------------------- running SQL
def params_of(text: str) -> list[str]:
    """The `$name` parameters a SQL text uses, in order of first appearance."""
    seen: dict[str, None] = {}
    for m in _PARAM.finditer(_COMMENT.sub("", text)):
        seen.setdefault(m.group(1), None)
    return list(seen)


def run(con: duckdb.DuckDBPyConnection, name: str, *, arrow: bool = False, **params) -> pd.DataFrame:
    """Execute the packaged query `name` with bound parameters and return a DataFrame.
    Parameters the query does not use are ignored; missing ones are an error.
    arrow=True converts the result through Arrow where that gives the very frame `.df()`
    gives (queries/frames.py), faster for results with many text values."""
    text = sql_text(name)
    needed = params_of(text)
    missing = [p for p in needed if p not in params]
    if missing:
        raise QueryError(f"query '{name}' needs parameter(s) {', '.join(missing)}")
    bound = {p: params[p] for p in needed}
    t0 = time.perf_counter()
    stored = facts.stored_report(con, name, bound)
    if stored is not None:   # exactly what the load stored for this report: read its table
        text, bound = stored, {}
    try:
        if "as_of" in bound:   # another as_of than the stored one: its facts, once per connection
            used, all_boards = _stored_marts_used(name)
            if used:
                facts_delta.ensure(con, set(used), bound["as_of"], None if all_boards else params.get("board_id"))
            if "sprint_facts_kept(" in text:
                facts.keep_stored_sprint_rows(con)
        # a declared final order (`-- order:`), asked at the stored instant: on the Arrow path the
        # rows are sorted only when they do not come in that order already (queries/frames.py).
        # At another instant they are computed, out of order: DuckDB's ORDER BY, on every core,
        # sorts them sooner than one pyarrow thread
        ordered = frames.ordered(text) if arrow and bound.get("as_of") is not None else None
        if ordered and bound["as_of"] != facts.stored_as_of(con):
            ordered = None
        run_text = ordered[0] if ordered else text
        cur = con.execute(run_text, bound) if bound else con.execute(run_text)
        df = None
        if arrow and frames.takes(cur):
            df = frames.frame(cur, ordered[1] if ordered else None)
            if df is None:   # a column Arrow would give otherwise (rare: NULLs in it): again, as .df()
                cur = con.execute(text, bound) if bound else con.execute(text)
        elif ordered:        # not for Arrow: the query as written, as .df()
            cur = con.execute(text, bound) if bound else con.execute(text)
        if df is None:
            df = cur.df()
    except duckdb.Error as e:
        reason = errors.unreadable(str(e))
        if reason != str(e).splitlines()[0]:   # the file, not the query: say how to mend it
            reason += f"; move the warehouse aside and {errors.REBUILD_WAREHOUSE}"
        raise QueryError(f"query '{name}' failed: {reason}") from e
    log.debug("query %s: %.1f ms, %d rows", name, (time.perf_counter() - t0) * 1000, len(df))
    return df


def execute(con: duckdb.DuckDBPyConnection, name: str, **params) -> None:
    """Execute a packaged statement that returns nothing (DDL/DML), with bound parameters."""
    text = sql_text(name)
    bound = {p: params[p] for p in params_of(text) if p in params}
    t0 = time.perf_counter()
    con.execute(text, bound) if bound else con.execute(text)
    log.debug("statement %s: %.1f ms", name, (time.perf_counter() - t0) * 1000)


def write_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame,
                key_columns: Iterable[str], *, replace: bool = True) -> int:
    """Upsert `df` into a raw table: rows whose key (source + id columns) appears in `df`
    are replaced. Table and column names are checked against the schema; values are bound
    through the registered frame, never formatted into SQL."""
    allowed = set(raw_tables()) | set(USERDATA_TABLES)
    if table not in allowed:
        raise QueryError(f"write_frame: '{table}' is not a raw or user-input table")
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = $t", {"t": table}).fetchall()}
    unknown = [c for c in df.columns if c not in cols]
    if unknown:
        raise QueryError(f"write_frame: {table} has no column(s) {', '.join(unknown)}")
    keys = list(key_columns)
    if not keys or any(k not in cols for k in keys):
        raise QueryError(f"write_frame: bad key {keys} for {table}")
    if df.empty:
        return 0
    con.register("_rs_frame", df)
    try:
        if replace:
            key_list = ", ".join(keys)
            con.execute(f"DELETE FROM {table} WHERE ({key_list}) IN (SELECT DISTINCT {key_list} FROM _rs_frame)")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rs_frame")
    finally:
        con.unregister("_rs_frame")
    return len(df)


def execute_delete_source(con: duckdb.DuckDBPyConnection, table: str, source: str) -> None:
    """Delete all rows of one source from a raw table (full rebuilds)."""
    if table not in raw_tables():
        raise QueryError(f"delete: '{table}' is not a raw table")
    con.execute(f"DELETE FROM {table} WHERE source = $source", {"source": source})


def sync_state(con: duckdb.DuckDBPyConnection, source: str, scope: str) -> str | None:
    rows = con.execute("SELECT value FROM raw_sync_state WHERE source = $source AND scope = $scope",
                       {"source": source, "scope": scope}).fetchall()   # fetchall: leave no open result
    return rows[0][0] if rows else None
