"""What a newcomer hit walking through the pages on the demo (AppTest): a Tech health page
as of a day before any sprint, a link naming a board that does not exist, and figures shown
without their unit or with a database's spelling."""

from __future__ import annotations

from helpers_pages import app_for, open_page, problems


def test_tech_health_before_any_closed_sprint(monkeypatch, demo_db):
    """As of a day before the demo's first sprint: no closed sprint, so the page says so
    instead of failing on an empty sprint table."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["as_of"] = "2025-01-01"
    open_page(at, "tech_health")
    assert not problems(at), problems(at)
    assert any(c.value.startswith("No sprint closed by the as-of date") for c in at.caption)
    assert not [d for d in at.dataframe if "committed (pt)" in d.value.columns]


def test_unknown_board_in_a_link_is_said(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params["board"] = "99"
    at.switch_page("app_pages/sprint_retro.py")   # the link's first run, as a browser opens it
    at.run()
    assert not problems(at), problems(at)
    assert [w.value for w in at.sidebar.warning] == [
        "Link parameter board=99 is not a team board here; showing all teams instead."]
    assert at.sidebar.selectbox(key="f_board").value is None
    assert "board" not in at.query_params


def test_known_board_in_a_link_is_not_warned_about(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params["board"] = "2"
    open_page(at, "sprint_retro")
    assert not at.sidebar.warning
    assert at.sidebar.selectbox(key="f_board").value == "2"


def test_calibration_counts_and_groups_read_as_words(monkeypatch, demo_db):
    """'(126 issues)', not '(126.0 issues)'; the score table's groups are 'work type', not
    'work_type'."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2", "section": "All scores"})
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    heading = next(m.value for m in at.markdown if "A bigger estimate took longer" in m.value)
    assert heading.endswith(" %** of the time"), heading   # '77 %', like every share on the page
    how = next(c.value for c in at.caption if "pairs of completed issues" in c.value)
    assert "(126 issues)" in how, how
    by = list(next(d.value for d in at.dataframe if "by" in d.value.columns)["by"])
    assert {"overall", "work type", "issue type", "quarter"} <= set(by), set(by)
    assert not any("_" in b for b in by)


def test_flow_efficiency_is_a_percentage(monkeypatch, demo_db):
    from dashboard import present

    assert present.header("efficiency") == "flow efficiency (%)"
    assert present.fmt_cell(0.0734, "efficiency") == "7 %"
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2", "section": "Flow detail"})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    blocked = next(d.value for d in at.dataframe if "blocked (days)" in d.value.columns)
    values = list(blocked["flow efficiency (%)"])
    assert values and all(v.endswith(" %") for v in values), values


def test_waiting_says_when_no_status_is_a_waiting_one(monkeypatch, demo_db, tmp_path):
    """The demo's statuses match no waiting pattern: the tile read "Waiting 0 %" beside a legend
    "orange = waiting statuses" with no orange bar. It says no status is a waiting one and where
    to name them; with In Review named a waiting status, the tile and the legend count it."""
    def flow_detail(cfg_text=None):
        at = app_for(monkeypatch, demo_db)
        if cfg_text:
            cfg = tmp_path / "retroscope.toml"
            cfg.write_text(cfg_text)
            monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
        at.query_params.update({"board": "2", "section": "Flow detail"})
        open_page(at, "sprint_retro")
        assert not problems(at), problems(at)
        waiting = next(m for m in at.metric if m.label == "Waiting")
        return waiting.value, [c.value for c in at.caption]

    value, captions = flow_detail()
    assert value == "–", "no waiting status named: unknown, not a measured 0 %"
    assert "no status of these issues is a waiting one: name yours in [workflow] waiting_pattern" in captions
    assert not any("orange = waiting" in c for c in captions), captions
    value, captions = flow_detail('[workflow]\nwaiting_pattern = "review"\n')
    assert value.endswith(" %") and "of lead time in waiting statuses" in captions, (value, captions)
    assert any(c.endswith("; orange = waiting statuses.") for c in captions), captions


def test_tech_healths_sprint_count_is_kept_in_a_link(monkeypatch, demo_db):
    """'Sprints in the period' set to 3 left the link at ?as_of=…: opened again it showed 6."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "sprints": "3"})
    open_page(at, "tech_health")
    assert not problems(at), problems(at)
    assert at.number_input(key="sprints").value == 3    # (the browser writes a change back: Streamlit's bind)
    assert any(": last 3 closed sprints; compared with" in c.value for c in at.caption)
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "sprints": "99"})   # beyond 26: ignored, the default shown
    open_page(at, "tech_health")
    assert at.number_input(key="sprints").value == 6
    assert [w.value for w in at.sidebar.warning] == [
        "Link parameter sprints=99 is not a number of sprints from 1 to 26; showing 6 instead."]


def test_shipped_item_cards_sign_with_a_minus(monkeypatch, demo_db):
    """A negative effect on a card reads '−1.1 %' like the item view and the tables."""
    at = app_for(monkeypatch, demo_db)
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    cards = [m.value for m in at.markdown if m.value.startswith("Effect **")]
    assert len(cards) >= 5, cards
    assert not any("-" in c for c in cards), cards
    assert any("**−" in c for c in cards), cards   # the demo's Saved carts and Dark mode moved down


def test_outcomes_shows_the_verdicts_before_one_metric(monkeypatch, demo_db):
    """The PM's first question is which shipped items moved their metric: the cards come
    before the one-metric chart."""
    at = app_for(monkeypatch, demo_db)
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    heads = [h.value for h in at.subheader]
    assert heads[:2] == ["Shipped items", "Product metric over the period"], heads


def test_retro_log_open_actions_say_what_they_hold(monkeypatch, demo_db):
    """The list holds every open action, the latest retro's not yet due included: its
    how-line must not claim they are all overdue or a cycle old."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["board"] = "1"
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    table = next(d.value for d in at.dataframe if "days overdue" in d.value.columns)
    assert (table["days overdue"] == "").any()   # the demo's latest Atlas retro: open, not yet due
    # every open Atlas action of the demo has its own due date: no column repeating that
    assert "due date from" not in table.columns, list(table.columns)
    how = next(c.value for c in at.caption if "still open at the as-of date" in c.value)
    assert "the latest retro's included" in how and "days overdue is blank" in how, how


