"""`retroscope import retro` / `export retro`: JSON sections or CSV record rows into the
user-input store; anonymous cards; validation; atomicity; round trip."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from connectors import userdata
from dashboard.cli import main
from tests.helpers_outcomes import load_metrics, write

EX = Path(__file__).parents[1] / "data" / "examples"
AS_OF = "2026-06-30"


@pytest.fixture
def db(tmp_path):
    db = tmp_path / "w.duckdb"
    pts = pd.DataFrame({"metric": ["signups", "conversion_rate"], "day": [date(2026, 3, 1)] * 2, "value": [1.0, 2.0]})
    load_metrics(db, pts)
    return db


def _ud(db):
    import queries
    return queries.userdata_path_for(db)


def _import(capsys, db, f):
    rc = main(["--db", str(db), "import", "retro", str(f), "--as-of", AS_OF])
    return rc, capsys.readouterr()


def test_example_json(db, capsys):
    rc, out = _import(capsys, db, EX / "retro.json")
    assert rc == 0, out.err
    assert "dropped the column author from the cards: retro cards are anonymous" in out.err
    t = userdata.load_records(_ud(db))
    assert len(t["retros"]) == 2 and len(t["retro_cards"]) == 4 and len(t["action_items"]) == 2
    assert len(t["agreements"]) == 1 and len(t["hypotheses"]) == 2
    cards = t["retro_cards"]
    assert "author" not in cards.columns
    assert not cards["text"].str.contains("dropped on import").any()
    # nested cards belong to their retro
    assert (cards["retro_id"] == "2026-03-13-web-product").sum() == 3
    acts = t["action_items"].set_index("text")
    assert acts.loc["Add range estimates to integration stories", "status"] == "done"
    assert acts.loc["Write the metric + target on every epic", "status"] == "open"
    # re-importing the same file (ids generated from content) changes nothing
    assert _import(capsys, db, EX / "retro.json")[0] == 0
    again = userdata.load_records(_ud(db))
    for k in t:
        pd.testing.assert_frame_equal(t[k], again[k])


def test_example_csv(db, capsys):
    rc, out = _import(capsys, db, EX / "retro.csv")
    assert rc == 0, out.err
    t = userdata.load_records(_ud(db))
    assert list(t["retros"]["retro_id"]) == ["web-s7"]
    assert sorted(t["retro_cards"]["column_name"]) == ["Didn't go well", "Went well"]
    g = t["agreements"].iloc[0]
    assert (g["metric"], g["target"], g["direction"]) == ("cycle_time_p85", 8.0, "down")
    assert t["hypotheses"].iloc[0]["min_change"] == pytest.approx(0.02)


def test_validation_errors_write_nothing(tmp_path, db, capsys):
    assert _import(capsys, db, EX / "retro.json")[0] == 0
    before = userdata.load_records(_ud(db))
    doc = {
        "retros": [{"retro_id": "r9", "held_on": "2026-07-02", "team": "Web", "kind": "standup"}],
        "cards": [{"retro_id": "r9", "column": "Went well", "text": "  "}],
        "agreements": [{"retro_id": "r9", "text": "x", "start_on": "2026-05-10", "review_on": "2026-05-01"}],
        "hypotheses": [{"retro_id": "r9", "item_key": "WEB-1", "metric": "revenue"},
                       {"retro_id": "nope", "item_key": "WEB-1", "metric": "signups", "colour": "red"}],
    }
    f = write(tmp_path / "bad.json", json.dumps(doc))
    rc, out = _import(capsys, db, f)
    lines = out.err.strip().splitlines()
    assert rc == 1
    assert lines[0].startswith(f"retroscope: {f}: 7 problems in the retro file; nothing was imported")
    assert lines[1:] == [
        f"{f}:retros[0]: column held_on: 2026-07-02 is after as_of 2026-06-30 (expected a day on or before as_of; pass --as-of YYYY-MM-DD if the file is right)",
        f"{f}:retros[0]: column kind: unknown kind 'standup' (expected scrum, product or pm-eng)",
        f"{f}:cards[0]: column text: empty (expected the card's text)",
        f"{f}:agreements[0]: column review_on: review 2026-05-01 is before the start 2026-05-10 (expected a review date on or after start_on)",
        f"{f}:hypotheses[0]: column metric: unknown metric 'revenue' (expected a product metric in the warehouse: "
        "conversion_rate, signups; load the values of 'revenue' first, e.g. `retroscope import metrics FILE`)",
        f"{f}:hypotheses[1]: column colour: unknown column (expected only hypothesis_id, retro_id, item_key, metric, direction, min_change, action_id)",
        f"{f}:hypotheses[1]: column retro_id: no retro 'nope' (expected the id of a retro in this file or the store)",
    ]
    after = userdata.load_records(_ud(db))
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])


def test_csv_record_errors(tmp_path, db, capsys):
    f = write(tmp_path / "r.csv", "record,retro_id,held_on,team,kind,text\nretro,r1,2026-03-01,Web,scrum,\nmeeting,r1,,,,x\n")
    rc, out = _import(capsys, db, f)
    assert rc == 1
    assert f"{f}:3: column record: 'meeting' is not a record type (expected retro, card, action, review, agreement, hypothesis or setting)" in out.err
    f = write(tmp_path / "r2.csv", "retro_id,held_on\nr1,2026-03-01\n")
    rc, out = _import(capsys, db, f)
    assert rc == 1 and "no record column" in out.err
    f = write(tmp_path / "r3.json", json.dumps({"retros": [], "meetings": []}))
    rc, out = _import(capsys, db, f)
    assert rc == 1 and "unknown section meetings" in out.err


def test_round_trip(tmp_path, db, capsys):
    assert _import(capsys, db, EX / "retro.json")[0] == 0
    assert _import(capsys, db, EX / "retro.csv")[0] == 0
    ud = _ud(db)
    userdata.set_setting(ud, "pages.outcomes.metric", "signups")
    from connectors import forecast_records  # a forecast the pages recorded: the backup keeps it
    assert forecast_records.record(ud, pd.DataFrame([{
        "forecast_id": "f-1", "made_at": pd.Timestamp("2026-03-02 09:30", tz="UTC"),
        "as_of": pd.Timestamp("2026-03-01 23:59:59", tz="UTC"), "board_id": "7", "project": None, "kind": "when",
        "items": 12, "target_on": None, "p50_on": date(2026, 3, 20), "p85_on": date(2026, 3, 27),
        "p95_on": date(2026, 4, 2), "p50_items": None, "p85_items": None, "p95_items": None,
        "method": "monte_carlo", "runs": 10000, "window_from": date(2026, 1, 1), "window_to": date(2026, 3, 1),
        "source": "page"}])) == 1
    out = tmp_path / "backup.json"
    assert main(["--db", str(db), "export", "retro", "--out", str(out)]) == 0
    capsys.readouterr()
    db2 = tmp_path / "fresh.duckdb"
    load_metrics(db2, pd.DataFrame({"metric": ["signups", "conversion_rate"], "day": [date(2026, 3, 1)] * 2,
                                    "value": [1.0, 2.0]}))
    rc, printed = _import(capsys, db2, out)
    assert rc == 0 and "1 new forecasts" in printed.out
    again, printed = _import(capsys, db2, out)          # the same backup again: written by id, nothing new
    assert again == 0 and "0 new forecasts" in printed.out and "whose id the store held replaced" in printed.out
    a, b = userdata.load_records(ud), userdata.load_records(_ud(db2))
    for k in a:
        assert len(a[k]) > 0
        pd.testing.assert_frame_equal(a[k].drop(columns=["created_at"], errors="ignore"),
                                      b[k].drop(columns=["created_at"], errors="ignore"))
    out2 = tmp_path / "backup2.json"
    assert main(["--db", str(db2), "export", "retro", "--out", str(out2)]) == 0
    d1, d2 = json.loads(out.read_text()), json.loads(out2.read_text())
    d1.pop("exported_at"), d2.pop("exported_at")
    assert d1 == d2


def test_a_json_object_or_array_in_a_retro_field_is_refused(tmp_path, db, capsys):
    """A retro's "title": ["a"] was stored as "['a']"; no retro field takes an object or an array."""
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"retros": [{"retro_id": "r1", "team": "Atlas", "kind": "sprint", "held_on": "2026-03-02",
                                         "title": ["a"]}]}))
    rc, out = _import(capsys, db, f)
    assert rc == 1 and f"{f}:retros[0]: column title: a JSON array, not a value (expected text, a number or a " \
        "date)" in out.err, out.err
    assert not _ud(db).exists()


