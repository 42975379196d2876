"""The warehouse on DuckLake: a Postgres catalog plus Parquet data files, shared by many
writers (one Jira sync per team) and readers (the dashboard).

A warehouse location is either a DuckDB file path or a `Lake`:

    RETROSCOPE_DB='ducklake:postgres:dbname=retro host=db.internal port=5432 user=retroscope'
    RETROSCOPE_LAKE_DATA=/srv/retroscope/lake      # where the Parquet files live

Credentials never appear in the URL: the Postgres client reads them from the environment
(PGPASSWORD, PGPASSFILE / ~/.pgpass, PGSSLMODE, ...), so they are not stored, logged or shown.

On a connection the lake is attached as catalog `lake` and made the default (`USE`), so every
packaged query runs unchanged: the raw tables live in `lake.main`, the stored facts in
`lake.facts`, `lake.stg` and `lake.derived`, and the user-input store in `lake.userdata`
(a schema no load writes). What a connection needs for itself (config tables, caches, the
user-input snapshot) is TEMP, exactly as on a file.

DuckLake has no PRIMARY KEY / UNIQUE / CHECK constraints, so the schema files are applied
without them (`lake_ddl`); the loader keeps keys unique, as it already does for the big
history tables of a file warehouse, and the user-input API validates every value first.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import tempfile
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from queries.errors import RetroscopeError, WarehouseMissing
from queries.literals import sql_string

PREFIX = "ducklake:"
CATALOG = "lake"                 # the alias every lake connection attaches the lake as
MAIN_SCHEMA = "main"
USERDATA_SCHEMA = "userdata"     # the user-input store on a lake
DATA_ENV = "RETROSCOPE_LAKE_DATA"
# a password in the URL: any libpq key naming one (password=, sslpassword=, passfile=; also as
# a URL query parameter) or a URL's user:password@ part (postgresql://user:secret@host/db)
_SECRET = re.compile(r"(password|passfile)\s*=|://[^/@]*:[^/@]*@", re.IGNORECASE)


@dataclass(frozen=True)
class Lake:
    """A DuckLake warehouse: the catalog URL (no password), where new Parquet files go
    (None: the path the lake was created with) and the schema this location names
    (`main` for the warehouse, `userdata` for its user-input store)."""

    url: str
    data_path: str | None = None
    schema: str = MAIN_SCHEMA

    def __str__(self) -> str:
        return self.url if self.schema == MAIN_SCHEMA else f"{self.url} (schema {self.schema})"

    def userdata(self) -> Lake:
        return replace(self, schema=USERDATA_SCHEMA)

    def warehouse(self) -> Lake:
        return replace(self, schema=MAIN_SCHEMA)


def is_lake(location: object) -> bool:
    return isinstance(location, Lake)


def db_arg(location: object) -> str:
    """The warehouse as it is typed after `--db`, ready to paste into a shell: a file's path (quoted
    when it holds spaces or shell characters), a lake's URL (quoted: it holds spaces)."""
    return shlex.quote(location.url if isinstance(location, Lake) else str(location))


