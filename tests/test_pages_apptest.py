"""Every registered page rendered with Streamlit's AppTest (the real app: navigation,
sidebar, cached data seam) on the demo warehouse and on an empty one."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from helpers_pages import app_for, empty_warehouse, fingerprint, open_page, problems, unfold

from dashboard.pages import PAGES

SLUGS = [p.slug for p in PAGES]
PAGES_DIR = Path(__file__).resolve().parents[1] / "dashboard" / "app_pages"
# pages whose figures depend on the team filter (the retro log is organised by retro instead)
FILTERED = [s for s in SLUGS if s != "retro_log"]


@pytest.fixture(scope="module")
def empty_db(tmp_path_factory) -> Path:
    return empty_warehouse(tmp_path_factory.mktemp("empty") / "empty.duckdb")


def test_registry_matches_page_files():
    files = {p.stem for p in PAGES_DIR.glob("*.py") if p.stem != "__init__"}
    assert files == set(SLUGS)
    for p in PAGES:
        assert p.who and p.question.endswith("?"), p.slug


def test_pages_are_thin():
    for slug in SLUGS:
        lines = (PAGES_DIR / f"{slug}.py").read_text().splitlines()
        assert len(lines) <= 120, f"{slug}.py has {len(lines)} lines: move work into charts/components"
        text = "\n".join(lines)
        assert "import plotly" not in text and "groupby(" not in text and "duckdb" not in text, slug


@pytest.mark.parametrize("slug", SLUGS)
def test_page_renders_on_demo(monkeypatch, demo_db, slug):
    at = open_page(app_for(monkeypatch, demo_db), slug)
    assert not problems(at), problems(at)
    spec = next(p for p in PAGES if p.slug == slug)
    assert at.title[0].value == spec.title
    assert at.get("plotly_chart") or at.dataframe, f"{slug} shows no chart or table on the demo"
    # every widget key is page-prefixed (or the shared sidebar's f_*, or a widget bound to the URL,
    # whose key is its parameter: `section`, a page's tabs, `?section=Flow`; `sprints`, Tech health's N)
    keys = [getattr(n, "key", None) for n in _walk(at._tree)]
    keys = [k for k in keys if k]
    assert "f_board" in keys
    keys = [k.removeprefix("FormSubmitter:") for k in keys]
    bad = [k for k in keys if not (k.startswith(slug + "_") or k.startswith("f_") or k in ("section", "sprints"))]
    assert not bad, f"widget keys without the page prefix on {slug}: {bad}"


@pytest.mark.parametrize("slug", SLUGS)
def test_page_renders_reporting_in_another_timezone(monkeypatch, demo_db, tmp_path, slug):
    """Reporting in Auckland, the demo's freshness (2026-11-18 17:00 UTC) is already 19 Nov there:
    the sidebar's as-of day says so, and every page draws without an error, at it and at a
    past day (figures computed live: the stored facts were built for UTC)."""
    at = app_for(monkeypatch, demo_db)
    cfg = tmp_path / "retroscope.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
    open_page(at, slug)
    assert not problems(at), problems(at)
    assert at.sidebar.date_input(key="f_as_of").value == date(2026, 11, 19)
    # the as-of instant and the data's freshness printed on the team's clock, zone named
    assert at.caption[0].value.endswith("as of 2026-11-19 06:00 Pacific/Auckland"), at.caption[0].value
    assert any("data as of 2026-11-19 06:00 Pacific/Auckland" in c.value for c in at.sidebar.caption)
    at.sidebar.date_input(key="f_as_of").set_value(date(2026, 9, 1)).run()
    assert not problems(at), problems(at)


def test_the_as_of_day_of_item_verdicts_and_forecast_dates_is_the_reporting_timezones(monkeypatch, demo_db,
                                                                                        tmp_path):
    """Reporting in Auckland the demo's as-of day is 19 Nov: BOR-E3's card says its post window
    runs after the as-of day 19 Nov 2026 (the day its verdict counts to), and the forecast's
    'How many by' picker starts on 19 Nov (the forecast's day 0), not on the UTC day, 18 Nov."""
    cfg = tmp_path / "retroscope.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    at = app_for(monkeypatch, demo_db)
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
    at.query_params["item"] = "BOR-E3"
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    assert any("after the as-of day 19 Nov 2026" in m for m in _plain(at)), _plain(at)
    at = app_for(monkeypatch, demo_db)
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
    at.query_params["section"] = "Forecast"
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    by = at.date_input(key="calibration_forecast_by")
    assert by.proto.min == "2026-11-19", by.proto.min


def test_a_sprints_days_are_the_same_on_every_page_in_another_timezone(monkeypatch, demo_db, tmp_path):
    """Reporting in Auckland, Atlas's last sprint by 1 Nov, ATL Sprint 11, ran from 19 Oct 09:00 UTC
    to 30 Oct 16:00 UTC: 19 Oct 22:00 to 31 Oct 05:00 there. The Sprint retro tile gives those local
    days, 19 Oct – 31 Oct, as the Tech health slide does, not the UTC days (19 – 30 Oct)."""
    import queries
    from queries.config import AnalysisConfig
    from queries.registry import as_of_instant
    from queries.tech_health import kpis

    cfg = tmp_path / "retroscope.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    at = app_for(monkeypatch, demo_db)
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
    at.query_params.update({"board": "1", "as_of": "2026-11-01"})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    tile = [c.value for c in at.caption if c.value.endswith("Oct") and " – " in c.value]
    con = queries.connect(demo_db, config=AnalysisConfig(timezone="Pacific/Auckland"))
    try:
        last = kpis(con, board_id="1", as_of=as_of_instant(con, "2026-11-01")).sprints[-1]
    finally:
        con.close()
    assert tile == [f"{last.start_on.day} {last.start_on:%b} – {last.end_on.day} {last.end_on:%b}"] == ["19 Oct – 31 Oct"], (tile, last)
    # the sprint picker names it with the same days
    assert "Atlas · ATL Sprint 11 · 19 Oct – 31 Oct" in at.selectbox(key="sprint_retro_sprint").options


def test_an_as_of_after_the_data_is_noted_in_the_sidebar(monkeypatch, demo_db):
    """The demo's data runs to 18 Nov 17:00 UTC. Asked about 19 Nov (a day the sidebar allows: up
    to today), the sidebar says the figures stop at the data's freshness; at the freshness's own
    day it says nothing."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"as_of": "2026-11-19"})
    open_page(at, "overview")
    assert not problems(at), problems(at)
    note = "The data runs to 2026-11-18 17:00 UTC: nothing after it is loaded yet, so the figures stop there."
    assert any(note in c.value for c in at.sidebar.caption), [c.value for c in at.sidebar.caption]
    at = open_page(app_for(monkeypatch, demo_db), "overview")
    assert not any("The data runs to" in c.value for c in at.sidebar.caption)


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


@pytest.mark.parametrize("slug", SLUGS)
def test_page_renders_on_empty_warehouse(monkeypatch, empty_db, slug):
    at = open_page(app_for(monkeypatch, empty_db), slug)
    assert not problems(at), problems(at)
    texts = " ".join(i.value for i in at.info) + " ".join(m.value for m in at.markdown)
    if slug != "data_sources":
        assert re.search(r"retroscope|Retro log", texts), f"{slug}: no empty state naming a command: {texts[:300]}"
    else:
        assert "Empty team" not in texts and at.dataframe   # sources and row counts still shown


@pytest.mark.parametrize("slug", FILTERED)
def test_changing_the_team_changes_the_figures(monkeypatch, demo_db, slug):
    at = open_page(app_for(monkeypatch, demo_db), slug)
    everyone = fingerprint(at)
    at.sidebar.selectbox(key="f_board").set_value("2").run()
    assert not problems(at), problems(at)
    assert at.query_params.get("board") in ("2", ["2"])
    assert fingerprint(at) != everyone, f"{slug}: choosing Borealis changed nothing"


@pytest.mark.parametrize("slug", ["overview", "sprint_retro", "calibration"])
def test_changing_as_of_changes_the_figures(monkeypatch, demo_db, slug):
    at = open_page(app_for(monkeypatch, demo_db), slug)
    now = fingerprint(at)
    at.sidebar.date_input(key="f_as_of").set_value(date(2026, 9, 1)).run()
    assert not problems(at), problems(at)
    assert fingerprint(at) != now


def test_link_reproduces_the_view(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "from": "2026-08-01", "to": "2026-10-31", "as_of": "2026-10-31"})
    open_page(at, "sprint_retro")
    assert at.sidebar.selectbox(key="f_board").value == "1"
    assert str(at.sidebar.date_input(key="f_as_of").value) == "2026-10-31"
    assert "1 Aug – 31 Oct 2026" in at.caption[0].value


def _plain(at) -> list[str]:
    """Markdown on the page without its escapes (user text is escaped before display)."""
    return [m.value.replace("\\", "") for m in at.markdown]


def test_outcomes_link_opens_one_shipped_item(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params["item"] = "ATL-E3"
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    assert at.selectbox(key="outcomes_item").value == "ATL-E3"
    assert at.query_params.get("item") in ("ATL-E3", ["ATL-E3"])
    # the demo's revenue case (docs/impact.md "On the demo"): rising, yet no detectable change
    assert ("The post-launch mean is 3.2 % (+1,850 EUR) above what the pre-launch trend predicts, but the 95 % "
            "interval (−7.3 % to +13.6 %) includes zero, so no detectable change.") in _plain(at)
    assert any(t.startswith("Effect **+1,850 EUR** (+3.2 %), 95 % interval") for t in _plain(at))
    assert any("BOR-E3 was also shipped on this metric" in c.value.replace("\\", "") for c in at.caption)
    spec = at.get("plotly_chart")[0].proto.spec
    for text in ("counterfactual (no launch)", "95 % band of the counterfactual", "post-window mean",
                 "BOR-E3 Price display revamp (overlaps)", "ATL-E3 shipped", "pre-launch window", "post-launch window"):
        assert text in spec, text
    at.selectbox(key="outcomes_item").set_value("BOR-E3").run()
    assert not problems(at), problems(at)
    assert at.query_params.get("item") in ("BOR-E3", ["BOR-E3"])
    assert any(t.startswith("Too early to judge: the 28 days after shipping run until") for t in _plain(at))
    at.selectbox(key="outcomes_item").set_value(None).run()
    assert "item" not in at.query_params
    assert not any(t.startswith(("The post-launch mean", "Too early to judge")) for t in _plain(at))


def test_outcomes_unknown_item_is_one_line(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params["item"] = "NOPE-1"
    open_page(at, "outcomes")
    assert not at.exception
    assert [w.value for w in at.warning] == ["No shipped item NOPE\\-1 in this view (team and period in the "
                                             "sidebar); pick one from the list or widen the period."]
    assert at.selectbox(key="outcomes_item").value is None
    assert any(h.value == "Shipped items" for h in at.subheader)


def test_no_warehouse_says_how_to_build_one(monkeypatch, tmp_path):
    at = app_for(monkeypatch, tmp_path / "missing.duckdb")
    at.run()
    assert not problems(at)
    assert "retroscope --db" in " ".join(i.value for i in at.info)


# --------------------------------------------------------------------------- retro log writes
def _userdata_rows(db: Path, table: str) -> list[tuple]:
    import duckdb

    import queries

    with duckdb.connect(str(queries.userdata_path_for(db)), read_only=True) as con:
        df = con.execute(f"SELECT * FROM {table} ORDER BY ALL").df()
    return [tuple(None if v is None or v != v else str(v) for v in row) for row in df.itertuples(index=False)]


def _click(at, label: str, form: str | None = None):
    """Click the (form submit) button with this label, in the given form if several share it."""
    return next(b for b in at.button if b.label == label
                and (form is None or b.key == f"FormSubmitter:{form}-{label}")).click().run()


def _shown(at, text: str) -> bool:
    return any(text in d.value.to_csv() for d in at.dataframe if hasattr(d.value, "to_csv"))


def test_action_item_persists_across_rerun_and_fresh_app(monkeypatch, demo_copy):
    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    retro = at.selectbox(key="retro_log_retro").value
    before = _userdata_rows(demo_copy, "action_items")
    at.text_input(key="retro_log_action_text").input("Pair on the flaky checkout tests")
    at.text_input(key="retro_log_action_owner").input("QA lead")
    _click(at, "Add action item")
    assert not problems(at), problems(at)
    assert any("Saved: action item" in s.value for s in at.success)
    assert _shown(at, "Pair on the flaky checkout tests")
    after = _userdata_rows(demo_copy, "action_items")
    new = [r for r in after if r not in before]
    assert len(new) == 1 and new[0][1] == retro and new[0][2:6] == ("Pair on the flaky checkout tests", "QA lead",
                                                                     None, "open")
    at.run()
    assert _shown(at, "Pair on the flaky checkout tests")
    fresh = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    fresh.selectbox(key="retro_log_retro").set_value(retro).run()
    assert _shown(fresh, "Pair on the flaky checkout tests")


def test_bad_input_shows_an_error_and_writes_nothing(monkeypatch, demo_copy):
    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    tables = ("retros", "retro_cards", "action_items", "agreements", "hypotheses")
    before = {t: _userdata_rows(demo_copy, t) for t in tables}
    _click(at, "Add action item")                      # no text
    assert any("Not saved" in e.value and "text" in e.value for e in at.error), [e.value for e in at.error]
    unfold(at, "retro_log_agreement")
    at.text_input(key="retro_log_agreement_text").input("Review within a day")
    at.date_input(key="retro_log_agreement_review").set_value(date(2020, 1, 1))   # before its start
    _click(at, "Add agreement")
    assert any("Not saved" in e.value for e in at.error)
    assert not at.exception
    assert {t: _userdata_rows(demo_copy, t) for t in tables} == before


def test_a_refused_entry_stays_in_the_form_and_a_saved_one_leaves_it(monkeypatch, demo_copy):
    """An action item refused for its Jira key came back with text, owner and key all empty: the
    facilitator retyped it mid-retro, and sending the mended key alone was refused for no text."""
    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    before = _userdata_rows(demo_copy, "action_items")
    at.text_input(key="retro_log_action_text").input("Pair on flaky tests every Monday")
    at.text_input(key="retro_log_action_owner").input("Dev team")
    at.text_input(key="retro_log_action_jira").input("bad key")
    _click(at, "Add action item")
    assert any("Not saved" in e.value and "bad key" in e.value for e in at.error), [e.value for e in at.error]
    assert [at.text_input(key=f"retro_log_action_{w}").value for w in ("text", "owner", "jira")] == [
        "Pair on flaky tests every Monday", "Dev team", "bad key"]
    assert _userdata_rows(demo_copy, "action_items") == before
    at.text_input(key="retro_log_action_jira").input("ATL-12")
    _click(at, "Add action item")
    assert not problems(at), problems(at)
    assert any("Saved: action item" in s.value for s in at.success)
    new = [r for r in _userdata_rows(demo_copy, "action_items") if r not in before]
    assert len(new) == 1 and "Pair on flaky tests every Monday" in new[0] and "ATL-12" in new[0]
    # a saved entry gives the form new, empty widgets (new keys: what the browser draws empty)
    fresh = {t.label: t for t in at.text_input if t.label in ("New action item", "Owner", "Jira key")}
    assert [fresh[w].value for w in ("New action item", "Owner", "Jira key")] == ["", "", ""]
    assert fresh["New action item"].key != "retro_log_action_text"


def test_new_retro_and_anonymous_card(monkeypatch, demo_copy):
    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    at.selectbox(key="retro_log_new_kind").set_value("pm-eng")
    at.text_input(key="retro_log_new_team").input("Atlas")
    at.date_input(key="retro_log_new_held").set_value(date(2026, 11, 18))
    at.text_input(key="retro_log_new_title").input("PM / eng check-in")
    _click(at, "Create retro")
    assert not problems(at), problems(at)
    assert "PM / eng check-in" in at.selectbox(key="retro_log_retro").format_func(at.selectbox(key="retro_log_retro").value)
    assert [m.value for m in at.markdown if m.value.startswith("**")][1:4] == [
        "**Product perspective**", "**Engineering perspective**", "**Collaboration improvements**"]
    # the card forms are folded: none of their widgets is run until its expander is opened
    assert [e.label for e in at.expander].count("Add a card") == 3
    assert not [w for w in at.text_area if w.key.startswith("retro_log_card_")]
    unfold(at, "retro_log_card_2")
    assert [w.key for w in at.text_area if w.key.startswith("retro_log_card_")] == ["retro_log_card_2_text"]
    at.text_area(key="retro_log_card_2_text").input("Share the roadmap draft before refinement")
    _click(at, "Add card", form="retro_log_card_2")
    assert not problems(at), problems(at)
    assert any(m.value == "Share the roadmap draft before refinement" for m in at.markdown)
    # the form stays open after a save, empty, for the next card
    assert [w.value for w in at.text_area if w.key.startswith("retro_log_card_2_text")] == [""]
    cards = [r for r in _userdata_rows(demo_copy, "retro_cards") if r[3] == "Share the roadmap draft before refinement"]
    assert len(cards) == 1 and cards[0][2] == "Collaboration improvements"


def test_every_public_query_downloads_as_csv(monkeypatch, demo_db):
    """The Data page's download buttons: one per registry entry, each a CSV with the
    query's declared columns (the callable behind the button, run directly)."""
    import io

    import pandas as pd

    from dashboard import data
    from queries.registry import REGISTRY

    at = open_page(app_for(monkeypatch, demo_db), "data_sources")
    buttons = {b.proto.label for b in at.get("download_button") if b.proto.label != "CSV"}   # not the tables' own
    assert buttons == {f"{name}.csv" for name in REGISTRY}
    for name, q in REGISTRY.items():
        params = {"board_id": "1"} if q.param("board_id") else {}
        df = pd.read_csv(io.BytesIO(data.csv_bytes(name, **params)))
        missing = [c for c in q.columns if c not in df.columns]
        assert not missing, f"{name}.csv lacks {missing}"


def test_the_agreement_form_says_what_metrics_measure_and_refuses_a_share_typed_as_a_fraction(monkeypatch,
                                                                                                demo_copy):
    """A new user typed 0.8 for an 80 % say/do target (the demo's own agreements store 0.7): it
    was saved as 0.8 % and judged "met". The form now refuses a share target between 0 and 1
    (shares are typed in percent) and writes nothing; 80 is saved as 0.8. The metric picker's
    help says what each delivery metric measures, and an agreement left at "metric's default"
    shows the direction it is judged by, not an empty cell."""
    at = open_page(app_for(monkeypatch, demo_copy), "retro_log")
    assert not [w for w in at.selectbox if w.key.startswith("retro_log_agreement_")]   # folded until opened
    assert {"Add a working agreement", "Add a hypothesis"} <= {e.label for e in at.expander}
    unfold(at, "retro_log_agreement")
    picker = at.selectbox(key="retro_log_agreement_metric")
    assert "sprints that closed in the window and committed points" in picker.help, picker.help
    before = _userdata_rows(demo_copy, "agreements")
    at.text_input(key="retro_log_agreement_text").input("Commit only what is refined")
    picker.set_value("say_do")
    at.number_input(key="retro_log_agreement_target").set_value(0.8)
    _click(at, "Add agreement")
    assert any("Not saved" in e.value and "0.8 %" in e.value and "80 for 80 %" in e.value for e in at.error), \
        [e.value for e in at.error]
    assert _userdata_rows(demo_copy, "agreements") == before
    at.text_input(key="retro_log_agreement_text").input("Commit only what is refined")
    at.selectbox(key="retro_log_agreement_metric").set_value("say_do")
    at.number_input(key="retro_log_agreement_target").set_value(80.0)
    _click(at, "Add agreement")
    assert not problems(at), problems(at)
    new = [r for r in _userdata_rows(demo_copy, "agreements") if r not in before]
    assert len(new) == 1 and "Commit only what is refined" in new[0] and "0.8" in new[0], new
    rows = [d.value for d in at.dataframe if hasattr(d.value, "to_csv") and "Commit only what is refined" in
            d.value.to_csv()]
    assert rows, "the new agreement is not shown"
    row = rows[0][rows[0].apply(lambda r: "Commit only what is refined" in r.to_csv(), axis=1)].iloc[0]
    assert "up" in [str(v) for v in row.to_list()], row.to_dict()


def test_a_tiles_target_keeps_its_percent_sign_on_a_phone(monkeypatch, demo_db):
    """On a phone the Overview's hit-rate caption wrapped between 'target 80' and '%'. The caption's
    target joins the number and its sign with a space no line breaks at."""
    at = open_page(app_for(monkeypatch, demo_db), "overview")
    captions = [c.value for c in at.caption if "target" in c.value]
    assert captions and all("target 80\u00a0%" in c and "target 80 %" not in c for c in captions), captions


def test_closing_a_folded_form_drops_what_was_typed(monkeypatch, demo_copy):
    """A folded form's widgets exist only while it is open (forms.folded): closed and opened
    again, it is empty, as docs/pages.md says."""
    at = unfold(open_page(app_for(monkeypatch, demo_copy), "retro_log"), "retro_log_agreement")
    # (a form's widgets reach the server when it is sent: a refused entry keeps what was typed)
    at.text_input(key="retro_log_agreement_text").input("Review within a day")
    at.date_input(key="retro_log_agreement_review").set_value(date(2020, 1, 1))   # before its start
    _click(at, "Add agreement")
    assert any("Not saved" in e.value for e in at.error)
    assert at.text_input(key="retro_log_agreement_text").value == "Review within a day"
    at.session_state["retro_log_agreement_open"] = False
    at.run()
    assert not [w for w in at.text_input if w.key.startswith("retro_log_agreement_")]
    unfold(at, "retro_log_agreement")
    assert at.text_input(key="retro_log_agreement_text").value == ""
