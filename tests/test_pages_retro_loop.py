"""The Retro log's loop in Streamlit's AppTest on a copy of the demo: start a retro, see the
team's open actions carried in (with a link to the Jira issue of one), mark one done there."""

from __future__ import annotations

from datetime import date

import duckdb
from helpers_pages import app_for, open_page, problems, unfold

import queries
from connectors import userdata


def _click(at, label: str, form: str):
    return next(b for b in at.button if b.label == label and b.key == f"FormSubmitter:{form}-{label}").click().run()


def _table_with(at, text: str):
    return [d.value for d in at.dataframe if hasattr(d.value, "to_csv") and text in d.value.to_csv()]


def test_start_retro_carries_open_actions_in_and_marks_one_done(monkeypatch, demo_copy):
    ud = queries.userdata_path_for(demo_copy)
    monkeypatch.setenv("JIRA_URL", "https://bot:s3cret@acme.atlassian.net/")   # credentials never reach a link
    userdata.update_action(ud, "demo-atl-s2-a2", jira_key="ATL-12")
    with duckdb.connect(str(ud), read_only=True) as c:     # what the new retro must carry in: Atlas's open actions
        want = dict(c.execute("SELECT a.action_id, a.text FROM action_items a JOIN retros r USING (retro_id) "
                              "WHERE a.status = 'open' AND lower(trim(r.team)) = 'atlas'").fetchall())
    assert "demo-atl-s2-a2" in want and len(want) >= 2

    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    at.selectbox(key="retro_log_new_kind").set_value("scrum")
    at.text_input(key="retro_log_new_team").input("Atlas")
    at.date_input(key="retro_log_new_held").set_value(date(2026, 11, 18))
    at.text_input(key="retro_log_new_title").input("ATL Sprint 13 retro")
    _click(at, "Create retro", form="retro_log_new")
    assert not problems(at), problems(at)
    assert any(f"Saved: new retro · {len(want)} open action(s) carried in" in s.value for s in at.success)
    rid = at.selectbox(key="retro_log_retro").value
    assert "ATL Sprint 13 retro" in at.selectbox(key="retro_log_retro").format_func(rid)

    carried = _table_with(at, "https://acme.atlassian.net/browse/ATL-12")
    assert len(carried) == 1, "the carried-in table links the action's Jira issue"
    shown = carried[0]
    assert set(shown["text"]) == set(want.values())           # each open action once, no copies
    # the action's status now and the one this retro left it in, each named as such
    assert list(shown.columns[:4]) == ["link", "text", "status now", "status at this retro"]
    assert "age (days)" in shown.columns
    assert not any("s3cret" in d.value.to_csv() for d in at.dataframe if hasattr(d.value, "to_csv"))
    with duckdb.connect(str(ud), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM action_items").fetchone()[0] == \
            c.execute("SELECT count(DISTINCT action_id) FROM action_items").fetchone()[0]
        assert c.execute("SELECT count(*) FROM action_items WHERE retro_id = $r", {"r": rid}).fetchone()[0] == 0

    at.multiselect(key="retro_log_carried_pick").set_value(["demo-atl-s2-a2"])
    at.selectbox(key="retro_log_carried_status").set_value("done")
    _click(at, "Update carried actions", form="retro_log_carried")
    assert not problems(at), problems(at)
    assert any("Saved: 1 carried action(s) marked done" in s.value for s in at.success)
    a = userdata.load_records(ud)
    act = a["action_items"].set_index("action_id").loc["demo-atl-s2-a2"]
    assert (act["status"], act["done_on"], act["retro_id"]) == ("done", date(2026, 11, 18), "demo-atl-s2")
    assert a["action_reviews"].set_index("review_id").loc[f"demo-atl-s2-a2@{rid}", "status_then"] == "done"
    row = _table_with(at, "ATL-12")[0].set_index("text").loc[want["demo-atl-s2-a2"]]
    assert (row["status now"], row["status at this retro"]) == ("done", "done")


def test_verdict_is_shown_next_to_the_action(monkeypatch, demo_copy):
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "2", "retro": "demo-bor-s10"})
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    led = [d.value for d in at.dataframe if hasattr(d.value, "columns") and "outcome" in d.value.columns]
    assert len(led) == 1
    row = led[0].iloc[0]
    # the demo's Borealis sprint-10 agreement (review 2026-11-23, after the demo's today) came from its spike action
    assert row["action"].startswith("Trial a spike + build split") and row["verdict"] == "too early"
    assert list(led[0].columns[:2]) == ["verdict", "action"]


def test_the_hypothesis_form_names_metrics_in_words(monkeypatch, demo_copy):
    """The form's "Should move" showed the metric's id ("active_users") where every other place
    says "active users"; the value kept is still the id."""
    at = unfold(open_page(app_for(monkeypatch, demo_copy), "retro_log"), "retro_log_hypothesis")
    assert not problems(at), problems(at)
    box = at.selectbox(key="retro_log_hypothesis_metric")
    assert "active users" in box.options and "active_users" not in box.options   # what the reader sees
    assert box.options[0] == "the metric the item targets" and box.value is None  # the default: the item's own


