"""Incremental stored facts: a load that wrote k issues recomputes the facts of those issues
and of what they touch, not the whole warehouse (docs/facts.md, "Incremental loads").

Every stored fact row belongs to one issue (status stays, issue facts, sprint x issue
members; the stored parses too), and each row is a function of that issue's raw rows, a few
small shared inputs (statuses, board done columns, boards, sprints, config) and the instant
`as_of`. So when a load moves the facts from the stored instant T to T' and wrote the issues
C, a row can differ from the stored one only if its issue is in

    C  the issues the load wrote (their raw rows changed; deleted ones lose their rows);
    E  issues with an event in (T, T']: created, resolved, a status, estimate or sprint
       change (what was after T is visible at T');
    O  open issues with a backward move: their rework runs until as_of;
    R  issues whose sprint field (now or in its history) names a sprint whose window
       changed otherwise than by its end moving with as_of (a sprint that started or closed
       in (T, T'], or that the load edited), plus the stored members of such sprints;

and in two as_of-dependent columns of rows that are otherwise fixed, which are moved to T'
in place: `until_at` of the stay still open (`coalesce(left_at, as_of)`, the rule in
fct_status_intervals) and `t_end` of the members of a sprint running at T and at T' (its
window's new end; a member with an event in (T, T'] is in E and recomputed).
The rows of D = C ∪ E ∪ O ∪ R are deleted and recomputed with the marts' own SQL, run over
the stored parses narrowed to D (TEMP views shadow the raw tables and parses, so the same
macros read only D's rows). The small tables (sprint windows, shipped items, the report
tables) are recomputed whole. Anything else falls back to the full build, with the reason in
facts.meta `build`: no stored facts yet, a config or SQL change, as_of moving back, statuses /
board columns / boards changed (their hash, `inputs`), a full reload, `retroscope refresh`,
a load that wrote most of the issues.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from queries import facts

# Stored parses with one row (or more) per issue, recomputed for D; the other STORED_VIEWS
# (statuses, sprints, board done statuses) are small and recomputed whole.
PER_ISSUE_VIEWS: tuple[str, ...] = (
    "stg_issues", "stg_status_changes", "stg_issue_field_changes", "stg_sprint_field_changes",
    "stg_sprint_issues", "stg_board_issues",
)
# Raw tables keyed per issue: shadowed by views narrowed to D while the parses are recomputed.
RAW_ISSUE_TABLES: tuple[str, ...] = ("raw_issues", "raw_status_changes", "raw_field_changes")
# Per-issue marts recomputed for D (the others in STORED_MARTS are recomputed whole).
PER_ISSUE_MARTS: frozenset[str] = frozenset({"fct_issue_facts", "fct_status_intervals", "fct_sprint_board_members"})
# The as_of-dependent column of a stored row that is otherwise fixed, moved in place when
# as_of moves (the same expression as in the mart's SQL; only the rows it can change).
REANCHOR: dict[str, str] = {"status_stays": "until_at = coalesce(left_at, $as_of) WHERE left_at IS NULL"}

# A load that writes more than this many issues, and more than this share of them, gets the
# full build: recomputing most rows in place costs more than building the tables anew.
BULK_MIN, BULK_SHARE = 10_000, 0.25

# What the facts depend on besides the issues, sprints and config: when any of it changed,
# every issue's facts may change and the build is full.
_INPUTS_SQL = """
SELECT md5(concat_ws('#',
    (SELECT coalesce(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR), '') FROM stg_statuses AS t),
    (SELECT coalesce(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR), '') FROM stg_board_done_statuses AS t),
    (SELECT coalesce(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR), '')
       FROM (SELECT source, board_id, project_key FROM raw_boards) AS t)))
