"""Every figure honest in every view (AppTest on the demo): teams apart under All teams, a
running sprint shown as running, one number per figure and window, tables that read like
a report. The real-browser counterpart (widths, overflow) is in test_browser.py."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from helpers_pages import app_for, open_page, problems
from helpers_slide import open_slide, run_cli

from dashboard.pages import PAGES

SLUGS = [p.slug for p in PAGES]
# database column names that must never reach a table header
INTERNAL = {"days_into_sprint", "effective_due_on", "due_from", "sprint_id", "retro_id", "action_id",
            "agreement_id", "hypothesis_id", "issue_id", "board_id", "min_change", "effect_abs", "before_value",
            "during_value", "is_overdue", "held_on", "due_on", "say_do_ratio", "carryover_points"}
# metric ids a reader should see by name ('Cycle time p85', not cycle_time_p85)
DELIVERY_METRIC_IDS = ["cycle_time_p85", "debt_share", "hit_rate", "rework_rate", "scope_change", "say_do"]
EDITORS = {"retro_log_action_table"}   # the editable action table keeps its store columns (labelled by config)
RUNNING_SPRINT, RUNNING_NAME = "1013", "ATL Sprint 13"   # the demo's Atlas sprint still running at its as-of


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _values(v) -> list:
    """A plotly array as a list (plotly sends numpy arrays base64-encoded); NaN -> None."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        import numpy as np

        v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return [None if isinstance(x, float) and x != x else x for x in (v or [])]


def _metric(at, label: str):
    return next(m for m in at.metric if m.label.startswith(label))


def _tables(at):
    for d in at.dataframe:
        if getattr(d, "key", None) in EDITORS or not hasattr(d.value, "columns"):
            continue
        yield d


@pytest.mark.parametrize("board", [None, "1"], ids=["all-teams", "atlas"])
@pytest.mark.parametrize("slug", SLUGS)
def test_tables_read_like_reports(monkeypatch, demo_db, slug, board):
    at = app_for(monkeypatch, demo_db)
    if board:
        at.query_params["board"] = board
    open_page(at, slug)
    assert not problems(at), problems(at)
    for d in _tables(at):
        df = d.value
        cols = [str(c) for c in df.columns]
        assert not [c for c in cols if c in INTERNAL or ("_" in c and c != "link")], (slug, cols)
        text = df.astype("string").fillna("")
        bad = text.isin(["None", "nan", "NaN", "NaT", "<NA>"]).to_numpy().any()
        assert not bad, f"{slug}: a table shows None/NaN: {df.head().to_dict()}"
        ids = text.isin(DELIVERY_METRIC_IDS).to_numpy().any()
        assert not ids, f"{slug}: a table names a metric by its id: {df.head().to_dict()}"
        long = text.apply(lambda s: s.str.fullmatch(r"-?\d+\.\d{3,}")).to_numpy().any()
        assert not long, f"{slug}: unrounded numbers in {cols}"
        assert not text.apply(lambda s: s.str.contains(r"\de[+-]\d", regex=True)).to_numpy().any(), slug


def test_running_sprint_is_running_not_a_failure(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "sprint": RUNNING_SPRINT})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    assert at.selectbox(key="sprint_retro_sprint").value == RUNNING_SPRINT
    assert _metric(at, "State").value == "running"
    assert _metric(at, "Say/do").value == "–"              # not 0 %: it has not closed
    assert _metric(at, "Carried over").value == "–"        # nothing is carried over before the close
    assert _metric(at, "Completed so far").value.endswith("pt")
    velocity = _charts(at)[0]
    saydo = next(t for t in velocity["data"] if t.get("name") == "say/do %")
    x, y = _values(saydo["x"]), _values(saydo["y"])
    running = [i for i, s in enumerate(x) if "(running)" in s]
    assert running and all(y[i] is None for i in running)
    assert all(y[i] is not None for i, s in enumerate(x) if "(running)" not in s)
    # work mix: the running sprint's bars are shares so far, and no sprint shows 0 % for nothing done
    mix = _charts(at)[-1]
    shares = {}
    for t in mix["data"]:
        for x, y in zip(_values(t.get("x")), _values(t.get("y")), strict=False):
            shares.setdefault(x, []).append(y)
    for x, ys in shares.items():
        assert all(y is None for y in ys) or abs(sum(y or 0 for y in ys) - 100) < 0.01, (x, ys)


def test_all_teams_shows_teams_apart(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "overview")
    assert not problems(at), problems(at)
    tile = _metric(at, "Last sprint say/do")
    # the two teams' span, never one team's figure as everyone's; each team's is in the caption
    assert re.fullmatch(r"\d+–\d+ %", tile.value), tile.value
    caption = " ".join(c.value for c in at.caption)
    assert re.search(r"Atlas: \d+ % \(ATL Sprint \d+\)", caption) and re.search(r"Borealis: \d+ % \(BOR Sprint", caption)
    velocity = next(c for c in _charts(at) if any(t.get("name") == "say/do %" for t in c["data"]))
    _one_team_per_axis(velocity, {"Atlas", "Borealis"})



class _Tile:
    """A stand-in for the Streamlit column a tile is drawn in: what it was told to show."""

    def __init__(self):
        self.value = self.help = self.caption_text = None

    def metric(self, label, value, help=None):
        self.value, self.help = value, help

    def caption(self, text):
        self.caption_text = text


def _sprint(board, team, sprint_id, start, ratio, running=False):
    return {"board_id": board, "team": team, "sprint_id": sprint_id, "sprint_name": f"{team[:3].upper()} Sprint {sprint_id}",
            "start_at": datetime(2026, 1, start, tzinfo=UTC), "is_running": running, "say_do_ratio": ratio}


