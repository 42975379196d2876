"""The user-input store API (connectors/userdata.py): validated single-record writes, ids,
updates, and the promise that user input survives syncs, loads and demo rebuilds."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

import queries
from connectors import demo, userdata
from queries.errors import RetroscopeError
from tests.helpers_outcomes import load_metrics


@pytest.fixture
def ud(tmp_path):
    return tmp_path / "store.userdata.duckdb"


def test_create_and_add_records(ud):
    rid = userdata.create_retro(ud, held_on="2026-03-13", team="Atlas", kind="PM/Eng", title="Q1")
    assert rid.startswith("r-")
    cid = userdata.add_card(ud, retro_id=rid, column="Went well", text="Pairing", theme="flow", votes=3)
    aid = userdata.add_action(ud, retro_id=rid, text="Split big stories", owner="SM", due_on=date(2026, 3, 27))
    gid = userdata.add_agreement(ud, retro_id=rid, text="Review PRs within a day", start_on="2026-03-16",
                                 review_on="2026-04-10", metric="cycle_time_p85", target=8, direction="down")
    hid = userdata.add_hypothesis(ud, retro_id=rid, item_key="ATL-E1", metric="conversion_rate", min_change="2%",
                                  known_metrics={"conversion_rate"})
    t = userdata.load_records(ud)
    r = t["retros"].iloc[0]
    assert (r["retro_id"], r["kind"], r["held_on"], r["team"]) == (rid, "pm-eng", date(2026, 3, 13), "Atlas")
    assert t["retro_cards"].set_index("card_id").loc[cid, "votes"] == 3
    a = t["action_items"].set_index("action_id").loc[aid]
    assert (a["status"], a["due_on"], a["done_on"]) == ("open", date(2026, 3, 27), None)
    assert t["agreements"].set_index("agreement_id").loc[gid, "target"] == 8.0
    assert t["hypotheses"].set_index("hypothesis_id").loc[hid, "min_change"] == pytest.approx(0.02)
    assert "author" not in t["retro_cards"].columns


def test_update_action(ud):
    rid = userdata.create_retro(ud, held_on="2026-03-13", team="Atlas", kind="scrum", retro_id="r1")
    aid = userdata.add_action(ud, retro_id=rid, text="Split big stories", due_on="2026-03-27", action_id="a1")
    userdata.update_action(ud, aid, status="done", done_on="2026-03-25")
    a = userdata.load_records(ud)["action_items"].iloc[0]
    assert (a["status"], a["done_on"], a["text"]) == ("done", date(2026, 3, 25), "Split big stories")
    userdata.update_action(ud, aid, status="open")             # reopening clears done_on
    a = userdata.load_records(ud)["action_items"].iloc[0]
    assert (a["status"], a["done_on"]) == ("open", None)
    with pytest.raises(RetroscopeError, match="no action item 'zz'"):
        userdata.update_action(ud, "zz", status="done")
    with pytest.raises(RetroscopeError, match="cannot change retro_id"):
        userdata.update_action(ud, aid, retro_id="r2")
    with pytest.raises(RetroscopeError, match="unknown status 'finished'"):
        userdata.update_action(ud, aid, status="finished")


@pytest.mark.parametrize("call,message", [
    (lambda ud: userdata.create_retro(ud, held_on="2026-03-13", team="A", kind="standup"),
     "retro: column kind: unknown kind 'standup' (expected scrum, product or pm-eng)"),
    (lambda ud: userdata.create_retro(ud, held_on="2026-09-01", team="A", kind="scrum", as_of=date(2026, 6, 30)),
     "retro: column held_on: 2026-09-01 is after as_of 2026-06-30"),
    (lambda ud: userdata.add_card(ud, retro_id="r1", column="Went well", text="   "),
     "card: column text: empty (expected the card's text)"),
    (lambda ud: userdata.add_card(ud, retro_id="r9", column="Went well", text="x"),
     "card: column retro_id: no retro 'r9'"),
    (lambda ud: userdata.add_card(ud, retro_id="r1", column="Went well", text="x", votes=-1),
     "card: column votes: '-1' is not a vote count"),
    (lambda ud: userdata.add_agreement(ud, retro_id="r1", text="x", start_on="2026-05-10", review_on="2026-05-01"),
     "agreement: column review_on: review 2026-05-01 is before the start 2026-05-10"),
    (lambda ud: userdata.add_hypothesis(ud, retro_id="r1", item_key="A-1", metric="revenue",
                                        known_metrics={"signups"}),
     "hypothesis: column metric: unknown metric 'revenue' (expected a product metric in the warehouse: signups; "
     "load the values of 'revenue' first, e.g. `retroscope import metrics FILE`)"),
    (lambda ud: userdata.add_hypothesis(ud, retro_id="r1", item_key="A-1", metric="signups", direction="sideways"),
     "hypothesis: column direction: 'sideways' is not a direction (expected up or down)"),
])
def test_bad_input_is_rejected_and_nothing_written(ud, call, message):
    userdata.create_retro(ud, held_on="2026-03-13", team="A", kind="scrum", retro_id="r1")
    before = userdata.load_records(ud)
    with pytest.raises(RetroscopeError) as e:
        call(ud)
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)
    after = userdata.load_records(ud)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])


def test_unknown_kind_in_clean():
    with pytest.raises(RetroscopeError, match="unknown record kind 'meeting'"):
        userdata.clean("meeting", {})


def test_survives_loads_and_is_visible_to_connect(tmp_path):
    db = tmp_path / "w.duckdb"
    ud = queries.userdata_path_for(db)
    load_metrics(db, pd.DataFrame({"metric": ["m"], "day": [date(2026, 3, 1)], "value": [1.0]}))
    userdata.create_retro(ud, held_on="2026-03-13", team="A", kind="scrum", retro_id="mine")
    userdata.add_card(ud, retro_id="mine", column="Went well", text="x", card_id="c1")
    before = userdata.load_records(ud)
    load_metrics(db, pd.DataFrame({"metric": ["m"], "day": [date(2026, 3, 2)], "value": [2.0]}))   # another load
    with pytest.raises(RuntimeError):                                                                 # a failed load
        from connectors.load import staged_load
        with staged_load(db, "file:x", "import"):
            raise RuntimeError("boom")
    after = userdata.load_records(ud)
    for k in before:
        pd.testing.assert_frame_equal(before[k], after[k])
    con = queries.connect(db)
    try:
        assert con.execute("SELECT retro_id FROM retros").fetchall() == [("mine",)]
    finally:
        con.close()


def test_survives_a_demo_rebuild(tmp_path):
    db = tmp_path / "demo.duckdb"
    ud = queries.userdata_path_for(db)
    userdata.create_retro(ud, held_on="2026-03-13", team="Atlas", kind="scrum", retro_id="mine")
    userdata.add_action(ud, retro_id="mine", text="keep me", action_id="a-mine")
    demo.build(db, seed=7)
    t = userdata.load_records(ud)
    assert "mine" in set(t["retros"]["retro_id"]) and "a-mine" in set(t["action_items"]["action_id"])
    n_demo = (t["retros"]["retro_id"].str.startswith("demo-")).sum()
    assert n_demo > 0
    demo.build(db, seed=7)                                                   # rebuilt again: nothing duplicated
    t2 = userdata.load_records(ud)
    assert len(t2["retros"]) == len(t["retros"]) and "mine" in set(t2["retros"]["retro_id"])


def test_save_tables_validates_all_rows_in_one_transaction(ud):
    good = {"retros": pd.DataFrame([{"retro_id": "g-1", "held_on": date(2026, 3, 1), "team": "A", "kind": "scrum",
                                     "title": None}]),
            "retro_cards": pd.DataFrame([{"card_id": "g-c1", "retro_id": "g-1", "column_name": "Went well",
                                          "text": "x", "theme": None, "votes": 2}])}
    assert userdata.save_tables(ud, good) == {"retros": 1, "retro_cards": 1}
    bad = {"retros": pd.DataFrame([{"retro_id": "g-2", "held_on": date(2026, 3, 2), "team": "A", "kind": "scrum"}]),
           "action_items": pd.DataFrame([{"action_id": "g-a1", "retro_id": "g-2", "text": ""},
                                         {"action_id": None, "retro_id": "zz", "text": "y"}])}
    with pytest.raises(RetroscopeError) as e:
        userdata.save_tables(ud, bad)
    lines = str(e.value).splitlines()
    assert lines[0] == "3 problem(s) in the records; nothing was saved:"
    assert lines[1:] == ["action_items[0]: column text: empty (expected what will be done)",
                         "action_items[1]: column retro_id: no retro 'zz' (expected the id of a retro in this file or the store)",
                         "action_items[1]: column action_id: missing (expected an id for every row)"]
    assert list(userdata.load_records(ud)["retros"]["retro_id"]) == ["g-1"]     # g-2 not written either
