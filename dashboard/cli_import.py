"""`retroscope import metrics|features|retro FILE` and `retroscope export retro --out FILE`:
argument handling and printing. The import itself (validation, ids, writes) is
`connectors.imports`."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime

from connectors import imports, userdata
from connectors.settings import Settings
from dashboard.progress import TerminalProgress
from queries.dates import today_in
from queries.errors import RetroscopeError
from queries.limits import DATE_RANGE_TEXT, date_out_of_range
from queries.tech_health_text import plural


def _as_of(args, settings: Settings) -> date:
    v = getattr(args, "as_of", None)
    if not v:   # today where the team reports
        return today_in(settings.analysis)
    try:
        d = date.fromisoformat(str(v).strip()[:10])
    except ValueError:
        raise RetroscopeError(f"--as-of {v!r} is not a date (expected YYYY-MM-DD, e.g. 2026-03-31)") from None
    problem = date_out_of_range(d)   # the range every imported date is held to: one line, not a refusal per row
    if problem:
        raise RetroscopeError(f"--as-of {v}: {problem} (expected {DATE_RANGE_TEXT})")
    return d


def run(args, settings: Settings) -> int:
    as_of = _as_of(args, settings)
    if args.kind == "metrics":
        return import_metrics(args.file, settings, as_of=as_of, definitions=args.definitions)
    if args.definitions:
        raise RetroscopeError("--definitions applies to `import metrics` only; drop it")
    if args.kind == "features":
        return import_features(args.file, settings, as_of=as_of)
    return import_retro(args.file, settings, as_of=as_of)


def replaced_words(replaced: dict[str, int]) -> str:
    """The note on stored metric values a load replaced (per source that had brought them): an
    import and a metric sync say it the same way."""
    return (f"{sum(replaced.values()):,} of these values replaced values already loaded for the same metric, day "
            "and segment (" + ", ".join(f"{n:,} from {s}" for s, n in replaced.items()) + ")")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr)


def import_metrics(path: str, settings: Settings, *, as_of: date, definitions: str | None = None) -> int:
    r = imports.import_metrics(path, settings, as_of=as_of, definitions=definitions, progress=TerminalProgress())
    for n in r.notes:
        _say(f"note: {n}")
    if r.replaced:
        _say(f"note: {replaced_words(r.replaced)}")
    print(f"imported {plural(r.values, 'value')} of {plural(r.metrics, 'metric')} ({r.layout} layout, "
          f"{r.first_day:%Y-%m-%d} to {r.last_day:%Y-%m-%d}) and {r.definitions} definition(s) from {path} "
          f"into {settings.db_path} in {r.seconds:.1f}s ({r.values / max(r.seconds, 1e-9):,.0f} rows/s; "
          f"read and validated in {r.read_seconds:.1f}s)")
    return 0


def import_features(path: str, settings: Settings, *, as_of: date) -> int:
    r = imports.import_features(path, settings, as_of=as_of, progress=TerminalProgress())
    if not r.metrics_checked:
        _say("note: no warehouse yet, so the targeted metrics were not checked; import metrics too")
    print(f"imported {r.items} shipped item(s) from {path} into {settings.db_path} in {r.seconds:.1f}s")
    return 0


def import_retro(path: str, settings: Settings, *, as_of: date) -> int:
    r = imports.import_retro(path, settings, as_of=as_of)
    for n in r.notes:
        _say(f"note: {n}")
    if r.hypotheses_unchecked:
        _say("note: no warehouse yet, so the hypotheses' metrics were not checked")
    # records are written by id (one the store holds is replaced); a forecast is kept as first
    # recorded, so only new ones count
    parts = ", ".join(f"{n:,} {'new ' if t == 'forecasts' else ''}{t.replace('_', ' ')}" for t, n in r.counts.items())
    print(f"imported {parts or 'nothing'} from {path} into the user-input store {settings.userdata}"
          + (" (records whose id the store held replaced; forecasts already recorded kept as they were)"
             if parts else ""))
    return 0


def export_retro(args, settings: Settings) -> int:
    from pathlib import Path

    import queries
    from dashboard.cli_export import check_out_path

    out = Path(args.out)
    check_out_path(out, "--out", "retro-backup.json")
    if out.suffix.lower() != ".json":   # `import retro` reads a backup by its .json ending
        raise RetroscopeError(f"--out {out}: expected a .json file name (`import retro` reads a backup by it), "
                              f"e.g. --out {out.with_suffix('.json').name}")
    if not queries.store_exists(settings.userdata):   # a --db typo would back up nothing, and say it did
        if queries.userdata_file(settings.db_path):     # --db naming the store of retro records itself
            raise queries.userdata_as_warehouse(settings.db_path)
        raise RetroscopeError(f"no retro records at {settings.userdata} (the store beside --db {settings.db_path}): "
                              "nothing to back up; check --db (or RETROSCOPE_USERDATA)")
    counts = userdata.export_json(settings.userdata, args.out, exported_at=datetime.now(UTC))
    parts = ", ".join(f"{n} {t}" for t, n in counts.items())
    print(f"wrote {parts} to {args.out} (read it back with `retroscope import retro {args.out}`)")
    return 0


__all__ = ["run", "export_retro", "import_metrics", "import_features", "import_retro"]
