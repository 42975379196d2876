"""Date helpers shared by the pure-Python analyses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pandas as pd


def as_date(v) -> date:
    """The calendar day of a date, datetime, pandas Timestamp or ISO string (a datetime's own
    day, in its own timezone). For the day an instant falls on in the reporting timezone use
    `local_day`."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return pd.Timestamp(v).date()


def day_words(d, *, year: bool = True) -> str:
    """A day as a sentence or the slide writes it: '5 Oct 2026', or '5 Oct' (`year` False). The
    day without a leading zero, written out rather than with strftime's "%-d", which Windows'
    C library does not have."""
    t = pd.Timestamp(d)
    return f"{t.day} {t:%b %Y}" if year else f"{t.day} {t:%b}"


def utc_instant(v) -> pd.Timestamp:
    """An instant as an aware Timestamp: a naive one is UTC (as every connection's TimeZone
    reads it), an aware one keeps its zone (the instant is the same); a missing one (None,
    NaN, NaT) is NaT. How Python code compares and keys the instants it is given."""
    ts = pd.Timestamp(v)
    return ts.tz_localize(UTC) if ts.tzinfo is None else ts


def aware(v: datetime) -> datetime:
    """A Python datetime made aware by utc_instant's rule (a naive one is UTC, an aware one keeps
    its zone), as a datetime: for instants pandas cannot hold (before 1677 or after 2262, which
    the date limits judge) and for parsers that stay in the standard library."""
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def _instant(v) -> datetime | None:
    if v is None or (not isinstance(v, datetime | date | str) and pd.isna(v)):
        return None
    t = utc_instant(v)
    return None if pd.isna(t) else t.to_pydatetime()


def local_days(con: duckdb.DuckDBPyConnection, instants) -> list[date | None]:
    """The day each instant falls on in the reporting timezone (None for a missing one; an
    instant without a zone is UTC): the SQL rule every local day follows
    (queries/reports/local_days.sql over local_ts), so Python reads the zone nowhere."""
    from queries import run  # (queries imports this module's siblings at import time)

    distinct, at, given = _distinct(instants)
    if not at:
        return []
    days = [None if pd.isna(d) else pd.Timestamp(d).date()
            for d in run(con, "local_days", instants=[_instant(v) for v in distinct])["day"]]
    if given is None:   # a column of instants: no date among them
        return [days[i] for i in at]
    # a date (not an instant) is already a day: kept as it is
    return [v if isinstance(v, date) and not isinstance(v, datetime) else days[i] for v, i in zip(given, at, strict=True)]


def local_times(con: duckdb.DuckDBPyConnection, instants) -> list[str | None]:
    """Each instant as the reporting timezone's wall clock with the zone's name, to the minute
    ('2026-11-19 06:00 Pacific/Auckland'; None for a missing one): how an instant is printed
    (queries/reports/local_times.sql)."""
    from queries import run

    distinct, at, _ = _distinct(instants)
    if not at:
        return []
    labels = [None if pd.isna(v) else str(v)
              for v in run(con, "local_times", instants=[_instant(v) for v in distinct])["label"]]
    return [labels[i] for i in at]


def _distinct(instants) -> tuple[list, list[int], list | None]:
    """The distinct values of `instants` (in the order first seen), for each value given its place
    among them, and the values as a list (None for a column of instants, read as a whole): each
    instant is converted and read once however often it is given (the tech-health period reads
    every closed sprint's end, and teams on one cadence share their sprints' instants). Values
    that cannot be told apart by hashing are each kept."""
    if isinstance(instants, pd.Series | pd.Index) and instants.dtype.kind == "M":
        codes, uniques = pd.factorize(instants)   # a missing instant: -1, read as the last value (None)
        return [*uniques, None], [int(c) for c in codes], None
    given = list(instants)
    places: dict = {}
    try:
        at = [places.setdefault(v, len(places)) for v in given]
    except TypeError:   # an unhashable value: no sharing
        return given, list(range(len(given))), given
    return list(places), at, given


def local_time(con: duckdb.DuckDBPyConnection, instant) -> str | None:
    """`local_times` of one instant."""
    return local_times(con, [instant])[0]


def local_day(con: duckdb.DuckDBPyConnection, instant) -> date:
    """`local_days` of one instant: e.g. the as-of day a forecast counts from."""
    return local_days(con, [instant])[0]


def local_day_end(con: duckdb.DuckDBPyConnection, day: date) -> datetime:
    """The last second of `day` in the reporting timezone, as an instant (UTC): what a bare date
    means where an instant is asked (queries/reports/local_day_end.sql)."""
    from queries import run

    return utc_instant(run(con, "local_day_end", day=as_date(day))["at"].iloc[0]).tz_convert(UTC).to_pydatetime()


def day_end_in(config, day: date) -> datetime:
    """`local_day_end` under an analysis config (queries.config.AnalysisConfig, None: the
    defaults) where no analysis connection is at hand: e.g. the freshness of a load whose data
    runs to `day`."""
    from queries import config_connection

    with config_connection(config) as con:
        return local_day_end(con, day)


def today_in(config, now: datetime | None = None) -> date:
    """Today (or `now`'s day) in the reporting timezone of an analysis config (None: the
    defaults): what "today" means for a command, e.g. the latest date an import accepts."""
    from queries import config_connection

    with config_connection(config) as con:
        return local_day(con, now or datetime.now(UTC))
