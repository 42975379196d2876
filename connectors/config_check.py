"""The typed schema of retroscope.toml, checked once when the file is read.

Every key has a type (and where it matters a range or a set of values); a key Retroscope
does not know is refused with a did-you-mean, so a misspelling never silently falls back
to a default; a regular expression is compiled here, by the engine that will run it, so
a bad pattern is named by its key at load time instead of failing a query later.

`check(doc, path)` raises `RetroscopeError` with one line: the file, the key, the
problem and what is expected. Sections other modules own are listed as OPEN; the ones with
a fixed set of keys are checked by their owner when the file is read too (connectors.settings
calls `metric_sources.parse_sources` for `[metrics]` and `Thresholds.from_mapping` for
`[slide.thresholds]`), so a misspelt key there is refused at once, not ignored or caught only
by the one command that reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from queries.errors import RetroscopeError, did_you_mean

OPEN = object()   # a table whose content another module validates


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) else "text in quotes"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false (no quotes)"


def _int(lo: int, hi: int) -> Callable[[Any], str | None]:
    def f(v: Any) -> str | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
        return None if ok else f"a whole number from {lo} to {hi}"
    return f


def _number(lo: float, hi: float) -> Callable[[Any], str | None]:
    def f(v: Any) -> str | None:
        ok = isinstance(v, int | float) and not isinstance(v, bool) and lo <= v <= hi
        return None if ok else f"a number between {lo:g} and {hi:g}"
    return f


def _list_of(kinds: tuple[type, ...], example: str) -> Callable[[Any], str | None]:
    def f(v: Any) -> str | None:
        ok = isinstance(v, list) and all(isinstance(x, kinds) and not isinstance(x, bool) for x in v)
        return None if ok else f"a list, e.g. {example}"
    return f


def _table(v: Any) -> str | None:
    return None if isinstance(v, dict) else "a table of key = value pairs"


def _regex(v: Any) -> str | None:
    if not isinstance(v, str):
        return "a regular expression in quotes"
    import duckdb  # the engine that runs the pattern (RE2 syntax) checks it

    try:
        duckdb.execute("SELECT regexp_matches('', $p)", {"p": v}).fetchall()
    except duckdb.Error as e:
        return f"a valid regular expression (RE2 syntax; {str(e).splitlines()[0][:80]})"
    return None


def _timezone(v: Any) -> str | None:
    if not isinstance(v, str):
        return 'a time zone name in quotes, e.g. "Europe/Berlin"'
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(v)
    except (ValueError, KeyError, OSError):
        return 'an IANA time zone name, e.g. "UTC" or "Europe/Berlin"'
    return None


def _stages(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(s, list) and all(isinstance(x, str | int) for x in s) for s in v)
    return None if ok else 'a list of lists, e.g. [["To Do"], ["In Progress"], ["QA"], ["Done"]]'


WORK_TYPE_RULE = {"work_type": _text, "field": _text, "pattern": _regex}

SCHEMA: dict[str, Any] = {
    "timezone": _timezone,
    "warehouse": {"db": _text, "userdata": _text, "lake_data": _text},
    "jira": {
        "url": _text, "projects": _list_of((str,), 'projects = ["ATL"]'),
        "boards": _list_of((str, int), "boards = [1, 2]"), "jql": _text,
        "overlap_minutes": _int(0, 1440), "timeout_seconds": _number(1, 600), "max_retries": _int(0, 20),
        "metadata_max_age_hours": _number(0, 24 * 365), "reconcile_days": _number(0, 3650),
        "fields": OPEN,
    },
    "workflow": {"category_overrides": _table, "stages": _stages, "review_pattern": _regex,
                 "waiting_pattern": _regex, "blocked_pattern": _regex, "use_board_done_column": _bool},
    "work_types": [WORK_TYPE_RULE],
    "targets": {"debt_share": _number(0, 1), "hit_rate": _number(0, 1)},
    "estimates": {"unit": _text, "actual": _text, "small_group": _int(1, 10_000)},
    "quality": {"escaped_bug_labels": _list_of((str,), 'escaped_bug_labels = ["production", "escaped"]')},
    "outcomes": {"shipped_from_epics": _bool, "shipped_from_versions": _bool},
    "slide": {"thresholds": OPEN},   # queries.tech_health.Thresholds.from_mapping (connectors.settings)
    "metrics": OPEN,                 # connectors.metric_sources.parse_sources (connectors.settings)
}


def _fail(path: Path, key: str, problem: str, expected: str) -> RetroscopeError:
    # a top-level key is named as it is written (`timezone`): in brackets it would read as a table
    where = f"[{key}]" if "." in key or "[" in key else key
    return RetroscopeError(f"{path}: {where} {problem} (expected {expected})")


def _unknown(path: Path, where: str, key: str, known: list[str]) -> RetroscopeError:
    full = f"{where}.{key}" if where else key
    hint = did_you_mean(key, known) or f"known keys here: {', '.join(known)}"
    return RetroscopeError(f"{path}: [{full}] unknown key; {hint} (see retroscope.example.toml)")


def _walk(path: Path, where: str, value: Any, spec: Any) -> None:
    if spec is OPEN:
        return
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            raise _fail(path, where, f"is {type(value).__name__} {value!r:.40}", f"a table [{where}]")
        for k, v in value.items():
            if k not in spec:
                raise _unknown(path, where, str(k), list(spec))
            _walk(path, f"{where}.{k}" if where else str(k), v, spec[k])
        return
    if isinstance(spec, list):   # an array of tables, each checked against spec[0]
        if not isinstance(value, list):
            raise _fail(path, where, f"is {type(value).__name__} {value!r:.40}", f"[[{where}]] tables")
        for i, item in enumerate(value):
            _walk(path, f"{where}[{i}]", item, spec[0])
        return
    problem = spec(value)
    if problem:
        raise _fail(path, where, f"{value!r:.60} is not valid", problem)


def check(doc: dict[str, Any], path: str | Path) -> None:
    """Raise one clear RetroscopeError for the first key of `doc` that is unknown, of the
    wrong type, out of range, or (regular expressions, time zones) not usable."""
    _walk(Path(path), "", doc, SCHEMA)