def test_say_do_tile_beyond_the_teams_it_can_name_shows_their_median_and_middle_half():
    import pandas as pd

    from dashboard import blocks, present

    # five teams; each one's last closed sprint by start (a later running sprint does not count):
    # 0.4, 0.8, 0.9, 1.3 and one with nothing committed (NaN), worked by hand, sorted
    # 0.4 0.8 0.9 1.3: median (0.8 + 0.9) / 2 = 0.85; first quartile at position 0.75:
    # 0.4 + 0.75 x 0.4 = 0.70; third at 2.25: 0.9 + 0.25 x 0.4 = 1.00
    rows = [_sprint("1", "Atlas", "11", 1, 0.2), _sprint("1", "Atlas", "12", 15, 0.4),
            _sprint("1", "Atlas", "13", 29, None, running=True),
            _sprint("2", "Borealis", "21", 15, 0.8), _sprint("3", "Cirrus", "31", 15, 0.9),
            _sprint("4", "Draco", "41", 1, 0.1), _sprint("4", "Draco", "42", 15, 1.3),
            _sprint("5", "Eos", "51", 15, None)]
    assert present.TILE_TEAMS < 5
    tile = _Tile()
    blocks.say_do_tile(tile, pd.DataFrame(rows))
    assert tile.value == "85 %"
    assert tile.caption_text == "median of 4 teams' last closed sprints, middle half 70 % – 100 %; 1 with nothing committed"
    assert "median" in tile.help and "each team counts once" in tile.help
    # up to TILE_TEAMS teams, each is named with its own figure, and the tile shows their span
    # (lowest 0.4, highest 0.9: short enough for a tile at a 1024 px screen)
    few = pd.DataFrame([r for r in rows if r["board_id"] in {"1", "2", "3"}])
    tile = _Tile()
    blocks.say_do_tile(tile, few)
    assert tile.value == "40–90 %"
    assert "lowest and the highest" in tile.help
    assert tile.caption_text == "Atlas: 40 % (ATL Sprint 12) · Borealis: 80 % (BOR Sprint 21) · Cirrus: 90 % (CIR Sprint 31)"
    # teams that agree show one figure; a team with nothing committed adds none; none at all: a dash
    assert present.pct_span([0.5, None, 0.5]) == "50 %" and present.pct_span([None, float("nan")]) == "–"
    assert present.pct_span([0.004, 0.853]) == "<1–85 %"
    # no team's last closed sprint had points committed: no figure
    tile = _Tile()
    blocks.say_do_tile(tile, pd.DataFrame([_sprint(str(b), f"Team {b}", str(b), 15, None) for b in range(1, 6)]))
    assert tile.value == "–" and tile.caption_text == "5 teams' last closed sprints; 5 with nothing committed"


@pytest.fixture(scope="module")
def five_teams_db(tmp_path_factory):
    from connectors import demo

    path = tmp_path_factory.mktemp("five_teams") / "five.duckdb"
    demo.build(path, seed=7, scale=5 * demo.ISSUES_PER_TEAM)
    return path


def test_overview_with_many_teams_shows_one_labelled_figure(monkeypatch, five_teams_db):
    """At scale (5,000 teams at 1M issues) the say/do tile listed every team's figure: 186 KB
    over the websocket and a value no one could read."""
    at = open_page(app_for(monkeypatch, five_teams_db), "overview")
    assert not problems(at), problems(at)
    tile = _metric(at, "Last sprint say/do")
    assert re.fullmatch(r"\d+ %", tile.value), tile.value
    caption = " ".join(c.value for c in at.caption)
    assert re.search(r"median of 5 teams' last closed sprints, middle half \d+ % – \d+ %", caption), caption
    at = app_for(monkeypatch, five_teams_db)
    at.query_params["board"] = "1"        # one team: its own sprint, named
    open_page(at, "overview")
    assert re.fullmatch(r"\d+ %", _metric(at, "Last sprint say/do").value)
    assert re.search(r"Atlas · ATL Sprint \d+ \(closed\)", " ".join(c.value for c in at.caption))


def test_tech_health_sprints_table_is_one_row_per_team_beyond_four_teams():
    """Hand-worked: five teams (more than the slide draws apart), so one row each. Atlas's
    sprints committed 10 and 0 points and completed 8 and 3: say/do over the sprint that
    committed any, 8 / 10 = 80 %, while committed and completed add up every sprint (10, 11)."""
    from datetime import date as d

    from dashboard import blocks
    from queries.tech_health import SprintRow

    def row(board, n, start, committed, completed, carried):
        return SprintRow(f"{board}-{n}", f"Sprint {n}", board, d(2026, 3, start), d(2026, 3, start + 13),
                         committed, completed, carried, 0.0, completed / committed if committed else None)

    rows = [row("1", 1, 2, 10.0, 8.0, 2), row("1", 2, 16, 0.0, 3.0, 1)] + [
        row(str(b), 1, 2, 5.0, 5.0, 0) for b in range(2, 6)]
    names = {"1": "Atlas", "2": "Borealis", "3": "Cygnus", "4": "Draco", "5": "Eridanus"}
    per = blocks.sprint_rows(rows, names)
    assert list(per.columns) == ["team", "sprints", "start", "end", "committed_points", "completed_points",
                                 "say_do_ratio", "carryover_issues"]
    atlas = per.iloc[0]
    assert (atlas.team, atlas.sprints, atlas.start, atlas.end) == ("Atlas", 2, d(2026, 3, 2), d(2026, 3, 29))
    assert (atlas.committed_points, atlas.completed_points, atlas.carryover_issues) == (10.0, 11.0, 3)
    assert atlas.say_do_ratio == pytest.approx(0.8)
    assert per["team"].tolist() == ["Atlas", "Borealis", "Cygnus", "Draco", "Eridanus"]
    four = blocks.sprint_rows([r for r in rows if r.board_id != "5"], names)   # four teams: each sprint
    assert "sprint" in four.columns and len(four) == 5


