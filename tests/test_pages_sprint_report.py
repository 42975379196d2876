"""The Sprint retro page as a sprint report (AppTest): the sprint goal shown as text, the
burnup replayed from history with scope-change markers, the completed / not completed /
removed / added lists linked to Jira, the chosen sprint highlighted in Velocity and shaded
on the flow and quality charts; the flow detail (efficiency, waiting, blocked and flagged
time, ageing WIP against the cycle-time percentiles). Numbers are the hand-worked ones of
test_sprints_burnup and test_metrics_flow_detail."""

from __future__ import annotations

import json

import helpers_sprints
import pytest
from helpers_pages import app_for, open_page, problems
from helpers_sprints import burnup_scenario, flow_scenario, ts
from test_pages_honest import _values

from dashboard.components import FOLD_ALL
from dashboard.safe_text import md

JIRA = "jira:https://example.atlassian.net"
GOAL = "Ship **login** [now](http://x.invalid) :red[x]"


@pytest.fixture(scope="module")
def report_db(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setattr(helpers_sprints, "SOURCE", JIRA)     # a Jira site's data, so keys link to it
    try:
        db = burnup_scenario(goal=GOAL).load(tmp_path_factory.mktemp("report") / "w.duckdb",
                                             data_as_of=ts("2026-01-25 00:00"))
    finally:
        mp.undo()
    return db


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


SECTIONS = ["Quality and last retro", "Sprint report", "Flow", "Flow detail"]   # the page's tabs


def _page(monkeypatch, db, section: str = "Sprint report"):
    at = app_for(monkeypatch, db)
    at.query_params.update({"board": "1", "sprint": "1", "from": "2025-12-01", "to": "2026-01-25",
                            "section": section})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    return at


def test_sprint_report_burnup_lists_goal_and_links(monkeypatch, report_db):
    at = _page(monkeypatch, report_db)
    # the goal is shown as its characters (no bold, link or colour directive)
    assert f"**Sprint goal:** {md(GOAL)}" in [m.value for m in at.markdown]
    burn = next(c for c in _charts(at) if any(t.get("name") == "remaining (burndown)" for t in c["data"]))
    by = {(t["name"], t.get("yaxis", "y")): t for t in burn["data"]}
    # points panel (hand-worked in test_sprints_burnup): start, C added, A done, B 3->5, D removed, C done, F done, end
    assert _values(by[("scope", "y")]["y"]) == [17, 19, 19, 21, 13, 13, 13, 13]
    assert _values(by[("done", "y")]["y"]) == [0, 0, 5, 5, 5, 7, 8, 8]
    assert _values(by[("scope", "y2")]["y"]) == [4, 5, 5, 5, 4, 4, 4, 4]
    assert by[("added", "y")]["text"] == ["P-C (2 pt)"] and _values(by[("added", "y")]["y"]) == [19]
    assert by[("removed", "y")]["text"] == ["P-D (8 pt)"] and _values(by[("removed", "y")]["y"]) == [13]
    assert [t.label for t in at.tabs if t.label not in SECTIONS] == [
        "Completed (3)", "Not completed (1)", "Removed (1)", "Added after the start (1)"]
    completed = at.dataframe[0].value
    assert list(completed["link"]) == [f"https://example.atlassian.net/browse/P-{k}" for k in "ACF"]
    assert list(completed["completed"]) == ["2026-01-08 10:00", "2026-01-12 09:00", "2026-01-13 09:00"]
    removed = at.dataframe[2].value
    assert list(removed["removed"]) == ["2026-01-10 09:00"] and list(removed["points when removed"]) == ["8"]


def _sections(monkeypatch, db, query: dict) -> tuple[list, list[dict]]:
    """The page opened on each of its sections: (the AppTests, every chart of the page once)."""
    runs, charts, seen = [], [], set()
    for section in SECTIONS:
        at = app_for(monkeypatch, db)
        at.query_params.update({**query, "section": section})
        open_page(at, "sprint_retro")
        assert not problems(at), (section, problems(at))
        runs.append(at)
        for c in at.get("plotly_chart"):   # Velocity and Scope are above the tabs: on every run
            if c.proto.spec not in seen:
                seen.add(c.proto.spec)
                charts.append(json.loads(c.proto.spec))
    return runs, charts


def test_sections_build_only_the_open_tab(monkeypatch, demo_db):
    """Each section's charts are sent only when it is open; above the tabs, Velocity and Scope."""
    counts = {}
    for section in SECTIONS:
        at = app_for(monkeypatch, demo_db)
        at.query_params.update({"board": "1", "section": section})
        open_page(at, "sprint_retro")
        assert not problems(at), problems(at)
        heads = [s.value for s in at.subheader]
        assert heads[:2] == ["Velocity", "Scope changes and carry-over"], heads
        counts[section] = len(at.get("plotly_chart")) - 2
        if section == SECTIONS[0]:   # the default: what a retro starts with
            assert heads[2:] == ["Quality and work mix", "Last retro: actions and agreements"], heads
    # rework + work mix; burnup; scatter, throughput, CFD, ageing WIP; time in status
    assert counts == {"Quality and last retro": 2, "Sprint report": 1, "Flow": 4, "Flow detail": 1}


@pytest.mark.parametrize(("board", "drawn"), [(None, False), ("1", True)], ids=["all-teams", "one-team"])
def test_what_lies_below_tall_sprint_charts_waits_for_the_reader(monkeypatch, demo_db, board, drawn):
    """Under the demo's two team panels (810 px of velocity) the quality charts and last retro's
    block are below a 1000 px screen: the page sends a placeholder instead, until the browser says
    the reader came near it (tests/test_browser.py scrolls to it). Under one team's panel they are
    sent at once."""
    at = app_for(monkeypatch, demo_db)
    del at.session_state[FOLD_ALL]
    if board:
        at.query_params["board"] = board
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    keys = [c.key for c in at.get("plotly_chart")]
    heads = [s.value for s in at.subheader]
    assert keys[:2] == ["sprint_retro_velocity", "sprint_retro_scope"], keys
    assert heads[:3] == ["Velocity", "Scope changes and carry-over", "Quality and work mix"], heads
    if drawn:
        assert keys[2:] == ["sprint_retro_rework", "sprint_retro_mix"], keys
        assert heads[3:] == ["Last retro: actions and agreements"], heads
    else:
        assert keys[2:] == [] and heads[3:] == [], (keys, heads)


def test_chosen_sprint_highlighted_and_shaded(monkeypatch, demo_db):
    runs, charts = _sections(monkeypatch, demo_db, {"board": "1"})
    at = runs[0]
    chosen = at.selectbox(key="sprint_retro_sprint")
    name = chosen.format_func(chosen.value).split(" · ")[1]        # "ATL Sprint 12"
    committed = next(t for t in charts[0]["data"] if t.get("name") == "committed")
    widths = committed["marker"]["line"]["width"]
    outlined = [x for x, w in zip(_values(committed["x"]), widths, strict=True) if w > 0]
    assert outlined == [name.removeprefix("ATL ")], outlined
    # flow and quality charts (date axes) shade the chosen sprint and name it
    shaded = [c for c in charts if any(s.get("type") == "rect" for s in c["layout"].get("shapes", []))]
    assert len(shaded) == 4          # cycle-time scatter, throughput, CFD, rework
    for c in shaded:
        assert name in [a.get("text") for a in c["layout"].get("annotations", [])]
    # the burnup's end is the tiles' figure: completed points
    burn = next(c for c in charts if any(t.get("name") == "remaining (burndown)" for t in c["data"]))
    done = next(t for t in burn["data"] if t.get("name") == "done" and t.get("yaxis", "y") == "y")
    tile = next(m for m in at.metric if m.label.startswith("Completed"))
    assert f"{_values(done['y'])[-1]:.0f} pt" == tile.value


def test_flow_detail_tiles_and_ageing_lines(monkeypatch, tmp_path):
    db = flow_scenario().load(tmp_path / "w.duckdb", data_as_of=ts("2026-01-20 00:00"))
    runs, charts = _sections(monkeypatch, db, {"board": "1", "from": "2026-01-01", "to": "2026-01-20"})
    at = runs[SECTIONS.index("Flow detail")]
    value = {m.label: m.value for m in at.metric}
    # X, Y, W: active 3 + 1 + 4 = 8 d of lead 7 + 3 + 5 = 15 d -> 53 %; waiting 2 / 15 -> 13 %;
    # blocked (2 + 2 + 0) / 15 -> 27 %; flagged 1.5 + 2 = 3.5 d
    assert (value["Flow efficiency"], value["Waiting"], value["Blocked"], value["Flagged"]) == \
        ("53 %", "13 %", "27 %", "3.5 d")
    # median per issue of 3/7, 1/3, 4/5 = 43 %
    assert any("median per issue 43 %" in c.value for c in at.caption)
    wip = next(c for c in charts if c["layout"].get("yaxis", {}).get("title", {}).get("text")
               == "age since start (days)")
    # cycle times X 6, Y 2, W 4 d: p50 4.0, p85 4 + 0.7 x 2 = 5.4, p95 4 + 0.9 x 2 = 5.8
    lines = sorted(a["text"] for a in wip["layout"]["annotations"] if a.get("text", "").startswith("p"))
    assert lines == ["p50: 4.0 d", "p85: 5.4 d", "p95: 5.8 d"]
    named = next(tr for tr in wip["data"] if tr.get("name") == "named")
    assert named["text"] == ["P-Z"]                       # in progress 18 d, above the p50 line
    blocked = next(d.value for d in at.dataframe if "blocked (days)" in d.value.columns)
    assert list(blocked["issue"]) == ["P-X", "P-Y"] and list(blocked["blocked (days)"]) == ["2", "2"]
