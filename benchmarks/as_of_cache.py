"""What a connection's cache of other as_of values holds and costs (docs/facts.md, "Any as_of
stays exact"), on an existing warehouse with stored facts:

    python -m benchmarks.as_of_cache --db /tmp/wh.duckdb [--instants 16] [--step-days 14] [--bound 12]

Asks the questions a page asks (issue facts, sprint facts, flow by week, time in status) at
`--instants` instants, `--step-days` apart before the stored one, on one connection whose
cache keeps `--bound` instants, and prints per instant: the first question's CPU time, the
rows it cached per table, the memory of the connection's temporary tables and, past the bound, that eviction
keeps it flat. Then, for the first instant asked again: the CPU time of the questions (a
read of the cache) and of binding each stored mart's macro (EXPLAIN), with 1 instant cached
and with every instant the bound allows. Not a test: numbers depend on the machine's load.
"""

from __future__ import annotations

import argparse
import resource
import time

import pandas as pd

import queries
from queries import facts, facts_delta

QUESTIONS = ("issue_facts", "sprint_facts", "flow_weekly", "time_in_status")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="a warehouse with stored facts (e.g. `retroscope demo --scale 100000`)")
    ap.add_argument("--instants", type=int, default=16)
    ap.add_argument("--step-days", type=int, default=14)
    ap.add_argument("--bound", type=int, default=facts_delta.CACHED_INSTANTS)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    facts_delta.CACHED_INSTANTS = args.bound
    con = queries.connect(args.db)
    stored = pd.Timestamp(facts.stored_as_of(con))
    instants = [stored - pd.Timedelta(days=args.step_days * (i + 1)) for i in range(args.instants)]
    print(f"stored as_of {stored}; {args.instants} instants {args.step_days} days apart; bound {args.bound}")

    def ask(as_of) -> None:
        for name in QUESTIONS:
            queries.run(con, name, as_of=as_of, board_id=None, project=None, date_from=None, date_to=None)

    def cpu(fn) -> float:
        best = float("inf")
        for _ in range(args.repeat):
            t = time.process_time()
            fn()
            best = min(best, time.process_time() - t)
        return best

    def bind() -> float:   # every stored mart's macro bound and planned, not run
        a = {"a": instants[0]}
        return sum(cpu(lambda m=m: con.execute(f"EXPLAIN SELECT * FROM {m.name}($a{', NULL' * (len(m.args) - 1)})", a))
                   for m in facts.STORED_MARTS)

    def rows() -> dict[str, int]:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE temporary AND (table_name LIKE 'fx%' OR "
            "table_name LIKE '%cache') ORDER BY 1").fetchall()]
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in names}

    def memory_mb() -> float:   # the connection's temporary tables (the cache, the config, the user input)
        return con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory() "
                           "WHERE tag = 'IN_MEMORY_TABLE'").fetchall()[0][0] / 1e6

    first: dict[str, float] = {}
    before, m0 = rows(), memory_mb()
    for i, a in enumerate(instants, 1):
        t = time.process_time()
        ask(a)
        took = time.process_time() - t
        now = rows()
        added = {k.removesuffix("__cache"): v - before.get(k, 0) for k, v in now.items() if v != before.get(k, 0)}
        before = now
        print(f"{i:3d} {a.date()}  first question {took:5.2f} CPU-s  cached instants "
              f"{len(facts_delta.cached_instants(con)):2d}  rows held {sum(now.values()):8,d}  "
              f"temporary tables {memory_mb():6.1f} MB (+{memory_mb() - m0:.1f})  rows added {added}")
        if i == 1:
            first = {"read": cpu(lambda: ask(instants[0])), "bind": bind()}
    ask(instants[0])   # (again the most recently used, evicted or not)
    full = {"read": cpu(lambda: ask(instants[0])), "bind": bind()}
    n = len(facts_delta.cached_instants(con))
    for k in ("read", "bind"):
        print(f"{k} at the first instant: {first[k]:.4f} CPU-s with 1 instant cached, {full[k]:.4f} with {n}")
    text = con.execute("SELECT sum(length(macro_definition)) FROM duckdb_functions() WHERE function_type = "
                       "'table_macro' AND database_name = 'temp' AND list_contains($m, function_name)",
                       {"m": [m.name for m in facts.STORED_MARTS]}).fetchall()[0][0]
    print(f"the stored marts' macros: {text:,d} characters; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB")


if __name__ == "__main__":
    main()