def test_tech_health_under_all_teams_with_five_teams_lists_teams(monkeypatch, five_teams_db):
    at = open_page(app_for(monkeypatch, five_teams_db), "tech_health")
    assert not problems(at), problems(at)
    table = next(d.value for d in at.dataframe if "sprints" in d.value.columns)
    assert len(table) == 5 and table["team"].is_unique
    assert any("One row per team (5 teams)" in c.value for c in at.caption)

def _one_team_per_axis(fig: dict, teams: set[str]) -> None:
    """Each x axis (panel) carries one team's sprints; the panels are titled with the team."""
    per_axis: dict[str, set] = {}
    for t in fig["data"]:
        per_axis.setdefault(t.get("xaxis", "x"), set()).add(t["meta"])
    assert all(len(v) == 1 for v in per_axis.values()), per_axis
    assert {next(iter(v)) for v in per_axis.values()} == teams
    titles = {a.get("text") for a in fig["layout"].get("annotations", [])}
    assert teams <= titles, titles


def test_all_teams_sprint_charts_and_slide_chart(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "sprint_retro")
    for fig in _charts(at)[:2]:          # velocity, scope and carry-over
        _one_team_per_axis(fig, {"Atlas", "Borealis"})
        for t in fig["data"]:            # at most the last 13 sprints per team
            assert len(_values(t["x"])) <= 13
    at = open_page(app_for(monkeypatch, demo_db), "tech_health")
    assert not problems(at), problems(at)
    _one_team_per_axis(_charts(at)[0], {"Atlas", "Borealis"})
    caption = at.caption[1].value if len(at.caption) > 1 else ""
    assert re.search(r"each team's last 6 closed sprints \(Atlas \d+, Borealis \d+ sprints in it\)", " ".join(c.value for c in at.caption)), caption


def _tile_value(at, label: str) -> str:
    """A Tech health tile's headline ('### 7.5 d') under its bold label."""
    texts = [m.value for m in at.markdown]
    i = next(i for i, t in enumerate(texts) if t.startswith(f"**{label}**"))
    return texts[i + 1].removeprefix("### ").strip()


