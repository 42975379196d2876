"""Facts at one instant from the facts stored at another: which rows can differ (the delta
rule), written once and used twice (docs/facts.md, "Incremental loads" and "Any as_of stays
exact"):

- the incremental load (queries/facts_incremental.py) moves the stored facts from the stored
  instant to the load's new one, recomputing only the rows of the delta;
- a connection asked about another as_of (`ensure`, called by `queries.run`) answers it from
  the stored rows outside the delta plus the delta's rows computed for that as_of, and keeps
  them for the connection's most recently used instants (CACHED_INSTANTS).

Every stored fact row belongs to one issue (a status stay, an issue's facts, a sprint x issue
member; the stored parses too) and is a function of that issue's raw rows, a few small shared
inputs (statuses, board done columns, boards, sprints, config) and the instant `as_of`. So
between the stored instant S and another instant T a row can differ only if its issue is in

    C  the issues a load wrote (their raw rows changed; none when only as_of differs);
    E  issues with an event between the two instants, in (min(S, T), max(S, T)]: created,
       resolved, a status, estimate or sprint change (visible at one instant, not the other);
    O  open issues with a backward move: their rework runs until as_of;
    R  issues whose sprint field (now or in its history) names a sprint whose window differs
       at the two instants otherwise than by its end moving with as_of (it started or closed
       between them, or a load edited it), plus the stored members of such sprints;

and in two as_of-dependent columns of rows that are otherwise the same, which are moved in
place (REANCHOR): `until_at` of the stay still open (`coalesce(left_at, as_of)`, the rule in
marts/status_stays_at.sql) and `t_end` of the members of a sprint running at both instants (its
window's end at the other instant; a member with an event in between is in E). O and R are
read from the stored rows: an issue outside E is in the same state at both instants. The rows
of D = C ∪ E ∪ O ∪ R are computed with the marts' own SQL over the stored parses narrowed to
D (TEMP views shadow the raw tables and the parses, so the same macros read only D's rows);
issues created after T are in E and give no rows. The small marts (sprint windows, shipped
items) are computed whole. The property tests compare both uses with a computation from
scratch (tests/test_stored_facts.py).

Another as_of narrows further, per mart: at an as_of earlier than the stored one the status
stays, the issue versions and the sprint members need no delta: the first two are the stored
ones clipped to it by the mart's own rule, the status totals are read from them, and the sprint
members are the stored rows, those of a sprint running then read again at its end then from the
trajectory each row keeps (StoredMart.earlier: marts/sprint_members_kept.sql and
sprint_members_moved.sql); the issue facts' delta is read off the stored versions. The issue facts and versions (and the status
stays and totals at a later as_of) read no sprint, so their rows can differ only for D_issues =
E without sprint changes, plus O (`delta_issues`; no sprint windows needed); at a later as_of
the sprint members are computed only for the issues of D whose sprint field names a sprint with
a window at T (SPRINT_ROWS).
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass

import duckdb

from queries import facts
from queries.dates import utc_instant
from queries.facts import PER_ISSUE_MARTS
from queries.transactions import one_transaction

log = logging.getLogger("retroscope.sql")


@dataclass(frozen=True)
class Reanchor:
    """An as_of-dependent column of a stored row that is otherwise the same at both instants:
    set to `value` where `when` holds. `x` is the stored row; with `running`, `r` is the
    row of the sprints running at both instants (source, sprint_id, t_end at the other
    instant) joined on the row's sprint."""
    column: str
    value: str           # SQL; {as_of} is the other instant
    when: str
    running: bool = False


REANCHOR: dict[str, Reanchor] = {
    # fct_status_intervals (marts/status_stays_at.sql): until_at = coalesce(left_at, as_of)
    "status_stays": Reanchor("until_at", "{as_of}", "x.left_at IS NULL"),
    # fct_sprint_board_members: t_end is the window's end, which moves with as_of while the sprint runs
    "sprint_members": Reanchor("t_end", "r.t_end", "r.sprint_id IS NOT NULL", running=True),
}


def reanchor_update(con: duckdb.DuckDBPyConnection, table: str, *, as_of, running: str) -> None:
    """Move the stored table's as_of-dependent column to `as_of` in place (the incremental load)."""
    ra = REANCHOR.get(table)
    if ra is None:
        return
    join = (f" FROM {running} AS r WHERE x.source = r.source AND x.sprint_id = r.sprint_id AND"
            if ra.running else " WHERE")
    value = ra.value.format(as_of="$as_of")
    con.execute(f"UPDATE {facts.SCHEMA}.{table} AS x SET {ra.column} = {value}{join} {ra.when}",
                {"as_of": as_of} if "$as_of" in value else None)


