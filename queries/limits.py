"""Bounds on query parameters and on the dates data may carry: one place, so the CLI,
the pages and the importers refuse the same things with the same words
(docs/queries.md "Limits", docs/imports.md "Limits").

Plain data and checks, no IO. A parameter outside its range raises `QueryError` naming
the parameter, the value and the allowed range.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from queries.dates import aware
from queries.errors import QueryError

# Plausible dates for data and parameters: earlier or later is a typo (0001-01-01,
# 9999-12-31) and would overflow the analyses' date arithmetic.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2099, 12, 31)
DATE_RANGE_TEXT = f"a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}"

# name -> (lowest, highest) for the whole-number parameters of the public queries
INT_RANGES: dict[str, tuple[int, int]] = {
    "window": (7, 365),             # impact: days in the pre and post windows
    "lag": (0, 365),                # impact: days between shipping and the post window
    "window_days": (1, 3650),       # forecast: days of throughput history
    "runs": (1, 100_000),           # forecast: simulation runs
    "items": (0, 1_000_000),        # forecast: items left
    "weeks": (1, 52),               # forecast backtest: weeks re-forecast
    "seed": (0, 2**32 - 1),         # random seeds (numpy's range)
}
MAX_HORIZON_DAYS = 730              # forecast: target_date at most two years after as_of
MAX_SIMULATED_DAYS = 20_000_000     # forecast: runs × horizon days (memory: 8 bytes each)


def date_out_of_range(d: date) -> str | None:
    """The problem with an implausible date, or None."""
    if d < DATE_MIN:
        return f"{d.isoformat()} is before {DATE_MIN.isoformat()}"
    if d > DATE_MAX:
        return f"{d.isoformat()} is after {DATE_MAX.isoformat()}"
    return None


def utc_day(v: date | datetime) -> date:
    """The day of a date, or of an instant in UTC."""
    return v.astimezone(UTC).date() if isinstance(v, datetime) and v.tzinfo else (
        v.date() if isinstance(v, datetime) else v)


def out_of_range(v: date | datetime) -> str | None:
    """The problem with an implausible date or instant, or None. An instant is judged by the day
    it falls on where the team reports, which may be a day either side of its UTC day: it is
    refused only when it falls outside DATE_MIN .. DATE_MAX in every timezone (UTC+14 .. UTC-12),
    so the last second of 2099-12-31 in Los Angeles (2100-01-01 07:59 UTC) is accepted."""
    if not isinstance(v, datetime):
        return date_out_of_range(v)
    t = aware(v)
    if t < datetime.combine(DATE_MIN, datetime.min.time(), tzinfo=UTC) - timedelta(hours=14):
        return f"{utc_day(t).isoformat()} is before {DATE_MIN.isoformat()}"
    if t >= datetime.combine(DATE_MAX + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12):
        return f"{utc_day(t).isoformat()} is after {DATE_MAX.isoformat()}"
    return None


def target_date_range(as_of_day: date, runs: int | None = None) -> tuple[date, date]:
    """The days `target_date` may take for this as-of day (as_of's day in the reporting
    timezone, the day a forecast counts from: queries.dates.local_day) and runs: from that day
    to MAX_HORIZON_DAYS after it, and no further than MAX_SIMULATED_DAYS allows for `runs`.
    The rule `check` enforces; a date picker offers exactly these days."""
    if isinstance(as_of_day, datetime):
        raise TypeError("target_date_range() takes the as-of day (queries.dates.local_day), not an instant")
    days = min(MAX_HORIZON_DAYS, MAX_SIMULATED_DAYS // max(int(runs or 1), 1))
    return as_of_day, as_of_day + timedelta(days=days)


def check(params: dict, as_of_day: date | None = None) -> dict:
    """Check typed parameters (None = not given) against the bounds; returns them unchanged.
    A `target_date` is checked against `as_of_day`, as_of's day in the reporting timezone
    (required with both target_date and as_of)."""
    for name in ("as_of", "date_from", "date_to", "target_date"):
        v = params.get(name)
        if v is not None and (problem := out_of_range(v)):
            raise QueryError(f"parameter {name}: {problem} (expected {DATE_RANGE_TEXT})")
    for name, (lo, hi) in INT_RANGES.items():
        v = params.get(name)
        if v is not None and not lo <= v <= hi:
            raise QueryError(f"parameter {name}={v} is out of range (expected a whole number from {lo:,} to {hi:,})")
    f, t = params.get("date_from"), params.get("date_to")
    if f is not None and t is not None and f > t:
        raise QueryError(f"parameter date_from {f.isoformat()} is after date_to {t.isoformat()} "
                         "(expected date_from on or before date_to)")
    target, as_of = params.get("target_date"), params.get("as_of")
    if target is not None and as_of is not None:
        if as_of_day is None:
            raise TypeError("check() needs the as-of day (queries.dates.local_day) to check target_date")
        start, last = target_date_range(as_of_day)
        if not start <= target <= last:
            raise QueryError(f"parameter target_date {target.isoformat()} is outside "
                             f"{start.isoformat()} .. {last.isoformat()} "
                             f"(expected a day from the as-of day to {MAX_HORIZON_DAYS} days after it)")
        runs = params.get("runs") or 1
        if runs * (target - start).days > MAX_SIMULATED_DAYS:
            raise QueryError(f"parameters runs={runs} × {(target - start).days} days to target_date exceed "
                             f"{MAX_SIMULATED_DAYS:,} simulated days (expected fewer runs or a nearer target_date)")
    return params


def markdown() -> str:
    """The 'Limits' section of docs/queries.md."""
    lines = ["## Limits", "",
             f"Dates (`as_of`, `date_from`, `date_to`, `target_date`) must lie between {DATE_MIN.isoformat()} and "
             f"{DATE_MAX.isoformat()}, and `date_from` on or before `date_to`. `target_date` lies from the as-of day "
             f"(as_of's day in the reporting timezone) to {MAX_HORIZON_DAYS} days after it, and `runs` × days to `target_date` stays under "
             f"{MAX_SIMULATED_DAYS:,}. A value outside its range is refused with one line naming it.", "",
             "| parameter | lowest | highest |", "|---|---|---|"]
    lines += [f"| `{n}` | {lo:,} | {hi:,} |" for n, (lo, hi) in INT_RANGES.items()]
    return "\n".join(lines)