def test_same_figure_same_window_same_number(monkeypatch, demo_db):
    """p85 cycle time and the estimate hit rate: Tech health's tiles over its period, and the
    Overview and Calibration pages with the sidebar period set to that same window."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["board"] = "1"
    open_page(at, "tech_health")
    caption = " ".join(c.value for c in at.caption)
    # "period 5 Oct – 15 Nov 2026" (the year once when both ends share it), or both years
    m = re.search(r"period (\d+ \w+)( \d{4})? – (\d+ \w+) (\d{4})", caption)
    end = datetime.strptime(f"{m[3]} {m[4]}", "%d %b %Y").date()
    start = datetime.strptime(f"{m[1]}{m[2] or ' ' + m[4]}", "%d %b %Y").date()
    p85, hit = _tile_value(at, "Cycle time p85"), _tile_value(at, "Estimate hit rate")
    assert p85.endswith(" d") and hit.endswith(" %")

    over = app_for(monkeypatch, demo_db)
    over.query_params.update({"board": "1", "from": start.isoformat(), "to": end.isoformat()})
    open_page(over, "overview")
    assert not problems(over), problems(over)
    assert _metric(over, "p85 cycle time").value == p85
    assert _metric(over, "Estimate hit rate").value == hit
    assert f"{start.day} {start:%b}" in " ".join(c.value for c in over.caption)   # the tile says its window

    cal = app_for(monkeypatch, demo_db)
    cal.query_params.update({"board": "1", "from": start.isoformat(), "to": end.isoformat()})
    open_page(cal, "calibration")
    assert _metric(cal, "Range hit rate").value == hit


def test_forecast_defaults_to_open_items_and_draws_its_lines(monkeypatch, demo_db):
    import queries
    from queries import forecast, registry

    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "section": "Forecast"})
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    con = queries.connect(demo_db)
    try:
        as_of = registry.resolve_params(con, "sprint_facts", {})["as_of"]
        open_items = forecast.remaining_items(con, as_of=as_of, board_id="1")
    finally:
        con.close()
    assert at.number_input(key="calibration_forecast_items").value == open_items
    when = next(c for c in _charts(at) if "share of runs" in json.dumps(c["layout"].get("yaxis", {})))
    lines = [a["text"] for a in when["layout"]["annotations"] if re.match(r"\d+ %: ", a.get("text", ""))]
    assert [t.split(":")[0] for t in lines] == ["50 %", "85 %", "95 %"]
    summary = " ".join(m.value for m in at.markdown)
    eighty_five = re.search(r"done by \*\*(\d{1,2} \w{3} \d{4})\*\*", summary).group(1)
    eighty_five = datetime.strptime(eighty_five, "%d %b %Y").date()
    assert lines[1].endswith(f": {eighty_five.day} {eighty_five:%b}")   # the line is the 85 % answer


def test_retro_log_choice_is_in_the_url_and_errors_are_plain(monkeypatch, demo_copy):
    at = app_for(monkeypatch, demo_copy)
    at.query_params["board"] = "2"
    open_page(at, "retro_log")
    chosen = at.selectbox(key="retro_log_retro").value
    assert at.query_params.get("retro") in (chosen, [chosen])
    assert "Borealis" in at.selectbox(key="retro_log_retro").format_func(chosen)
    other = "demo-bor-s1"                  # an older Borealis retro of the demo (not the default)
    assert other != chosen
    fresh = app_for(monkeypatch, demo_copy)
    fresh.query_params.update({"board": "2", "retro": other})
    open_page(fresh, "retro_log")
    assert fresh.selectbox(key="retro_log_retro").value == other
    next(b for b in fresh.button if b.label == "Add action item").click().run()
    errors = [e.value for e in fresh.error]
    assert errors and "column text" not in errors[0] and "action item's text is empty" in errors[0], errors


def test_slide_team_picks_its_board_and_all_teams_says_so(demo_db, tmp_path):
    by_team, by_board = tmp_path / "team.pptx", tmp_path / "board.pptx"
    assert run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(by_team), "--team", "atlas").returncode == 0
    assert run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(by_board), "--board", "1").returncode == 0

    def texts(path):
        _, slide = open_slide(path)
        return {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame and s.name.startswith(("Value", "Subtitle"))}

    assert texts(by_team) == texts(by_board)
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(tmp_path / "x.pptx"), "--team", "Nobody")
    assert r.returncode == 1 and "no board has that name" in r.stderr and "Atlas (--board 1)" in r.stderr
    all_teams = tmp_path / "all.pptx"
    r = run_cli("--db", str(demo_db), "export", "tech-health", "--out", str(all_teams), "--headline", "Debt is back")
    assert r.returncode == 0, r.stderr
    _, slide = open_slide(all_teams)
    t = {s.name: s.text_frame.text for s in slide.shapes if s.has_text_frame}
    assert t["Title"] == "Debt is back" and t["Subtitle"].startswith("Tech health · All teams")
    assert re.search(r"each team's last 6 closed sprints \(Atlas \d+, Borealis \d+ sprints in it\)", t["Subtitle"])
    assert "tech_health__kpis" not in t["Footer"] and "ACT" not in " ".join(t.values())
    chart = next(s for s in slide.shapes if s.has_chart).chart
    assert chart.plots[0].categories.depth == 2                       # team under its sprints
    assert [c.label for c in chart.plots[0].categories.levels[1]] == ["Atlas", "Borealis"]


def test_a_board_that_is_not_there_among_thousands_names_the_closest_not_all():
    """At scale a mistyped --team or board id listed every board in its one-line error (5,000
    at 1M demo issues)."""
    import pandas as pd

    from queries.registry import boards_hint

    names = ["Atlas", "Borealis"] + [f"Team {n:04d}" for n in range(3, 5001)]
    many = pd.DataFrame({"board_id": [str(n) for n in range(1, 5001)], "name": names})
    by_name = {"by": "name", "entry": lambda name, b: f"{name} (--board {b})"}
    assert boards_hint(many, "Atlsa", **by_name) == ("one of 5,000 boards (the dashboard's team picker lists them), "
                                                     "the closest: Atlas (--board 1)")
    assert boards_hint(many, "zzz", **by_name) == "one of 5,000 boards (the dashboard's team picker lists them)"
    by_id = {"by": "board_id", "entry": lambda name, b: f"{b} ({name})"}
    near = boards_hint(many, "49999", **by_id)                     # up to five, the closest first
    assert near.startswith("one of 5,000 boards (the dashboard's team picker lists them), the closest: 4999 (Team 4999), ")
    assert near.count("(Team ") == 5
    assert boards_hint(many.head(2), "Atlsa", **by_name) == "one of: Atlas (--board 1), Borealis (--board 2)"
    assert boards_hint(many.head(0), "Atlsa", **by_name) == "once boards are loaded (`retroscope sync jira`): none is yet"


def test_a_team_name_two_boards_share_asks_for_the_board(tmp_path):
    from helpers_sprints import Scenario

    import queries
    from dashboard.cli_export import board_for_team
    from queries.errors import RetroscopeError

    db = Scenario().board("1", "Atlas", project_key="ATL").board("7", "atlas", project_key="AT2").board(
        "2", "Borealis", project_key="BOR").load(tmp_path / "w.duckdb")
    con = queries.connect(db)
    try:
        assert board_for_team(con, "Borealis") == "2"
        with pytest.raises(RetroscopeError) as e:
            board_for_team(con, "ATLAS")
    finally:
        con.close()
    assert str(e.value) == "--team 'ATLAS': 2 boards have that name; choose one with --board 1, --board 7 (and --team as the title)"


def test_scatter_instants_are_the_completion_days(monkeypatch, demo_db):
    """The cycle-time scatter ships instants as epoch milliseconds: they land in the demo's year."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "section": "Flow"})
    open_page(at, "sprint_retro")
    scatter = next(c for c in _charts(at) if c["layout"].get("xaxis", {}).get("title", {}).get("text") == "completed on")
    xs = [x for t in scatter["data"] if t.get("mode") == "markers" for x in _values(t["x"])]
    low, high = (datetime(y, 1, 1, tzinfo=UTC).timestamp() * 1000 for y in (2025, 2027))
    assert xs and all(low <= x < high for x in xs), (min(xs), max(xs))


# --------------------------------------------------------------------------- the presentation rules
def test_report_cells_and_headers():
    from dashboard import present

    assert present.fmt_cell(5.4234, "days_into_sprint") == "5.4"
    assert present.fmt_cell(0.684, "hit_rate") == "68 %"
    assert present.fmt_cell(None, "owner") == "" and present.fmt_cell(float("nan"), "points") == ""
    assert present.fmt_cell(12345.0, "row_count") == "12,345"
    # a figure that is not 0 never reads "0.0": an issue 0.047 × likely outside its range is outside it
    assert present.fmt_cell(0.047, "miss_relative", 1) == "<0.1"
    assert present.fmt_cell(-0.004, "bias") == ">−0.01" and present.fmt_cell(0.0, "miss_relative", 1) == "0"
    assert present.pct(0.001) == "<1 %" and present.pct(-0.001) == ">−1 %"   # one rule for shares and figures
    assert present.header("days_into_sprint") == "day of sprint"
    assert present.header("cycle_time_p85_days") == "cycle time p85 (days)"
    assert present.metric_name("cycle_time_p85") == "Cycle time p85" and present.metric_name("say_do") == "Say/do ratio"
    assert present.metric_name("active_users") == "active users" and present.metric_name(None) == ""
    assert present.metric_value(0.7, "hit_rate") == "70 %" and present.metric_value(8, "cycle_time_p85") == "8.0 d"
    assert present.signed_metric_value(1503.88, "active_users", "users") == "+1,504 users"
    assert present.signed_metric_value(-0.04, "conversion_rate", "%") == "−0.04 pp"
    assert present.csv_name("Scope changes", "ATL Sprint 12") == "scope-changes-atl-sprint-12.csv"