def kept_rows(table: str, *, as_of: str, scope: str, running: str) -> str:
    """SELECT the stored rows of `table` whose issue is not in `scope` (D), re-anchored to
    `as_of` (SQL). `scope` and `running` are relations (SQL) of D and the running sprints."""
    ra = REANCHOR.get(table)
    sel = "x.*"
    join = ""
    if ra is not None:
        sel = (f"x.* REPLACE (CASE WHEN {ra.when} THEN {ra.value.format(as_of=as_of)} "
               f"ELSE x.{ra.column} END AS {ra.column})")
        if ra.running:
            join = f"\nLEFT JOIN {running} AS r ON r.source = x.source AND r.sprint_id = x.sprint_id"
    return (f"SELECT {sel} FROM {facts.SCHEMA}.{table} AS x\n"
            f"ANTI JOIN {scope} AS d ON d.source = x.source AND d.issue_id = x.issue_id{join}")


def _sprint_changes(con: duckdb.DuckDBPyConnection, *, windows: str, out: str, edited: str | None = None) -> None:
    """The sprints whose window differs between the stored instant and another (`windows`, a
    table of the windows there), as TEMP tables: `{out}_running`, those running at both that
    a load did not edit (source, sprint_id, t_end at the other instant; only their end moved)
    and `{out}_sprints`, every other sprint whose window differs, has one at one instant
    only, or that the load edited (`edited`, a table). Each sprint's window at the two
    instants is compared once, by its key (a full join: a third of the time of set
    operations over the whole rows in both directions at 100k issues)."""
    f = facts.SCHEMA
    # the comparison, once, into {out}_sprints (then narrowed in place): running = at both
    # instants the same window but for its end, and not edited by the load; differs = any other
    # difference, or a window at one instant only
    edited_join = f"LEFT JOIN {edited} AS e ON e.source = x.source AND e.sprint_id = x.sprint_id" if edited else ""
    not_edited = " AND e.sprint_id IS NULL" if edited else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {out}_sprints AS
        WITH x AS (SELECT source, sprint_id, state, t_end, row(COLUMNS(* EXCLUDE (t_end))) AS fx_rest FROM {windows}),
             s AS (SELECT source, sprint_id, state, t_end, row(COLUMNS(* EXCLUDE (t_end))) AS fx_rest
                   FROM {f}.sprint_windows)
        SELECT coalesce(x.source, s.source) AS source, coalesce(x.sprint_id, s.sprint_id) AS sprint_id, x.t_end,
               coalesce(x.state = 'active' AND s.state = 'active' AND x.fx_rest IS NOT DISTINCT FROM s.fx_rest
                        {not_edited}, false) AS running,
               x.fx_rest IS DISTINCT FROM s.fx_rest OR x.t_end IS DISTINCT FROM s.t_end AS differs
        FROM x FULL JOIN s ON s.source = x.source AND s.sprint_id = x.sprint_id
        {edited_join}""")
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out}_running AS "
                f"SELECT source, sprint_id, t_end FROM {out}_sprints WHERE running")
    edited_rows = f"SELECT source, sprint_id FROM {edited} UNION " if edited else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {out}_sprints AS
        {edited_rows}SELECT source, sprint_id FROM {out}_sprints WHERE differs AND NOT running""")