def looks_like_lake(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower().startswith(PREFIX)


def parse(value: str | Path | Lake, data_path: str | Path | None = None) -> Path | Lake:
    """A warehouse location from --db / RETROSCOPE_DB / [warehouse] db: a Lake for a
    `ducklake:` URL (refused when it carries a password), else a file path."""
    if isinstance(value, Lake):
        return value
    if not looks_like_lake(value):
        if isinstance(value, str) and re.match(r"^[a-z][a-z0-9+.-]*://", value.strip(), re.I):
            # a URL that is not a lake's (postgres://…, https://…) is no file path either
            raise RetroscopeError(f"{value!r} is a URL, not a warehouse file or a DuckLake URL; give a file path, or "
                                  "a lake as ducklake:postgres:dbname=retro host=… user=… (docs/deploy.md)")
        return Path(value)
    url = str(value).strip()
    if _SECRET.search(url):
        raise RetroscopeError("the lake URL carries a password; remove it from the URL and set PGPASSWORD "
                              "(or a ~/.pgpass file) in the environment instead, so it is never stored or shown")
    rest = url[len(PREFIX):]
    if not rest.startswith("postgres:"):
        raise RetroscopeError(f"lake URL {url!r}: only a Postgres catalog is supported (expected "
                              "ducklake:postgres:dbname=retro host=… user=…)")
    return Lake(url=url, data_path=str(data_path) if data_path else None)


# --------------------------------------------------------------------------- extensions
def _extension_file(package: str, name: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RetroscopeError(f"the DuckDB extension package {package.replace('_', '-')} is not installed; "
                              f"install Retroscope's dependencies again (pip install -e .)")
    root = Path(next(iter(spec.submodule_search_locations))) / "extensions"
    want = root / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if want.exists():
        return want
    found = sorted(root.glob(f"*/{name}.duckdb_extension"))
    if not found:
        raise RetroscopeError(f"{package.replace('_', '-')} holds no {name} extension for duckdb "
                              f"{duckdb.__version__}; install the matching version")
    return found[-1]


def _postgres_extension() -> Path:
    """The postgres extension loads only from a file named after its entry point
    (`postgres_scanner`): a symlink under that name in a per-user cache folder."""
    src = _extension_file("duckdb_extension_postgres", "postgres")
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for root in (base / "retroscope", Path(tempfile.gettempdir()) / f"retroscope-{os.getuid()}"):
        link = root / "duckdb-extensions" / f"v{duckdb.__version__}" / "postgres_scanner.duckdb_extension"
        try:
            if link.is_symlink() and Path(os.readlink(link)) == src:
                return link
            link.parent.mkdir(parents=True, exist_ok=True)
            tmp = link.with_name(f"{link.name}.{os.getpid()}")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(src)
            os.replace(tmp, link)     # atomic: processes starting together all see a whole link
            return link
        except OSError:
            continue
    raise RetroscopeError("cannot write a cache folder for the DuckDB postgres extension; set XDG_CACHE_HOME "
                          "to a writable folder")


def _extension_files() -> tuple[Path, Path]:
    return _extension_file("duckdb_extension_ducklake", "ducklake"), _postgres_extension()


def _stamp(path: Path) -> tuple[int, ...] | None:
    """What tells a checked extension file from any other: device, inode, size, modification
    and change times (the change time cannot be set back). None: the file is not there."""
    try:
        st = path.stat()       # of the file itself, through the postgres extension's symlink
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


# Extension files whose signature a LOAD in this process has checked, with the stamp they had.
# Checking a signature hashes the whole file (36 + 42 MB: 0.25-0.3 s of CPU per connection),
# and every lake connection is a new in-memory database that would check both again.
_checked: dict[Path, tuple[int, ...]] = {}
_checked_lock = threading.Lock()


def _load_extensions(con: duckdb.DuckDBPyConnection, files: tuple[Path, ...] | None = None) -> None:
    con.execute("SET autoinstall_known_extensions = false")   # never reach for the network
    for f in files or _extension_files():
        con.execute(f"LOAD {sql_string(f)}")   # LOAD takes no bound parameter


def _new_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the ducklake and postgres extensions loaded. The first
    one in a process loads them with DuckDB's signature check. A later one loads the very
    files that were checked, unchanged since (same stamp), without it, and then turns the
    check back on for anything else it may load (an extension DuckDB autoloads); a file that
    changed is checked again."""
    files = _extension_files()
    stamps = {f: _stamp(f) for f in files}
    with _checked_lock:
        known = None not in stamps.values() and all(_checked.get(f) == s for f, s in stamps.items())
    con = duckdb.connect(":memory:", config={"allow_unsigned_extensions": True} if known else {})
    try:
        con.execute("SET enable_progress_bar = false")
        _load_extensions(con, files)
        if known:
            con.execute("SET allow_unsigned_extensions = false")
    except BaseException:
        con.close()
        raise
    if not known:
        with _checked_lock:
            _checked.update({f: s for f, s in stamps.items() if s is not None and _stamp(f) == s})
    return con


# --------------------------------------------------------------------------- schema
def lake_ddl(text: str) -> str:
    """A schema file without the constraints DuckLake cannot store (PRIMARY KEY, UNIQUE,
    CHECK): table-level `PRIMARY KEY (...)` lines, inline `PRIMARY KEY` and `CHECK (...)`."""
    text = re.sub(r",\s*(?:--[^\n]*\n\s*)?PRIMARY KEY\s*\([^)]*\)", "", text)
    text = re.sub(r"\s+PRIMARY KEY\b", "", text)
    out, i = [], 0
    for m in re.finditer(r"\s+CHECK\s*\(", text):
        if m.start() < i:
            continue
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        out.append(text[i:m.start()])
        i = j
    out.append(text[i:])
    return "".join(out)


# --------------------------------------------------------------------------- connections
def _attach_sql(lake: Lake, *, read_only: bool, snapshot: int | None = None, alias: str = CATALOG) -> str:
    opts = []
    if lake.data_path:
        opts.append(f"DATA_PATH {sql_string(lake.data_path)}")
    if read_only:
        opts.append("READ_ONLY")
    if snapshot is not None:
        opts.append(f"SNAPSHOT_VERSION {int(snapshot)}")
    return f"ATTACH {sql_string(lake.url)} AS {alias}" + (f" ({', '.join(opts)})" if opts else "")


def attach(con: duckdb.DuckDBPyConnection, lake: Lake, alias: str, *, read_only: bool) -> None:
    """Attach `lake` to an existing connection (a file's, for `retroscope migrate`) as `alias`."""
    _load_extensions(con)
    try:
        con.execute(_attach_sql(lake, read_only=read_only, alias=alias))
    except duckdb.Error as e:
        raise _attach_error(lake, e, read_only=read_only) from None


def one_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:300]


def _attach_first(con, lake: Lake, *, read_only: bool, snapshot: int | None) -> None:
    """ATTACH; the first attach of a new lake creates its catalog tables, and two processes
    doing that at the same moment collide in Postgres: the loser waits and attaches the
    catalog the winner created."""
    for attempt in range(6):
        try:
            con.execute(_attach_sql(lake, read_only=read_only, snapshot=snapshot))
            return
        except duckdb.Error as e:
            msg = str(e)
            racing = "initialize DuckLake" in msg and ("duplicate key" in msg or "already exists" in msg)
            if not racing or attempt == 5:
                raise
            time.sleep(0.2 * (attempt + 1))


def _attach_error(lake: Lake, e: duckdb.Error, *, read_only: bool) -> RetroscopeError:
    """One line of advice for a lake that cannot be attached."""
    msg = " ".join(str(e).split())
    if "data_path is not set" in msg:
        return RetroscopeError(f"{lake}: this lake is new and needs a folder for its data files; set {DATA_ENV} "
                               "(or [warehouse] lake_data) to a path every server can reach")
    if "does not match existing data path" in msg:
        stored = re.search(r'existing data path in the catalog "([^"]*)"', msg)
        return RetroscopeError(f"{lake}: {DATA_ENV}={lake.data_path} is not the data folder this lake was created "
                               f"with ({stored.group(1) if stored else 'see the catalog'}); unset it or set it to "
                               "that folder")
    if "creating a new DuckLake is explicitly disabled" in msg:
        return WarehouseMissing(f"no warehouse in the lake {lake}; load data into it first "
                                f"(`retroscope --db '{lake.url}' sync jira`, or `retroscope migrate --to` it)")
    why = re.search(r"Unable to connect to Postgres at .*? failed: (?:FATAL: )?\s*(.*)$", msg)
    if why:
        reason = why.group(1).strip()
        fix = ("create that database on the catalog server first (createdb)" if "does not exist" in reason
               else "check PGPASSWORD (or ~/.pgpass) and the user in the URL" if "authentication" in reason
               else "check that the catalog server is up and the host and port in the URL")
        return RetroscopeError(f"cannot reach the lake's catalog ({lake}): {reason[:200]}; {fix}")
    return RetroscopeError(f"cannot open the lake {lake}: {msg[:300]}; check the catalog server is up and that "
                           "PGPASSWORD / PGUSER etc. are set in the environment")


def open_lake(lake: Lake, *, read_only: bool, snapshot: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the lake attached as `lake` and its schema in use.
    read_only: readers; `snapshot`: pin every query to that snapshot (a consistent view)."""
    con = _new_connection()
    try:
        try:
            _attach_first(con, lake, read_only=read_only, snapshot=snapshot)
        except duckdb.Error as e:
            raise _attach_error(lake, e, read_only=read_only) from None
        _use(con, lake.schema)
    except BaseException:
        con.close()
        raise
    return con


def _use(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Make the lake's `schema` the default, or the lake's main schema while it does not exist
    yet (a reader of a lake no one has written user input to)."""
    try:
        con.execute(f"USE {CATALOG}.{schema}")
    except duckdb.CatalogException:
        con.execute(f"USE {CATALOG}")


def has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    try:
        con.execute(f"SELECT 1 FROM {CATALOG}.{schema}.{table} LIMIT 0").fetchall()
        return True
    except duckdb.CatalogException:
        return False


def has_userdata(con: duckdb.DuckDBPyConnection) -> bool:
    """Does the lake hold a user-input store (its schema with the retros table)?"""
    return has_table(con, USERDATA_SCHEMA, "retros")


def use_schema(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Create `schema` in the lake if missing (a write) and make it the default."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{schema}")
    con.execute(f"USE {CATALOG}.{schema}")


def current_snapshot(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute(f"SELECT id FROM {CATALOG}.current_snapshot()").fetchall()[0][0])


def exists(lake: Lake) -> bool:
    """Does the lake hold a warehouse (its raw tables)? False for an empty catalog."""
    try:
        con = open_lake(lake.warehouse(), read_only=True)
    except WarehouseMissing:
        return False
    try:
        if lake.schema == MAIN_SCHEMA:
            return has_table(con, MAIN_SCHEMA, "raw_loads")
        return has_userdata(con)
    finally:
        con.close()


def open_reader(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A read-only connection pinned to the lake's current snapshot: every query on it sees
    the same data however many loads commit meanwhile (as a reader of a file keeps the file
    it opened)."""
    con = open_lake(lake, read_only=True)
    try:
        if not has_table(con, MAIN_SCHEMA, "raw_loads"):
            raise WarehouseMissing(f"no warehouse in the lake {lake}; load data into it first "
                                   f"(`retroscope --db '{lake.url}' sync jira`, or `retroscope migrate --to` it)")
        snap = current_snapshot(con)
        con.execute("USE memory")
        con.execute(f"DETACH {CATALOG}")
        con.execute(_attach_sql(lake, read_only=True, snapshot=snap))
        _use(con, lake.schema)
    except BaseException:
        con.close()
        raise
    return con


def version(lake: Lake) -> int | None:
    """The lake's current snapshot id (what the dashboard keys its connection on), or None
    when it holds no warehouse."""
    try:
        con = open_lake(lake, read_only=True)
    except WarehouseMissing:
        return None
    try:
        return current_snapshot(con) if has_table(con, MAIN_SCHEMA, "raw_loads") else None
    finally:
        con.close()


class Probe:
    """A long-lived read-only connection that answers "which snapshot is the lake at?" in one
    catalog round trip (the dashboard asks on every page run, as it stats a warehouse file)."""

    def __init__(self, lake: Lake):
        self.lake = lake
        self._con: duckdb.DuckDBPyConnection | None = None
        self._lock = threading.Lock()
        self._found = False

    def snapshot(self) -> int | None:
        """The current snapshot id, or None when the lake holds no warehouse yet."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    if self._con is None:
                        self._con = open_lake(self.lake.warehouse(), read_only=True)
                    if not self._found:     # once a warehouse is there, one round trip per ask
                        if not has_table(self._con, MAIN_SCHEMA, "raw_loads"):
                            return None
                        self._found = True
                    return current_snapshot(self._con)
                except WarehouseMissing:
                    return None
                except duckdb.Error:      # the catalog server restarted: reconnect once
                    self.close_locked()
                    if attempt == 2:
                        raise
            return None

    def close_locked(self) -> None:
        if self._con is not None:
            with contextlib.suppress(duckdb.Error):
                self._con.close()
            self._con = None
