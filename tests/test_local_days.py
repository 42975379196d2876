"""The day and the wall clock of instants in the reporting timezone (queries/dates.py
local_days, local_times): the SQL rule read once per distinct instant, each value given back
in its place, a missing instant as None, a date kept as the day it is; and the one rule for a
naive instant (UTC) as the standard library's datetimes use it (aware)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pandas as pd
from helpers_metrics import build, connect

import queries
from queries.config import AnalysisConfig
from queries.dates import aware, local_days, local_times


def test_instants_read_once_in_the_reporting_timezone_and_given_back_in_order(tmp_path, monkeypatch):
    con = connect(build(tmp_path, {}), AnalysisConfig(timezone="Pacific/Auckland"))
    read = []
    run = queries.run

    def counting(c, name, **params):
        read.append(len(params["instants"]))
        return run(c, name, **params)

    monkeypatch.setattr(queries, "run", counting)
    # Auckland is UTC+13 in January: 23:00 UTC is noon the next day there, 10:00 UTC 23:00 the same day
    col = pd.Series(pd.to_datetime(["2026-01-16 23:00", None, "2026-01-16 10:00", "2026-01-16 23:00"], utc=True))
    assert local_days(con, col) == [date(2026, 1, 17), None, date(2026, 1, 16), date(2026, 1, 17)]
    assert local_times(con, col) == ["2026-01-17 12:00 Pacific/Auckland", None, "2026-01-16 23:00 Pacific/Auckland",
                                     "2026-01-17 12:00 Pacific/Auckland"]
    assert read == [3, 3]   # two instants and the missing one, each once
    # a list: the same instants, a naive one read as UTC, a date kept as the day it is
    given = [*col, pd.Timestamp("2026-01-16 23:00"), date(2026, 1, 1)]
    assert local_days(con, given) == [date(2026, 1, 17), None, date(2026, 1, 16), date(2026, 1, 17),
                                      date(2026, 1, 17), date(2026, 1, 1)]
    assert local_days(con, pd.Series([], dtype="datetime64[ns, UTC]")) == [] and local_days(con, []) == []


def test_a_naive_datetime_is_utc_and_an_aware_one_keeps_its_zone():
    assert aware(datetime(2026, 3, 1, 9)) == datetime(2026, 3, 1, 9, tzinfo=UTC)
    plus13 = timezone(timedelta(hours=13))
    kept = aware(datetime(2026, 3, 1, 9, tzinfo=plus13))
    assert kept.utcoffset() == timedelta(hours=13) and kept == datetime(2026, 2, 28, 20, tzinfo=UTC)
    assert aware(datetime(1500, 1, 1)).year == 1500   # outside pandas' range: still a datetime