def delta(con: duckdb.DuckDBPyConnection, *, stored_as_of, as_of, windows: str, out: str,
          changed: str | None = None, edited: str | None = None, issues: str | None = None) -> int:
    """The delta between the stored facts (at `stored_as_of`) and the facts at `as_of`, as TEMP
    tables: `{out}_running` (sprints running at both instants, not edited: source, sprint_id,
    t_end at as_of), `{out}_sprints` (sprints whose window changed otherwise) and `{out}_scope`
    (D: source, issue_id). `windows`: the sprint windows at as_of (a table); `changed`: the
    issues a load wrote (C), `edited`: the sprints it edited (tables); `issues`: a relation
    (SQL) holding the part of D computed already (delta_issues, when no load wrote issues).
    (At another as_of earlier than the stored one, with no load, the sprint members need no
    delta: marts/sprint_members_moved.sql.) Returns |D|."""
    f, s = facts.SCHEMA, facts.STG_SCHEMA
    p = _between(stored_as_of, as_of)
    _sprint_changes(con, windows=windows, out=out, edited=edited)
    # read from the stored parses: for an issue a load did not write they equal the new ones
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {out}_scope AS
        {_events_sql(changed) if issues is None else f"SELECT source, issue_id FROM {issues}"}
        UNION SELECT source, issue_id FROM {s}.stg_sprint_field_changes WHERE changed_at > $lo AND changed_at <= $hi
        UNION SELECT source, issue_id FROM {f}.sprint_members SEMI JOIN {out}_sprints USING (source, sprint_id)
        UNION SELECT source, issue_id FROM ({_sprint_links_sql()}) AS r SEMI JOIN {out}_sprints USING (source, sprint_id)""", p)
    return con.execute(f"SELECT count(*) FROM {out}_scope").fetchall()[0][0]


def _events_sql(changed: str | None = None) -> str:
    """C, the part of E without sprint changes, and O (SQL over $lo, $hi): the issues whose
    rows in the marts that do not read sprints (issue facts, status stays) can differ."""
    f, s = facts.SCHEMA, facts.STG_SCHEMA
    written = f"SELECT source, issue_id FROM {changed} UNION " if changed else ""
    return f"""{written}SELECT source, issue_id FROM {s}.stg_issues
            WHERE (created_at > $lo AND created_at <= $hi) OR (resolved_at > $lo AND resolved_at <= $hi)
        UNION SELECT source, issue_id FROM {s}.stg_status_changes WHERE changed_at > $lo AND changed_at <= $hi
        UNION SELECT source, issue_id FROM {s}.stg_issue_field_changes WHERE changed_at > $lo AND changed_at <= $hi
        UNION SELECT source, issue_id FROM {f}.issue_facts WHERE completed_at IS NULL AND backward_transitions > 0"""


def _sprint_links_sql(of: str | None = None) -> str:
    """Every (source, issue_id, sprint_id) an issue's sprint field names, now or in its history
    (SQL; of the issues in the table `of`, default all): the only sprints the sprint replay can
    put it in."""
    s = facts.STG_SCHEMA
    only = f" SEMI JOIN {of} USING (source, issue_id)" if of else ""
    return f"""SELECT source, issue_id, unnest(sprint_ids) AS sprint_id FROM {s}.stg_issues{only}
            UNION ALL
            SELECT source, issue_id, unnest(list_concat(from_sprint_ids, to_sprint_ids)) AS sprint_id
            FROM {s}.stg_sprint_field_changes{only}"""


def delta_issues(con: duckdb.DuckDBPyConnection, *, stored_as_of, as_of, out: str) -> int:
    """The part of the delta that the marts not reading sprints need (ISSUE_MARTS): C aside
    (another as_of only), E without sprint changes, and O, as the TEMP table `{out}` (source,
    issue_id). Their rows are a function of the issue's own history and as_of alone, so a
    sprint's window or an issue's sprint changes cannot change them. Returns its size."""
    p = _between(stored_as_of, as_of)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS {_events_sql()}", p)
    return con.execute(f"SELECT count(*) FROM {out}").fetchall()[0][0]


def _between(a, b) -> dict:
    """The two instants as the bound parameters `lo` (the earlier) and `hi`."""
    a, b = utc_instant(a), utc_instant(b)
    return {"lo": min(a, b), "hi": max(a, b)}


def _in(scope: str) -> str:
    return f"(source, issue_id) IN (SELECT source, issue_id FROM {scope})"


def narrow_raw(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    """Shadow the per-issue raw tables with views narrowed to the issues in table `scope`."""
    facts.narrow_raw(con, _in(scope))


def narrow_parses(con: duckdb.DuckDBPyConnection, scope: str) -> None:
    """Point the staging views at the stored parses, the per-issue ones narrowed to the issues
    in table `scope`."""
    facts.narrow_parses(con, _in(scope))


def delete_stale(con: duckdb.DuckDBPyConnection, table: str, scope: str) -> None:
    """Delete the stored rows of the issues in `scope` (the incremental load)."""
    con.execute(f"DELETE FROM {facts.SCHEMA}.{table} WHERE {_in(scope)}")


# --------------------------------------------------------------------------- another as_of
# Per connection (all TEMP): fx_cached (mart, as_of, board) lists what is cached; fx_scoped
# (as_of, part, issues) which deltas were computed; fx_scope holds D and fx_running the running
# sprints per as_of (for the sprint members), fx_scope_issues the narrower D_issues per as_of
# (for ISSUE_MARTS); `<mart>__cache` holds, per as_of, the rows of its delta (per-issue marts) or
# every row (the small marts). Each stored mart's TEMP macro then answers a cached as_of with the
# stored rows outside its delta, re-anchored, plus the cached ones. Each delta is computed when
# a mart that reads it is first asked about (an issue-only question never computes the sprint
# windows or D). A mart narrowed by board is cached for all boards (board NULL), or, when only
# one board was asked about, for that board alone: computed whole when nothing about that
# instant was computed yet (one board's sprints involve few issues), else D's rows of that
# board. An as_of cached for all boards drops its per-board entries, so no row is cached twice.
#
# Bounded: fx_used (as_of, used) orders the cached instants by last use, and a new instant
# first evicts the least recently used ones beyond CACHED_INSTANTS from every table above (an
# evicted instant asked again is computed again). Atomic: everything one question adds to the
# cache (the eviction, deltas, rows, records, macros) is one transaction on the connection (or
# part of the caller's), and each write of a delta or of rows first removes what an
# interrupted earlier attempt may have left under its key, the records (fx_scoped, fx_cached)
# written last.

# Per-issue marts whose rows are a function of the issue's own status, estimate and creation /
# resolution history and as_of (they read no sprint, board or sprint-field row): their delta is
# D_issues (delta_issues), the rest of D (sprint changes, R) cannot change their rows.
ISSUE_MARTS: frozenset[str] = frozenset({"fct_issue_versions", "fct_issue_facts", "fct_status_intervals",
                                         "fct_status_totals"})

# The issues that have rows in the per-issue marts at as_of ($a): those the marts start from
# (marts/issue_counts_at.sql: not sub-tasks, whose parents count, nor issues created after
# as_of; a sprint membership stay starts no earlier than its issue's creation, so such an issue
# cannot be in a window that ends by as_of either). D's other issues are only removed from the
# stored rows.
WITH_ROWS = (f"SELECT source, issue_id FROM {facts.STG_SCHEMA}.stg_issues "
             "WHERE issue_counts_at(is_subtask, created_at, $a)")
# ... and in the sprint members, only issues whose sprint field names (now or in its history)
# a sprint with a window at as_of: the sprint replay puts an issue only in the sprints its
# field names, and has rows only for sprints with a window. SQL over `_fx_rows` (the issues
# kept so far) and {windows} (the windows at as_of).
SPRINT_ROWS = (f"SELECT source, issue_id FROM ({_sprint_links_sql('_fx_rows')}) AS l "
               "WHERE (source, sprint_id) IN (SELECT source, sprint_id FROM {windows})")
_SAFE_BOARD = re.compile(r"^[\w.:-]{1,100}$")   # a board id written into a macro as a literal

# How many instants (as_of values other than the stored one) a connection keeps cached; the
# least recently used one is evicted first. At 100k issues an instant holds 4-17 MB of temporary
# tables, and asking again costs the same with 1 or 16 cached (docs/facts.md, "Any as_of stays
# exact"; benchmarks/as_of_cache.py).
CACHED_INSTANTS = 8
# The per-connection tables keyed by fx_as_of besides the marts' `<mart>__cache`.
_FX_TABLES: tuple[str, ...] = ("fx_cached", "fx_scoped", "fx_scope", "fx_scope_issues", "fx_running", "fx_used")


# Per-issue marts whose rows at an as_of earlier than the stored one are read from the stored
# tables, in their macro itself (facts.StoredMart.earlier): no delta,
# nothing computed, cached or re-pointed here.
# - The status stays and the issue versions: each mart computes them over the whole history
#   and clips them to as_of at the end (status_stays_at, issue_versions_at), so those at
#   T <= S are the ones stored at S clipped to T, by the mart's own clipping rule.
# - The status totals: the stored ones of the issues with no stay entered or left after T,
#   the others totalled again over their clipped stays (status_totals_between).
# - The sprint members: the stored rows of the sprints whose window at T is the stored one;
#   those of a sprint running at T (it closed, or runs on, after T) read again at T, by the rule
#   that made them, from the trajectory each row keeps (sprint_members_moved); a sprint started
#   after T has none. A row depends on T only through its window's end, and every sprint with
#   a window at T has one at S with the same start.

# The issue facts at an earlier T: their delta is the issues whose stored row may not hold at T,
# read off the stored versions (an issue whose last version began after T had an event since;
# one whose rework still runs has it read again at T), no history scanned; their rows are the
# versions holding T with the stored issue's other columns, cached like any delta's rows; every
# other issue's stored row holds at T as stored. The rule is issue_facts_between's, which gives
# a plain DuckDB client the same rows: its parts (marts/issues_stale_at.sql,
# marts/stale_versions_at.sql, marts/issue_facts_of.sql) are called here one by one.
EARLIER_ISSUES = f"SELECT * FROM issues_stale_at('{facts.SCHEMA}.issue_versions', $a)"
EARLIER_VERSIONS = f"SELECT * FROM stale_versions_at('{facts.SCHEMA}.issue_versions', $a)"
EARLIER_ISSUE_ROWS = f"SELECT * FROM issue_facts_of('{facts.SCHEMA}.issue_facts', '_fx_versions', $a)"


def _scope_table(mart: str) -> str:
    return "fx_scope_issues" if mart in ISSUE_MARTS else "fx_scope"


def _cached_branch(m: facts.StoredMart, keys: list) -> tuple[str, str]:
    """The cached branch of the mart's macro for `keys` (as_of, board, whole): whole = every row
    is cached (a small mart, or one board computed from scratch), else its delta's rows, read
    with the stored rows outside its delta."""
    a, b = m.args[0], m.board_arg
    conds: dict[bool, list[str]] = {True: [], False: []}
    for k_as_of, k_board, whole in keys:
        c = f"{a} = {facts.ts_literal(k_as_of)}"
        if k_board is not None:
            c += f" AND {b} IS NOT DISTINCT FROM '{k_board}'"
        conds[bool(whole)].append(f"({c})")
    in_cache = " OR ".join(conds[True] + conds[False]) or "false"
    board = (f" AND (fx_board IS NULL OR fx_board = {b}) AND ({b} IS NULL OR board_id = {b})" if b else "")
    cached = (f"SELECT * EXCLUDE (fx_as_of, fx_board) FROM {m.name}__cache "
              f"WHERE ({in_cache}) AND fx_as_of = {a}{board}")
    if m.name not in PER_ISSUE_MARTS or not conds[False]:
        return cached, in_cache
    kept = kept_rows(m.table, as_of=a,
                     scope=f"(SELECT source, issue_id FROM {_scope_table(m.name)} WHERE fx_as_of = {a})",
                     running=f"(SELECT * FROM fx_running WHERE fx_as_of = {a})")
    board = f" AND ({b} IS NULL OR x.board_id = {b})" if b else ""
    return f"{kept}\nWHERE ({' OR '.join(conds[False])}){board}\nUNION ALL BY NAME\n{cached}", in_cache


def point(con: duckdb.DuckDBPyConnection, m: facts.StoredMart) -> None:
    """Re-create the mart's TEMP macro with a branch for every cached as_of (see facts.point_mart)."""
    keys = con.execute("SELECT fx_as_of, fx_board, whole FROM fx_cached WHERE mart = $m ORDER BY 1, 2",
                       {"m": m.name}).fetchall()
    stored = facts.stored_as_of(con)
    if not keys:   # (all evicted)
        facts.point_mart(con, m, stored=stored)
        return
    branch, in_cache = _cached_branch(m, keys)
    facts.point_mart(con, m, stored=stored, cached=branch, in_cache=in_cache)