def test_one_issue_is_one_issue_on_the_sprint_tiles(monkeypatch, demo_db):
    """Atlas's sprint by 1 Aug 2026 carried one issue over: the tile read "1 issues"."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "as_of": "2026-08-01"})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    captions = [c.value for c in at.caption]
    assert "1 issue" in captions and not any(c.startswith("1 issues") for c in captions), captions[:8]


def test_hypotheses_recorded_after_the_as_of_are_not_taken_for_items_not_shipped(monkeypatch, demo_db):
    """At as_of 1 Aug 2026 Atlas's hypothesis on ATL-E1 (shipped 20 Jul) was recorded at a retro held
    19 Aug: the note said "No hypotheses on items shipped by the as-of date", as if nothing had shipped."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "as_of": "2026-08-01"})
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    note = next(i.value for i in at.info if "hypotheses" in i.value)
    assert note.startswith("No hypotheses from retros held by the as-of date 1 Aug 2026 for Atlas. Later ones hold "
                           "hypotheses on items shipped from 20 Jul 2026"), note


def test_the_overview_tiles_say_why_they_have_no_figure(monkeypatch, demo_db):
    """Borealis from 1 to 18 Nov: its Sprint 12 closed on 6 Nov, but started before the period,
    and the tile said "no closed sprint in the period"; nothing shipped, and the tile said "no
    impact analysis yet". Atlas as of 1 Aug: its one launch too early, the tile read "0 of 0"."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2", "from": "2026-11-01", "to": "2026-11-18"})
    open_page(at, "overview")
    assert not problems(at), problems(at)
    captions = [c.value for c in at.caption]
    assert "no sprint that started in the period has closed" in captions, captions
    assert "no item with a target metric shipped 1 Nov – 18 Nov 2026" in captions, captions
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "as_of": "2026-08-01"})
    open_page(at, "overview")
    moved = next(m for m in at.metric if m.label == "Shipped items that moved")
    assert moved.value == "–"
    assert "shipped 31 Jan – 1 Aug 2026; 1 too early to judge" in [c.value for c in at.caption]


def test_the_sprint_tiles_balance_with_re_estimates_shown(monkeypatch, demo_db):
    """ATL Sprint 3 read committed 44, +8 added, completed 55, carried over 11: 14 points short,
    the re-estimates while in the sprint shown nowhere. They are now under Scope change, and the
    tiles add up: committed + added + re-estimated = completed + carried over + removed."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"sprint": "1003"})
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    pts = {m.label: float(m.value.removesuffix(" pt")) for m in at.metric
           if m.label in ("Committed", "Completed", "Carried over")}
    scope = next(c.value for c in at.caption if c.value.startswith("+"))
    m = re.fullmatch(r"\+(\d+) / −(\d+) pt · re-estimated ([+−])(\d+) pt", scope)
    assert m, scope
    added, removed, moved = float(m[1]), float(m[2]), float(m[4]) * (1 if m[3] == "+" else -1)
    assert pts["Committed"] + added + moved == pts["Completed"] + pts["Carried over"] + removed, (pts, scope)
    assert moved != 0
    box = at.selectbox(key="sprint_retro_sprint")   # a running sprint's days run to its planned end
    assert "Atlas · ATL Sprint 13 · 16 Nov – 27 Nov (running)" in box.options, box.options[:3]


def test_a_period_across_new_year_names_both_years(monkeypatch, demo_db):
    """The tiles' captions once dropped the start's year ("completed 03 Jul – 01 Jan 1990"),
    wrong for any period across New Year, the default six months of an as-of date from
    January to June among them."""
    from dashboard.present import date_span

    assert date_span(date(2025, 7, 3), date(2026, 1, 1)) == "3 Jul 2025 – 1 Jan 2026"
    assert date_span(date(2026, 7, 3), date(2026, 12, 1)) == "3 Jul – 1 Dec 2026"
    assert date_span(date(2025, 12, 29), date(2026, 1, 12)) == "29 Dec 2025 – 12 Jan 2026"
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "from": "2025-12-01", "to": "2026-02-28"})
    open_page(at, "overview")
    assert not problems(at), problems(at)
    captions = " ".join(c.value for c in at.caption)
    assert "completed 1 Dec 2025 – 28 Feb 2026" in captions, captions


