"""Full vs incremental stored facts: a load that changes k issues of a demo warehouse.

    python -m benchmarks.incremental [--sizes 10000,100000] [--changed 1000] [--new 50] [--steps]

Takes the cached demo warehouse of each size (benchmarks.queries builds it once) and
makes one load that moves the data's freshness a day on and rewrites --changed issues
(a status move in that day for each, an estimate change for every 4th, a sprint change for
every 5th, a deletion for every 50th) plus --new issues created that day, whole histories,
as a Jira sync writes them. The same load runs twice, side by side in one process, on two
copies of the warehouse: once forced to the full build of the stored facts (what every load
cost before) and once incremental (the default). Prints wall seconds end to end (copy,
writes, facts, commit, checkpoint, swap) and for the facts alone, and checks that both
warehouses hold the same facts, table by table. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from datetime import timedelta
from pathlib import Path

import duckdb
import pandas as pd

from benchmarks.queries import add_cache_arg, warehouse
from connectors.load import refresh_facts, staged_load

FACT_TABLES = ("issue_facts", "status_stays", "status_totals", "sprint_windows", "sprint_members", "shipped_items",
               "sprint_facts", "flow_weekly", "work_mix", "estimate_calibration")
STG_TABLES = ("stg_issues", "stg_status_changes", "stg_issue_field_changes", "stg_sprint_field_changes",
              "stg_sprint_issues", "stg_board_issues", "stg_statuses", "stg_sprint_sprints",
              "stg_board_done_statuses")


def change_load(w, k: int, n_new: int, seed: int) -> None:
    """Write the benchmark's changes through the loader `w` (see the module doc)."""
    con = w.con
    as_of = con.execute("SELECT max(data_as_of) FROM raw_loads WHERE status = 'ok'").fetchall()[0][0]
    t0 = pd.Timestamp(as_of)
    picked = con.execute(
        "SELECT * FROM raw_issues WHERE NOT is_deleted AND NOT is_subtask "
        "ORDER BY hash(issue_id || $seed) LIMIT $k", {"seed": str(seed), "k": k}).df()
    statuses = con.execute("SELECT source, status_id, name FROM raw_statuses ORDER BY status_id").df()
    ids = picked[["source", "issue_id"]]
    con.register("_ids", ids)
    sc = con.execute("SELECT c.* FROM raw_status_changes c SEMI JOIN _ids USING (source, issue_id)").df()
    fc = con.execute("SELECT c.* FROM raw_field_changes c SEMI JOIN _ids USING (source, issue_id)").df()
    sprints = con.execute("SELECT source, board_id, sprint_id FROM raw_sprints WHERE state = 'active'").df()
    con.unregister("_ids")
    new_sc, new_fc = [], []
    issues = picked.copy()
    for n, row in enumerate(picked.itertuples(index=False)):
        at = t0 + timedelta(hours=1 + (n * 7919) % 23)
        st = statuses.iloc[(n * 31 + 7) % len(statuses)]
        hid = f"bench-{seed}-{n}"
        new_sc.append({"source": row.source, "issue_id": row.issue_id, "history_id": hid, "item_seq": 0,
                       "changed_at": at, "from_status_id": row.status_id, "from_status_name": None,
                       "to_status_id": st.status_id, "to_status_name": st["name"]})
        issues.loc[n, "status_id"] = st.status_id
        issues.loc[n, "updated_at"] = at
        if n % 4 == 0:
            sp = (row.story_points or 0) + 1
            new_fc.append({"source": row.source, "issue_id": row.issue_id, "history_id": hid, "item_seq": 1,
                           "changed_at": at, "field_key": "story_points", "field": "Story Points",
                           "field_id": None, "from_value": None if row.story_points is None else str(row.story_points),
                           "from_string": None, "to_value": str(sp), "to_string": str(sp)})
            issues.loc[n, "story_points"] = sp
        if n % 5 == 0 and len(sprints):
            sp_row = sprints.iloc[n % len(sprints)]
            before = ", ".join(row.sprint_ids) if row.sprint_ids is not None else ""
            after = ", ".join([*(row.sprint_ids if row.sprint_ids is not None else []), sp_row.sprint_id])
            new_fc.append({"source": row.source, "issue_id": row.issue_id, "history_id": hid, "item_seq": 2,
                           "changed_at": at, "field_key": "sprint", "field": "Sprint", "field_id": None,
                           "from_value": before, "from_string": None, "to_value": after, "to_string": None})
            issues.at[n, "sprint_ids"] = [*(row.sprint_ids if row.sprint_ids is not None else []), sp_row.sprint_id]
        if n % 50 == 49:
            issues.loc[n, "is_deleted"] = True
    new = picked.head(n_new).copy()
    for n in range(len(new)):
        new.loc[n, "issue_id"] = f"bench-new-{seed}-{n}"
        new.loc[n, "issue_key"] = f"NEW-{seed}-{n}"
        new.loc[n, "created_at"] = t0 + timedelta(hours=2 + n % 20)
        new.loc[n, "updated_at"] = t0 + timedelta(hours=2 + n % 20)
        new.loc[n, "resolved_at"] = None
        new.loc[n, "status_id"] = statuses.iloc[0].status_id
    w.write("raw_issues", pd.concat([issues, new], ignore_index=True))
    w.write("raw_status_changes", pd.concat([sc, pd.DataFrame(new_sc)], ignore_index=True))
    w.write("raw_field_changes", pd.concat([fc, pd.DataFrame(new_fc)], ignore_index=True))
    w.data_as_of = (t0 + timedelta(days=1)).to_pydatetime()


