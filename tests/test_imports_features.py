"""`retroscope import features`: shipped items into raw_shipped_items, validated, atomic."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from connectors import files
from dashboard.cli import main
from queries.errors import RetroscopeError
from tests.helpers_outcomes import load_metrics, write

AS_OF = date(2026, 6, 30)
GOOD = """key,name,shipped_on,epic_key,metrics,direction,min_change
WEB-1,Social sign-up,2026-03-02,WEB-90,signups,up,2%
WEB-2,Checkout copy,2026-03-16,,signups;nps,down,0.01
"""


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "w.duckdb"
    pts = pd.DataFrame({"metric": ["signups", "nps"], "day": [date(2026, 3, 1)] * 2, "value": [1.0, 2.0]})
    load_metrics(db, pts)
    return db


def _items(db) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as c:
        return c.execute("SELECT * FROM raw_shipped_items ORDER BY item_key").df()


def _run(capsys, db, f):
    rc = main(["--db", str(db), "import", "features", str(f), "--as-of", AS_OF.isoformat()])
    return rc, capsys.readouterr()


def test_import_features(tmp_path, db, capsys):
    rc, out = _run(capsys, db, write(tmp_path / "f.csv", GOOD))
    assert rc == 0, out.err
    df = _items(db).set_index("item_key")
    assert df.loc["WEB-1", "min_change"] == pytest.approx(0.02)           # 2% -> 0.02
    assert list(df.loc["WEB-2", "metrics"]) == ["signups", "nps"]
    assert df.loc["WEB-2", "expected_direction"] == "down"
    assert df.loc["WEB-1", "epic_key"] == "WEB-90" and pd.isna(df.loc["WEB-2", "epic_key"])
    assert df.loc["WEB-1", "shipped_on"] == pd.Timestamp("2026-03-02")
    assert set(df["source"]) == {"file:f.csv"} and set(df["origin"]) == {"import"}
    # a newer version of the same file replaces its items (WEB-2 dropped, WEB-1 renamed)
    rc, _ = _run(capsys, db, write(tmp_path / "f.csv", GOOD.splitlines()[0] + "\nWEB-1,Sign-up v2,2026-03-02,,signups,up,0\n"))
    assert rc == 0
    df = _items(db)
    assert list(df["item_key"]) == ["WEB-1"] and list(df["name"]) == ["Sign-up v2"]


def test_feature_validation_and_atomicity(tmp_path, db, capsys):
    _run(capsys, db, write(tmp_path / "f.csv", GOOD))
    before = _items(db)
    bad = write(tmp_path / "bad.csv", (
        "key,name,shipped_on,metrics,direction,min_change,colour\n"
        "WEB-3,,2026-03-02,signups,up,0,red\n"))
    rc, out = _run(capsys, db, bad)
    assert rc == 1 and "unknown column colour" in out.err
    bad = write(tmp_path / "bad.csv", (
        "key,name,shipped_on,metrics,direction,min_change\n"
        "WEB-3,,2026-03-02,signups,up,0\n"              # 2: missing name
        "WEB-4,Four,2026-08-01,signups,up,0\n"          # 3: after as_of
        "WEB-5,Five,2026-03-02,revenue,up,0\n"          # 4: unknown metric
        "WEB-6,Six,2026-03-02,signups,sideways,0\n"     # 5: bad direction
        "WEB-7,Seven,2026-03-02,signups,up,lots\n"      # 6: bad min change
        "WEB-6,Six again,2026-03-02,signups,up,0\n"))   # 7: duplicate key
    rc, out = _run(capsys, db, bad)
    lines = out.err.strip().splitlines()
    assert rc == 1
    assert lines[0] == (f"retroscope: {bad}: 6 problems in the features file; nothing was imported. "
                        "Fix the rows listed below and run the import again:")
    assert lines[1:] == [
        f"{bad}:2: column name: missing (expected the item's name)",
        f"{bad}:3: column shipped_on: 2026-08-01 is after as_of 2026-06-30 (expected a day on or before as_of; pass --as-of YYYY-MM-DD if the file is right)",
        f"{bad}:4: column metrics: unknown metric 'revenue' (expected a product metric in the warehouse: nps, signups; "
        "load the values of 'revenue' first, e.g. `retroscope import metrics FILE`)",
        f"{bad}:5: column direction: 'sideways' is not a direction (expected up or down)",
        f"{bad}:6: column min_change: 'lots' is not a relative change (expected a share like 0.02 or 2% (0 = any change))",
        f"{bad}:7: column key: duplicate key 'WEB-6' (first at {bad}:5) (expected each item once)",
    ]
    pd.testing.assert_frame_equal(before, _items(db))


def test_features_without_warehouse_skip_metric_check(tmp_path):
    df = files.read_features(write(tmp_path / "f.csv", GOOD), as_of=AS_OF, known_metrics=None)
    assert list(df["item_key"]) == ["WEB-1", "WEB-2"]
    with pytest.raises(RetroscopeError, match="none loaded yet; load the values of 'signups' first"):
        files.read_features(tmp_path / "f.csv", as_of=AS_OF, known_metrics=set())


def test_features_json(tmp_path):
    import json
    f = write(tmp_path / "f.json", json.dumps({"features": [
        {"key": "A-1", "name": "A", "shipped_on": "2026-03-02", "metrics": ["signups", "nps"], "min_change": 0.05}]}))
    df = files.read_features(f, as_of=AS_OF, known_metrics={"signups", "nps"})
    assert df.loc[0, "metrics"] == ["signups", "nps"] and df.loc[0, "min_change"] == 0.05


def test_the_items_run_to_the_end_of_their_last_ship_day_where_the_team_reports(tmp_path, db):
    """Through the library (no CLI): the settings' reporting timezone, Auckland (UTC+13 in March),
    sets the load's freshness: the last ship day 2026-03-16 ends at 10:59:59 UTC there."""
    from connectors.imports import import_features
    from connectors.settings import load_settings

    cfg = write(tmp_path / "nz.toml", 'timezone = "Pacific/Auckland"\n')
    import_features(str(write(tmp_path / "f.csv", GOOD)), load_settings(config=cfg, db=db), as_of=AS_OF)
    with duckdb.connect(str(db), read_only=True) as c:
        c.execute("SET TimeZone = 'UTC'")
        got = c.execute("SELECT strftime(data_as_of, '%Y-%m-%d %H:%M:%S') FROM raw_loads "
                        "WHERE source = 'file:f.csv'").fetchall()
    assert got == [("2026-03-16 10:59:59",)]