def test_a_hypothesis_moves_the_metric_its_item_targets_unless_another_is_chosen(monkeypatch, demo_copy):
    """The form once offered the first product metric ("active users") for every item, though the
    demo's ATL-E1 targets conversion rate: a hypothesis added as it stood measured the wrong metric."""
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "1"})
    unfold(open_page(at, "retro_log"), "retro_log_hypothesis")
    item = at.selectbox(key="retro_log_hypothesis_item")
    label = item.format_func("ATL-E1")
    assert label.startswith("ATL-E1 · ") and label.endswith(" → conversion rate"), label

    def rows():
        with duckdb.connect(str(queries.userdata_path_for(demo_copy)), read_only=True) as c:
            return set(c.execute("SELECT hypothesis_id, item_key, metric FROM hypotheses").fetchall())

    before = rows()
    item.set_value("ATL-E1")
    _click(at, "Add hypothesis", "retro_log_hypothesis")
    assert not problems(at), problems(at)
    added = rows() - before
    assert [r[1:] for r in added] == [("ATL-E1", "conversion_rate")]
    def box(label):
        return next(b for b in at.selectbox if b.label == label and b.key.startswith("retro_log_hypothesis_"))

    assert box("Should move").value is None and box("Should move").key != "retro_log_hypothesis_metric"   # afresh
    box("Shipped item").set_value("ATL-E1")
    box("Should move").set_value("active_users")
    _click(at, "Add hypothesis", "retro_log_hypothesis")
    assert [r[1:] for r in rows() - before - added] == [("ATL-E1", "active_users")]


def test_a_hypothesis_moves_its_metric_the_way_its_item_expects_by_default(monkeypatch, demo_copy, tmp_path):
    """The direction defaulted to 'up' whatever the item expected: an item imported to bring its
    metric down was judged against a rise."""
    from dashboard.cli import main

    csv = tmp_path / "items.csv"
    csv.write_text("key,name,shipped_on,epic_key,metrics,direction,min_change\n"
                   "ATL-X9,Fewer support tickets,2026-10-01,,nps,down,2%\n")
    assert main(["--db", str(demo_copy), "import", "features", str(csv)]) == 0
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "1"})
    unfold(open_page(at, "retro_log"), "retro_log_hypothesis")
    assert at.selectbox(key="retro_log_hypothesis_direction").value is None   # "as the item expects"
    at.selectbox(key="retro_log_hypothesis_item").set_value("ATL-X9")
    _click(at, "Add hypothesis", "retro_log_hypothesis")
    assert not problems(at), problems(at)
    with duckdb.connect(str(queries.userdata_path_for(demo_copy)), read_only=True) as c:
        got = c.execute("SELECT metric, direction FROM hypotheses WHERE item_key = 'ATL-X9'").fetchall()
    assert got == [("nps", "down")]


def test_the_retro_picked_by_default_is_the_latest_held_by_the_as_of_day(monkeypatch, demo_copy):
    """It once opened the team's latest retro whatever the as-of day (13 Nov at as_of 1 Aug), with
    actions carried in after that day."""
    ud = queries.userdata_path_for(demo_copy)
    with duckdb.connect(str(ud), read_only=True) as c:
        atlas = c.execute("SELECT retro_id, held_on FROM retros WHERE lower(trim(team)) = 'atlas' "
                          "ORDER BY held_on DESC, retro_id DESC").fetchall()
    by_aug = [rid for rid, held in atlas if held <= date(2026, 8, 1)]
    assert atlas[0][1] > date(2026, 8, 1) and by_aug
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "1", "as_of": "2026-08-01"})
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    assert at.selectbox(key="retro_log_retro").value == by_aug[0]
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "1"})
    open_page(at, "retro_log")
    assert at.selectbox(key="retro_log_retro").value == atlas[0][0]     # at the data's freshness: the latest


def test_an_open_action_without_a_due_date_shows_the_day_it_is_late_from(monkeypatch, demo_copy):
    """Sprint retro's last retro listed Atlas's carried "Automate the release checklist" (no due
    date) with 22 days overdue and an empty due cell (a new user's browser run): the cell now
    gives the day it is due, the team's next retro after the one that agreed it, which the
    days overdue count from (fct_retro_actions.effective_due_on)."""
    with duckdb.connect(str(queries.userdata_path_for(demo_copy)), read_only=True) as c:
        agreed, = c.execute("SELECT r.held_on FROM action_items AS a JOIN retros AS r USING (retro_id) "
                            "WHERE a.text = 'Automate the release checklist'").fetchone()
        nxt, = c.execute("SELECT min(held_on) FROM retros WHERE lower(trim(team)) = 'atlas' AND held_on > ?",
                         [agreed]).fetchone()
    at = app_for(monkeypatch, demo_copy)
    at.query_params.update({"board": "1", "as_of": "2026-11-07"})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    table = _table_with(at, "Automate the release checklist")[0]
    row = table[table.apply(lambda r: "Automate the release checklist" in r.to_csv(), axis=1)].iloc[0]
    due = [v for k, v in row.items() if "due" in str(k).lower() and "overdue" not in str(k).lower()]
    overdue = [v for k, v in row.items() if "overdue" in str(k).lower()]
    assert due and str(due[0]).startswith(nxt.isoformat()), row.to_dict()
    assert overdue and float(overdue[0]) == (date(2026, 11, 7) - nxt).days, row.to_dict()
