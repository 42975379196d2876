"""Import records: metrics, features and retro files validated into frames (docs/imports.md).

The file is read by `connectors.formats` (CSV, Parquet, JSON into a `Table`); here each
record is checked. Every reader validates the whole file first and raises one
`RetroscopeError` listing each bad row as `FILE:LINE: column X: <problem> (expected <what>)`
(up to 20, then a count); nothing is written unless the whole file is valid. Shared limits
(plausible dates, vote counts, columns) are `connectors.bounds`.

The hot path (1M-row metric files) is vectorised: pyarrow parses the CSV, pandas checks
whole columns at once; Python only loops over the (at most 20) messages it prints.
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from connectors import bounds
from connectors.formats import MAX_SHOWN, Problems, Table, fail, load_json, read_table
from connectors.messages import quote_value as _show
from queries.errors import RetroscopeError, did_you_mean

METRIC_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")   # (a 5,000,000-character name was imported)
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


# --------------------------------------------------------------------------- column parsing
def is_missing(s: pd.Series) -> np.ndarray:
    m = s.isna().to_numpy()
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return m | (s == "").to_numpy(dtype=bool, na_value=False)   # CSV: already stripped
    if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
        m = m | (s.astype("string").fillna("").str.strip() == "").to_numpy(dtype=bool)
    return m


def _arrow_strings(s: pd.Series):
    """The column as an Arrow string array with empty strings as nulls, or None if it is
    not a string column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        return None
    arr = pa.array(s)
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def _fast_dates(s: pd.Series) -> pd.Series | None:
    """All values valid ISO dates (or empty): parsed by Arrow in one cast; else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(s)
    if arr is None:
        return None
    try:
        d = pc.cast(pc.cast(arr, pa.date32()), pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(d.to_numpy(zero_copy_only=False), index=s.index)


def _fast_numbers(s: pd.Series) -> pd.Series | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(s)
    if arr is None:
        return None
    try:
        x = pc.cast(arr, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return pd.Series(x.to_numpy(zero_copy_only=False), index=s.index, dtype=float)


def parse_dates(s: pd.Series) -> pd.Series:
    """datetime64 (midnight) per value; NaT where missing or not a YYYY-MM-DD date."""
    fast = _fast_dates(s)
    if fast is not None:
        return fast
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        return out.dt.normalize()
    if s.dtype == object and len(s) and s.map(lambda v: isinstance(v, date | datetime)).all():
        return pd.to_datetime(s).dt.normalize()
    txt = s.astype("string").str.strip()
    out = pd.to_datetime(txt, format="%Y-%m-%d", errors="coerce")
    return out


def parse_numbers(s: pd.Series, decimal_comma: bool = False) -> pd.Series:
    """float per value; NaN where missing, not a number or not finite."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return pd.Series(np.nan, index=s.index)
    fast = _fast_numbers(s)
    if fast is not None:
        out = fast
    elif pd.api.types.is_numeric_dtype(s.dtype):
        out = s.astype(float)
    else:
        txt = s.astype("string").str.strip()
        if decimal_comma:
            txt = txt.str.replace(r"^(-?\d+),(\d+)$", r"\1.\2", regex=True)
        out = pd.to_numeric(txt, errors="coerce").astype(float)
    return out.where(np.isfinite(out.to_numpy(dtype=float, na_value=np.nan)))


def _refuse_huge(probs: Problems, values: pd.Series, rows, raw: pd.Series, column: str) -> None:
    """A metric value beyond ±bounds.MAX_ABS_VALUE: a unit or a typo, refused before it reaches
    the impact analysis (where it overflows)."""
    probs.add_mask((values.abs() > bounds.MAX_ABS_VALUE).to_numpy(dtype=bool), rows, raw, column,
                   lambda v: f"{_show(v)} is beyond {bounds.MAX_ABS_VALUE_TEXT}",
                   "a value in the metric's unit; check the unit or look for a typo")