def test_outcomes_charts_name_metrics_as_the_cards_do(monkeypatch, demo_db):
    """The effect chart once labelled its rows 'ATL-E1 · conversion_rate' and the metric and
    item charts their axes 'active_users (users)', beside cards saying 'conversion rate'."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["item"] = "ATL-E1"
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    labels = []
    for fig in _charts(at):
        labels += [(a.get("title") or {}).get("text") or "" for k, a in fig["layout"].items()
                   if re.fullmatch(r"[xy]axis\d*", k)]
        labels += [y for t in fig["data"] for y in (t.get("y") if isinstance(t.get("y"), list) else [])
                   if isinstance(y, str)]
    assert any("ATL-E1 · conversion rate" == s for s in labels), labels          # the effect chart's row
    assert any(s.startswith(("conversion rate", "active users")) for s in labels), labels   # an axis
    assert not [s for s in labels if re.search(r"[a-z]_[a-z0-9]", s)], labels  # no metric id anywhere


def test_changes_are_coloured_by_what_is_good():
    from dashboard import present

    assert present.change_style(+1.2, "down") == ("up", "red")       # cycle time went up: bad
    assert present.change_style(+0.04, "up") == ("up", "green")      # debt share went up: good
    assert present.change_style(-0.03, "target") == ("down", "gray")
    assert present.change_style(0.0, "up") == ("off", "gray")


def test_store_errors_in_plain_words():
    from dashboard import present

    msg = present.plain_error("action: column text: empty (expected what will be done, observably)")
    assert msg == "The action item's text is empty: expected what will be done, observably."
    assert present.plain_error("something else") == "something else"
    # a problem that is already a sentence about the value is not given a second "is"
    assert present.plain_error("action: column jira_key: 'not a key!!' is not a Jira issue key (expected e.g. "
                               "ABC-123)") == ("The action item's Jira key 'not a key!!' is not a Jira issue key: "
                                               "expected e.g. ABC-123.")


@pytest.mark.parametrize("board", [None, "1", "2"], ids=["all-teams", "atlas", "borealis"])
def test_sprint_retro_lists_each_open_action_once(monkeypatch, demo_db, board):
    """The last retro's own and carried actions are not listed again under 'Still open from
    earlier retros'; their lateness moves into the last retro's table instead."""
    at = app_for(monkeypatch, demo_db)
    if board:
        at.query_params["board"] = board
    open_page(at, "sprint_retro")
    tables = [d.value for d in _tables(at)]
    last = next(t for t in tables if "item" in t.columns and "status" in t.columns)
    earlier = [t for t in tables if "days overdue" in t.columns and "item" not in t.columns]
    heading = next(m.value for m in at.markdown if " · held " in m.value)      # "**title** · Team · held …"
    team = heading.split(" · ")[1]
    shown_last = set(last.loc[last["status"] == "open", "text"])
    for t in earlier:       # under All teams other teams' actions may share a text: same team only
        same_team = set(t.loc[t["team"] == team, "text"])
        assert not shown_last & same_team, (team, shown_last & same_team)
    assert {"days overdue", "times carried"} <= set(last.columns)
    carried_open = last[(last["item"] == "carried action") & (last["status"] == "open")]
    assert not carried_open.empty and (carried_open["times carried"].astype("string").fillna("") != "").all()


def _y_axes(fig: dict) -> dict[str, dict]:
    return {k: v for k, v in fig["layout"].items() if re.fullmatch(r"yaxis\d*", k)}


@pytest.mark.parametrize("board", [None, "1"], ids=["all-teams", "atlas"])
def test_every_panel_axis_is_titled_and_say_do_compares(monkeypatch, demo_db, board):
    """Each y axis of every sprint chart (one panel per team) has a title with its unit (the
    first panel's was once cleared); velocity's say/do axes share one range in every panel;
    the debt target's label sits in the right margin (not over the bars); the legend lies under
    the plot, so at phone width it does not take the plot's height."""
    at = app_for(monkeypatch, demo_db)
    if board:
        at.query_params["board"] = board
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    figs = _charts(at)
    sprint_charts = [f for f in figs if any("meta" in t for t in f["data"])]
    assert len(sprint_charts) == 3, [list(_y_axes(f)) for f in figs]     # velocity, scope, work mix
    for fig in sprint_charts:
        axes = _y_axes(fig)
        assert len(axes) == (1 if board else 2) * (2 if fig is sprint_charts[0] else 1)   # y2: say/do
        untitled = [k for k, a in axes.items() if not (a.get("title") or {}).get("text")]
        assert not untitled, f"untitled y axes {untitled}"
        assert all(re.search(r"\((%|pt|story points|removed below 0)\)|points", a["title"]["text"])
                   for a in axes.values()), [a["title"]["text"] for a in axes.values()]
        legend = fig["layout"]["legend"]
        assert legend.get("yref") == "container" and legend["y"] < 0.1, legend
    velocity = sprint_charts[0]
    right = [a for a in _y_axes(velocity).values() if a.get("overlaying")]
    assert right and all(a["title"]["text"] == "say/do (%)" for a in right)
    assert len({tuple(a["range"]) for a in right}) == 1, [a.get("range") for a in right]
    top = right[0]["range"][1]
    saydo = [y for t in velocity["data"] if t.get("name") == "say/do %" for y in _values(t["y"]) if y is not None]
    assert max(saydo) <= top and top >= 100
    mix = sprint_charts[2]
    labels = [a for a in mix["layout"]["annotations"] if str(a.get("text", "")).startswith("debt<br>target")]
    assert labels and all(a["x"] == 1 and a["xanchor"] == "left" for a in labels), labels   # beside the bars


def test_a_table_wider_than_the_page_says_so(monkeypatch, demo_db):
    """The shipped-items table (15 columns) scrolls sideways at desktop width: its caption says
    so and names the last column; the tech-health sprint table is full width and fits, with
    no such caption."""
    at = open_page(app_for(monkeypatch, demo_db), "outcomes")
    assert not problems(at), problems(at)
    captions = [c.value for c in at.caption]
    assert any(re.search(r"^15 columns: in a window narrower than about \d,\d00 px the last ones are off to the "
                         r"right; scroll the table sideways \(last: .+\)", c) for c in captions), captions
    at = open_page(app_for(monkeypatch, demo_db), "tech_health")
    assert not problems(at), problems(at)
    assert not [c.value for c in at.caption if "sideways" in c.value]


def test_charts_are_sent_so_the_second_draw_has_nothing_to_redo(monkeypatch, demo_db):
    """Streamlit draws every chart twice; plotly.js redoes the whole figure the second time
    unless the chart carries no template (the look is in the figure itself), no object `meta`,
    no binary-encoded arrays, a `datarevision`, and the zero-height flag in its config, with
    Streamlit's theme off (docs/pages.md, "Why Streamlit draws each chart twice")."""
    at = app_for(monkeypatch, demo_db)
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    elements = at.get("plotly_chart")
    assert elements
    for el in elements:
        fig = json.loads(el.proto.spec)
        assert not fig["layout"].get("template"), fig["layout"].get("template")
        assert fig["layout"].get("datarevision") is not None
        assert fig["layout"]["font"]["color"] and fig["layout"]["plot_bgcolor"]   # the look, in the figure
        assert "bdata" not in el.proto.spec
        assert all(isinstance(t.get("meta", ""), str) for t in fig["data"])
        assert json.loads(el.proto.config).get("_hasZeroHeight") is True
        assert el.proto.theme == ""


def test_every_page_sends_its_charts_as_plain_numbers(monkeypatch, demo_db):
    """No page sends a binary array (plotly.js would redo the figure on Streamlit's second
    draw) or a numeric label written the Python way ("15.0" where the reader saw 15)."""
    at = app_for(monkeypatch, demo_db)
    seen = 0
    for slug in SLUGS:
        open_page(at, slug)
        assert not problems(at), (slug, problems(at))
        for el in at.get("plotly_chart"):
            seen += 1
            assert "bdata" not in el.proto.spec, slug
            for t in json.loads(el.proto.spec)["data"]:
                for key in ("text", "hovertext"):
                    labels = t.get(key)
                    if isinstance(labels, list):
                        assert not [v for v in labels if isinstance(v, str) and re.fullmatch(r"-?\d+\.0", v)], \
                            (slug, t.get("name"), key)
    assert seen >= 10


def test_sprint_retro_under_all_teams_shows_the_chosen_sprints_team_retro(monkeypatch, five_teams_db):
    """Under All teams the sprint shown is one team's; its 'Last retro' block showed the latest
    retro of any team (Atlas's beside Team 0109's sprint at 500 teams)."""
    at = open_page(app_for(monkeypatch, five_teams_db), "sprint_retro")
    assert not problems(at), problems(at)
    heading = next(m.value for m in at.markdown if m.value.startswith("#### "))
    team = heading.removeprefix("#### ").split(" · ")[0]
    block = [m.value for m in at.markdown if re.match(r"\*\*.+\*\* · .+ · held ", m.value)]
    infos = [i.value for i in at.info if "No retro has been recorded" in i.value]
    if team in ("Atlas", "Borealis"):      # the demo's two teams with retros
        assert block and f"· {team} · held" in block[0], (team, block)
    else:
        assert not block and infos and f"No retro has been recorded for {team} yet." in infos[0], (team, block, infos)
    # an Atlas sprint picked under All teams: Atlas's last retro
    at = app_for(monkeypatch, five_teams_db)
    at.query_params["sprint"] = "1012"     # ATL Sprint 12, closed (the demo's ids: board 1, sprints 1001-1013)
    open_page(at, "sprint_retro")
    assert not problems(at), problems(at)
    assert any(m.value.startswith("#### Atlas · ATL Sprint 12") for m in at.markdown)
    block = [m.value for m in at.markdown if re.match(r"\*\*.+\*\* · .+ · held ", m.value)]
    assert block and "· Atlas · held" in block[0], block


def test_a_running_sprints_lists_say_points_now(monkeypatch, demo_db):
    """A running sprint's lists once headed their points 'points at end', for a sprint that has
    not ended; a closed sprint's lists keep 'points at end'."""
    def headers(sprint):
        at = app_for(monkeypatch, demo_db)
        at.query_params.update({"sprint": sprint, "section": "Sprint report"})
        open_page(at, "sprint_retro")
        assert not problems(at), problems(at)
        return {c for d in at.dataframe for c in getattr(d.value, "columns", [])}

    running, closed = headers("1013"), headers("1012")     # ATL Sprint 13 (running), ATL Sprint 12
    assert "points now" in running and "points at end" not in running, running
    assert "points at end" in closed and "points now" not in closed, closed


def test_the_retro_logs_empty_sections_say_so_in_a_line(monkeypatch, demo_db):
    """Working agreements and hypotheses with none at the chosen retro were drawn as grids of
    headers with no row, beside 'No action items yet.' for the actions."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1"})      # Atlas: its latest retro agreed no agreement, no hypothesis
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    captions = [c.value for c in at.caption]
    assert "No working agreements at this retro yet." in captions, captions
    assert "No hypotheses at this retro yet." in captions, captions
    assert not [d for d in at.dataframe if getattr(d.value, "empty", False)], "no empty grid"


def test_the_retro_logs_hypotheses_name_their_item(monkeypatch, demo_db):
    """The Retro log's hypotheses showed only 'BOR-E3', where the Outcomes page names the item."""
    at = app_for(monkeypatch, demo_db)      # All teams: the latest retro is the product retro
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    hyps = next(d.value for d in at.dataframe if "item name" in getattr(d.value, "columns", []))
    names = dict(zip(hyps["item"], hyps["item name"], strict=True))
    assert names.get("BOR-E3") == "Price display revamp", names


def test_every_calibration_score_column_is_explained_on_the_page(monkeypatch, demo_db):
    """'rel. width', 'ordering acc.' and the two n columns were shown with no word on what they are."""
    from dashboard.blocks import CALIBRATION_COLUMNS

    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"section": "All scores"})
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    said = " ".join(c.value for c in at.caption)
    shown = {c for d in at.dataframe for c in getattr(d.value, "columns", [])}
    for col in ("n (ranges)", "n (points)", "rel. width", "ordering acc.", "MdMRE", "PRED(25)", "bias ×"):
        assert col in shown and f"{col} =" in said, (col, said)
    assert set(CALIBRATION_COLUMNS.values()) >= {"rel. width", "ordering acc."}


