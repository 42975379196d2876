"""Where the first question about another instant goes, statement by statement (not a test):

    python -m benchmarks.as_of_statements WAREHOUSE [--query sprint_facts] [--days 45] [--repeat 3] [--top 12]

Opens WAREHOUSE (stored facts built by this code: `retroscope --db WAREHOUSE refresh` first
otherwise) as a page does, `--repeat` times on a fresh connection each, and asks the public
query `--query` with the default filters at an as_of `--days` before the stored one: the
first question about that instant, which computes and caches its facts
(queries/facts_delta.py; docs/facts.md "Any as_of stays exact"). Every statement the
connection executes for it is timed. Prints, per run, the wall time of the question, how many
statements it ran and their sum (the rest is Python: the delta's bookkeeping and the frame),
then the `--top` slowest statements of the last run with their first words. With
`--days 0` the question is at the stored instant (a read of the stored facts).

Figures depend on the machine and its load; compare codes side by side (`CODE=DIR` is not
read here: run it from each checkout, alternating).
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import queries
from queries import registry


class _Timed:
    """A DuckDB connection whose `execute` calls are timed; everything else is the connection's.
    Hashable by identity and weakly referenceable, as queries' per-connection state needs."""

    def __init__(self, con) -> None:
        self._con = con
        self.statements: list[tuple[float, str]] = []

    def execute(self, sql, *args):
        t0 = time.perf_counter()
        try:
            return self._con.execute(sql, *args)
        finally:
            self.statements.append((time.perf_counter() - t0, sql))

    def __getattr__(self, name):
        return getattr(self._con, name)

    def __hash__(self) -> int:
        return id(self)


def one_line(sql: str, width: int = 140) -> str:
    return " ".join(sql.split())[:width]


def run_once(warehouse: str, query: str, days: int) -> tuple[float, list[tuple[float, str]], int]:
    """Wall seconds of one first question at the past instant, its statements, and its rows."""
    con = queries.connect(warehouse)
    try:
        as_of = registry.default_as_of(con) - timedelta(days=days)
        timed = _Timed(con)
        t0 = time.perf_counter()
        rows = len(registry.run_public(timed, query, as_of=as_of))
        return time.perf_counter() - t0, timed.statements, rows
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse")
    ap.add_argument("--query", default="sprint_facts", help="a public query (queries/registry.py)")
    ap.add_argument("--days", type=int, default=45, help="how many days before the stored instant to ask about")
    ap.add_argument("--repeat", type=int, default=3, help="runs, each on a fresh connection")
    ap.add_argument("--top", type=int, default=12, help="how many of the last run's slowest statements to print")
    args = ap.parse_args(argv)
    statements: list[tuple[float, str]] = []
    for r in range(1, args.repeat + 1):
        wall, statements, rows = run_once(args.warehouse, args.query, args.days)
        spent = sum(s for s, _ in statements)
        print(f"run {r}: {wall * 1000:6.0f} ms, {len(statements)} statements taking {spent * 1000:.0f} ms "
              f"(the rest {(wall - spent) * 1000:.0f} ms), {rows:,} rows", flush=True)
    for secs, sql in sorted(statements, key=lambda s: -s[0])[:args.top]:
        print(f"  {secs * 1000:7.1f} ms  {one_line(sql)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