def ensure(con: duckdb.DuckDBPyConnection, needed: set[str], as_of, board: str | None = None) -> int | None:
    """Before a query that reads the stored marts in `needed` runs for an as_of other than the
    stored one (and `board`, for the marts narrowed by board): compute those marts for that
    as_of once per connection (their delta's rows for the per-issue marts, all rows for the
    small ones), in dependency order, so that asking again is a read. Without it every figure
    is still right (the live branch), only recomputed. Returns the size of the delta this call
    computed (D, else D_issues; also logged at debug level), else None."""
    if as_of is None or not needed:
        return None
    stored = facts.stored_as_of(con)
    if stored is None or utc_instant(as_of) == utc_instant(stored):
        return None
    key = {"a": as_of}
    con.execute("CREATE TEMP TABLE IF NOT EXISTS fx_cached (mart VARCHAR, fx_as_of TIMESTAMPTZ, fx_board VARCHAR, "
                "whole BOOLEAN)")
    con.execute("CREATE TEMP TABLE IF NOT EXISTS fx_used (fx_as_of TIMESTAMPTZ, used BIGINT)")
    done = con.execute("SELECT mart, fx_board FROM fx_cached WHERE fx_as_of = $a::TIMESTAMPTZ", key).fetchall()
    earlier = utc_instant(as_of) < utc_instant(stored)
    todo: list[tuple[facts.StoredMart, str | None]] = []
    for m in facts.STORED_MARTS:
        k_board = board if m.board_arg else None
        if earlier and m.earlier:
            continue   # its macro reads the stored rows clipped
        if m.name not in needed or (m.name, None) in done or (k_board is not None and (m.name, k_board) in done):
            continue
        if k_board is not None and not _SAFE_BOARD.match(str(k_board)):
            continue   # an odd board id is answered live rather than written into a macro
        todo.append((m, k_board))
    if not todo:
        if done:
            _use(con, as_of, admit=False)
        return None
    with one_transaction(con):
        _use(con, as_of, admit=True)
        return _compute(con, todo, done, needed, as_of, stored)


