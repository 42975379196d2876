"""Reading CSV, Parquet and JSON files into a `Table` (a frame plus where each row came
from), and `Problems`, the one report every reader and validator raises (docs/imports.md).

Only the file's format is checked here (readable, decodable, a header, one delimiter, no
ragged rows, records arrays); what the records mean is checked by `connectors.files`.
Locations: CSV = the line in the file (the header is line 1); Parquet = `row N` (1-based);
JSON = `section[i]` (0-based index in the records array).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from connectors import bounds
from queries.errors import RetroscopeError

MAX_SHOWN = 20
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")     # utf-8-sig also reads plain UTF-8
DELIMITERS = (",", ";", "\t", "|")
_DELIM_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# --------------------------------------------------------------------------- problems
@dataclass
class Problems:
    """Collects row problems; `raise_if_any()` raises the multi-line report."""

    path: str
    where: Callable[[int], str]
    items: list[tuple[int, int, str]] = field(default_factory=list)   # (row order, seq, message)
    total: int = 0
    file_level: list[str] = field(default_factory=list)
    heading: str | None = None      # replaces the file-import first line (e.g. for a synced source)

    def add(self, row: int | None, column: str, problem: str, expected: str) -> None:
        self.total += 1
        if len(self.items) < 10 * MAX_SHOWN:
            loc = self.where(row) if row is not None else self.path
            self.items.append((row if row is not None else -1, len(self.items),
                               f"{loc}: column {column}: {problem} (expected {expected})"))

    def add_mask(self, mask, rows: np.ndarray, values, column: str, problem: Callable[[object], str],
                 expected: str) -> None:
        """Add one problem per True in `mask` (vectorised: messages only for the first few)."""
        mask = np.asarray(mask, dtype=bool)
        n = int(mask.sum())
        if not n:
            return
        idx = np.flatnonzero(mask)
        vals = np.asarray(values, dtype=object)
        for i in idx[:MAX_SHOWN]:
            self.add(int(rows[i]), column, problem(vals[i]), expected)
        self.total += n - min(n, MAX_SHOWN)

    def file(self, message: str) -> None:
        self.file_level.append(message)

    def raise_if_any(self, what: str) -> None:
        if not self.total and not self.file_level:
            return
        n = self.total + len(self.file_level)
        lines = [self.heading.format(n=n, s="s" if n != 1 else "") if self.heading else
                 f"{self.path}: {n} problem{'s' if n != 1 else ''} in the {what} file; nothing was imported. "
                 "Fix the rows listed below and run the import again:"]
        lines += [f"{self.path}: {m}" for m in self.file_level]
        shown = [m for _, _, m in sorted(self.items)][: MAX_SHOWN]
        lines += shown
        more = self.total - len(shown)
        if more > 0:
            lines.append(f"… and {more} more")
        raise RetroscopeError("\n".join(lines))


# --------------------------------------------------------------------------- reading
@dataclass
class Table:
    """A file read as a frame, with a way to name the place of each row."""

    path: str
    frame: pd.DataFrame
    fmt: str                        # csv | parquet | json | rows (a query result)
    lines: np.ndarray               # per row: CSV line number / parquet or result row / json index
    section: str = ""               # JSON: the key of the records array ('' = top-level array)
    delimiter: str | None = None
    encoding: str | None = None
    heading: str | None = None      # first line of the problem report (default: the file-import one)

    def where(self, row: int) -> str:
        n = int(self.lines[row]) if 0 <= row < len(self.lines) else row
        if self.fmt == "csv":
            return f"{self.path}:{n}"
        if self.fmt == "parquet":
            return f"{self.path}:row {n}"
        if self.fmt == "rows":
            return f"{self.path} row {n}"
        return f"{self.path}:{self.section}[{n}]"

    def problems(self) -> Problems:
        return Problems(self.path, self.where, heading=self.heading)


def fail(path: str, problem: str, fix: str) -> RetroscopeError:
    return RetroscopeError(f"{path}: {problem}; {fix}")


def _decode(raw: bytes, name: str = "the file") -> tuple[str, str]:
    wide = bounds.wide_encoding(raw)
    if wide:
        raise fail(name, f"the file is {wide}-encoded", "save it as UTF-8 (in Excel: CSV UTF-8) and import it again")
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")   # pragma: no cover


def _detect_delimiter(path: str, text: str, example: str = "day,metric,value") -> str:
    sample = text[:65536].splitlines()[:50]
    sample = [s for s in sample if s.strip()]
    best, best_n = None, 1
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(sample, delimiter=d)]
        if counts and counts[0] > best_n and all(c == counts[0] for c in counts[1:-1] or [counts[0]]):
            best, best_n = d, counts[0]
    if best is None:
        for d in DELIMITERS:   # header splits but rows are ragged: still the likely delimiter
            header = next(csv.reader(sample[:1], delimiter=d), [])
            if len(header) > best_n:
                best, best_n = d, len(header)
    if best is None:
        raise fail(path, "could not detect the column delimiter (the header has a single column)",
                    f"separate columns with a comma, semicolon, tab or | and give a header line, e.g. {example}")
    return best


def read_csv(path: str | Path, example: str = "day,metric,value") -> Table:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    p = Path(path)
    name = str(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise fail(name, f"cannot read the file ({e.strerror})", "check the path and permissions") from None
    if not raw or raw.isspace():
        raise fail(name, "the file is empty", "give a header line and at least one row")
    text, enc = _decode(raw, name)
    if "\r" in text and "\n" not in text:   # classic Mac line ends (bare CR): one record per CR
        text = text.replace("\r", "\n")
        raw = text.encode("utf-8")
        enc = "utf-8" if enc == "utf-8-sig" else enc
    delim = _detect_delimiter(name, text, example)
    first_line = text[: text.find("\n")] if "\n" in text else text
    try:
        header = next(csv.reader([first_line.rstrip("\r").lstrip("\ufeff")], delimiter=delim))
    except csv.Error as e:
        raise fail(name, f"line 1: not a readable header ({e})",
                    "save it as CSV with one record per line") from None
    header = [h.strip() for h in header]
    if not any(header):
        raise fail(name, "line 1: the header line is empty", "put the column names on the first line")
    if len(header) > bounds.MAX_COLUMNS:
        raise fail(name, f"line 1: {len(header):,} columns (at most {bounds.MAX_COLUMNS:,})",
                    "split the file, or use the long layout day,metric,value")
    dupes = bounds.duplicates(header)
    if dupes:
        raise fail(name, f"line 1: column{'s' if len(dupes) > 1 else ''} {', '.join(dupes[:10])} "
                    f"{'and more ' if len(dupes) > 10 else ''}appear{'s' if len(dupes) == 1 else ''} more than once",
                    "give each column once")
    if any(h == "" for h in header):
        raise fail(name, f"line 1: column {header.index('') + 1} has no name", "name every column in the header")
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if enc not in ("utf-8-sig",):
        data = text.encode("utf-8")
    bad: list = []

    def on_bad(row) -> str:
        bad.append(row)
        return "skip"

    def parse(threads: bool):
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=header, skip_rows=1,
                                           block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delim, invalid_row_handler=on_bad, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types={h: pa.string() for h in header},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )

    try:
        tbl = parse(True)
        if bad:   # re-read single-threaded: only then does pyarrow know the line numbers
            bad.clear()
            tbl = parse(False)
    except pa.ArrowInvalid as e:
        raise fail(name, f"not a readable CSV file ({str(e).splitlines()[0]})",
                    "save it as CSV (UTF-8) with one record per line") from None
    if bad:
        probs = Problems(name, lambda n: f"{name}:{n}")
        for b in bad[:MAX_SHOWN]:
            probs.add(b.number, "*", f"{b.actual_columns} fields instead of {b.expected_columns}",
                      f"{b.expected_columns} {_DELIM_NAMES[delim]}-separated fields like the header")
        probs.total += max(0, len(bad) - MAX_SHOWN)
        probs.raise_if_any("CSV")
    import pyarrow.compute as pc

    tbl = pa.table({c: pc.utf8_trim_whitespace(tbl.column(c)) for c in tbl.column_names})
    df = tbl.to_pandas()
    lines = np.arange(2, 2 + len(df))
    blank = (df == "").all(axis=1).to_numpy() if len(df.columns) else np.zeros(len(df), bool)
    if blank.any():   # blank lines: not data, but they still count for line numbers
        df, lines = df[~blank].reset_index(drop=True), lines[~blank]
    if df.empty:
        raise fail(name, "the file has a header but no rows", "add at least one row under the header")
    return Table(name, df, "csv", lines, delimiter=delim, encoding=enc.replace("-sig", ""))


def read_parquet(path: str | Path) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    name = str(path)
    try:
        tbl = pq.read_table(str(path))
    except Exception as e:   # noqa: BLE001 - pyarrow raises several kinds
        raise fail(name, f"not a readable Parquet file ({str(e).splitlines()[0]})",
                    "write it with pandas.to_parquet / pyarrow, or import a CSV instead") from None
    if tbl.num_columns > bounds.MAX_COLUMNS:
        raise fail(name, f"{tbl.num_columns:,} columns (at most {bounds.MAX_COLUMNS:,})",
                    "split the file, or use the long layout day,metric,value")
    cols = {}
    for fld, col in zip(tbl.schema, tbl.columns, strict=True):
        if pa.types.is_binary(fld.type) or pa.types.is_large_binary(fld.type) or pa.types.is_string(fld.type):
            try:   # bytes columns must be UTF-8 text (string columns are checked too: writers may skip it)
                col = col.cast(pa.string()) if not pa.types.is_string(fld.type) else col
                col.validate(full=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                raise fail(name, f"column {fld.name!r} holds bytes that are not UTF-8 text",
                            "write text columns as UTF-8 strings") from None
        cols[fld.name] = col
    try:
        df = pa.table(cols).to_pandas()
    except Exception as e:   # noqa: BLE001 - e.g. out-of-range timestamps
        raise fail(name, f"not a readable Parquet file ({str(e).splitlines()[0]})",
                    "write it with pandas.to_parquet / pyarrow, or import a CSV instead") from None
    if df.empty:
        raise fail(name, "the file is empty", "give at least one row")
    df.columns = [str(c).strip() for c in df.columns]
    return Table(name, df.reset_index(drop=True), "parquet", np.arange(1, len(df) + 1))


def load_json(path: str | Path) -> object:
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise fail(name, f"cannot read the file ({e.strerror})", "check the path and permissions") from None
    if not raw.strip():
        raise fail(name, "the file is empty", "give a JSON array of records or an object of arrays")
    text, _ = _decode(raw, name)
    try:
        return json.loads(text)
    except RecursionError:
        raise fail(name, "the JSON is nested too deeply to be records",
                    'give [{"column": value, ...}, ...] or {"retros": [...]}') from None
    except json.JSONDecodeError as e:
        raise fail(name, f"line {e.lineno}, column {e.colno}: not valid JSON ({e.msg})",
                    "fix the JSON syntax (a linter such as `python -m json.tool FILE` shows where)") from None


def records_table(name: str, records: object, section: str) -> Table:
    if not isinstance(records, list):
        raise fail(name, f"{section or 'the top level'} is not an array of records",
                    'give [{"column": value, ...}, ...]')
    not_obj = [i for i, r in enumerate(records) if not isinstance(r, dict)]
    if not_obj:
        raise fail(name, f"{section}[{not_obj[0]}] is not an object", 'give each record as {"column": value, ...}')
    if not records:
        raise fail(name, f"{section or 'the array'} has no records", "give at least one record")
    df = pd.DataFrame.from_records(records)
    df.columns = [str(c).strip() for c in df.columns]
    return Table(name, df, "json", np.arange(len(df)), section=section)


def read_json(path: str | Path, sections: Iterable[str] = ()) -> Table:
    """A records array, or an object with one key whose value is the records array."""
    name = str(path)
    doc = load_json(path)
    if isinstance(doc, dict):
        keys = [k for k in doc if isinstance(doc[k], list)]
        pick = [k for k in keys if k in set(sections)] or keys
        if len(pick) != 1:
            raise fail(name, f"expected one array of records, found keys {', '.join(map(str, doc)) or '(none)'}",
                        'give [{...}, ...] or {"' + (next(iter(sections), "table")) + '": [{...}, ...]}')
        return records_table(name, doc[pick[0]], pick[0])
    return records_table(name, doc, "")


def read_table(path: str | Path, sections: Iterable[str] = (), example: str = "day,metric,value") -> Table:
    """A file's table by its ending; `example`: a header line of the kind of file expected, for
    the advice when a CSV has no columns to find."""
    p = Path(path)
    if not p.exists():
        if p.is_symlink():   # a link to nothing, or links in a loop
            raise fail(str(path), "a symbolic link that leads to no file", "give the file itself")
        raise fail(str(path), "no such file", "check the path")
    if not p.is_file() and not p.is_dir():   # a device or a pipe: read without end (/dev/zero, a FIFO)
        raise fail(str(path), "not a regular file (a device or a pipe)", "give a .csv, .tsv, .parquet or .json file")
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return read_parquet(p)
    if suffix in (".json",):
        return read_json(p, sections)
    if suffix in (".csv", ".tsv", ".txt", ""):
        return read_csv(p, example)
    raise fail(str(path), f"unknown file type '{p.suffix}'", "give a .csv, .tsv, .parquet or .json file")

