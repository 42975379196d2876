"""Importing metrics, features and retro files (docs/imports.md): read and validate through
`connectors.files`, give records their ids, link nested records to their retro, and write.

Metrics and features go into the warehouse through `connectors.load.staged_load` (one
atomic load; a bad file writes nothing); retro records go into the user-input store
through `connectors.userdata` (one transaction). Each function returns what it did; the
CLI (`dashboard/cli_import.py`) only parses arguments and prints."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa

from connectors import files, userdata
from connectors.load import staged_load
from connectors.settings import Settings
from queries import Progress


# --------------------------------------------------------------------------- metrics
@dataclass
class MetricsImported:
    values: int
    metrics: int
    layout: str
    first_day: date
    last_day: date
    definitions: int
    notes: list[str]
    seconds: float           # the whole import
    read_seconds: float      # reading and validating the file
    replaced: dict[str, int] = field(default_factory=dict)   # values already loaded, per source, now replaced


def import_metrics(path: str, settings: Settings, *, as_of: date, definitions: str | None = None,
                   progress: Progress | None = None) -> MetricsImported:
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
                     detail=f"metrics ({imp.layout}) from {path}", config=settings.analysis) as w:
        w.progress = progress   # the facts build at the end
        replaced = w.replaced_metric_values(points)   # said, not done silently
        w.write("raw_metric_points", points[["source", "metric", "day", "segment", "value"]])
        if len(defs):
            w.write("raw_metric_definitions", defs)
        w.data_as_of = w.day_end(last_day)
    return MetricsImported(len(points), len(imp.metrics), imp.layout, first_day, last_day, len(defs),
                           list(imp.notes), time.perf_counter() - t0, t_read, replaced)


# --------------------------------------------------------------------------- features
@dataclass
class FeaturesImported:
    items: int
    metrics_checked: bool    # False when there was no warehouse to check targeted metrics against
    seconds: float


def import_features(path: str, settings: Settings, *, as_of: date,
                    progress: Progress | None = None) -> FeaturesImported:
    t0 = time.perf_counter()
    known = files.known_metrics(settings.db_path)
    items = files.read_features(path, as_of=as_of, known_metrics=known)
    source = f"file:{Path(path).name}"
    items.insert(0, "source", source)
    with staged_load(settings.db_path, source, "import", detail=f"shipped items from {path}",
                     config=settings.analysis) as w:
        w.progress = progress   # the facts build at the end
        w.delete_source(["raw_shipped_items"])     # the file is the whole truth for its source
        w.write("raw_shipped_items", items)
        w.data_as_of = w.day_end(max(items["shipped_on"]))
    return FeaturesImported(len(items), known is not None, time.perf_counter() - t0)


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


def prepare_retro(path: str, *, as_of: date, known_metrics: set[str] | None, existing_retros: set[str],
                  existing_actions: set[str] = frozenset()) -> tuple[dict[str, list[dict]], list[str]]:
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
        file_actions = {a["action_id"] for a in out["action"]}
        for loc, rec in recs.rows[kind]:
            rec = dict(rec)
            parent = rec.pop("__parent__", None)
            if parent is not None and not rec.get("retro_id"):
                rec["retro_id"] = retro_id_of_parent[parent]
            row, problems = userdata.clean(
                kind, rec, as_of=as_of, known_metrics=known_metrics,
                retro_ids=None if kind in ("retro", "setting") else file_retros | existing_retros,
                action_ids=file_actions | set(existing_actions) if kind in ("review", "agreement", "hypothesis") else None)
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


@dataclass
class RetroImported:
    counts: dict[str, int]          # table -> records written
    notes: list[str] = field(default_factory=list)
    hypotheses_unchecked: bool = False   # hypotheses given but no warehouse to check their metrics


def import_retro(path: str, settings: Settings, *, as_of: date) -> RetroImported:
    known = files.known_metrics(settings.db_path)
    rows, notes = prepare_retro(path, as_of=as_of, known_metrics=known,
                                existing_retros=userdata.retro_ids(settings.userdata),
                                existing_actions=userdata.action_ids(settings.userdata))
    counts = userdata.save_records(settings.userdata, rows)
    return RetroImported(counts, list(notes), known is None and bool(rows.get("hypothesis")))