def test_a_column_with_no_value_is_left_out_of_the_view():
    """Empty columns (the open actions' 'jira key', a sprint's 'added', the last retro's 'metric' and
    'target' when it agreed nothing) were shown on every row as blanks. Judged on every row, not
    the 100 a table shows; a column whose blanks mean something is kept."""
    from dashboard.present import blank_columns

    df = pd.DataFrame({"text": ["a"] * 150, "jira_key": [None] * 150, "note": [""] * 149 + [" x "],
                       "target": [float("nan")] * 150, "days_overdue": [None] * 150, "tags": [[]] * 150})
    assert blank_columns(df, keep=("days_overdue",)) == ["jira_key", "target"]
    assert blank_columns(df.iloc[:0]) == []


def test_the_open_actions_leave_out_their_empty_jira_key(monkeypatch, demo_db):
    """The demo's open actions have no Jira key (Atlas): the column is left out, 'days overdue' stays
    even where no action is overdue yet (its blank means 'not yet due')."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1"})
    open_page(at, "retro_log")
    assert not problems(at), problems(at)
    table = next(d.value for d in at.dataframe if "days overdue" in getattr(d.value, "columns", []))
    assert "jira key" not in table.columns and "text" in table.columns


def test_worst_misses_put_the_estimate_unit_in_the_headers(monkeypatch, demo_db):
    """The worst misses repeated 'days' in a unit column on every row; the one configured estimate
    unit now stands in the headers of the four figures it applies to."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "section": "All scores"})
    open_page(at, "calibration")
    assert not problems(at), problems(at)
    misses = next(d.value for d in at.dataframe if "outside range (× likely)" in getattr(d.value, "columns", []))
    assert {"best (days)", "likely (days)", "worst (days)", "actual (days)"} <= set(misses.columns)
    assert "unit" not in misses.columns