def _compute(con: duckdb.DuckDBPyConnection, todo: list, done: list, needed: set[str], as_of, stored) -> int | None:
    """ensure's work for the marts in `todo` (inside its transaction)."""
    key = {"a": as_of}
    n_scope = None
    earlier = utc_instant(as_of) < utc_instant(stored)
    if earlier:   # the issue facts off the stored versions (the marts with an `earlier` rule need nothing)
        for m, b in [(m, b) for m, b in todo if m.name == "fct_issue_facts"]:
            if _scoped(con, as_of, "issues") is None:
                con.execute(f"CREATE OR REPLACE TEMP TABLE _fx_scope AS {EARLIER_ISSUES}", key)
                n_scope = con.execute("SELECT count(*) FROM _fx_scope").fetchall()[0][0]
                _keep_scope(con, as_of, "issues", "fx_scope_issues", n_scope)
                log.debug("as of %s: %d issues read from their stored versions, the other stored issue facts "
                          "(as of %s) kept", as_of, n_scope, stored)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _fx_versions AS {EARLIER_VERSIONS}", key)
            _fill(con, m, as_of, b, rows=EARLIER_ISSUE_ROWS)
        todo = [(m, b) for m, b in todo if m.name != "fct_issue_facts"]
    issue_marts = [(m, b) for m, b in todo if m.name in ISSUE_MARTS]
    sprint_marts = [(m, b) for m, b in todo if m.name in PER_ISSUE_MARTS and m.name not in ISSUE_MARTS]
    # one board asked about before anything else about this instant (its sprints involve few
    # issues): computed whole, from scratch
    one_board: list[tuple[facts.StoredMart, str | None]] = []
    if (sprint_marts and not issue_marts and all(b is not None for _, b in sprint_marts)
            and _scoped(con, as_of, "all") is None and _scoped(con, as_of, "issues") is None):
        one_board, sprint_marts = sprint_marts, []
    windows = next(m for m in facts.STORED_MARTS if m.name == "fct_sprint_windows")
    if (windows.name, None) not in done and (windows.name in needed or sprint_marts):
        _fill(con, windows, as_of, None)
    if issue_marts:
        if _scoped(con, as_of, "issues") is None:
            n_scope = delta_issues(con, stored_as_of=stored, as_of=as_of, out="_fx_scope")
            _keep_scope(con, as_of, "issues", "fx_scope_issues", n_scope)
            log.debug("as of %s: %d issues recomputed for the issue facts, the other stored facts (as of %s) kept",
                      as_of, n_scope, stored)
        _fill_rows(con, issue_marts, as_of, "fx_scope_issues")
    if sprint_marts:
        if _scoped(con, as_of, "all") is None:
            # D, from the windows at as_of and the stored ones
            con.execute(f"CREATE OR REPLACE TEMP TABLE _fx_windows AS SELECT * EXCLUDE (fx_as_of, fx_board) "
                        f"FROM {windows.name}__cache WHERE fx_as_of = $a::TIMESTAMPTZ", key)
            known = None
            if _scoped(con, as_of, "issues") is not None:   # D_issues is there: D is it plus the sprint part
                con.execute("CREATE OR REPLACE TEMP TABLE _fx_known AS SELECT source, issue_id FROM fx_scope_issues "
                            "WHERE fx_as_of = $a::TIMESTAMPTZ", key)
                known = "_fx_known"
            n_scope = delta(con, stored_as_of=stored, as_of=as_of, windows="_fx_windows", out="_fx", issues=known)
            con.execute("CREATE TEMP TABLE IF NOT EXISTS fx_running AS SELECT NULL::TIMESTAMPTZ AS fx_as_of, * "
                        "FROM _fx_running LIMIT 0")
            con.execute("DELETE FROM fx_running WHERE fx_as_of = $a::TIMESTAMPTZ", key)
            con.execute("INSERT INTO fx_running SELECT $a::TIMESTAMPTZ, * FROM _fx_running", key)
            _keep_scope(con, as_of, "all", "fx_scope", n_scope)   # recorded after fx_running
            log.debug("as of %s: %d issues recomputed, the other stored facts (as of %s) kept", as_of, n_scope, stored)
        _fill_rows(con, sprint_marts, as_of, "fx_scope", SPRINT_ROWS.format(
            windows=f"(SELECT source, sprint_id FROM {windows.name}__cache WHERE fx_as_of = $a::TIMESTAMPTZ)"))
    for t in ("_fx_scope", "_fx_running", "_fx_sprints", "_fx_windows", "_fx_rows", "_fx_known", "_fx_versions"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")
    for m, b in one_board:
        _fill(con, m, as_of, b, whole=True)
    for m, b in todo:
        if m.name not in PER_ISSUE_MARTS and m is not windows:
            _fill(con, m, as_of, b)
    return n_scope


def _keep_scope(con: duckdb.DuckDBPyConnection, as_of, part: str, table: str, n: int) -> None:
    """Keep the delta just computed (_fx_scope) while the instant stays cached."""
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} AS SELECT NULL::TIMESTAMPTZ AS fx_as_of, source, issue_id "
                f"FROM _fx_scope LIMIT 0")
    con.execute(f"DELETE FROM {table} WHERE fx_as_of = $a::TIMESTAMPTZ", {"a": as_of})   # (an interrupted attempt's)
    con.execute(f"INSERT INTO {table} SELECT $a::TIMESTAMPTZ, source, issue_id FROM _fx_scope", {"a": as_of})
    con.execute("CREATE TEMP TABLE IF NOT EXISTS fx_scoped (fx_as_of TIMESTAMPTZ, part VARCHAR, issues BIGINT)")
    con.execute("INSERT INTO fx_scoped VALUES ($a::TIMESTAMPTZ, $p, $n)", {"a": as_of, "p": part, "n": n})