def test_all_teams_slide_chart_title_fits_one_line(demo_db):
    """The All-teams chart title ('…, per team') wrapped into the chart's axis at 14 pt: it
    is sized to fit its one-line box."""
    from helpers_slide import open_slide, shape
    from test_slide_figures import _fits

    import queries
    from dashboard.slides import build_tech_health
    from queries.tech_health import kpis

    con = queries.connect(demo_db)
    try:
        th = kpis(con, board_id=None)
    finally:
        con.close()
    assert th.chart.title.endswith(", per team"), th.chart.title
    _, slide = open_slide(build_tech_health(th))
    box = shape(slide, "Chart title")
    assert box.text_frame.text == th.chart.title
    assert _fits(box), box.text_frame.paragraphs[0].runs[0].font.size.pt


def test_retro_counts_are_singular_for_one(monkeypatch, demo_db):
    """'1 action', not '1 actions' (the demo's BOR Sprint 12 retro has one)."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2", "retro": "demo-bor-s12"})
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    line = next(c.value for c in at.caption if "Scrum (sprint) retro ·" in c.value)
    assert " · 1 action · " in line and " · 0 agreements · " in line, line


def test_negative_table_cells_use_the_minus_sign(monkeypatch, demo_db):
    """The Hypotheses table showed '-1 %' beside '−0.04 pp' in one row."""
    from dashboard import present

    assert present.fmt_cell(-0.0112, "effect_rel") == "−1.1 %"   # as on the item's card (docs/pages.md)
    assert present.fmt_cell(-3.0, "points") == "−3" and present.fmt_cell(-0.25, "bias") == "−0.25"
    at = app_for(monkeypatch, demo_db)
    open_page(at, "outcomes")
    hyp = next(d.value for d in at.dataframe if "effect (%)" in d.value.columns)
    cells = hyp.astype("string").fillna("").to_numpy().ravel()
    assert not any(c.startswith("-") for c in cells), cells
    assert any(c.startswith("−") for c in hyp["effect (%)"]), list(hyp["effect (%)"])


def test_retro_log_names_where_due_dates_come_from_when_they_differ(monkeypatch, demo_copy):
    """An open action without a due date is due at the next retro: beside actions with their
    own due date, the table says which rule dates each row."""
    import queries
    from connectors import userdata

    ud = queries.userdata_path_for(demo_copy)
    retro = userdata.load_records(ud)["retros"].query("team == 'Atlas'").sort_values("held_on").iloc[0]
    userdata.add_action(ud, retro_id=retro.retro_id, text="Pair on the flaky deploy script", due_on=None)
    at = app_for(monkeypatch, demo_copy)
    at.query_params["board"] = "1"
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    table = next(d.value for d in at.dataframe if "days overdue" in d.value.columns)
    assert "due date from" in table.columns, list(table.columns)
    text = next(c for c in table.columns if table[c].eq("Pair on the flaky deploy script").any())
    assert list(table.loc[table[text].eq("Pair on the flaky deploy script"), "due date from"]) == ["the next retro"]
    assert set(table["due date from"]) == {"its due date", "the next retro"}


def test_data_page_row_counts_say_what_each_table_holds(monkeypatch, demo_db):
    """The Data page's row counts read as a report: what each table holds first, in words,
    with its rows, and its name last for whoever queries the file."""
    at = app_for(monkeypatch, demo_db)
    open_page(at, "data_sources")
    assert not problems(at), problems(at)
    counts = next(d.value for d in at.dataframe if "table" in d.value.columns and "raw_issues" in set(d.value["table"]))
    assert list(counts.columns) == ["what it holds", "rows", "table"], list(counts.columns)
    holds = dict(zip(counts["table"], counts["what it holds"], strict=True))
    assert holds["raw_issues"] == "issues" and holds["raw_status_changes"] == "status changes"
    assert not any(h.startswith("raw_") for h in holds.values()), holds   # every raw table has its words
    user = next(d.value for d in at.dataframe if "table" in d.value.columns and "retro_cards" in set(d.value["table"]))
    assert dict(zip(user["table"], user["what it holds"], strict=True))["retro_cards"] == "retro cards (anonymous)"
