"""Import throughput for product-metric files.

    python -m benchmarks.imports [--rows 1000000] [--layout long|wide] [--format csv|parquet] [--dir DIR]

Writes a synthetic metrics file of --rows values (long: day,metric,value,segment over
20 metrics x 5 segments; wide: day + one column per metric), then times
`retroscope import metrics FILE` end to end (read, validate, staged load into a fresh
warehouse, swap) and a second import of the same file into the now-full warehouse (the
upsert path), printing rows/s for each. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from connectors import files, imports
from connectors.settings import Settings


def make_file(path: Path, rows: int, layout: str, fmt: str) -> Path:
    rng = np.random.default_rng(1)
    if layout == "long":
        metrics, segments = [f"metric_{i:02d}" for i in range(20)], ["", "web", "ios", "android", "api"]
        per_day = len(metrics) * len(segments)
        n_days = -(-rows // per_day)
        days = pd.date_range(date(2026, 6, 30) - timedelta(days=n_days - 1), periods=n_days, freq="D")
        df = pd.DataFrame({
            "day": np.repeat(days.strftime("%Y-%m-%d").to_numpy(), per_day),
            "metric": np.tile(np.repeat(metrics, len(segments)), n_days),
            "value": np.round(rng.normal(1000, 50, n_days * per_day), 3),
            "segment": np.tile(segments, len(metrics) * n_days),
        }).iloc[:rows]
    else:
        n_metrics = 50
        n_days = -(-rows // n_metrics)
        days = pd.date_range(date(2026, 6, 30) - timedelta(days=n_days - 1), periods=n_days, freq="D")
        df = pd.DataFrame({"day": days.strftime("%Y-%m-%d")})
        for i in range(n_metrics):
            df[f"metric_{i:02d}"] = np.round(rng.normal(1000, 50, n_days), 3)
    if fmt == "parquet":
        df.to_parquet(path.with_suffix(".parquet"))
        return path.with_suffix(".parquet")
    df.to_csv(path.with_suffix(".csv"), index=False)
    return path.with_suffix(".csv")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--layout", choices=("long", "wide"), default="long")
    ap.add_argument("--format", choices=("csv", "parquet"), default="csv")
    ap.add_argument("--dir", help="work directory (default: a temp dir)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(args.dir or tmp)
        d.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        f = make_file(d / f"metrics_{args.layout}", args.rows, args.layout, args.format)
        print(f"wrote {f.name}: {f.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t0:.1f}s")
        t0 = time.perf_counter()
        imp = files.read_metrics(f, as_of=date(2026, 6, 30))
        t_read = time.perf_counter() - t0
        n = len(imp.points)
        print(f"read + validate: {n:,} values in {t_read:.2f}s = {n / t_read:,.0f} rows/s")
        settings = Settings(db_path=d / "bench.duckdb")
        for label in ("import into an empty warehouse", "re-import (upsert over the same keys)"):
            t0 = time.perf_counter()
            imports.import_metrics(str(f), settings, as_of=date(2026, 6, 30))
            secs = time.perf_counter() - t0
            print(f"{label}: {n:,} rows in {secs:.2f}s = {n / secs:,.0f} rows/s")


if __name__ == "__main__":
    main()