def test_two_actions_with_one_text_are_told_apart_in_the_from_action_picker():
    """Atlas agreed 'Add a spike before every integration story' at its sprint-4 retro and again at
    its sprint-12 one: the picker listed the same text twice."""
    from dashboard.forms import action_choices

    here = pd.DataFrame({"action_id": ["a12", "b12"], "text": ["Fix the flaky tests", "Add a spike"]})
    carried = pd.DataFrame({"action_id": ["a4", "a9"], "text": ["Add a spike", "Automate the checklist"],
                            "from_retro": ["ATL Sprint 4 retro", "ATL Sprint 9 retro"]})
    assert action_choices(here, carried) == {
        None: "— none —", "a12": "Fix the flaky tests", "b12": "Add a spike (this retro)",
        "a4": "Add a spike (ATL Sprint 4 retro)", "a9": "Automate the checklist"}


def test_a_confounder_is_named_not_only_keyed(monkeypatch, demo_db):
    """'confounded: BOR-E3 shipped within the same window' named an item by its key alone."""
    from dashboard.present import named_items

    assert named_items("BOR-E3, ATL-E2", {"BOR-E3": "Price display revamp"}) == "Price display revamp (BOR-E3), ATL-E2"
    assert named_items("", {}) == "" and named_items(None, {}) == ""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2"})
    open_page(at, "outcomes")
    assert not problems(at), problems(at)
    said = " ".join(c.value.replace("\\", "") for c in at.caption)
    assert "confounded: Smart recommendations (ATL-E3) shipped within the same window" in said, said
    hyps = next(d.value for d in at.dataframe if "confounded by" in getattr(d.value, "columns", []))
    named = set(hyps["confounded by"]) - {""}
    assert named and named <= {"Smart recommendations (ATL-E3)", "Price display revamp (BOR-E3)"}, named
    assert named_items("X-1", {"X-1": float("nan")}) == "X-1"      # a name missing in the data: the key


def test_open_actions_name_their_team_only_under_all_teams(monkeypatch, demo_db):
    """With one team chosen the Retro log's open actions repeated its name on every row (the Data
    page already hides the team column then)."""
    def open_table(params):
        at = app_for(monkeypatch, demo_db)
        at.query_params.update(params)
        open_page(at, "retro_log")
        assert not problems(at), problems(at)
        return next(d.value for d in at.dataframe if "days overdue" in getattr(d.value, "columns", []))

    assert "team" not in open_table({"board": "1"}).columns
    every = open_table({})
    assert "team" in every.columns and set(every["team"]) == {"Atlas", "Borealis"}


def test_calibration_greys_each_group_of_scores_by_its_own_count():
    """A group with no range estimates but 48 pointed issues had its ordering scores greyed as 'too
    few to judge' with the rest of its row."""
    from dashboard.blocks import calibration_grey

    cal = pd.DataFrame({"group_by": ["work_type", "work_type", "size"], "group": ["bug", "feature", "13"],
                        "n": [0, 30, 2], "too_small": [True, False, True],
                        "n_points": [48, 30, 2], "points_too_small": [False, False, True]})
    cols = ["by", "group", "n (ranges)", "hit rate", "n (points)", "ordering acc.", "Spearman ρ"]
    assert calibration_grey(cal, cols) == [
        [False, False, True, True, False, False, False],     # bug: ranges too few, points enough
        [False] * 7,                                          # feature: both enough
        [True] * 7,                                           # size 13: neither
    ]


def test_flagged_is_a_dash_without_flag_history(monkeypatch, demo_db):
    """Flagged read '0.0 d' beside 'no Flagged history in the data', as Waiting once read 0 %."""
    def flagged(board):
        at = app_for(monkeypatch, demo_db)
        at.query_params.update({"board": board, "section": "Flow detail"})
        open_page(at, "sprint_retro")
        assert not problems(at), problems(at)
        return next(m.value for m in at.metric if m.label == "Flagged")

    assert flagged("1") == "–"                # Atlas: never flagged in the demo
    assert flagged("2").endswith(" d") and flagged("2") != "0.0 d"   # Borealis: flagged 27–29 Oct


def test_the_width_a_wide_table_needs_is_said_in_window_pixels():
    """The scroll-sideways caption said "the last ones off to the right" at any width, also under
    the README's 1440-px screenshot, where the table fits. It now names the window width the table
    needs: the main block is the window less 460 px, 820 px at 1280, where a score of 1,090 (the
    threshold) just fits. By hand: 1,090 -> 820 + 460 = 1,280 -> 1,300; 1,222 -> 919.3 + 460 =
    1,379.3 -> 1,400; 109 -> 82 + 460 = 542 -> 600; 1,117 -> 840.3 + 460 = 1,300.3 -> 1,400 (rounded
    up with its fraction)."""
    from dashboard.present import fits_window

    assert fits_window(1090) == 1300
    assert fits_window(1222) == 1400
    assert fits_window(109) == 600
    assert fits_window(1117) == 1400
