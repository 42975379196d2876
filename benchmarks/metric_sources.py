"""Metric-source sync speed against a real PostgreSQL server.

    python -m benchmarks.metric_sources [--days 365] [--metrics 20] [--segments 10]

Starts a throw-away PostgreSQL (as the tests do: Debian's binaries, temp dir, 127.0.0.1),
fills a `daily_facts` table with days × metrics × segments values, then times through the
real code path (`connectors.metric_sources.sync_source`: query, validate, staged load):
a full sync into a fresh warehouse, a no-change incremental sync (the 7-day overlap window
re-fetched and upserted), and a second --full over the full warehouse. Targets for one year
× 20 metrics × 10 segments: full < 5 s, no-change incremental < 1 s. Not a test: numbers
depend on the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from connectors import metric_sources
from tests.helpers_postgres import start_postgres

QUERY = "SELECT day, metric, segment, value FROM daily_facts WHERE day >= $since"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--metrics", type=int, default=20)
    ap.add_argument("--segments", type=int, default=10)
    a = ap.parse_args()
    srv = start_postgres()
    try:
        url = srv.create_database("bench")
        with srv.connect("bench") as c:
            c.execute("CREATE TABLE daily_facts (day date, metric text, segment text, value double precision)")
            c.execute("INSERT INTO daily_facts SELECT DATE '2026-06-30' - d, 'metric_' || lpad(m::text, 2, '0'), "
                      "CASE WHEN s = 0 THEN NULL ELSE 'seg_' || s END, round((1000 + 50 * sin(d * m + s))::numeric, 3) "
                      "FROM generate_series(0, %s) d, generate_series(1, %s) m, generate_series(0, %s) s",
                      (a.days - 1, a.metrics, a.segments - 1))
            c.execute("ANALYZE daily_facts")
        rows = a.days * a.metrics * a.segments
        src = metric_sources.SourceConfig(name="bench", kind="sql", url_env="BENCH_DB_URL", query=QUERY)
        env = {"BENCH_DB_URL": url}
        with tempfile.TemporaryDirectory() as d:
            db = Path(d) / "w.duckdb"
            timings = []
            for label, full in (("full sync (fresh warehouse)", False), ("no-change incremental", False),
                                ("full sync (--full, warehouse full)", True)):
                t0 = time.perf_counter()
                s = metric_sources.sync_source(db, src, full=full, env=env)
                secs = time.perf_counter() - t0
                timings.append(secs)
                print(f"{label:<36} {s.values:>9,} values in {secs:6.2f}s ({s.values / max(secs, 1e-9):>10,.0f} "
                      f"values/s)  [{s.mode}]")
        print(f"\n{rows:,} values ({a.days} days × {a.metrics} metrics × {a.segments} segments)")
        print(f"full sync        {timings[0]:.2f}s  (target < 5 s: {'ok' if timings[0] < 5 else 'MISSED'})")
        print(f"no-change sync   {timings[1]:.2f}s  (target < 1 s: {'ok' if timings[1] < 1 else 'MISSED'}); "
              f"{timings[1] / timings[0]:.0%} of the full sync")
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