def test_a_retro_text_longer_than_10000_characters_is_refused(tmp_path, db, capsys):
    """A title or a card of any length was imported (the store grew by the megabytes given)."""
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"retros": [{"retro_id": "r1", "team": "Atlas", "kind": "sprint", "held_on": "2026-03-02",
                                         "title": "t" * 10_001}]}))
    rc, out = _import(capsys, db, f)
    assert rc == 1 and f"{f}:retros[0]: column title: 10,001 characters (expected at most 10,000)" in out.err, out.err
    c = tmp_path / "r.csv"
    c.write_text(f"record,retro_id,team,kind,held_on,title\nretro,r1,Atlas,sprint,2026-03-02,{'t' * 10_001}\n")
    rc, out = _import(capsys, db, c)
    assert rc == 1 and f"{c}:2: column title: 10,001 characters (expected at most 10,000)" in out.err, out.err


def test_a_card_typed_on_the_page_has_the_same_bound(tmp_path, db):
    """The Retro log's forms write through the same record check as an import: a pasted card of
    10,001 characters is refused there too, one of 10,000 is kept."""
    from queries.errors import RetroscopeError

    ud = _ud(db)
    rid = userdata.create_retro(ud, team="Atlas", kind="sprint", held_on=date(2026, 3, 2))
    with pytest.raises(RetroscopeError, match="10,001 characters"):
        userdata.add_card(ud, retro_id=rid, column="went_well", text="c" * 10_001)
    userdata.add_card(ud, retro_id=rid, column="went_well", text="c" * 10_000)
