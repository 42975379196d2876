"""The retro loop (docs/retro-outcomes.md "Carried-in actions", "Jira keys", "What an action
led to"): a new retro carries the team's open actions in without copying them, actions carry
a Jira key, agreements and hypotheses name the action they came from, and an old user-input
store migrates. Expected numbers are worked out by hand in the comments."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest
from helpers_sprints import Scenario, connect, ts

import queries
from connectors import userdata
from dashboard.forms import with_verdicts
from queries.errors import RetroscopeError
from queries.registry import run_public

AS_OF = "2026-02-05 23:59:59"


@pytest.fixture
def loop(tmp_path):
    """Atlas: R1 (01-05) agrees a1 (no due date), a2 (due 01-12, done 01-10), a3 (due 01-12,
    never done). R2 (01-19) and R3 (02-02) are started with carry-over; a1 is marked done at
    R3. Borealis B1 (01-06) has b1 open: never carried into an Atlas retro."""
    db = Scenario().board("1", "Atlas", project_key="ATL").board("2", "Borealis", project_key="BOR").load(
        tmp_path / "w.duckdb")
    ud = tmp_path / "w.userdata.duckdb"
    userdata.create_retro(ud, held_on="2026-01-05", team="Atlas", kind="scrum", retro_id="R1", title="Sprint 1")
    userdata.create_retro(ud, held_on="2026-01-06", team="Borealis", kind="scrum", retro_id="B1")
    userdata.add_action(ud, retro_id="R1", text="Automate the release checklist", action_id="a1", jira_key="ATL-7")
    userdata.add_action(ud, retro_id="R1", text="Split big stories", action_id="a2", due_on="2026-01-12",
                        status="done", done_on="2026-01-10")
    userdata.add_action(ud, retro_id="R1", text="Pair on reviews", action_id="a3", due_on="2026-01-12")
    userdata.add_action(ud, retro_id="B1", text="Borealis's own", action_id="b1")
    carried = [userdata.start_retro(ud, held_on="2026-01-19", team=" atlas", kind="scrum", retro_id="R2")[1]]
    carried.append(userdata.start_retro(ud, held_on="2026-02-02", team="Atlas", kind="pm-eng", retro_id="R3")[1])
    userdata.review_action(ud, "a1", "R3", status="done")
    con = connect(db, ud)
    yield con, ud, carried
    con.close()


def test_start_retro_carries_the_open_actions_in_once(loop):
    con, ud, carried = loop
    # R2: a1 and a3 are open (a2 done, b1 is Borealis's); R3: the same two, still open
    assert carried == [2, 2]
    t = userdata.load_records(ud)
    assert sorted(t["action_items"]["action_id"]) == ["a1", "a2", "a3", "b1"]       # no copies
    rev = t["action_reviews"].set_index("review_id")
    assert sorted(rev.index) == ["a1@R2", "a1@R3", "a3@R2", "a3@R3"]
    assert rev.loc["a1@R2", "status_then"] == "open" and rev.loc["a1@R3", "status_then"] == "done"
    assert rev.loc["a3@R3", "reviewed_on"] == date(2026, 2, 2)
    a1 = t["action_items"].set_index("action_id").loc["a1"]
    # marked done at R3 without a date: done on R3's day; keeps its retro
    assert (a1["status"], a1["done_on"], a1["retro_id"]) == ("done", date(2026, 2, 2), "R1")


def test_a_carried_action_counts_once_in_follow_through(loop):
    con, _, _ = loop
    ft = run_public(con, "retro_follow_through", as_of=AS_OF).set_index("retro_id")
    # R1: a1 due at the next retro R2 (01-19), done 02-02 -> late; a2 on time; a3 not done.
    # due 3, on time 1 -> 1/3. R2 and R3 agreed nothing themselves: 0 actions, nothing due.
    r1 = ft.loc["R1"]
    assert (r1.actions, r1.actions_due, r1.actions_done_on_time, r1.actions_done_late, r1.actions_not_done) == \
        (3, 3, 1, 1, 1)
    assert r1.follow_through == pytest.approx(1 / 3)
    assert (ft.loc["R2", "actions"], ft.loc["R3", "actions"]) == (0, 0)
    assert pd.isna(ft.loc["R2", "follow_through"]) and pd.isna(ft.loc["R3", "follow_through"])
    assert ft.loc[["R1", "R2", "R3"], "actions"].sum() == 3            # three actions, counted once each


def test_the_slide_lists_the_actions_carried_into_the_latest_retro(loop):
    from queries.tech_health import latest_retro

    con, _, _ = loop
    r = latest_retro(con, "1", date(2026, 2, 5))
    # R3 (02-02) agreed nothing itself; a1 was marked done there, a3 is carried in, still open,
    # from R1 ("Sprint 1"); Borealis's b1 is not Atlas's
    assert r.retro_id == "R3"
    assert r.open_actions == (("Pair on reviews", date(2026, 1, 12), "Sprint 1"),)
    # at R2 (on 01-19) both a1 and a3 were carried in and open
    r2 = latest_retro(con, "1", date(2026, 1, 20))
    assert r2.retro_id == "R2" and [c for *_, c in r2.open_actions] == ["Sprint 1", "Sprint 1"]


def test_the_slide_lists_carried_actions_when_no_action_has_a_done_date(tmp_path):
    """No action done yet (every done_on empty) and retros without a title: the slide still
    lists the carried action, and an untitled retro is named by its kind and day (the slide's
    title) or as "an earlier retro" (where an action came from), never 'nan'."""
    from queries.tech_health import latest_retro

    db = Scenario().board("1", "Atlas", project_key="ATL").load(tmp_path / "w.duckdb")
    ud = tmp_path / "w.userdata.duckdb"
    userdata.create_retro(ud, held_on="2026-01-05", team="Atlas", kind="scrum", retro_id="R1")
    userdata.add_action(ud, retro_id="R1", text="Pair on reviews", action_id="a3", due_on="2026-01-12")
    userdata.start_retro(ud, held_on="2026-01-19", team="Atlas", kind="scrum", retro_id="R2")
    con = connect(db, ud)
    try:
        r = latest_retro(con, "1", date(2026, 1, 20))
    finally:
        con.close()
    assert (r.retro_id, r.title) == ("R2", "Scrum retro 19 Jan 2026")   # untitled: its kind and day
    assert r.open_actions == (("Pair on reviews", date(2026, 1, 12), "an earlier retro"),)


def test_open_actions_name_each_carried_action_once(loop):
    con, _, _ = loop
    oa = queries.run(con, "retro__open_actions", as_of=ts(AS_OF), board_id="1", project=None)
    # Atlas: only a3 is still open; carried into R2 and R3 (twice), its retro R1 two retros ago
    assert list(oa["action_id"]) == ["a3"]
    assert (oa.iloc[0].times_carried, oa.iloc[0].retros_since) == (2, 2)


def test_carried_in_list_of_a_retro(loop):
    con, _, _ = loop
    r3 = queries.run(con, "retro_log__carried_in", retro_id="R3").set_index("action_id")
    assert list(r3.index) == ["a3", "a1"]          # oldest retro first, then by due date (none last)
    # agreed 01-05, this retro 02-02: 28 days old; carried into R2 and R3 = 2 times
    assert (r3.loc["a1", "age_days"], r3.loc["a1", "times_carried"]) == (28, 2)
    assert (r3.loc["a1", "status_here"], r3.loc["a1", "status"], r3.loc["a1", "jira_key"]) == ("done", "done", "ATL-7")
    assert r3.loc["a3", "status_here"] == "open"
    r2 = queries.run(con, "retro_log__carried_in", retro_id="R2").set_index("action_id")
    # at R2 (01-19): 14 days old, carried once; R2 left a1 open (it was closed later, at R3)
    assert (r2.loc["a1", "age_days"], r2.loc["a1", "times_carried"], r2.loc["a1", "status_here"]) == (14, 1, "open")
    assert queries.run(con, "retro_log__carried_in", retro_id="R1").empty
    retros = queries.run(con, "retro_log__retros", board_id="1").set_index("retro_id")
    assert (retros.loc["R1", "actions"], retros.loc["R2", "carried_in"], retros.loc["R3", "carried_in"]) == (3, 2, 2)


def test_last_retro_lists_the_actions_carried_into_it(loop):
    con, _, _ = loop
    last = queries.run(con, "sprint_retro__last_retro", as_of=ts(AS_OF), board_id="1")
    # Atlas's last retro by 02-05 is R3 (02-02): it agreed nothing itself, and reviewed a1
    # (marked done there, on its day) and a3 (still open)
    assert set(last["retro_id"]) == {"R3"} and set(last["action_id"]) == {"a1", "a3"}
    rows = last.set_index("text")
    assert list(last["item"]) == ["carried action", "carried action"]
    assert (rows.loc["Automate the release checklist", "status"],
            pd.Timestamp(rows.loc["Automate the release checklist", "done_on"])) == ("done", pd.Timestamp("2026-02-02"))
    assert rows.loc["Pair on reviews", "status"] == "open"
    # the day before R3 the last retro is R2 (01-19), which reviewed the same two; a1 was done
    # only on 02-02, so as it stood then both are open with no done date
    before = queries.run(con, "sprint_retro__last_retro", as_of=ts("2026-02-01 23:59:59"), board_id="1")
    assert set(before["retro_id"]) == {"R2"} and len(before) == 2
    assert set(before["status"]) == {"open"} and before["done_on"].isna().all()


def test_reopening_at_a_retro_clears_the_done_date(loop):
    _, ud, _ = loop
    userdata.review_action(ud, "a1", "R3", status="open")
    t = userdata.load_records(ud)
    a1 = t["action_items"].set_index("action_id").loc["a1"]
    assert (a1["status"], a1["done_on"]) == ("open", None)
    assert t["action_reviews"].set_index("review_id").loc["a1@R3", "status_then"] == "open"
    with pytest.raises(RetroscopeError, match="no retro 'R9'"):
        userdata.review_action(ud, "a1", "R9", status="done")


# --------------------------------------------------------------------------- Jira keys
@pytest.mark.parametrize("typed, stored", [
    ("ATL-7", "ATL-7"), ("atl-7", "ATL-7"), (" WEB_2-130 ", "WEB_2-130"),
    ("https://acme.atlassian.net/browse/ATL-42?focusedCommentId=1", "ATL-42"), ("", None), (None, None),
])
def test_jira_key_accepted(typed, stored):
    assert userdata.jira_key(typed) == (stored, None)


@pytest.mark.parametrize("typed", ["ATL", "ATL-", "ATL-0", "7-ATL", "ATL 7", "1AB-3", "ATL-7; DROP", "A-B-7"])
def test_jira_key_refused_in_one_line(tmp_path, typed):
    ud = tmp_path / "s.duckdb"
    userdata.create_retro(ud, held_on="2026-01-05", team="Atlas", kind="scrum", retro_id="R1")
    with pytest.raises(RetroscopeError) as e:
        userdata.add_action(ud, retro_id="R1", text="x", jira_key=typed)
    assert "jira_key" in str(e.value) and "like ABC-123" in str(e.value) and "\n" not in str(e.value)
    assert userdata.load_records(ud)["action_items"].empty


def test_jira_key_can_be_changed_and_cleared(tmp_path):
    ud = tmp_path / "s.duckdb"
    userdata.create_retro(ud, held_on="2026-01-05", team="Atlas", kind="scrum", retro_id="R1")
    userdata.add_action(ud, retro_id="R1", text="x", action_id="a1")
    userdata.update_action(ud, "a1", jira_key="atl-9")
    assert userdata.load_records(ud)["action_items"].iloc[0]["jira_key"] == "ATL-9"
    userdata.update_action(ud, "a1", jira_key=None)
    assert userdata.load_records(ud)["action_items"].iloc[0]["jira_key"] is None


# --------------------------------------------------------------------------- verdict next to the action
def test_agreement_verdict_next_to_the_action_it_came_from(loop, tmp_path):
    con, ud, _ = loop
    # g1 (no metric) -> 'not measurable'; g2 reviews 03-01, after as_of 02-05 -> 'too early';
    # g3 names no action: not listed next to an action
    userdata.add_agreement(ud, retro_id="R3", text="Demo every Friday", start_on="2026-02-02",
                           review_on="2026-02-04", agreement_id="g1", action_id="a1")
    userdata.add_agreement(ud, retro_id="R3", text="Review within a day", start_on="2026-02-02",
                           review_on="2026-03-01", metric="cycle_time_p85", target=5, agreement_id="g2",
                           action_id="a3")
    userdata.add_agreement(ud, retro_id="R3", text="No action behind it", start_on="2026-02-02",
                           review_on="2026-02-04", agreement_id="g3")
    userdata.add_hypothesis(ud, retro_id="R3", item_key="ATL-E1", metric="conversion_rate", hypothesis_id="h1",
                            action_id="a1")
    with pytest.raises(RetroscopeError, match="no action item 'zz'"):
        userdata.add_agreement(ud, retro_id="R3", text="x", start_on="2026-02-02", review_on="2026-02-04",
                               action_id="zz")
    queries.refresh_userdata(con, ud)
    verdicts = queries.run(con, "retro_log__agreement_verdicts", as_of=ts(AS_OF))
    hyp = pd.DataFrame({"hypothesis_id": ["h1"], "verdict": ["too early"], "note": ["ATL-E1 has not shipped"]})
    # R1 agreed a1 and a3: both outcomes are shown next to them there (made at R3)
    out = with_verdicts(queries.run(con, "retro_log__action_outcomes", retro_id="R1"), verdicts, hyp)
    got = {(r.action, r.kind, r.outcome_id, r.verdict) for r in out.itertuples()}
    assert got == {("Automate the release checklist", "agreement", "g1", "not measurable"),
                   ("Pair on reviews", "agreement", "g2", "too early"),
                   ("Automate the release checklist", "hypothesis", "h1", "too early")}
    assert set(out["jira_key"].dropna()) == {"ATL-7"}
    assert set(out["made_on"]) == {pd.Timestamp("2026-02-02")}
    # R3 lists them too (the actions were carried into it); B1 has none
    assert set(queries.run(con, "retro_log__action_outcomes", retro_id="R3")["outcome_id"]) == {"g1", "g2", "h1"}
    assert queries.run(con, "retro_log__action_outcomes", retro_id="B1").empty
    ag = with_verdicts(queries.run(con, "retro_log__agreements", retro_id="R3"), verdicts, None).set_index(
        "agreement_id")
    assert ag.loc["g1", "from_action"] == "Automate the release checklist" and pd.isna(ag.loc["g3", "from_action"])
    assert (ag.loc["g1", "verdict"], ag.loc["g2", "verdict"], ag.loc["g3", "verdict"]) == \
        ("not measurable", "too early", "not measurable")
    assert ag.loc["g2", "reason"] == "review on 1 Mar 2026; values so far"


# --------------------------------------------------------------------------- migration of an old store
OLD_SCHEMA = """
CREATE TABLE retros (retro_id VARCHAR NOT NULL PRIMARY KEY, held_on DATE NOT NULL, team VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('scrum', 'product', 'pm-eng')), title VARCHAR, created_at TIMESTAMPTZ);
CREATE TABLE retro_cards (card_id VARCHAR NOT NULL PRIMARY KEY, retro_id VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL, text VARCHAR NOT NULL, theme VARCHAR, votes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE action_items (action_id VARCHAR NOT NULL PRIMARY KEY, retro_id VARCHAR NOT NULL, text VARCHAR NOT NULL,
    owner VARCHAR, due_on DATE, status VARCHAR NOT NULL DEFAULT 'open'
    CHECK (status IN ('open', 'done', 'dropped')), done_on DATE);
CREATE TABLE agreements (agreement_id VARCHAR NOT NULL PRIMARY KEY, retro_id VARCHAR NOT NULL, text VARCHAR NOT NULL,
    start_on DATE NOT NULL, review_on DATE NOT NULL, metric VARCHAR, target DOUBLE,
    direction VARCHAR CHECK (direction IS NULL OR direction IN ('up', 'down')));
CREATE TABLE hypotheses (hypothesis_id VARCHAR NOT NULL PRIMARY KEY, retro_id VARCHAR NOT NULL,
    item_key VARCHAR NOT NULL, metric VARCHAR NOT NULL, direction VARCHAR NOT NULL DEFAULT 'up'
    CHECK (direction IN ('up', 'down')), min_change DOUBLE NOT NULL DEFAULT 0);
CREATE TABLE settings (key VARCHAR NOT NULL PRIMARY KEY, value VARCHAR);
INSERT INTO retros VALUES ('R1', '2026-01-05', 'Atlas', 'scrum', 'Sprint 1', NULL);
INSERT INTO action_items VALUES ('a1', 'R1', 'Automate the release checklist', 'TL', NULL, 'open', NULL);
INSERT INTO agreements VALUES ('g1', 'R1', 'Demo every Friday', '2026-01-06', '2026-01-30', NULL, NULL, NULL);
INSERT INTO hypotheses VALUES ('h1', 'R1', 'ATL-E1', 'conversion_rate', 'up', 0.02);
"""


def test_old_store_is_read_then_migrated(tmp_path):
    db = Scenario().board("1", "Atlas", project_key="ATL").load(tmp_path / "w.duckdb")
    ud = tmp_path / "old.userdata.duckdb"
    with duckdb.connect(str(ud)) as c:
        c.execute(OLD_SCHEMA)
    # read as it is (a reader never writes): no action_reviews table, no jira_key / action_id
    con = connect(db, ud)
    oa = queries.run(con, "retro__open_actions", as_of=ts(AS_OF), board_id=None, project=None)
    assert list(oa["action_id"]) == ["a1"] and oa.iloc[0].times_carried == 0 and pd.isna(oa.iloc[0].jira_key)
    t = userdata.load_records(ud)
    assert t["action_reviews"].empty and t["action_items"].iloc[0]["jira_key"] is None
    # the first write migrates it: the old rows stay, the new columns and table exist
    userdata.update_action(ud, "a1", jira_key="ATL-7")
    rid, n = userdata.start_retro(ud, held_on="2026-01-19", team="Atlas", kind="scrum", retro_id="R2")
    assert n == 1
    with duckdb.connect(str(ud), read_only=True) as c:
        cols = {t: [r[0] for r in c.execute(f"DESCRIBE {t}").fetchall()]
                for t in ("action_items", "agreements", "hypotheses", "action_reviews")}
        assert cols["action_items"][-1] == "jira_key"
        assert cols["agreements"][-1] == "action_id" and cols["hypotheses"][-1] == "action_id"
        assert cols["action_reviews"] == ["review_id", "action_id", "retro_id", "reviewed_on", "status_then"]
        assert c.execute("SELECT text, owner, jira_key FROM action_items").fetchall() == \
            [("Automate the release checklist", "TL", "ATL-7")]
        assert c.execute("SELECT agreement_id, action_id FROM agreements").fetchall() == [("g1", None)]
    queries.refresh_userdata(con, ud)
    assert queries.run(con, "retro_log__carried_in", retro_id="R2")["jira_key"].tolist() == ["ATL-7"]
    con.close()


def test_import_and_export_carry_the_loop(tmp_path):
    import json

    ud = tmp_path / "s.duckdb"
    userdata.create_retro(ud, held_on="2026-01-05", team="Atlas", kind="scrum", retro_id="R1")
    userdata.add_action(ud, retro_id="R1", text="x", action_id="a1", jira_key="ATL-7")
    userdata.start_retro(ud, held_on="2026-01-19", team="Atlas", kind="scrum", retro_id="R2")
    userdata.add_agreement(ud, retro_id="R2", text="y", start_on="2026-01-20", review_on="2026-02-20",
                           agreement_id="g1", action_id="a1")
    out = tmp_path / "backup.json"
    userdata.export_json(ud, out)
    doc = json.loads(out.read_text())
    assert doc["actions"][0]["jira_key"] == "ATL-7" and doc["agreements"][0]["action_id"] == "a1"
    assert doc["reviews"] == [{"review_id": "a1@R2", "action_id": "a1", "retro_id": "R2",
                               "reviewed_on": "2026-01-19", "status_then": "open"}]
    from connectors.imports import prepare_retro

    rows, _ = prepare_retro(str(out), as_of=date(2026, 3, 1), known_metrics=None, existing_retros=set())
    assert [r["review_id"] for r in rows["review"]] == ["a1@R2"] and rows["action"][0]["jira_key"] == "ATL-7"
    doc["reviews"][0]["action_id"] = "nope"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(RetroscopeError, match=r"reviews\[0\]: column action_id: no action item 'nope'"):
        prepare_retro(str(bad), as_of=date(2026, 3, 1), known_metrics=None, existing_retros=set())


def test_two_retros_on_one_day_the_slide_takes_the_one_created_last(tmp_path):
    """Atlas and Borealis both held a retro on 01-19: Atlas's "Z" created at 10:00, Borealis's
    "A" at 15:00; Atlas's product retro "P" on 01-20. Under All teams the latest delivery retro is
    the one created last, "A", whichever id sorts last (a product retro is Product outcomes'
    business): the slide's retro, latest_retro and the Sprint retro page's last retro agree, and
    the slide lists both teams' scrum retros."""
    from datetime import UTC, datetime

    from queries.tech_health import kpis, latest_retro

    db = Scenario().board("1", "Atlas", project_key="ATL").board("2", "Borealis", project_key="BOR").load(
        tmp_path / "w.duckdb")
    ud = tmp_path / "w.userdata.duckdb"
    userdata.create_retro(ud, held_on="2026-01-19", team="Atlas", kind="scrum", retro_id="Z",
                          now=datetime(2026, 1, 19, 10, tzinfo=UTC))
    userdata.create_retro(ud, held_on="2026-01-19", team="Borealis", kind="scrum", retro_id="A",
                          now=datetime(2026, 1, 19, 15, tzinfo=UTC))
    # held later, but a product retro ("are we building the right things?"): neither takes it
    userdata.create_retro(ud, held_on="2026-01-20", team="Atlas", kind="product", retro_id="P",
                          now=datetime(2026, 1, 20, 9, tzinfo=UTC))
    con = connect(db, ud)
    try:
        on = ts("2026-01-20 12:00")
        assert latest_retro(con, None, date(2026, 1, 20)).retro_id == "A"
        th = kpis(con, as_of=on)
        assert th.retro.retro_id == "A"
        assert sorted(r.retro_id for r in th.retros) == ["A", "Z"]
        assert set(queries.run(con, "sprint_retro__last_retro", board_id=None, as_of=on)["retro_id"]) == {"A"}
    finally:
        con.close()
