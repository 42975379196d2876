"""Stored facts: the derived layers materialised as real tables at load time.

Every load (Jira sync, import, demo) ends, inside its one transaction, with `build()`:
the staging views and the as-of marts listed in STORED are computed once, for the load's
default `as_of` (the data's freshness), into tables of the warehouse's `facts` schema,
with `facts.meta` recording the instant, a fingerprint of the SQL and the analysis
config they were built with, and the build time. (A load that wrote a few issues updates
them incrementally instead, to the same result: queries/facts_incremental.py.) Any DuckDB
client can read them:

    duckdb data/retroscope.duckdb "SELECT * FROM facts.sprint_facts"

At connect time `queries.connect` checks the fingerprint. When it matches, the connection
uses the derived layers stored beside the facts (schema `derived`):
- a staging view reads its stored parse (`stg.<name>`);
- an as-of mart `fct_x(as_of, ...)` is its stored table for the stored as_of, else its live
  definition (`fct_x__live`); queries.facts_delta caches another as_of on first use (the
  stored rows plus a small delta), so it is computed at most once per connection.
When it does not match (config edited, Retroscope upgraded, a warehouse from before
stored facts), nothing is re-pointed: every figure is computed live, exactly as before,
and `status()` says how to rebuild (`retroscope refresh`, or the next load).

The live SQL files stay the one definition of each rule: the stored tables are their
output, so stored and live figures are equal by construction (a test compares them on
random histories and as_of values).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from queries import errors
from queries.config import AnalysisConfig
from queries.dates import utc_instant
from queries.errors import RetroscopeError
from queries.literals import sql_string

SCHEMA = "facts"          # public fact tables (documented in docs/facts.md)
STG_SCHEMA = "stg"        # the stored parse of the raw history the marts start from
DERIVED_SCHEMA = "derived"  # the staging views, marts and config the facts were built with
READER_SCHEMA = "reader"    # the stored marts' macros again, as Retroscope's readers call them (_branches)
# Bump when the way facts are stored changes (the SQL text is fingerprinted separately), the
# form of the stored derived layers included: a load keeps the derived layers stored under the
# same fingerprint and writes only the stored marts' macros again (store_mart_macro).
FACTS_VERSION = "6"   # 2: estimate_calibration among STORED_REPORTS; 3: issue_versions among STORED_MARTS;
                      # 4: a mart with an `earlier` rule answers an earlier instant in its stored macro;
                      # 5: schema `reader`, the stored marts' macros that bind only the branch taken;
                      # 6: sprint members keep their trajectory and answer an earlier instant from it

# Staging views stored as tables (as-of independent): the parses every mart starts from.
STORED_VIEWS: tuple[str, ...] = (
    "stg_statuses", "stg_issues", "stg_status_changes", "stg_issue_field_changes",
    "stg_sprint_field_changes", "stg_sprint_sprints", "stg_sprint_issues", "stg_board_issues",
    "stg_board_done_statuses",
)

# The order a full build writes some parses in, by what their readers narrow on (boards, an issue's
# changes together, issues created by an instant). Besides letting a scan skip row groups, a write
# in order is the cheaper one: DuckDB writes an ordered result with its batch insert, on both cores,
# and the result of a join or a cross join through its plain insert, on fewer (docs/facts.md
# "Writing in order"). An incremental load appends; no reader relies on the order.
STORED_VIEW_ORDER: dict[str, str] = {
    "stg_issues": "created_at",
    "stg_sprint_field_changes": "source, issue_id, ord",
    "stg_sprint_issues": "source, issue_id",
    "stg_board_issues": "source, board_id",
}
assert set(STORED_VIEW_ORDER) <= set(STORED_VIEWS)

# Stored parses with one row (or more) per issue: what a per-issue mart is narrowed by (to D in
# queries/facts_delta.py, to a part of the issues below); the other STORED_VIEWS (statuses,
# sprints, board done statuses) are small and read whole.
PER_ISSUE_VIEWS: tuple[str, ...] = (
    "stg_issues", "stg_status_changes", "stg_issue_field_changes", "stg_sprint_field_changes",
    "stg_sprint_issues", "stg_board_issues",
)
# Raw tables keyed per issue, shadowed by narrowed views the same way (fct_status_intervals
# reads raw_issues; an incremental load recomputes D's parses from them).
RAW_ISSUE_TABLES: tuple[str, ...] = ("raw_issues", "raw_status_changes", "raw_field_changes")

# A full build computes each mart marked `in_parts` over parts of at most this many issues
# (by a hash of the issue id), appending each part's rows: those marts hold several rows per
# issue, and computed whole at 1M issues their intermediate rows outgrow the memory limit a
# large load runs under (connectors.demo.SCALE_MEMORY_LIMIT) and spill to disk
# (docs/facts.md, "A full build in parts").
PART_ISSUES = 400_000


@dataclass(frozen=True)
class StoredMart:
    name: str                          # the mart (table macro) it stores
    table: str                         # its table in the facts schema
    args: tuple[str, ...]              # the macro's arguments, as_of first
    board_arg: str | None = None       # the argument that narrows to one board (cached per board)
    order_by: str | None = None        # a full build stores the rows in this order (readers sort less,
                                       # or skip the row groups a range predicate rules out); in
                                       # parts, each part's rows in this order
    in_parts: bool = False             # a per-issue mart a large full build computes in parts
    # its rows at an as_of earlier than the stored one, read from the stored tables (a table
    # macro over them and the mart's arguments; SQL with {facts} for the stored schema and each
    # argument as {name}): its macro answers such an instant itself, nothing computed or cached.
    # For the marts that compute their rows over the whole history and clip them to as_of at the
    # end, or read them again at an earlier instant by their own rule (docs/facts.md, "Any as_of
    # stays exact")
    earlier: str | None = None


# As-of marts stored for the default as_of, in dependency order (a mart after those it reads).
STORED_MARTS: tuple[StoredMart, ...] = (
    # by end: an earlier instant T reads the versions that ended after T and the current ones
    # (marts/stale_versions_at.sql, issues_stale_at.sql), a few row groups of the table
    # (T <= S: the versions stored at S clipped to T by the mart's own clipping rule)
    StoredMart("fct_issue_versions", "issue_versions", ("as_of",), order_by="valid_to NULLS FIRST", in_parts=True,
               earlier="issue_versions_at('{facts}.issue_versions', {as_of})"),
    # by completion: the issues completed in a period are a few row groups
    StoredMart("fct_issue_facts", "issue_facts", ("as_of",), order_by="completed_at"),
    # (the stays stored at S clipped to T, by the mart's own rule)
    StoredMart("fct_status_intervals", "status_stays", ("as_of",),
               earlier="status_stays_at('{facts}.status_stays', {as_of})"),
    # (the stored totals of the issues with no stay entered or left after T, the others
    # totalled again over their clipped stays)
    StoredMart("fct_status_totals", "status_totals", ("as_of",), order_by="issue_key, status, status_id, issue_id",
               earlier="status_totals_between('{facts}.status_totals', '{facts}.status_stays', {as_of})"),
    StoredMart("fct_sprint_windows", "sprint_windows", ("as_of",)),
    # (the stored rows of the sprints whose window is the same, the others' read again at their
    # earlier end from the trajectories the rows keep; two macros, so that a query reading a few
    # columns of the first reads only those: marts/sprint_members_kept.sql, sprint_members_moved.sql)
    StoredMart("fct_sprint_board_members", "sprint_members", ("as_of", "in_board"), board_arg="in_board",
               order_by="source, board_id", in_parts=True,
               earlier="(SELECT * FROM sprint_members_kept('{facts}.sprint_members', '{facts}.sprint_windows', {as_of}, "
                       "{in_board}) UNION ALL BY NAME SELECT * FROM sprint_members_moved('{facts}.sprint_members', "
                       "'{facts}.sprint_windows', {as_of}, {in_board}))"),
    StoredMart("fct_shipped_items", "shipped_items", ("as_of",)),
)
# Per-issue marts: each issue's rows computed from that issue's rows alone (and the small shared
# tables), so they can be computed for some issues only: D's rows recomputed by an incremental
# load or another as_of (queries/facts_delta.py), the parts of a full build (`in_parts`). The
# other marts in STORED_MARTS are small and computed whole; STORED_MARTS lists the per-issue ones first.
PER_ISSUE_MARTS: frozenset[str] = frozenset({"fct_issue_versions", "fct_issue_facts", "fct_status_intervals",
                                             "fct_status_totals", "fct_sprint_board_members"})
assert {m.name for m in STORED_MARTS if m.in_parts} <= PER_ISSUE_MARTS, "only a per-issue mart is built in parts"

# Report outputs stored as tables for DuckDB clients (all boards, whole history, default
# as_of). A query asking exactly that (the stored as_of, every other parameter unset) reads
# the table (`stored_report`); any other question runs the report over the stored marts.
# (time_in_status is not among them: its rows grow with as_of, so every load, incremental
# too, would rebuild it whole; it reads the stored status_totals instead, docs/facts.md.)
STORED_REPORTS: tuple[str, ...] = ("sprint_facts", "flow_weekly", "work_mix", "estimate_calibration")


def fingerprint(config: AnalysisConfig, derived_sql: tuple[tuple[str, str], ...]) -> str:
    """What the stored facts depend on besides the raw data: the derived SQL and the config."""
    h = hashlib.sha256(FACTS_VERSION.encode())
    for name, text in derived_sql:
        h.update(name.encode())
        h.update(text.encode())
    for name, df in sorted(config.tables().items()):
        h.update(name.encode())
        h.update(df.to_csv(index=False).encode())
    return h.hexdigest()[:16]


def build(con: duckdb.DuckDBPyConnection, *, as_of: datetime, fp: str,
          derived_sql: tuple[tuple[str, str], ...], config_tables: tuple[str, ...], ddl,
          keep_derived: bool, inputs: str | None = None, note: str | None = None,
          step: Callable[[], None] = lambda: None) -> dict[str, float]:
    """Materialise STORED_VIEWS and STORED_MARTS (at `as_of`) into the connection's database.
    The staging layer must exist on `con` as live TEMP objects (over the raw tables); the marts
    are computed through the derived layers stored in schema `derived`: kept as they are
    (`keep_derived`: stored under this very fingerprint) or written anew as the marts are
    computed (store_derived). Runs inside the caller's transaction. Returns seconds per
    object; "derived layers" is the time spent writing them. `inputs` and `note` go to
    facts.meta (see queries.facts_incremental). `step()` is called as each object is stored
    (the loader's progress)."""
    timings: dict[str, float] = {}
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {STG_SCHEMA}")
    for v in STORED_VIEWS:
        t0 = time.perf_counter()
        order = f" ORDER BY {STORED_VIEW_ORDER[v]}" if v in STORED_VIEW_ORDER else ""
        con.execute(f"CREATE OR REPLACE TABLE {STG_SCHEMA}.{v} AS SELECT * FROM {v}{order}")
        # the marts below read the stored parse (the view is re-pointed on this connection)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {v} AS SELECT * FROM {STG_SCHEMA}.{v}")
        timings[v] = time.perf_counter() - t0
        step()
    write_meta(con, as_of, fp, timings, inputs=inputs, note=note)

    parts = build_parts(con)

    def compute(m: StoredMart) -> None:
        t0 = time.perf_counter()
        args = ", ".join(["$as_of"] + ["NULL"] * (len(m.args) - 1))
        rows = f"SELECT * FROM {m.name}__live({args})" + (f" ORDER BY {m.order_by}" if m.order_by else "")
        n = parts if m.in_parts else 1
        # (no try/finally: on an error the loader rolls back and closes this connection, TEMP views and all)
        for p in range(n):
            if n > 1:
                part = f"hash(issue_id) % {n} = {p}"
                # the raw tables too, as for D: neither mart reads them today; one that did
                # would otherwise see every issue in every part
                narrow_raw(con, part)
                narrow_parses(con, part)
            con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.{m.table} AS {rows}" if p == 0
                        else f"INSERT INTO {SCHEMA}.{m.table} {rows}", {"as_of": as_of})
        if n > 1:
            widen(con, keep_views=True)
        timings[m.table] = time.perf_counter() - t0
        step()

    t0 = time.perf_counter()
    if keep_derived:
        use_derived(con)
        for m in STORED_MARTS:
            compute(m)
            store_mart_macro(con, m)   # the marts after it read this table
    else:
        store_derived(con, derived_sql, config_tables, ddl, on_mart=compute)
    timings["derived layers"] = time.perf_counter() - t0 - sum(timings[m.table] for m in STORED_MARTS)
    return timings


