"""`retroscope import metrics|features|retro FILE` and `retroscope export retro --out FILE`.

Metrics and features go into the warehouse through `connectors.load.staged_load` (one
atomic load; a bad file writes nothing); retro records go into the user-input store
through `connectors.userdata` (one transaction)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from datetime import UTC, date, datetime
from datetime import time as dtime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from connectors import files, userdata
from connectors.load import staged_load
from connectors.settings import Settings
from queries.errors import RetroscopeError


def _as_of(args) -> date:
    v = getattr(args, "as_of", None)
    if not v:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(str(v).strip()[:10])
    except ValueError:
        raise RetroscopeError(f"--as-of {v!r} is not a date (expected YYYY-MM-DD, e.g. 2026-03-31)") from None


def _end_of(d: date) -> datetime:
    return datetime.combine(d, dtime(23, 59, 59), tzinfo=UTC)


def run(args, settings: Settings) -> int:
    as_of = _as_of(args)
    if args.kind == "metrics":
        return import_metrics(args.file, settings, as_of=as_of, definitions=args.definitions)
    if args.definitions:
        raise RetroscopeError("--definitions applies to `import metrics` only; drop it")
    if args.kind == "features":
        return import_features(args.file, settings, as_of=as_of)
    return import_retro(args.file, settings, as_of=as_of)


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


# --------------------------------------------------------------------------- metrics
def import_metrics(path: str, settings: Settings, *, as_of: date, definitions: str | None = None) -> int:
    t0 = time.perf_counter()
    imp = files.read_metrics(path, as_of=as_of, definitions=definitions)
    t_read = time.perf_counter() - t0
    points = imp.points.copy()
    source = f"file:{Path(path).name}"
    points.insert(0, "source", source)
    defs = imp.definitions.copy()
    defs.insert(0, "source", source)
    first_day, last_day = points["day"].min().date(), points["day"].max().date()
    # Arrow-typed columns: DuckDB scans them without converting Python objects (~25 % faster)
    arrow_str, arrow_date = pd.ArrowDtype(pa.string()), pd.ArrowDtype(pa.date32())
    points = points.astype({"source": arrow_str, "metric": arrow_str, "segment": arrow_str, "day": arrow_date})
    with staged_load(settings.db_path, source, "import",
                     detail=f"metrics ({imp.layout}) from {path}") as w:
        w.write("raw_metric_points", points[["source", "metric", "day", "segment", "value"]])
        if len(defs):
            w.write("raw_metric_definitions", defs)
        w.data_as_of = _end_of(last_day)
    secs = time.perf_counter() - t0
    for n in imp.notes:
        _say(f"note: {n}")
    print(f"imported {len(points):,} values of {len(imp.metrics)} metric(s) ({imp.layout} layout, "
          f"{first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}) and {len(defs)} definition(s) from {path} "
          f"into {settings.db_path} in {secs:.1f}s ({len(points) / max(secs, 1e-9):,.0f} rows/s; "
          f"read and validated in {t_read:.1f}s)")
    return 0


# --------------------------------------------------------------------------- features
def import_features(path: str, settings: Settings, *, as_of: date) -> int:
    t0 = time.perf_counter()
    known = files.known_metrics(settings.db_path)
    items = files.read_features(path, as_of=as_of, known_metrics=known)
    source = f"file:{Path(path).name}"
    items.insert(0, "source", source)
    with staged_load(settings.db_path, source, "import", detail=f"shipped items from {path}") as w:
        w.delete_source(["raw_shipped_items"])     # the file is the whole truth for its source
        w.write("raw_shipped_items", items)
        w.data_as_of = _end_of(max(items["shipped_on"]))
    if known is None:
        _say("note: no warehouse yet, so the targeted metrics were not checked; import metrics too")
    print(f"imported {len(items)} shipped item(s) from {path} into {settings.db_path} "
          f"in {time.perf_counter() - t0:.1f}s")
    return 0


# --------------------------------------------------------------------------- retro
def _stable(kind: str, rec: dict, n: int) -> str:
    if kind == "retro":
        return files.stable_id("r", rec.get("team"), rec.get("held_on"), rec.get("kind"), rec.get("title"))
    if kind == "card":
        return files.stable_id("c", rec.get("retro_id"), rec.get("column_name"), rec.get("text"), n)
    if kind == "action":
        return files.stable_id("a", rec.get("retro_id"), rec.get("text"), n)
    if kind == "agreement":
        return files.stable_id("g", rec.get("retro_id"), rec.get("text"), n)
    if kind == "hypothesis":
        return files.stable_id("h", rec.get("retro_id"), rec.get("item_key"), rec.get("metric"), n)
    return str(rec.get("key"))


def prepare_retro(path: str, *, as_of: date, known_metrics: set[str] | None, existing_retros: set[str]
                  ) -> tuple[dict[str, list[dict]], list[str]]:
    """Read and validate a retro file; returns rows per kind (ids set) and notes. Raises the
    multi-line report when any record is bad."""
    recs = files.read_retro(path)
    probs = files.Problems(str(path), lambda i: str(i))
    locs: list[str] = []

    def add(loc: str, col: str, problem: str, expected: str) -> None:
        locs.append(loc)
        probs.add(len(locs) - 1, col, problem, expected)

    probs.where = lambda i: locs[i]
    out: dict[str, list[dict]] = {k: [] for k in userdata.ORDER}
    retro_id_of_parent: list[str | None] = []
    seen: dict[tuple[str, str], str] = {}
    for kind in userdata.ORDER:
        _, id_col, _ = userdata.TABLES[kind]
        counter: Counter = Counter()
        file_retros = {r["retro_id"] for r in out["retro"]}
        for loc, rec in recs.rows[kind]:
            rec = dict(rec)
            parent = rec.pop("__parent__", None)
            if parent is not None and not rec.get("retro_id"):
                rec["retro_id"] = retro_id_of_parent[parent]
            row, problems = userdata.clean(
                kind, rec, as_of=as_of, known_metrics=known_metrics,
                retro_ids=None if kind in ("retro", "setting") else file_retros | existing_retros)
            for col, problem, expected in problems:
                add(loc, col, problem, expected)
            if row.get(id_col) is None:
                basis = tuple(str(row.get(c)) for c in userdata.TABLES[kind][2] if c != id_col)
                counter[basis] += 1
                row[id_col] = _stable(kind, row, counter[basis])
            key = (kind, row[id_col])
            if key in seen:
                add(loc, id_col, f"duplicate id {row[id_col]!r} (first at {seen[key]})", "each record once")
            seen[key] = loc
            if kind == "retro":
                retro_id_of_parent.append(row[id_col])
            out[kind].append(row)
    total = sum(len(v) for v in out.values())
    if not total and not probs.total:
        probs.file("no records (expected retros, cards, actions, agreements or hypotheses)")
    probs.raise_if_any("retro")
    return out, recs.notes


def import_retro(path: str, settings: Settings, *, as_of: date) -> int:
    known = files.known_metrics(settings.db_path)
    rows, notes = prepare_retro(path, as_of=as_of, known_metrics=known,
                                existing_retros=userdata.retro_ids(settings.userdata))
    counts = userdata.save_records(settings.userdata, rows)
    for n in notes:
        _say(f"note: {n}")
    if known is None and rows.get("hypothesis"):
        _say("note: no warehouse yet, so the hypotheses' metrics were not checked")
    parts = ", ".join(f"{n} {t}" for t, n in counts.items()) or "nothing"
    print(f"imported {parts} from {path} into the user-input store {settings.userdata}")
    return 0


def export_retro(args, settings: Settings) -> int:
    counts = userdata.export_json(settings.userdata, args.out, exported_at=datetime.now(UTC))
    parts = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"wrote {parts} to {args.out} (read it back with `retroscope import retro {args.out}`)")
    return 0


__all__ = ["run", "export_retro", "import_metrics", "import_features", "import_retro", "prepare_retro"]
