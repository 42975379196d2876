"""Incremental stored facts: a load that wrote k issues recomputes the facts of those issues
and of what they touch, not the whole warehouse (docs/facts.md, "Incremental loads").

The stored facts move from the stored instant T to the load's T' by the delta rule of
queries/facts_delta.py (written once, shared with the per-connection cache of other as_of
values): the rows of D = C ∪ E ∪ O ∪ R (C: the issues the load wrote, deleted ones losing
their rows; E: events in (T, T']; O: open with rework; R: members of sprints whose window
changed or that the load edited) are deleted and recomputed with the marts' own SQL over the
stored parses narrowed to D, and two as_of-dependent columns of the other rows are moved in
place. The small tables (sprint windows, shipped items, the report tables) are recomputed
whole. Anything else falls back to the full build, with the reason in facts.meta `build`: no
stored facts yet, a config or SQL change, as_of moving back, statuses / board columns /
boards changed (their hash, `inputs`), a full reload, `retroscope refresh`, a load that
wrote most of the issues.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from queries import facts, facts_delta
from queries.facts import PER_ISSUE_MARTS, PER_ISSUE_VIEWS

# A load that writes more than this many issues, and more than this share of them, gets the
# full build: recomputing most rows in place costs more than building the tables anew.
BULK_MIN, BULK_SHARE = 10_000, 0.25

# Stored marts that the marts after them read live, over the parses narrowed to the delta,
# until the mart named here is computed: the delta's rows rather than the stored rows of every
# issue. The status totals add up each issue's stays and keep the delta's issues at the end (their
# join with the narrowed raw_issues): over the stored stays that meant adding up every issue's,
# 4M stays at 1M issues, 1.1-1.4 s for 3,000 issues. (Narrowing the stays inside the mart
# instead, by a semi-join with raw_issues, ran a full build at 1M out of its 1 GB: DuckDB, with
# no statistics for the rows the build has just written, built the join's hash table on the
# 4M stays.)
READ_LIVE_UNTIL: dict[str, str] = {"fct_status_intervals": "fct_status_totals"}
_ORDER = [m.name for m in facts.STORED_MARTS]
assert all(_ORDER.index(a) < _ORDER.index(b) for a, b in READ_LIVE_UNTIL.items()), "a reader after the mart it reads"

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
    same_derived: bool = False   # the derived layers stored last carry this fingerprint (facts.store_derived)


def plan(con: duckdb.DuckDBPyConnection, *, as_of, fp: str, touched: set[tuple[str, str]] | None,
         full_reason: str | None, inputs: str) -> Plan:
    """Incremental or full (and why)."""
    meta = facts.read_meta(con) or {}
    current = {"as_of", "fingerprint", "inputs"} <= meta.keys()   # else none, or of an earlier version
    stored_as_of, stored_fp, stored_inputs = ((meta["as_of"], meta["fingerprint"], meta["inputs"]) if current
                                              else (None, None, None))
    same = stored_fp == fp and bool(meta.get("derived"))

    def full(reason: str) -> Plan:
        return Plan(reason, same_derived=same)

    if touched is None:
        return full(full_reason or "the load did not say which issues it wrote")
    if not meta:
        return full("first build of the stored facts")
    if not current:
        return full("stored facts of an earlier version")
    if stored_fp != fp:
        return full("the analysis config or Retroscope's SQL changed")
    if pd.Timestamp(as_of) < pd.Timestamp(stored_as_of):
        return full("the data's freshness moved back")
    if stored_inputs != inputs:
        return full("statuses, board columns or boards changed")
    if len(touched) > BULK_MIN:
        n = con.execute(f"SELECT count(*) FROM {facts.STG_SCHEMA}.stg_issues").fetchall()[0][0]
        if len(touched) > BULK_SHARE * n:
            return full(f"the load wrote {len(touched):,} of {n:,} issues")
    return Plan(None, stored_as_of, same_derived=same)


def build(con: duckdb.DuckDBPyConnection, *, as_of, stored_as_of, fp: str, inputs: str,
          touched: set[tuple[str, str]], step: Callable[[], None] = lambda: None
          ) -> tuple[dict[str, float], str]:
    """Bring the stored facts from `stored_as_of` to `as_of` after a load that wrote `touched`
    (see the module doc). Runs inside the loader's transaction, on a connection whose staging
    layer is live TEMP objects over the raw tables and whose marts are the derived layers
    stored under this fingerprint (schema `derived`, on the search path): each stored mart's
    macro is written again once its table is up to date (facts.store_mart_macro; the marts
    after it read the delta's rows live instead while READ_LIVE_UNTIL says so).
    Returns (seconds per step, note). `step()` is called as each object is stored (the
    loader's progress)."""
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    changed = pd.DataFrame(sorted(touched), columns=["source", "issue_id"], dtype=object)
    con.register("_fx_changed_df", changed)
    con.execute("CREATE OR REPLACE TEMP TABLE _fx_changed AS SELECT source::VARCHAR AS source, "
                "issue_id::VARCHAR AS issue_id FROM _fx_changed_df")
    con.unregister("_fx_changed_df")
    s, f = facts.STG_SCHEMA, facts.SCHEMA

    # Sprints the load edited (live views still read the raw tables here), the windows at T'
    # (the mart's own definition: its stored macro answers the stored instant from the table)
    con.execute("CREATE OR REPLACE TEMP TABLE _fx_windows AS SELECT * FROM fct_sprint_windows__live($t1)",
                {"t1": as_of})
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _fx_edited AS
        SELECT source, sprint_id FROM (SELECT * FROM stg_sprint_sprints EXCEPT SELECT * FROM {s}.stg_sprint_sprints)
        UNION SELECT source, sprint_id FROM (SELECT * FROM {s}.stg_sprint_sprints EXCEPT SELECT * FROM stg_sprint_sprints)""")
    # D (_fx_scope), the sprints running at T and T' (_fx_running), the changed ones (_fx_sprints)
    n_scope = facts_delta.delta(con, stored_as_of=stored_as_of, as_of=as_of, windows="_fx_windows", out="_fx",
                                changed="_fx_changed", edited="_fx_edited")
    timings["scope"] = time.perf_counter() - t0

    # (no try/finally: on an error the loader rolls back and closes this connection, TEMP views and all)
    # the stored parses: D's rows from the raw tables narrowed to D; the small ones whole
    facts_delta.narrow_raw(con, "_fx_scope")
    for v in facts.STORED_VIEWS:
        t0 = time.perf_counter()
        if v in PER_ISSUE_VIEWS:
            con.execute(f"DELETE FROM {s}.{v} WHERE (source, issue_id) IN (SELECT source, issue_id FROM _fx_scope)")
            con.execute(f"INSERT INTO {s}.{v} BY NAME SELECT * FROM {v}")
        else:
            con.execute(f"CREATE OR REPLACE TABLE {s}.{v} AS SELECT * FROM {v}")
        timings[v] = time.perf_counter() - t0
        step()
    # the marts read the stored parses, narrowed to D
    facts_delta.narrow_parses(con, "_fx_scope")
    note = (f"incremental: {len(touched):,} issue{'' if len(touched) == 1 else 's'} written, "
            f"{n_scope:,} recomputed")
    facts.write_meta(con, as_of, fp, timings, inputs=inputs, note=note)
    scoped = True
    for m in facts.STORED_MARTS:
        t0 = time.perf_counter()
        args = ", ".join(["$as_of"] + ["NULL"] * (len(m.args) - 1))
        if m.name in PER_ISSUE_MARTS:
            # (STORED_MARTS lists the per-issue marts before the whole-table ones)
            assert scoped, f"{m.name}: a per-issue mart must come before the whole-table ones"
            # (a stored member of a changed sprint is in D: R holds them)
            facts_delta.delete_stale(con, m.table, "_fx_scope")
            facts_delta.reanchor_update(con, m.table, as_of=as_of, running="_fx_running")
            con.execute(f"INSERT INTO {f}.{m.table} BY NAME SELECT * FROM {m.name}__live({args})", {"as_of": as_of})
        elif m.name == "fct_sprint_windows":
            con.execute(f"CREATE OR REPLACE TABLE {f}.{m.table} AS SELECT * FROM _fx_windows")
        else:
            facts.widen(con, keep_views=True)   # a whole-table mart reads every issue
            scoped = False
            con.execute(f"CREATE OR REPLACE TABLE {f}.{m.table} AS SELECT * FROM {m.name}__live({args})",
                        {"as_of": as_of})
        facts.store_mart_macro(con, m)   # the marts after it read this table
        if m.name in READ_LIVE_UNTIL:   # ... or, for a while, its live definition (a TEMP macro comes first)
            con.execute(f"CREATE OR REPLACE TEMP MACRO {m.name}({', '.join(m.args)}) AS TABLE "
                        f"SELECT * FROM {m.name}__live({', '.join(m.args)})")
        for read in [d for d, reader in READ_LIVE_UNTIL.items() if reader == m.name]:
            con.execute(f"DROP MACRO TABLE IF EXISTS temp.main.{read}")
        timings[m.table] = time.perf_counter() - t0
        step()
    facts.widen(con, keep_views=True)
    for t in ("_fx_changed", "_fx_scope", "_fx_sprints", "_fx_windows", "_fx_edited", "_fx_running"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{t}")
    return timings, note