"""


def inputs_hash(con: duckdb.DuckDBPyConnection) -> str:
    """Hash of the shared inputs (statuses, board done columns, board projects), read through
    the live staging views of `con`."""
    return con.execute(_INPUTS_SQL).fetchall()[0][0]


@dataclass
class Plan:
    full: str | None          # reason for a full build, None = incremental
    stored_as_of: datetime | None = None


def plan(con: duckdb.DuckDBPyConnection, *, as_of, fp: str, touched: set[tuple[str, str]] | None,
         full_reason: str | None, inputs: str) -> Plan:
    """Incremental or full (and why)."""
    if touched is None:
        return Plan(full_reason or "the load did not say which issues it wrote")
    # (looked up, not tried: a failed statement would abort the loader's transaction)
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = $s AND table_name = 'meta' "
        "AND database_name = current_database()", {"s": facts.SCHEMA}).fetchall()}
    if not cols:
        return Plan("first build of the stored facts")
    if not {"as_of", "fingerprint", "inputs"} <= cols:
        return Plan("stored facts of an earlier version")
    rows = con.execute(f"SELECT as_of, fingerprint, inputs FROM {facts.SCHEMA}.meta").fetchall()
    if not rows:
        return Plan("first build of the stored facts")
    stored_as_of, stored_fp, stored_inputs = rows[0]
    if stored_fp != fp:
        return Plan("the analysis config or Retroscope's SQL changed")
    if pd.Timestamp(as_of) < pd.Timestamp(stored_as_of):
        return Plan("the data's freshness moved back")
    if stored_inputs != inputs:
        return Plan("statuses, board columns or boards changed")
    if len(touched) > BULK_MIN:
        n = con.execute(f"SELECT count(*) FROM {facts.STG_SCHEMA}.stg_issues").fetchall()[0][0]
        if len(touched) > BULK_SHARE * n:
            return Plan(f"the load wrote {len(touched):,} of {n:,} issues")
    return Plan(None, stored_as_of)


def _scope_filter(scope: str = "_fx_scope") -> str:
    return f"(source, issue_id) IN (SELECT source, issue_id FROM {scope})"


def build(con: duckdb.DuckDBPyConnection, *, as_of, stored_as_of, fp: str, inputs: str,
          touched: set[tuple[str, str]], derived_sql: tuple[tuple[str, str], ...]) -> tuple[dict[str, float], str]:
    """Bring the stored facts from `stored_as_of` to `as_of` after a load that wrote `touched`
    (see the module doc). Runs inside the loader's transaction, on a connection whose derived
    layers are live TEMP objects (as `facts.build` expects). Returns (seconds per step, note)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    db = con.execute("SELECT current_database()").fetchall()[0][0].replace('"', '""')
    changed = pd.DataFrame(sorted(touched), columns=["source", "issue_id"], dtype=object)
    con.register("_fx_changed_df", changed)
    con.execute("CREATE OR REPLACE TEMP TABLE _fx_changed AS SELECT source::VARCHAR AS source, "
                "issue_id::VARCHAR AS issue_id FROM _fx_changed_df")
    con.unregister("_fx_changed_df")
    p = {"t0": stored_as_of, "t1": as_of}
    s, f = facts.STG_SCHEMA, facts.SCHEMA

    # Sprints whose stored parse or window differs (live views still read the raw tables here).
    con.execute("CREATE OR REPLACE TEMP TABLE _fx_windows AS SELECT * FROM fct_sprint_windows($t1)", {"t1": as_of})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fx_edited AS
        SELECT source, sprint_id FROM (SELECT * FROM stg_sprint_sprints EXCEPT SELECT * FROM {s}.stg_sprint_sprints)
        UNION SELECT source, sprint_id FROM (SELECT * FROM {s}.stg_sprint_sprints EXCEPT SELECT * FROM stg_sprint_sprints)""")
    # running at T and at T', not edited: only the window's end (as_of) moved, and with it only
    # the t_end column of its members' rows (a member whose history has an event in (T, T'] is
    # in E); moved in place below
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fx_running AS
        SELECT source, sprint_id FROM (
            SELECT * EXCLUDE (t_end) FROM _fx_windows WHERE state = 'active'
            INTERSECT SELECT * EXCLUDE (t_end) FROM {f}.sprint_windows WHERE state = 'active')
        EXCEPT SELECT source, sprint_id FROM _fx_edited""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fx_sprints AS
        (SELECT source, sprint_id FROM _fx_edited
         UNION SELECT source, sprint_id FROM (SELECT * FROM _fx_windows EXCEPT SELECT * FROM {f}.sprint_windows)
         UNION SELECT source, sprint_id FROM (SELECT * FROM {f}.sprint_windows EXCEPT SELECT * FROM _fx_windows))
        EXCEPT SELECT source, sprint_id FROM _fx_running""")
    # D: written, event in (T, T'], open with rework, in (or naming) a changed sprint. Read
    # from the stored parses: for an issue the load did not write they equal the new ones.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fx_scope AS
        SELECT source, issue_id FROM _fx_changed
        UNION SELECT source, issue_id FROM {s}.stg_issues
            WHERE (created_at > $t0 AND created_at <= $t1) OR (resolved_at > $t0 AND resolved_at <= $t1)
        UNION SELECT source, issue_id FROM {s}.stg_status_changes WHERE changed_at > $t0 AND changed_at <= $t1
        UNION SELECT source, issue_id FROM {s}.stg_issue_field_changes WHERE changed_at > $t0 AND changed_at <= $t1
        UNION SELECT source, issue_id FROM {s}.stg_sprint_field_changes WHERE changed_at > $t0 AND changed_at <= $t1
        UNION SELECT source, issue_id FROM {f}.issue_facts WHERE completed_at IS NULL AND backward_transitions > 0
        UNION SELECT source, issue_id FROM {f}.sprint_members SEMI JOIN _fx_sprints USING (source, sprint_id)
        UNION SELECT r.source, r.issue_id FROM (
            SELECT source, issue_id, unnest(sprint_ids) AS sprint_id FROM {s}.stg_issues
            UNION ALL
            SELECT source, issue_id, unnest(list_concat(from_sprint_ids, to_sprint_ids)) AS sprint_id
            FROM {s}.stg_sprint_field_changes) AS r
            SEMI JOIN _fx_sprints USING (source, sprint_id)""", p)
    n_scope = con.execute("SELECT count(*) FROM _fx_scope").fetchall()[0][0]
    timings["scope"] = time.perf_counter() - t0

    # (no try/finally: on an error the loader rolls back and closes this connection, TEMP views and all)
    # the stored parses: D's rows from the raw tables narrowed to D; the small ones whole
    for t in RAW_ISSUE_TABLES:
        con.execute(f'CREATE OR REPLACE TEMP VIEW {t} AS SELECT * FROM "{db}".main.{t} WHERE {_scope_filter()}')
    for v in facts.STORED_VIEWS:
        t0 = time.perf_counter()
        if v in PER_ISSUE_VIEWS:
            con.execute(f"DELETE FROM {s}.{v} WHERE {_scope_filter()}")
            con.execute(f"INSERT INTO {s}.{v} BY NAME SELECT * FROM {v}")
        else:
            con.execute(f"CREATE OR REPLACE TABLE {s}.{v} AS SELECT * FROM {v}")
        timings[v] = time.perf_counter() - t0
    # the marts read the stored parses, narrowed to D
    for v in facts.STORED_VIEWS:
        where = f" WHERE {_scope_filter()}" if v in PER_ISSUE_VIEWS else ""
        con.execute(f"CREATE OR REPLACE TEMP VIEW {v} AS SELECT * FROM {s}.{v}{where}")
    note = (f"incremental: {len(touched):,} issue{'' if len(touched) == 1 else 's'} written, "
            f"{n_scope:,} recomputed")
    facts.write_meta(con, as_of, fp, timings, inputs=inputs, note=note)
    facts.live_macros(con, derived_sql)
    scoped = True
    for m in facts.STORED_MARTS:
        t0 = time.perf_counter()
        args = ", ".join(["$as_of"] + ["NULL"] * (len(m.args) - 1))
        if m.name in PER_ISSUE_MARTS:
            # (STORED_MARTS lists the per-issue marts before the whole-table ones)
            assert scoped, f"{m.name}: a per-issue mart must come before the whole-table ones"
            where = _scope_filter()
            if m.name == "fct_sprint_board_members":
                where += " OR (source, sprint_id) IN (SELECT source, sprint_id FROM _fx_sprints)"
            con.execute(f"DELETE FROM {f}.{m.table} WHERE {where}")
            if m.table in REANCHOR:
                con.execute(f"UPDATE {f}.{m.table} SET {REANCHOR[m.table]}", {"as_of": as_of})
            if m.name == "fct_sprint_board_members":   # running sprints: the window's new end
                con.execute(f"UPDATE {f}.{m.table} AS m SET t_end = w.t_end FROM _fx_windows AS w "
                            "WHERE m.source = w.source AND m.sprint_id = w.sprint_id "
                            "AND (w.source, w.sprint_id) IN (SELECT source, sprint_id FROM _fx_running)")
            con.execute(f"INSERT INTO {f}.{m.table} BY NAME SELECT * FROM {m.name}__live({args})", {"as_of": as_of})
        elif m.name == "fct_sprint_windows":
            con.execute(f"CREATE OR REPLACE TABLE {f}.{m.table} AS SELECT * FROM _fx_windows")
        else:
            _unscope(con)   # a whole-table mart reads every issue
            scoped = False
            con.execute(f"CREATE OR REPLACE TABLE {f}.{m.table} AS SELECT * FROM {m.name}__live({args})",
                        {"as_of": as_of})
        facts.point_marts(con, only=m.name)
        timings[m.table] = time.perf_counter() - t0
    _unscope(con)
    for t in ("_fx_changed", "_fx_scope", "_fx_sprints", "_fx_windows", "_fx_edited", "_fx_running"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")
    return timings, note


def _unscope(con: duckdb.DuckDBPyConnection) -> None:
    """Back to every issue: drop the raw tables' shadows, parses read whole."""
    for t in RAW_ISSUE_TABLES:
        con.execute(f"DROP VIEW IF EXISTS temp.main.{t}")
    for v in facts.STORED_VIEWS:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {v} AS SELECT * FROM {facts.STG_SCHEMA}.{v}")