def parse_bools(s: pd.Series) -> pd.Series:
    """True/False/NA per value (true/false/yes/no/1/0, any case); NA if missing or unrecognised."""
    def one(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return pd.NA
        if isinstance(v, bool | np.bool_):
            return bool(v)
        t = str(v).strip().lower()
        return True if t in _TRUE else False if t in _FALSE else pd.NA
    return s.map(one).astype("boolean")


def text(s: pd.Series) -> pd.Series:
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object and not s.hasnans:
        return s     # CSV columns: already stripped strings
    return s.astype("string").fillna("").str.strip()


def _unknown_columns(tbl: Table, allowed: Iterable[str], probs: Problems, example: str) -> None:
    unknown = [c for c in tbl.frame.columns if c not in set(allowed)]
    if unknown:
        probs.file(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                   f"(expected only {example})")


def _rename(tbl: Table, aliases: dict[str, str]) -> None:
    """Case-insensitive header names and aliases → canonical names; two columns that name the
    same one (`day,Day`, `date,day`, `key,item_key`) are refused, not one of them called unknown."""
    meant: dict[str, list[str]] = {}
    for c in tbl.frame.columns:
        k = aliases.get(c.lower(), c.lower() if c.lower() in aliases.values() else None)
        if k:
            meant.setdefault(k, []).append(str(c))
    clash = next(((k, cs) for k, cs in meant.items() if len(cs) > 1), None)
    if clash:
        raise fail(tbl.path, f"columns {', '.join(clash[1])} {'both' if len(clash[1]) == 2 else 'all'} name the "
                   f"{clash[0]} column", "keep one of them")
    ren = {}
    for c in tbl.frame.columns:
        k = aliases.get(c.lower(), c.lower() if c.lower() in aliases.values() else None)
        if k and k not in tbl.frame.columns:
            ren[c] = k
    if ren:
        tbl.frame = tbl.frame.rename(columns=ren)


def _check_dates(tbl: Table, probs: Problems, col: str, rows: np.ndarray, as_of: date | None,
                 required: bool = True, future_ok: bool = False) -> pd.Series:
    s = tbl.frame[col] if col in tbl.frame.columns else pd.Series([None] * len(tbl.frame), dtype=object)
    miss = is_missing(s)
    d = parse_dates(s)
    if required:
        probs.add_mask(miss, rows, s, col, lambda v: "missing", "a date YYYY-MM-DD")
    probs.add_mask(~miss & d.isna().to_numpy(), rows, s, col, lambda v: f"{_show(v)} is not a date",
                   "YYYY-MM-DD, e.g. 2026-03-31")
    odd = d.notna().to_numpy() & ((d < pd.Timestamp(bounds.DATE_MIN)) | (d > pd.Timestamp(bounds.DATE_MAX))
                                  ).to_numpy(dtype=bool, na_value=False)
    if odd.any():
        probs.add_mask(odd, rows, d.dt.strftime("%Y-%m-%d"), col,
                       lambda v: f"{v} is outside the plausible range", bounds.DATE_RANGE_TEXT)
    if as_of is not None and not future_ok:
        late = d.notna().to_numpy() & (d > pd.Timestamp(as_of)).to_numpy(dtype=bool, na_value=False)
        if late.any():
            probs.add_mask(late, rows, d.dt.strftime("%Y-%m-%d"), col,
                           lambda v: f"{v} is after as_of {as_of.isoformat()}",
                           "a day on or before as_of; pass --as-of YYYY-MM-DD if the file is right")
    return d


# --------------------------------------------------------------------------- metrics
LONG_COLUMNS = ("day", "metric", "value", "segment", "unit", "higher_is_better", "description")
DEF_COLUMNS = ("unit", "higher_is_better", "description")


@dataclass
class MetricsImport:
    points: pd.DataFrame          # metric, day (datetime64), segment, value
    definitions: pd.DataFrame     # metric, unit, higher_is_better, description
    layout: str                   # long | wide
    notes: list[str] = field(default_factory=list)

    @property
    def metrics(self) -> list[str]:
        return sorted(set(self.points["metric"]))


def read_definitions(path: str | Path) -> pd.DataFrame:
    """Metric definitions from a TOML file: `[metrics.<name>]` (or `[<name>]`) tables with
    unit, higher_is_better, description."""
    name = str(path)
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise fail(name, "no such file", "check the --definitions path") from None
    except IsADirectoryError:
        raise fail(name, "is a directory", "give the definitions TOML file, e.g. --definitions defs.toml") from None
    except OSError as e:
        raise fail(name, f"cannot read the file ({e.strerror})", "check the --definitions path") from None
    except UnicodeDecodeError:
        wide = bounds.wide_encoding(Path(path).read_bytes()[:4096])
        raise fail(name, f"not UTF-8 text{f' (the file is {wide}-encoded)' if wide else ''}", "save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise fail(name, f"not valid TOML ({e})", 'write [metrics.revenue] then unit = "EUR" lines') from None
    tables = doc.get("metrics", doc) if isinstance(doc.get("metrics", doc), dict) else {}
    rows, problems = [], []
    for metric, spec in tables.items():
        if not isinstance(spec, dict):
            problems.append(f"{name}: [{metric}]: not a table (expected [metrics.{metric}] with unit = ...)")
            continue
        if not METRIC_NAME.match(metric):
            problems.append(f"{name}: [metrics.{metric}]: not a metric name (expected letters, digits, _ . -, at most 100)")
        extra = sorted(set(spec) - set(DEF_COLUMNS))
        if extra:
            problems.append(f"{name}: [metrics.{metric}]: unknown key{'s' if len(extra) > 1 else ''} "
                            f"{', '.join(extra)} (expected only unit, higher_is_better, description)")
        for k in ("unit", "description"):
            if isinstance(spec.get(k), str) and len(spec[k]) > bounds.MAX_TEXT:
                problems.append(f"{name}: [metrics.{metric}]: {k} is {len(spec[k]):,} characters long (expected at "
                                f"most {bounds.MAX_TEXT:,})")
        hib = spec.get("higher_is_better", True)
        if not isinstance(hib, bool):
            problems.append(f"{name}: [metrics.{metric}]: higher_is_better = {hib!r} (expected true or false)")
        rows.append({"metric": metric, "unit": spec.get("unit"), "higher_is_better": bool(hib) if isinstance(hib, bool) else True,
                     "description": spec.get("description")})
    if not rows and not problems:
        problems.append(f"{name}: no metric definitions (expected [metrics.<name>] tables)")
    if problems:
        n = len(problems)
        raise RetroscopeError("\n".join([f"{name}: {n} problem{'s' if n > 1 else ''} in the definitions file; "
                                         "nothing was imported. Fix them and run the import again:"] + problems))
    return pd.DataFrame(rows, columns=["metric", "unit", "higher_is_better", "description"])


def read_metrics(path: str | Path, *, as_of: date, definitions: str | Path | None = None) -> MetricsImport:
    """Daily metric values, long (`day, metric, value[, segment]` + optional unit,
    higher_is_better, description) or wide (`day[, segment]` + one column per metric)."""
    tbl = read_table(path, sections=("metrics", "points", "values", "table"))
    return validate_metrics(tbl, as_of=as_of, definitions=definitions)


def validate_metrics(tbl: Table, *, as_of: date | None, definitions: str | Path | None = None) -> MetricsImport:
    """Validate a table of metric values (a file, or a metric source's query result) the
    same way: every bad row reported, nothing returned unless all are valid. as_of=None
    skips the check for future days (the caller does its own)."""
    _rename(tbl, {"date": "day", "day": "day", "metric": "metric", "value": "value", "segment": "segment",
                  "unit": "unit", "higher_is_better": "higher_is_better", "description": "description"})
    cols = set(tbl.frame.columns)
    long = "metric" in cols or "value" in cols
    probs = tbl.problems()
    rows = np.arange(len(tbl.frame))
    decimal_comma = tbl.delimiter == ";"
    notes: list[str] = []
    if "day" not in cols:
        probs.file("no day column (expected a header with day, e.g. day,metric,value or day,revenue,nps)")
        probs.raise_if_any("metrics")
    days = _check_dates(tbl, probs, "day", rows, as_of)
    seg = text(tbl.frame["segment"]) if "segment" in cols else pd.Series("", index=tbl.frame.index, dtype="string")
    defs_from_file = pd.DataFrame(columns=["metric", "unit", "higher_is_better", "description"])

    if long:
        missing = [c for c in ("metric", "value") if c not in cols]
        if missing:
            probs.file(f"no {' or '.join(missing)} column (expected day,metric,value[,segment] for the long layout)")
        _unknown_columns(tbl, LONG_COLUMNS, probs, "day, metric, value, segment, unit, higher_is_better, description")
        if probs.file_level:
            probs.raise_if_any("metrics")
        metric = text(tbl.frame["metric"])
        names = pd.Series(metric.unique())
        bad_names = set(names[~names.str.match(METRIC_NAME.pattern)].astype(str)) - {""}
        probs.add_mask((metric == "").to_numpy(dtype=bool), rows, metric, "metric", lambda v: "missing", "a metric name")
        if bad_names:
            probs.add_mask(metric.isin(bad_names).to_numpy(dtype=bool), rows, metric, "metric",
                           lambda v: f"{_show(v)} is not a metric name", "letters, digits, _ . - (no spaces, at most 100)")
        raw_val = tbl.frame["value"]
        values = parse_numbers(raw_val, decimal_comma)
        vmiss = is_missing(raw_val)
        probs.add_mask(vmiss, rows, raw_val, "value", lambda v: "missing", "a number")
        probs.add_mask(~vmiss & values.isna().to_numpy(), rows, raw_val, "value",
                       lambda v: f"{_show(v)} is not a number", "a number like 3.25")
        _refuse_huge(probs, values, rows, raw_val, "value")
        points = pd.DataFrame({"metric": metric.to_numpy(), "day": days.to_numpy(), "segment": seg.to_numpy(),
                               "value": values.to_numpy(dtype=float), "_row": rows})
        present = [c for c in DEF_COLUMNS if c in cols]
        if present:
            defs_from_file = _definitions_from_columns(tbl, probs, metric, rows, present)
    else:
        metric_cols = [c for c in tbl.frame.columns if c not in ("day", "segment")]
        if not metric_cols:
            probs.file("no metric columns (expected day followed by one column per metric, e.g. day,revenue,nps)")
        bad_cols = [c for c in metric_cols if not METRIC_NAME.match(c)]
        if bad_cols:
            probs.file(f"column{'s' if len(bad_cols) > 1 else ''} {', '.join(_show(c) for c in bad_cols[:5])}"
                       f"{' …' if len(bad_cols) > 5 else ''}: not a metric name "
                       "(expected letters, digits, _ . -, at most 100, in the header; or use the long layout "
                       "day,metric,value)")
        if probs.file_level:
            probs.raise_if_any("metrics")
        parts = []
        for c in metric_cols:
            raw_val = tbl.frame[c]
            values = parse_numbers(raw_val, decimal_comma)
            vmiss = is_missing(raw_val)
            probs.add_mask(~vmiss & values.isna().to_numpy(), rows, raw_val, c,
                           lambda v: f"{_show(v)} is not a number", "a number like 3.25, or an empty cell for no value")
            _refuse_huge(probs, values, rows, raw_val, c)
            keep = ~vmiss
            parts.append(pd.DataFrame({"metric": c, "day": days[keep], "segment": seg[keep].to_numpy(dtype=object),
                                       "value": values[keep].to_numpy(dtype=float), "_row": rows[keep]}))
        points = pd.concat(parts, ignore_index=True)
        if points.empty:
            probs.file("every metric cell is empty (expected at least one value)")

    valid_key = (points["day"].notna() & (points["metric"] != "")).to_numpy()
    # duplicates by an int64 key (factorized metric and segment, day number): hashing one
    # integer column is several times faster than hashing three object columns
    m_codes, m_uni = pd.factorize(points["metric"])
    s_codes, s_uni = pd.factorize(points["segment"])
    day_n = points["day"].to_numpy(dtype="datetime64[D]").astype("int64")
    key = (day_n * (len(m_uni) + 1) + m_codes) * (len(s_uni) + 1) + s_codes
    dup = valid_key & pd.Series(key).duplicated(keep=False).to_numpy()
    if dup.any():
        d = points[dup]
        first = d.groupby(["metric", "day", "segment"], sort=False)["_row"].transform("min")
        later = (d["_row"] != first).to_numpy()
        where_first = [tbl.where(int(r)) for r in first[later].iloc[:MAX_SHOWN]]
        msgs = iter(where_first)
        probs.add_mask(later, d["_row"].to_numpy(), d["metric"], "day",
                       lambda v: f"second value for {v} on this day and segment (first at {next(msgs)})",
                       "one value per metric, day and segment")
    probs.raise_if_any("metrics")

    defs = defs_from_file
    if definitions is not None:
        toml_defs = read_definitions(definitions)
        clash = set(toml_defs["metric"]) & set(defs["metric"])
        if clash:
            notes.append(f"definitions of {', '.join(sorted(clash))} taken from {definitions} (over the file's columns)")
        in_file = set(points["metric"])
        for m in sorted(set(toml_defs["metric"]) - in_file):   # a typo would define a metric nobody loads
            near = did_you_mean(m, in_file)
            notes.append(f"{definitions} defines '{m}', which this file has no values of"
                         + (f" ({near})" if near else "")
                         + ": stored all the same, for whichever source loads that metric")
        defs = pd.concat([defs[~defs["metric"].isin(toml_defs["metric"])], toml_defs], ignore_index=True)
    points = points.drop(columns="_row")
    points["segment"] = points["segment"].astype(str)
    return MetricsImport(points, defs.reset_index(drop=True), "long" if long else "wide", notes)


def _definitions_from_columns(tbl: Table, probs: Problems, metric: pd.Series, rows: np.ndarray,
                              present: list[str]) -> pd.DataFrame:
    f = pd.DataFrame({"metric": metric.to_numpy(dtype=object), "_row": rows})
    for c in present:
        if c == "higher_is_better":
            raw = tbl.frame[c]
            b = parse_bools(raw)
            miss = is_missing(raw)
            probs.add_mask(~miss & b.isna().to_numpy(dtype=bool), rows, raw, c,
                           lambda v: f"{_show(v)} is not true or false", "true/false, yes/no or 1/0")
            f[c] = b.to_numpy(dtype=object, na_value=None)
        else:
            t = text(tbl.frame[c])
            probs.add_mask((t.str.len() > bounds.MAX_TEXT).to_numpy(dtype=bool), rows, t, c,
                           lambda v: f"{len(v):,} characters", f"at most {bounds.MAX_TEXT:,}")
            f[c] = t.replace("", pd.NA).to_numpy(dtype=object, na_value=None)
    # one definition per metric: every non-empty value of a column must agree
    for c in present:
        sub = f[f[c].notna()][["metric", c, "_row"]]
        if sub.empty:
            continue
        firsts = sub.drop_duplicates("metric").set_index("metric")
        ref = sub["metric"].map(firsts[c])
        clash = (sub[c].astype(str) != ref.astype(str)).to_numpy()
        if clash.any():
            first_rows = sub["metric"].map(firsts["_row"]).to_numpy()[clash]
            refs = ref.to_numpy()[clash]
            it = iter(zip(refs, first_rows, strict=True))

            def differs(v, it=it):
                ref_v, ref_row = next(it)
                return f"{_show(v)} differs from {_show(ref_v)} at {tbl.where(int(ref_row))}"

            probs.add_mask(clash, sub["_row"].to_numpy(), sub[c], c, differs, "one definition per metric")
    agg = {c: (lambda s: next((v for v in s if v is not None and v is not pd.NA), None)) for c in present}
    out = f.groupby("metric", sort=True).agg(agg).reset_index()
    for c in DEF_COLUMNS:
        if c not in out.columns:
            out[c] = None
    out["higher_is_better"] = out["higher_is_better"].map(lambda v: True if v is None else bool(v))
    return out[["metric", "unit", "higher_is_better", "description"]]


# --------------------------------------------------------------------------- features
FEATURE_ALIASES = {"key": "item_key", "item_key": "item_key", "item": "item_key", "name": "name",
                   "item_name": "name", "shipped_on": "shipped_on", "shipped": "shipped_on", "ship_date": "shipped_on",
                   "epic_key": "epic_key", "epic": "epic_key", "metrics": "metrics", "metric": "metrics",
                   "expected_direction": "expected_direction", "direction": "expected_direction",
                   "min_change": "min_change"}
FEATURE_COLUMNS = ("item_key", "name", "shipped_on", "epic_key", "metrics", "expected_direction", "min_change")


def split_metrics(v: object) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    if isinstance(v, list | tuple | np.ndarray):
        return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in re.split(r"[;,|]", str(v)) if x.strip()]


def number(v: object) -> float | None:
    """One given value as a number: 3, '3.5', '3,5', '5%' or '5 %' (→ 0.05). None if it is not
    a finite number (booleans are not numbers). Used for form and retro records too."""
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v) if math.isfinite(v) else None
    t = str(v).strip().replace(",", ".")
    pct = t.endswith("%")
    try:
        x = float(t.rstrip("%").strip())
    except ValueError:
        return None
    if not math.isfinite(x):
        return None
    return x / 100 if pct else x