def test_a_json_object_where_a_value_is_due_is_refused(tmp_path):
    """{"name": {"x": 1}} was stored as the item name "{'x': 1}"; a list stays allowed for metrics."""
    import json
    f = write(tmp_path / "f.json", json.dumps([{"key": "A-1", "name": {"x": 1}, "shipped_on": "2026-03-01"},
                                              {"key": "A-2", "name": "ok", "shipped_on": "2026-03-01",
                                               "metrics": ["signups"]}]))
    with pytest.raises(RetroscopeError) as e:
        files.read_features(f, as_of=AS_OF, known_metrics=None)
    lines = str(e.value).splitlines()
    assert lines[1:] == [f"{f}:[0]: column name: a JSON object, not a value (expected text, a number or a date)"], \
        lines


def test_a_name_longer_than_10000_characters_is_refused(tmp_path):
    """A 10 MB item name was imported."""
    f = write(tmp_path / "f.csv", f"key,name,shipped_on\nA-1,{'x' * 10_001},2026-03-01\nA-2,{'y' * 10_000},2026-03-01\n")
    with pytest.raises(RetroscopeError) as e:
        files.read_features(f, as_of=AS_OF, known_metrics=None)
    assert str(e.value).splitlines()[1:] == [f"{f}:2: column name: 10,001 characters (expected at most 10,000)"]