def _fill_rows(con: duckdb.DuckDBPyConnection, marts: list, as_of, scope: str, in_sprints: str | None = None) -> None:
    """Cache the rows of the issues of the delta `scope` that can have rows in `marts` at
    as_of (WITH_ROWS; with `in_sprints`, SPRINT_ROWS over the windows at as_of, only those
    too), computed with the marts' own SQL over the stored parses narrowed to those issues."""
    rows = f"""
        SELECT source, issue_id FROM {scope}
        SEMI JOIN ({WITH_ROWS}) AS i USING (source, issue_id)
        WHERE fx_as_of = $a::TIMESTAMPTZ"""
    if in_sprints:   # (one statement: the CTE stands for _fx_rows in `in_sprints`)
        rows = f"WITH _fx_rows AS ({rows})\nSELECT DISTINCT source, issue_id FROM ({in_sprints})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE _fx_rows AS {rows}", {"a": as_of})
    try:
        narrow_raw(con, "_fx_rows")
        narrow_parses(con, "_fx_rows")
        for m, b in marts:
            _fill(con, m, as_of, b)
    except BaseException:
        # a DuckDB error aborted the transaction, whose rollback undoes the narrowing too
        with contextlib.suppress(duckdb.Error):
            facts.widen(con, keep_views=False)
        raise
    facts.widen(con, keep_views=False)