def build_parts(con: duckdb.DuckDBPyConnection) -> int:
    """How many parts a full build computes the `in_parts` marts in: one per PART_ISSUES
    issues of the stored parse (one up to that many)."""
    n = con.execute(f"SELECT count(*) FROM {STG_SCHEMA}.stg_issues").fetchall()[0][0]
    return max(1, -(-n // PART_ISSUES))


def narrow_raw(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Shadow the per-issue raw tables with TEMP views of their rows where `where` holds (SQL
    over source and issue_id)."""
    db = con.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    for t in RAW_ISSUE_TABLES:
        con.execute(f'CREATE OR REPLACE TEMP VIEW {t} AS SELECT * FROM "{db}".main.{t} WHERE {where}')


def narrow_parses(con: duckdb.DuckDBPyConnection, where: str) -> None:
    """Point the staging views at the stored parses, the per-issue ones narrowed to the rows
    where `where` holds (SQL over source and issue_id)."""
    for v in STORED_VIEWS:
        cond = f" WHERE {where}" if v in PER_ISSUE_VIEWS else ""
        con.execute(f"CREATE OR REPLACE TEMP VIEW {v} AS SELECT * FROM {STG_SCHEMA}.{v}{cond}")


def widen(con: duckdb.DuckDBPyConnection, *, keep_views: bool) -> None:
    """Back to every issue: drop the raw tables' shadows; the staging views read the stored
    parses whole (`keep_views`, a loader's connection) or are dropped (a reader's, whose
    stored derived views read the same)."""
    for t in RAW_ISSUE_TABLES:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{t}")
    for v in STORED_VIEWS:
        if keep_views:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {v} AS SELECT * FROM {STG_SCHEMA}.{v}")
        else:
            con.execute(f"DROP VIEW IF EXISTS temp.main.{v}")


def store_report(con: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict) -> None:
    """A report's output (all boards, whole history, the stored as_of) as facts.<name>."""
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.{name} AS {sql.strip().rstrip(';')}", params)


def set_built_seconds(con: duckdb.DuckDBPyConnection, seconds: float) -> None:
    con.execute(f"UPDATE {SCHEMA}.meta SET built_seconds = $s", {"s": round(seconds, 3)})


def write_meta(con, as_of, fp, timings, *, inputs: str | None = None, note: str | None = None) -> None:
    """facts.meta: the instant, the fingerprint, build seconds; `inputs`: the hash of the shared
    inputs an incremental build checks; `build`: full (and why) or incremental (and how much)."""
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.meta (as_of TIMESTAMPTZ, fingerprint VARCHAR, "
                "facts_version VARCHAR, built_seconds DOUBLE, inputs VARCHAR, build VARCHAR)")
    con.execute(f"INSERT INTO {SCHEMA}.meta VALUES ($a, $f, $v, $s, $i, $b)",
                {"a": as_of, "f": fp, "v": FACTS_VERSION, "s": round(sum(timings.values()), 3),
                 "i": inputs, "b": note})


def read_meta(con: duckdb.DuckDBPyConnection, *, in_transaction: bool = True) -> dict | None:
    """The one reader of facts.meta: its row in the connection's database, by column name
    (facts stored by an earlier version lack the later columns: `inputs`, `build`), with
    `derived`: whether the derived layers are stored beside them (schemas `derived` and
    `reader`); None when there are no stored facts. `in_transaction` (the default, always
    safe): the table is looked up first, not tried, since a failed statement would abort a
    loader's transaction; stored_meta, run as every connection opens, tries it instead (the
    lookup would add ~4 ms, a fifth of opening the file)."""
    if in_transaction and not con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = $s AND table_name = 'meta'", {"s": SCHEMA}).fetchall()[0][0]:
        return None
    try:
        cur = con.execute(f"SELECT *, (SELECT count(*) = 2 FROM duckdb_schemas() WHERE database_name = current_database() "
                          f"AND schema_name IN ($d, $r)) AS fx_derived FROM {SCHEMA}.meta",
                          {"d": DERIVED_SCHEMA, "r": READER_SCHEMA})
    except duckdb.CatalogException:
        if in_transaction:
            raise
        return None
    rows = cur.fetchall()
    if not rows:
        return None
    row = dict(zip([d[0] for d in cur.description], rows[0], strict=True))
    row["derived"] = row.pop("fx_derived")
    return row


def stored_meta(con: duckdb.DuckDBPyConnection) -> dict | None:
    """What a reader needs of facts.meta (read_meta), or None when there are no stored facts."""
    try:
        row = read_meta(con, in_transaction=False)
    except duckdb.Error as e:   # a damaged file opens, then fails on its first read
        raise RetroscopeError(f"cannot read the warehouse: {errors.unreadable(str(e))}; if the file is damaged, "
                              f"move it aside and {errors.REBUILD_WAREHOUSE}") from None
    if row is None:
        return None
    return {"as_of": row["as_of"], "fingerprint": row["fingerprint"], "built_seconds": row["built_seconds"],
            "derived": row["derived"], "build": row.get("build")}


def use_derived(con: duckdb.DuckDBPyConnection) -> None:
    """Names resolve in schema `derived` after main (TEMP objects still shadow both)."""
    con.execute(f"SET search_path = 'main,{DERIVED_SCHEMA}'")


def use_stored(con: duckdb.DuckDBPyConnection) -> None:
    """A reader of the stored facts: names resolve in schema `reader` (the stored marts'
    macros that bind only the branch taken), then `derived`, after main (TEMP objects still
    shadow them all)."""
    con.execute(f"SET search_path = 'main,{READER_SCHEMA},{DERIVED_SCHEMA}'")


def store_derived(con: duckdb.DuckDBPyConnection, derived_sql: tuple[tuple[str, str], ...],
                  config_tables: tuple[str, ...], ddl, *, on_mart=None) -> None:
    """Write the derived layers and the config the facts are built with to schema `derived`,
    anew, so that a reader under the same fingerprint needs to create nothing but its caches
    (and any DuckDB client can use them after `SET search_path = 'main,derived'`). Staging
    views read the stored parse; each stored mart is its stored table for the stored instant
    (facts.meta), else its own definition (`<mart>__live`). `ddl(name, text, schema)` is the
    one rule that turns a packaged SQL file into its CREATE statement (queries.derived_ddl).
    `on_mart(m)`, when given, stores mart m's table (a loader computing through these layers)
    between writing its definition and its macro, so every object is written once, after
    those it reads. A later load under the same fingerprint keeps the layers and writes only
    the stored marts' macros again (store_mart_macro), which name the stored instant."""
    d = DERIVED_SCHEMA
    for schema in (d, READER_SCHEMA):
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        con.execute(f"CREATE SCHEMA {schema}")
    use_derived(con)
    for t in config_tables:
        con.execute(f"CREATE TABLE {d}.{t} AS SELECT * FROM temp.main.{t}")
    marts = {m.name: m for m in STORED_MARTS}
    for name, text in derived_sql:
        if name in STORED_VIEWS:
            con.execute(f"CREATE VIEW {d}.{name} AS SELECT * FROM {STG_SCHEMA}.{name}")
        elif name in marts:
            m = marts[name]
            con.execute(ddl(f"{name}__live", text, d))
            if on_mart is not None:
                on_mart(m)
            # (the `earlier` rule may call an object written later: the macros get it below)
            store_mart_macro(con, m, complete=False)
        else:
            con.execute(ddl(name, text, d))
    for m in STORED_MARTS:
        if m.earlier:
            store_mart_macro(con, m)


def store_mart_macro(con: duckdb.DuckDBPyConnection, m: StoredMart, *, complete: bool = True) -> None:
    """The stored mart's macros: its stored table at the stored instant (facts.meta), its
    `earlier` rule before it, else its own definition there; in schema `derived` for any
    client (any argument), and in schema `reader` for Retroscope's readers (constant arguments:
    each binds only the branch it takes, see _branches). `complete`: every object the `earlier`
    rule calls is written (else the macros are written without that rule, for the marts
    computed after it, and again once they are)."""
    stored, live = ts_literal(_meta_as_of(con)), f"{DERIVED_SCHEMA}.{m.name}__live"
    for schema, lazy in ((DERIVED_SCHEMA, False), (READER_SCHEMA, True)):
        con.execute(f"CREATE OR REPLACE MACRO {schema}.{m.name}({', '.join(m.args)}) AS TABLE\n"
                    + _branches(m, stored, live=live, earlier=complete, lazy=lazy))


def _branches(m: StoredMart, stored: str, *, live: str, cached: str | None = None, in_cache: str = "false",
              earlier: bool = True, lazy: bool = True) -> str:
    """A stored mart's macro body: the stored table for the stored instant, the mart's
    `earlier` rule before it (with `earlier`), `cached` (a SELECT) for the instants in
    `in_cache` (SQL condition), else the live definition `live`. The as_of and board arguments
    are bound parameters folded into constants, so DuckDB keeps one branch when it binds the
    query; the stored instant and the cached ones are literals.

    DuckDB binds every branch of a UNION before it folds the false ones away, and binding the
    live definition (every mart it reads, expanded) was most of planning a query at the stored
    instant. `lazy`: the `earlier` and live branches are one query() call instead, which binds
    only the SQL text its argument folds to: the branch taken (the other reads no row of the
    stored table, whose columns are the definition's). Its argument must be a constant when the
    query is bound, so the mart's arguments must be too (literals, bound parameters, constant
    expressions; not a subquery): Retroscope's own SQL passes nothing else (docs/facts.md
    "Binding only the branch taken")."""
    a, b = m.args[0], m.board_arg
    board = f" AND ({b} IS NULL OR board_id = {b})" if b else ""
    parts = [f"SELECT * FROM {SCHEMA}.{m.table} WHERE {a} = {stored}{board}"]
    rest = f"{a} IS DISTINCT FROM {stored}"
    is_earlier = None
    if m.earlier and earlier:
        is_earlier = f"{a} < {stored}"
        if not lazy:
            parts.append(f"SELECT * FROM {m.earlier.format(facts=SCHEMA, **{x: x for x in m.args})} WHERE {is_earlier}")
        rest += f" AND NOT coalesce({is_earlier}, false)"
    if cached:
        parts.append(f"SELECT * FROM ({cached}) WHERE {rest}")
    if not lazy:
        parts.append(f"SELECT * FROM {live}({', '.join(m.args)})\n"
                     f"  WHERE {rest} AND NOT ({in_cache})")
        return "\nUNION ALL BY NAME\n".join(parts)
    call = " || ', ' || ".join(_sql_literal(x) for x in m.args)
    whens = []
    if is_earlier:
        # the rule's text with each argument's literal in its place ("\0name\0" marks it)
        pieces = m.earlier.format(facts=SCHEMA, **{x: f"\0{x}\0" for x in m.args}).split("\0")
        text = " || ".join(_sql_literal(t) if i % 2 else sql_string(t) for i, t in enumerate(pieces))
        whens.append(f"  WHEN {is_earlier} THEN 'SELECT * FROM ' || {text}\n")
    whens.append(f"  WHEN {rest} AND NOT ({in_cache}) THEN 'SELECT * FROM {live}(' || {call} || ')'\n")
    parts.append("SELECT * FROM query(CASE\n" + "".join(whens)
                 + f"  ELSE 'SELECT * FROM {SCHEMA}.{m.table} LIMIT 0' END)")
    return "\nUNION ALL BY NAME\n".join(parts)


def _sql_literal(arg: str) -> str:
    """SQL that folds to the text of a literal of macro argument `arg` as the definition would
    have received it, for the SQL text query() binds: NULL; an instant with a time zone as its
    microseconds since the epoch (exact whatever the session's time zone: its text form can
    drop the seconds of a historical offset); text as an untyped string literal (cast where it
    is used, as a bound string is); anything else as CAST('<value>' AS <type>). Quotes doubled."""
    text = "'''' || replace(" + arg + "::VARCHAR, '''', '''''') || ''''"
    return ("coalesce(CASE typeof(" + arg + ") "
            "WHEN 'TIMESTAMP WITH TIME ZONE' THEN 'make_timestamptz(' || epoch_us(" + arg + "::TIMESTAMPTZ) || ')' "
            "WHEN 'VARCHAR' THEN " + text + " "
            "ELSE 'CAST(' || " + text + " || ' AS ' || typeof(" + arg + ") || ')' END, 'NULL')")


def _meta_as_of(con: duckdb.DuckDBPyConnection):
    return read_meta(con)["as_of"]


def mark_stored(con: duckdb.DuckDBPyConnection, as_of=None) -> None:
    """On a connection reading the stored derived layers (their marts already answer the stored
    instant from the tables and any other live): note the stored instant, so that another
    instant can be cached (queries.facts_delta.ensure, which adds, per mart, a cache table and
    a TEMP macro shadowing the stored two-branch one, on first use)."""
    con.execute("CREATE TEMP TABLE IF NOT EXISTS fx_stored AS SELECT $a::TIMESTAMPTZ AS stored_as_of",
                {"a": _meta_as_of(con) if as_of is None else as_of})
    _STORED_AS_OF.pop(con, None)   # read back from fx_stored (one made before keeps its instant)


_KEEPING: weakref.WeakSet = weakref.WeakSet()


def keep_stored_sprint_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Before the sprint_facts report runs on `con` (at another instant than the stored one,
    or with a filter; else its stored table is read): on a connection reading stored facts,
    its `sprint_facts_kept` reads the stored rows of the sprints whose window did not move
    (marts/sprint_facts_kept.sql); only there, where the stored tables are the raw data's (a
    loader, which writes facts.sprint_facts anew, never does: queries.build_facts). Made once
    per connection, on the first such question rather than as every connection opens:
    creating the macro binds the windows' macro (~1.2 ms at 100k issues, a tenth of what
    opening adds to a bare open)."""
    if con in _KEEPING:
        return
    if stored_as_of(con) is not None:
        con.execute("CREATE OR REPLACE TEMP MACRO sprint_facts_kept(as_of) AS TABLE SELECT * FROM "
                    f"stored_sprint_rows_at('{SCHEMA}.sprint_facts', '{SCHEMA}.sprint_windows', as_of)")
    _KEEPING.add(con)


def ts_literal(v) -> str:
    return f"TIMESTAMPTZ '{utc_instant(v).isoformat()}'"


def point_mart(con: duckdb.DuckDBPyConnection, m: StoredMart, *, stored, cached: str | None = None,
               in_cache: str = "false") -> None:
    """The mart's TEMP macro on this connection: the stored table for the stored as_of
    (`stored`: stored_as_of, read by the caller), its `earlier` rule before it, `cached` for
    the as_of values in `in_cache` (queries.facts_delta), else `<mart>__live`."""
    con.execute(f"CREATE OR REPLACE TEMP MACRO {m.name}({', '.join(m.args)}) AS TABLE\n"
                + _branches(m, ts_literal(stored), live=f"{m.name}__live",
                            cached=cached, in_cache=in_cache))


# The stored instant of each connection that reads stored facts, as its fx_stored holds it:
# read once per connection, not on every question (the read cost ~1 ms at 100k issues, as much
# as reading a small stored report; a page asks a dozen questions). fx_stored never changes once
# made (mark_stored), so the value kept is the table's.
_STORED_AS_OF: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def stored_as_of(con: duckdb.DuckDBPyConnection):
    """The stored as_of when `con` reads stored facts, else None."""
    with contextlib.suppress(KeyError, TypeError):
        return _STORED_AS_OF[con]
    try:
        rows = con.execute("SELECT stored_as_of FROM temp.fx_stored").fetchall()
    except duckdb.CatalogException:
        return None
    at = rows[0][0] if rows else None
    if at is not None:
        with contextlib.suppress(TypeError):   # (an object that cannot be weakly referenced: not kept)
            _STORED_AS_OF[con] = at
    return at


def stored_report(con: duckdb.DuckDBPyConnection, name: str, bound: dict) -> str | None:
    """The SELECT that reads report `name`'s stored table when `bound` (its parameters) asks
    exactly what the load stored it for: the stored as_of and every other parameter unset;
    else None (the report runs). Only on a connection reading stored facts."""
    if name not in STORED_REPORTS or "as_of" not in bound or bound["as_of"] is None:
        return None
    if any(v is not None for k, v in bound.items() if k != "as_of"):
        return None
    stored = stored_as_of(con)
    if stored is None:
        return None
    asked, at = utc_instant(bound["as_of"]), pd.Timestamp(stored)
    return f"SELECT * FROM {SCHEMA}.{name}" if asked == at else None