def run_load(base: Path, path: Path, *, full: bool, k: int, n_new: int,
             seed: int) -> tuple[float, float, str, dict[str, float]]:
    """(wall seconds end to end, seconds building the facts, facts.meta build note, seconds per step)."""
    shutil.copyfile(base, path)
    t0 = time.perf_counter()
    with staged_load(path, "demo", "bench") as w:
        change_load(w, k, n_new, seed)
        if full:
            w.facts_full = "benchmark: forced full build"
    wall = time.perf_counter() - t0
    with duckdb.connect(str(path), read_only=True) as c:
        note = c.execute("SELECT build FROM facts.meta").fetchall()[0][0]
    return wall, sum(w.facts_seconds.values()), note, dict(w.facts_seconds)


def same_facts(a: Path, b: Path) -> list[str]:
    """The stored tables that differ between two warehouses (empty: identical), compared
    exactly in DuckDB, to the bit (`EXCEPT ALL` both ways): the same data gives the same
    figures whichever way they were built (docs/metrics.md "Exact to the bit")."""
    bad = []
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        for schema, tables in (("facts", FACT_TABLES), ("stg", STG_TABLES)):
            for t in tables:
                x, y = f"a.{schema}.{t}", f"b.{schema}.{t}"
                n = con.execute(f"SELECT (SELECT count(*) FROM (FROM {x} EXCEPT ALL FROM {y})) "
                                f"+ (SELECT count(*) FROM (FROM {y} EXCEPT ALL FROM {x}))").fetchall()[0][0]
                if n:
                    bad.append(f"{schema}.{t}")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.incremental", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000", help="comma-separated issue counts of the demo warehouses")
    ap.add_argument("--changed", type=int, default=1000, help="existing issues the load rewrites")
    ap.add_argument("--new", type=int, default=50, help="new issues the load adds")
    ap.add_argument("--repeat", type=int, default=2, help="runs per mode, interleaved; the best is reported")
    ap.add_argument("--steps", action="store_true", help="also print seconds per step of the facts build")
    add_cache_arg(ap)
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"a load rewriting {args.changed:,} issues and adding {args.new:,}; best of {args.repeat}, wall seconds")
    print(f"{'issues':>9} {'build':<12} {'end to end':>10} {'facts':>7}  facts.meta build")
    failed = False
    for size in [int(x) for x in args.sizes.split(",") if x.strip()]:
        with tempfile.TemporaryDirectory() as d:
            # the starting point: the demo warehouse with facts stored by this version (a full build)
            base = Path(d) / "base.duckdb"
            shutil.copyfile(warehouse(cache, size), base)
            refresh_facts(base)
            full_p, incr_p = Path(d) / "full.duckdb", Path(d) / "incr.duckdb"
            best = {"full": (float("inf"), 0.0, "", {}), "incremental": (float("inf"), 0.0, "", {})}
            for _ in range(args.repeat):
                for mode, path in (("full", full_p), ("incremental", incr_p)):
                    r = run_load(base, path, full=mode == "full", k=args.changed, n_new=args.new, seed=1)
                    if r[0] < best[mode][0]:
                        best[mode] = r
            for mode, (wall, fs, note, _) in best.items():
                print(f"{size:>9,} {mode:<12} {wall:>10.2f} {fs:>7.2f}  {note}")
            (fw, ff, _, fsteps), (iw, iff, _, isteps) = best["full"], best["incremental"]
            print(f"{size:>9,} {'full / incr':<12} {fw / iw:>9.1f}x {ff / max(iff, 1e-9):>6.1f}x")
            if args.steps:
                for step in dict.fromkeys([*fsteps, *isteps]):
                    print(f"{'':>9}   {step:<26} full {fsteps.get(step, 0):6.2f}  incremental {isteps.get(step, 0):6.2f}")
            bad = same_facts(full_p, incr_p)
            print(f"{size:>9,} " + ("facts identical to the full build" if not bad else f"DIFFERENT: {', '.join(bad)}"),
                  flush=True)
            failed |= bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