def _fill(con: duckdb.DuckDBPyConnection, m: facts.StoredMart, as_of, board: str | None, *,
          whole: bool | None = None, rows: str | None = None) -> None:
    """Cache the mart's rows for `as_of` and `board` (its live definition over what the staging
    views read now: its delta's rows, or all of them when `whole`, default: the small marts;
    or `rows`, a SELECT of its delta's rows over $a) and re-point its macro."""
    if whole is None:
        whole = m.name not in PER_ISSUE_MARTS
    args = ", ".join(["$a"] + ["$b" if a == m.board_arg else "NULL" for a in m.args[1:]])
    p = {"a": as_of, "b": board} if m.board_arg else {"a": as_of}
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {m.name}__cache AS SELECT NULL::TIMESTAMPTZ AS fx_as_of, "
                f"NULL::VARCHAR AS fx_board, * FROM {facts.SCHEMA}.{m.table} LIMIT 0")
    if m.board_arg and board is None:   # all boards: the per-board entries of this as_of are subsumed
        con.execute("DELETE FROM fx_cached WHERE fx_as_of = $a::TIMESTAMPTZ AND fx_board IS NOT NULL AND mart = $m",
                    {"a": as_of, "m": m.name})
    # the rows of the entries subsumed, and those an interrupted earlier attempt left under this
    # key (it was not recorded, or it would not be filled)
    con.execute(f"DELETE FROM {m.name}__cache WHERE fx_as_of = $a::TIMESTAMPTZ"
                + ("" if board is None else " AND fx_board = $b::VARCHAR"), p if board is not None else {"a": as_of})
    source = f"({rows})" if rows else f"{m.name}__live({args})"
    con.execute(f"INSERT INTO {m.name}__cache BY NAME SELECT $a::TIMESTAMPTZ AS fx_as_of, "
                f"{'$b::VARCHAR' if m.board_arg else 'NULL::VARCHAR'} AS fx_board, * FROM {source}", p)
    con.execute("INSERT INTO fx_cached VALUES ($m, $a::TIMESTAMPTZ, $b, $w)",
                {"m": m.name, "a": as_of, "b": board, "w": whole})
    point(con, m)