def parse_share(v: object) -> float | None:
    """A relative change: 0.05, 5% or '5 %' → 0.05; missing → 0. None if not a number."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "":
        return 0.0
    return number(v)


def unknown_metric(m: str, known: set[str]) -> tuple[str, str]:
    """(problem, expected) for a metric name the warehouse does not hold."""
    hint = ", ".join(sorted(known)[:8]) + ("…" if len(known) > 8 else "") if known else "none loaded yet"
    # (a backup restored into another warehouse names the metrics of the one it came from)
    return f"unknown metric {_show(m)}", (f"a product metric in the warehouse: {hint}; load the values of {_show(m)} "
                                          "first, e.g. `retroscope import metrics FILE`")


def check_metric_list(probs: Problems, row: int, column: str, names: list[str], known: set[str] | None) -> None:
    for m in names:
        if not METRIC_NAME.match(m):
            probs.add(row, column, f"{_show(m)} is not a metric name", "letters, digits, _ . -, at most 100")
        elif known is not None and m not in known:
            probs.add(row, column, *unknown_metric(m, known))


def read_features(path: str | Path, *, as_of: date, known_metrics: set[str] | None) -> pd.DataFrame:
    """Shipped items: item_key, name, shipped_on, epic_key, metrics (list), expected_direction,
    min_change. known_metrics=None skips the metric check (no warehouse yet)."""
    tbl = read_table(path, sections=("features", "items", "shipped_items", "table"),
                     example="key,name,shipped_on,metrics")
    _rename(tbl, FEATURE_ALIASES)
    probs = tbl.problems()
    cols = set(tbl.frame.columns)
    _unknown_columns(tbl, FEATURE_COLUMNS, probs, "key, name, shipped_on, epic_key, metrics, direction, min_change")
    missing = [c for c in ("item_key", "name", "shipped_on") if c not in cols]
    if missing:
        probs.file(f"no {', '.join('key' if c == 'item_key' else c for c in missing)} column "
                   "(expected a header like key,name,shipped_on,epic_key,metrics,direction,min_change)")
    probs.raise_if_any("features")
    f = tbl.frame
    rows = np.arange(len(f))
    for c in f.columns:   # (JSON) an object, or a list outside `metrics`, would be stored as its Python text
        odd = f[c].map(lambda v, c=c: bounds.nested(v) is not None and not (c == "metrics" and isinstance(v, list)))
        probs.add_mask(odd.to_numpy(dtype=bool), rows, f[c], c, lambda v: f"{bounds.nested(v)}, not a value",
                       "text, a number or a date")
    for c in ("name", "epic_key"):
        if c in f.columns:
            long = f[c].map(lambda v: isinstance(v, str) and len(v) > bounds.MAX_TEXT)
            probs.add_mask(long.to_numpy(dtype=bool), rows, f[c], c,
                           lambda v: f"{len(v):,} characters", f"at most {bounds.MAX_TEXT:,}")
    probs.raise_if_any("features")
    key, name = text(f["item_key"]), text(f["name"])
    probs.add_mask((key == "").to_numpy(dtype=bool), rows, key, "key", lambda v: "missing", "the item's key, e.g. ATL-123")
    probs.add_mask((name == "").to_numpy(dtype=bool), rows, name, "name", lambda v: "missing", "the item's name")
    dup = key.duplicated(keep="first").to_numpy(dtype=bool) & (key != "").to_numpy(dtype=bool)
    first_at = {k: i for i, k in reversed(list(enumerate(key)))}
    probs.add_mask(dup, rows, key, "key", lambda v: f"duplicate key {_show(v)} (first at {tbl.where(first_at[v])})",
                   "each item once")
    shipped = _check_dates(tbl, probs, "shipped_on", rows, as_of)
    epic = text(f["epic_key"]) if "epic_key" in cols else pd.Series("", index=f.index, dtype="string")
    metrics = f["metrics"].map(split_metrics) if "metrics" in cols else pd.Series([[]] * len(f), index=f.index)
    for i, ms in enumerate(metrics):
        check_metric_list(probs, i, "metrics", ms, known_metrics)
    if "expected_direction" in cols:
        d = text(f["expected_direction"]).str.lower().replace("", "up")
        probs.add_mask((~d.isin(["up", "down"])).to_numpy(dtype=bool), rows, f["expected_direction"], "direction",
                       lambda v: f"{_show(v)} is not a direction", "up or down")
    else:
        d = pd.Series("up", index=f.index)
    if "min_change" in cols:
        mc = f["min_change"].map(parse_share)
        bad = mc.isna().to_numpy() | mc.map(lambda x: x is not None and not 0 <= x < 10).to_numpy(dtype=bool)
        probs.add_mask(bad, rows, f["min_change"], "min_change", lambda v: f"{_show(v)} is not a relative change",
                       "a share like 0.02 or 2% (0 = any change)")
    else:
        mc = pd.Series(0.0, index=f.index)
    probs.raise_if_any("features")
    return pd.DataFrame({
        "item_key": key.to_numpy(dtype=object), "name": name.to_numpy(dtype=object),
        "shipped_on": shipped.dt.date.to_numpy(dtype=object),
        "epic_key": epic.replace("", pd.NA).to_numpy(dtype=object, na_value=None),
        "metrics": list(metrics), "expected_direction": d.to_numpy(dtype=object),
        "min_change": mc.astype(float).to_numpy(), "origin": "import",
    })


# --------------------------------------------------------------------------- retro records
RECORD_KINDS = {   # record value in CSV / JSON section -> canonical kind
    "retro": "retro", "retros": "retro", "card": "card", "cards": "card", "action": "action", "actions": "action",
    "action_item": "action", "action_items": "action", "review": "review", "reviews": "review",
    "action_review": "review", "action_reviews": "review", "agreement": "agreement", "agreements": "agreement",
    "hypothesis": "hypothesis", "hypotheses": "hypothesis", "setting": "setting", "settings": "setting",
    "forecast": "forecast", "forecasts": "forecast",
}
SECTIONS = {"retro": "retros", "card": "cards", "action": "actions", "review": "reviews", "agreement": "agreements",
            "hypothesis": "hypotheses", "setting": "settings", "forecast": "forecasts"}
AUTHOR_COLUMNS = {"author", "author_name", "name", "created_by", "user", "username", "email", "person", "written_by"}


@dataclass
class RetroRecords:
    """Rows per kind, each row a dict plus its location string."""

    rows: dict[str, list[tuple[str, dict]]]
    notes: list[str]
    dropped_author_columns: list[str]


def _clean_value(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, str):
        v = v.strip()
        return v if v != "" else None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if isinstance(v, np.generic):
        return v.item()
    return v


def read_retro(path: str | Path) -> RetroRecords:
    """Retro records from JSON (sections retros/cards/actions/reviews/agreements/hypotheses/settings,
    retros may nest their own cards/actions/reviews/agreements/hypotheses) or CSV with a `record`
    column. Card author columns are dropped (cards are anonymous)."""
    name = str(path)
    suffix = Path(path).suffix.lower()
    rows: dict[str, list[tuple[str, dict]]] = {k: [] for k in SECTIONS}
    dropped: set[str] = set()
    notes: list[str] = []
    if suffix == ".json":
        doc = load_json(path)
        if not isinstance(doc, dict):
            raise fail(name, "the top level is not an object",
                        'give {"retros": [...], "cards": [...], "actions": [...], "agreements": [...], "hypotheses": [...]}')
        unknown = [k for k in doc if k not in RECORD_KINDS and k not in ("format", "exported_at")]
        if unknown:
            raise fail(name, f"unknown section{'s' if len(unknown) > 1 else ''} {', '.join(map(str, unknown))}",
                        "use only retros, cards, actions, reviews, agreements, hypotheses, settings, forecasts")
        for sec, recs in doc.items():
            if sec in ("format", "exported_at"):
                continue
            kind = RECORD_KINDS[sec]
            if not isinstance(recs, list):
                raise fail(name, f"{sec} is not an array", f'give "{sec}": [{{...}}, ...]')
            for i, r in enumerate(recs):
                loc = f"{name}:{sec}[{i}]"
                if not isinstance(r, dict):
                    raise fail(name, f"{sec}[{i}] is not an object", 'give each record as {"column": value, ...}')
                rec = {str(k).strip().lower(): _clean_value(v) for k, v in r.items()
                       if not (kind == "retro" and str(k).strip().lower() in RECORD_KINDS)}
                rows[kind].append((loc, rec))
                if kind == "retro":   # nested children inherit the retro id (set after id generation)
                    for child_sec, children in r.items():
                        ck = RECORD_KINDS.get(str(child_sec).strip().lower())
                        if ck is None or ck in ("retro", "setting", "forecast"):
                            continue
                        if not isinstance(children, list):
                            raise fail(name, f"{loc}.{child_sec} is not an array", f'give "{child_sec}": [{{...}}, ...]')
                        for j, ch in enumerate(children):
                            if not isinstance(ch, dict):
                                raise fail(name, f"{sec}[{i}].{child_sec}[{j}] is not an object",
                                            'give each record as {"column": value, ...}')
                            crec = {str(k).strip().lower(): _clean_value(v) for k, v in ch.items()}
                            crec["__parent__"] = len(rows["retro"]) - 1
                            rows[ck].append((f"{loc}.{child_sec}[{j}]", crec))
    else:
        tbl = read_table(path, example="record,retro_id,held_on,team,kind,title,...")
        tbl.frame.columns = [c.lower() for c in tbl.frame.columns]
        if "record" not in tbl.frame.columns:
            raise fail(name, "no record column",
                        "give a CSV whose first column `record` says retro, card, action, agreement or hypothesis per row")
        probs = tbl.problems()
        recs = tbl.frame.to_dict("records")
        for i, r in enumerate(recs):
            kind = RECORD_KINDS.get(str(r.get("record") or "").strip().lower())
            if kind is None:
                probs.add(i, "record", f"{_show(r.get('record'))} is not a record type",
                          "retro, card, action, review, agreement, hypothesis or setting")
                continue
            rec = {k: _clean_value(v) for k, v in r.items() if k != "record"}
            rec = {k: v for k, v in rec.items() if v is not None}
            rows[kind].append((tbl.where(i), rec))
        probs.raise_if_any("retro")
    for _loc, rec in rows["card"]:
        authors = [k for k in rec if k in AUTHOR_COLUMNS]
        for k in authors:
            rec.pop(k)
            dropped.add(k)
    if dropped:
        notes.append(f"dropped the column{'s' if len(dropped) > 1 else ''} {', '.join(sorted(dropped))} from the "
                     "cards: retro cards are anonymous, so author names are never stored")
    return RetroRecords(rows, notes, sorted(dropped))


def stable_id(prefix: str, *parts: object) -> str:
    """A deterministic id from the record's content, so re-importing a file without ids
    updates the same records instead of duplicating them."""
    h = hashlib.sha1("\x1f".join("" if p is None else str(p) for p in parts).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{h}"


def known_metrics(db_path: str | Path) -> set[str] | None:
    """Product metrics the warehouse knows, or None when there is no warehouse yet."""
    import queries

    if not queries.store_exists(db_path):
        return None
    con = queries.connect(db_path, derived=False)
    try:
        return set(queries.run(con, "outcomes__known_metrics")["metric"])
    finally:
        con.close()
