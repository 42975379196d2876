"""Every public query in the registry runs on an empty warehouse, a small fixture and the demo
and returns exactly its declared columns, in order (the contract docs/queries.md lists); every
report in queries/reports/ is reachable from code, a page or the registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers_metrics import build, connect, done_issue

import queries
from queries.registry import REGISTRY, run_public

SMALL = {
    "boards": [{"id": "1", "project": "P"}],
    "sprints": [{"id": "10", "board": "1", "start": "2026-01-05 09:00", "end": "2026-01-19 09:00",
                 "complete": "2026-01-19 09:00"}],
    "issues": [
        done_issue(1, "2026-01-06 09:00", 2, points=3, best=1, likely=2, worst=3, sprints=["10"]),
        done_issue(2, "2026-01-07 09:00", 1, points=1, type="Bug", sprints=["10"]),
        {"id": 3, "key": "P-3", "points": 5, "sprints": ["10"], "history": [("2026-01-08 09:00", "1", "3")]},
    ]}


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory, demo_db):
    cons = {"empty": connect(build(tmp_path_factory.mktemp("empty"), {})),
            "small": connect(build(tmp_path_factory.mktemp("small"), SMALL)),
            "demo": queries.connect(demo_db)}
    yield cons
    for con in cons.values():
        con.close()


@pytest.mark.parametrize("kind", ["empty", "small", "demo"])
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_public_query_returns_exactly_the_declared_columns(warehouses, name, kind):
    as_of = {} if kind == "demo" else {"as_of": "2026-01-31"}
    df = run_public(warehouses[kind], name, **as_of)
    assert tuple(df.columns) == REGISTRY[name].columns, (
        f"{name} returns {list(df.columns)}; queries/registry.py declares {list(REGISTRY[name].columns)} "
        "(update the registry, then `python -m queries.registry > docs/queries.md`)")


def test_every_report_is_reachable():
    """A report nothing runs is documented but unreachable: each queries/reports/*.sql is named by
    the registry, or by product code (connectors, queries, dashboard incl. pages) other than itself."""
    sources = {p: p.read_text(encoding="utf-8")
               for pkg in ("connectors", "queries", "dashboard")
               for p in (ROOT / pkg).rglob("*") if p.suffix in (".py", ".sql")}
    unused = []
    for report in sorted((ROOT / "queries" / "reports").glob("*.sql")):
        name = report.stem
        pattern = re.compile(rf"\b{re.escape(name)}\b")
        if name not in REGISTRY and not any(pattern.search(t) for p, t in sources.items() if p != report):
            unused.append(name)
    assert not unused, f"reports nothing uses (wire them or delete them): {unused}"


@pytest.mark.parametrize("name", ["issue_facts", "flow_weekly", "estimate_calibration", "work_mix",
                                  "cfd_daily", "time_in_status", "forecast"])
def test_metric_queries_have_rows_on_the_fixture(warehouses, name):
    df = run_public(warehouses["small"], name, as_of="2026-01-31", board_id="1", project="P",
                    date_from="2026-01-01", date_to="2026-01-31")
    assert len(df) > 0


def test_a_bare_date_is_the_end_of_that_day_in_the_reporting_timezone(tmp_path):
    """as_of=2026-03-31 means 31 Mar 23:59:59 where the team reports: 2026-04-01 06:59:59 UTC in
    Los Angeles (UTC-7 in summer time), 2026-03-31 10:59:59 UTC in Auckland (UTC+13), 23:59:59
    UTC in UTC; the same for a date object and for the sidebar's / --as-of's day."""
    from datetime import UTC, date, datetime

    from queries.config import AnalysisConfig
    from queries.dates import day_end_in, today_in
    from queries.registry import as_of_instant, as_of_option, resolve_params

    path = build(tmp_path, {"issues": [done_issue(1, "2026-03-02 12:00", 2)]})
    want = {"UTC": datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC),
            "America/Los_Angeles": datetime(2026, 4, 1, 6, 59, 59, tzinfo=UTC),
            "Pacific/Auckland": datetime(2026, 3, 31, 10, 59, 59, tzinfo=UTC)}
    for tz, at in want.items():
        con = connect(path, AnalysisConfig(timezone=tz))
        for given in ("2026-03-31", date(2026, 3, 31), as_of_option("2026-03-31")):
            assert resolve_params(con, "issue_facts", {"as_of": given})["as_of"] == at, (tz, given)
        assert as_of_instant(con, "2026-03-31") == at
        # an instant stays the instant it names
        assert resolve_params(con, "issue_facts", {"as_of": "2026-03-31T12:00:00+00:00"})["as_of"] == datetime(
            2026, 3, 31, 12, tzinfo=UTC)
        con.close()
        # the same rule without an analysis connection (a load's freshness), under the config alone
        assert day_end_in(AnalysisConfig(timezone=tz), date(2026, 3, 31)) == at, tz
    # and "today" where the team reports (a command's default --as-of): at 2026-03-31 12:00 UTC it
    # is still 31 Mar in Los Angeles (05:00) but already 1 Apr in Auckland (01:00)
    noon = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert {tz: today_in(AnalysisConfig(timezone=tz), noon) for tz in want} == {
        "UTC": date(2026, 3, 31), "America/Los_Angeles": date(2026, 3, 31), "Pacific/Auckland": date(2026, 4, 1)}


def test_the_plausible_dates_hold_in_every_reporting_timezone(tmp_path):
    """as_of=2099-12-31 (the last plausible day) is its last second where the team reports: in
    Los Angeles 2100-01-01 07:59:59 UTC, still accepted; 2100-01-01 is refused there and in UTC,
    naming the day asked for; 1970-01-01 in Auckland (1970-01-01 10:59:59 UTC) is accepted."""
    from queries.config import AnalysisConfig
    from queries.errors import QueryError
    from queries.registry import resolve_params

    path = build(tmp_path, {"issues": [done_issue(1, "2026-03-02 12:00", 2)]})
    for tz in ("America/Los_Angeles", "UTC", "Pacific/Auckland"):
        con = connect(path, AnalysisConfig(timezone=tz))
        try:
            assert resolve_params(con, "flow_weekly", {"as_of": "2099-12-31"})["as_of"].year in (2099, 2100)
            assert resolve_params(con, "flow_weekly", {"as_of": "1970-01-01"})["as_of"].year in (1969, 1970)
            with pytest.raises(QueryError, match=r"parameter as_of: 2100-01-01 is after 2099-12-31"):
                resolve_params(con, "flow_weekly", {"as_of": "2100-01-01"})
        finally:
            con.close()


def test_a_missing_value_from_pandas_is_the_parameter_default(tmp_path):
    """A caller's NaT, NaN or NA (pandas' and numpy's) is a missing value, as None is: the default as_of (the data's
    freshness) and the default board, not a database error about the type of a NULL."""
    import math

    import numpy as np
    import pandas as pd

    from queries.registry import default_as_of, resolve_params

    con = connect(build(tmp_path, SMALL))
    try:
        fresh = default_as_of(con)
        for missing in (pd.NaT, None, math.nan, " ", pd.NA, np.datetime64("NaT"), np.float32("nan")):
            bound = resolve_params(con, "issue_facts", {"as_of": missing, "board_id": missing})
            assert (bound["as_of"], bound["board_id"]) == (fresh, None), repr(missing)
        assert sorted(run_public(con, "issue_facts", as_of=pd.NaT)["issue_key"]) == ["P-1", "P-2", "P-3"]
    finally:
        con.close()