def _use(con: duckdb.DuckDBPyConnection, as_of, *, admit: bool) -> None:
    """Mark `as_of` as the most recently used instant; with `admit`, a new one first evicts
    the least recently used instants beyond CACHED_INSTANTS - 1."""
    key = {"a": as_of}
    if not admit or con.execute("SELECT count(*) FROM fx_used WHERE fx_as_of = $a::TIMESTAMPTZ", key).fetchall()[0][0]:
        con.execute("UPDATE fx_used SET used = (SELECT max(used) + 1 FROM fx_used) WHERE fx_as_of = $a::TIMESTAMPTZ "
                    "AND used < (SELECT max(used) FROM fx_used)", key)
        return
    evict(con, keep=CACHED_INSTANTS - 1)
    con.execute("INSERT INTO fx_used SELECT $a::TIMESTAMPTZ, coalesce(max(used), 0) + 1 FROM fx_used", key)


def evict(con: duckdb.DuckDBPyConnection, keep: int) -> int:
    """Keep the `keep` most recently used instants cached: drop every other one's rows from
    every cache table (each table rewritten without them: DuckDB does not give the memory of
    deleted rows back) and re-point the macros that answered them. Returns how many went."""
    con.execute("CREATE OR REPLACE TEMP TABLE _fx_evict AS SELECT fx_as_of FROM fx_used "
                "ORDER BY used DESC OFFSET $k", {"k": max(keep, 0)})
    n = con.execute("SELECT count(*) FROM _fx_evict").fetchall()[0][0]
    if n:
        marts = {r[0] for r in con.execute("SELECT DISTINCT mart FROM fx_cached SEMI JOIN _fx_evict "
                                           "USING (fx_as_of)").fetchall()}
        present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
        for t in [*_FX_TABLES, *(f"{m.name}__cache" for m in facts.STORED_MARTS)]:
            if t in present:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {t} AS SELECT * FROM {t} "
                            "WHERE fx_as_of NOT IN (SELECT fx_as_of FROM _fx_evict)")
        for m in facts.STORED_MARTS:
            if m.name in marts:
                point(con, m)
        log.debug("%d cached instant(s) evicted, %d kept", n, keep)
    con.execute("DROP TABLE temp.main._fx_evict")
    return n


def cached_instants(con: duckdb.DuckDBPyConnection) -> list:
    """The instants this connection holds cached, most recently used first."""
    try:
        return [r[0] for r in con.execute("SELECT fx_as_of FROM fx_used ORDER BY used DESC").fetchall()]
    except duckdb.CatalogException:
        return []


def _scoped(con: duckdb.DuckDBPyConnection, as_of, part: str) -> int | None:
    try:
        rows = con.execute("SELECT issues FROM fx_scoped WHERE fx_as_of = $a::TIMESTAMPTZ AND part = $p",
                           {"a": as_of, "p": part}).fetchall()
    except duckdb.CatalogException:
        return None
    return rows[0][0] if rows else None


def scoped_issues(con: duckdb.DuckDBPyConnection, as_of, part: str = "all") -> int | None:
    """How many issues this connection recomputed for `as_of`: |D| (part "all", computed for
    the sprint members) or |D_issues| (part "issues"), None if it did not."""
    return _scoped(con, as_of, part)
