"""The tech-health figures (queries/tech_health.py) and the slide built from them
(dashboard/slides.py): hand-worked small fixture, partial data, the demo against the
public queries, long names and 3-digit values."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from helpers_slide import build_empty, build_tiny, open_slide, shape, text, tile
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches, Pt

import queries
from dashboard import slides
from dashboard.slides import build_tech_health
from queries import registry
from queries.errors import RetroscopeError
from queries.tech_health import KPI, KPI_KEYS, Chart, Series, TechHealth, Thresholds, format_value, kpis

AS_OF = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = build_tiny(tmp_path_factory.mktemp("tiny"))
    con = queries.connect(path)
    th = kpis(con, board_id="1", as_of=AS_OF, sprints=2)
    yield con, th
    con.close()


# --------------------------------------------------------------------------- hand-worked
def test_tiny_period_is_the_two_sprints_and_the_same_length_before(tiny):
    _, th = tiny
    # S1 starts 2 Feb, S2 ends 27 Feb (no later sprint) -> 2..27 Feb = 26 days;
    # previous = the 26 days before: 7 Jan .. 1 Feb.
    assert th.basis == "sprints"
    assert (th.period_start, th.period_end) == (date(2026, 2, 2), date(2026, 2, 27))
    assert (th.previous_start, th.previous_end) == (date(2026, 1, 7), date(2026, 2, 1))
    assert [s.name for s in th.sprints] == ["Tiny 1", "Tiny 2"]
    assert th.team == "Tiny"


def test_the_period_days_are_the_reporting_timezones(tmp_path):
    """Reporting in Auckland (UTC+13 in February): S1 starts 2 Feb 09:00 UTC = 2 Feb 22:00
    there, S2 ends 27 Feb 16:00 UTC = 28 Feb 05:00 there, so the period is 2..28 Feb (27
    days) and the previous one the 27 days before, 6 Jan..1 Feb; S1 ends 14 Feb 05:00 there."""
    from queries.config import AnalysisConfig

    con = queries.connect(build_tiny(tmp_path), config=AnalysisConfig(timezone="Pacific/Auckland"))
    th = kpis(con, board_id="1", as_of=AS_OF, sprints=2)
    con.close()
    assert (th.period_start, th.period_end) == (date(2026, 2, 2), date(2026, 2, 28))
    assert (th.previous_start, th.previous_end) == (date(2026, 1, 6), date(2026, 2, 1))
    assert [(s.start_on, s.end_on) for s in th.sprints] == [(date(2026, 2, 2), date(2026, 2, 14)),
                                                           (date(2026, 2, 16), date(2026, 2, 28))]


def test_tiny_figures_worked_by_hand(tiny):
    _, th = tiny
    # completed in the period: A 5 pts (2 d), B 3 pts debt (6 d), D 2 pts debt (3 d, QA bounce),
    # E 1 pt bug (1 d). Debt share = (3 + 2) / (5 + 3 + 2 + 1) = 5/11 = 45.45 %.
    assert th.kpi("debt_share").value == pytest.approx(5 / 11)
    # p85 of [1, 2, 3, 6]: rank 0.85 * 3 = 2.55 -> 3 + 0.55 * (6 - 3) = 4.65 days
    assert th.kpi("cycle_time_p85").value == pytest.approx(4.65)
    # rework: D only -> 1/4
    assert th.kpi("rework_rate").value == pytest.approx(0.25)
    # escaped: E (label production, created 16 Feb) -> 1; previous period 0
    assert th.kpi("escaped_bugs").value == 1 and th.kpi("escaped_bugs").previous == 0
    # no range estimates at all
    assert th.kpi("range_hit_rate").value is None and th.kpi("range_hit_rate").status == "no data"
    # carry-over: scope S1 {A, B, C} + S2 {D, E (added)} = 5 issues, C carried over -> 1/5
    assert th.kpi("carry_over").value == pytest.approx(0.2)
    # nothing happened in the previous period
    assert th.kpi("debt_share").previous is None


def test_tiny_statuses_from_default_thresholds(tiny):
    _, th = tiny
    got = {k.key: k.status for k in th.kpis}
    # 45 % >= 20 % target; p85 4.65 d with no previous <= 10 d; rework 25 % <= 25 % (watch);
    # 1 escaped bug <= 1 (good); carry-over 20 % <= 20 % (watch)
    assert got == {"debt_share": "good", "cycle_time_p85": "good", "rework_rate": "watch",
                   "escaped_bugs": "good", "range_hit_rate": "no data", "carry_over": "watch"}


def test_tiny_slide_tiles_say_the_hand_worked_values(tiny):
    _, th = tiny
    _, slide = open_slide(build_tech_health(th, team="Tiny team"))
    assert tile(slide, "debt_share")["Value"] == "45 %"
    assert tile(slide, "debt_share")["Detail"].startswith("target 20 %")
    assert tile(slide, "cycle_time_p85")["Value"] == "4.7 d"          # 4.65 rounded half up
    assert tile(slide, "rework_rate")["Value"] == "25 %"
    assert tile(slide, "escaped_bugs")["Value"] == "1 bug"
    # the previous 26 days (7 Jan .. 1 Feb) hold no sprint: too short to compare, no "▲ +1 vs 0"
    assert tile(slide, "escaped_bugs")["Delta"] == "previous period too short to compare"
    assert tile(slide, "carry_over")["Value"] == "20 %"
    assert tile(slide, "carry_over")["Detail"] == "1 issue · 2 pt in 2 sprints (0 before)"
    assert tile(slide, "range_hit_rate")["Value"] == "no data"
    assert tile(slide, "range_hit_rate")["Status"] == "– NO DATA"
    assert tile(slide, "rework_rate")["Status"] == "⚠ WATCH"   # no arrow: the change line has those
    assert tile(slide, "debt_share")["Status"] == "✔ GOOD"
    assert "Tiny team" in text(slide, "Title")


def test_tiny_chart_is_native_and_equals_work_mix(tiny):
    con, th = tiny
    _, slide = open_slide(build_tech_health(th))
    gf = shape(slide, "Chart")
    assert gf.has_chart
    chart = gf.chart
    series = {s.name: list(s.values) for plot in chart.plots for s in plot.series}
    # by hand: S1 completed A 5 + B 3 (debt) -> 3/8; S2 D 2 (debt) + E 1 -> 2/3
    assert series["Debt share"] == pytest.approx([3 / 8, 2 / 3])
    assert series["Target 20 %"] == pytest.approx([0.2, 0.2])
    wm = registry.run_public(con, "work_mix", as_of=AS_OF, board_id="1")
    debt = wm[wm["work_type"] == "debt"].set_index("sprint_id")["share"]
    assert series["Debt share"] == pytest.approx([debt["101"], debt["102"]])
    assert list(chart.plots[0].categories) == ["Tiny 1", "Tiny 2"]
    kinds = [p.__class__.__name__ for p in chart.plots]
    assert kinds == ["BarPlot", "LinePlot"]   # columns + the target as a line, one chart


# --------------------------------------------------------------------------- partial data
def test_no_sprints_no_estimates_says_no_data(tmp_path):
    con = queries.connect(build_tiny(tmp_path, with_sprints=False))
    try:
        th = kpis(con, as_of=AS_OF, sprints=2)
    finally:
        con.close()
    # no sprints: the 2 x 14 days ending on the as_of day, 2 Feb .. 1 Mar
    assert th.basis == "days" and (th.period_start, th.period_end) == (date(2026, 2, 2), date(2026, 3, 1))
    assert th.kpi("carry_over").status == "no data" and th.kpi("range_hit_rate").status == "no data"
    assert th.kpi("debt_share").value == pytest.approx(5 / 11)   # still known from completed issues
    assert th.chart is not None and th.chart.source == "flow_weekly"
    _, slide = open_slide(build_tech_health(th))
    assert tile(slide, "carry_over")["Value"] == "no data"
    assert tile(slide, "range_hit_rate")["Value"] == "no data"
    assert "no closed sprints" in text(slide, "Subtitle")


def test_empty_warehouse_every_tile_no_data(tmp_path):
    con = queries.connect(build_empty(tmp_path))
    try:
        th = kpis(con, as_of=AS_OF)
    finally:
        con.close()
    assert [k.status for k in th.kpis] == ["no data"] * 6
    assert th.chart is None and th.retro is None
    prs, slide = open_slide(build_tech_health(th))
    assert len(prs.slides) == 1
    for key in KPI_KEYS:
        assert tile(slide, key)["Value"] == "no data"
    assert "no data" in text(slide, "Chart empty")
    assert "Exact figures" in slide.notes_slide.notes_text_frame.text


def test_unknown_board_and_bad_sprints_are_clear_errors(tiny):
    con, _ = tiny
    with pytest.raises(RetroscopeError, match=r"board '9' not found.*1 \(Tiny\)"):
        kpis(con, board_id="9", as_of=AS_OF)
    with pytest.raises(RetroscopeError, match=r"--sprints 0: expected a whole number ≥ 1"):
        kpis(con, board_id="1", as_of=AS_OF, sprints=0)


# --------------------------------------------------------------------------- thresholds
def test_thresholds_change_the_lights(tiny):
    con, _ = tiny
    th = kpis(con, board_id="1", as_of=AS_OF, sprints=2,
              thresholds=Thresholds.from_mapping({"rework_rate_watch": 0.3, "rework_rate_bad": 0.4,
                                                  "carry_over_watch": 0.05, "carry_over_bad": 0.1}))
    assert th.kpi("rework_rate").status == "good"      # 25 % <= 30 %
    assert th.kpi("carry_over").status == "bad"        # 20 % > 10 %


@pytest.mark.parametrize("values, message", [
    ({"rework_watch": 0.1}, r"\[slide.thresholds.rework_watch\] unknown key; did you mean 'rework_rate_watch'\?"),
    ({"rework_rate_watch": "high"}, "rework_rate_watch = 'high'"),
    ({"rework_rate_watch": 0.5, "rework_rate_bad": 0.2}, "must not exceed"),
])
def test_bad_thresholds_are_one_line_errors(values, message):
    with pytest.raises(RetroscopeError, match=message) as e:
        Thresholds.from_mapping(values, where="retroscope.toml")
    assert "\n" not in str(e.value) and "retroscope.toml" in str(e.value)


# --------------------------------------------------------------------------- the demo
def _expected_tiles(con, th: TechHealth) -> dict[str, tuple[str, str]]:
    """value and delta strings computed in the test from tech_health__kpis for the same
    filters (board, as_of, period)."""
    df = queries.run(con, "tech_health__kpis", as_of=th.as_of, board_id=th.board_id, project=None,
                     date_from=th.period_start, date_to=th.period_end).set_index("kpi")
    out = {}
    for key in KPI_KEYS:
        r = df.loc[key]
        unit = {"share": "share", "days": "days", "bugs": "count"}[r["unit"]]
        v = None if pd.isna(r["value"]) else float(r["value"])
        p = None if pd.isna(r["previous_value"]) else float(r["previous_value"])
        k = KPI(key, v, p, unit=unit, comparable=th.previous_comparable)
        word = k.unit_word()
        out[key] = (format_value(v, unit) + (f" {word}" if word else ""), k.delta_text())
    return out


def test_demo_tiles_equal_the_metric_queries(demo_con):
    th = kpis(demo_con, board_id="1")
    # the period: the last 6 closed sprints of board 1 in sprint_facts
    sf = registry.run_public(demo_con, "sprint_facts", board_id="1")
    last6 = sf[sf["state"] == "closed"].sort_values("start_at").tail(6)
    assert [s.sprint_id for s in th.sprints] == list(last6["sprint_id"])
    assert th.period_start == last6["start_at"].iloc[0].date()
    _, slide = open_slide(build_tech_health(th))
    expected = _expected_tiles(demo_con, th)
    for key, (value, delta) in expected.items():
        t = tile(slide, key)
        assert (t["Value"], t["Delta"] or "") == (value, delta if delta else "—"), key
    # carry-over detail = the sprint_facts sums over the same sprints
    issues = int(last6["carryover_issues"].sum())
    assert tile(slide, "carry_over")["Detail"].startswith(f"{issues} issue")
    # the chart = work_mix's debt share of each of those sprints
    wm = registry.run_public(demo_con, "work_mix", board_id="1")
    debt = wm[wm["work_type"] == "debt"].set_index("sprint_id")["share"]
    chart = shape(slide, "Chart").chart
    got = list(chart.plots[0].series[0].values)
    assert got == pytest.approx([debt[s] for s in last6["sprint_id"]])
    assert list(chart.plots[0].categories) == list(last6["sprint_name"])


def test_demo_tiles_agree_with_public_issue_facts(demo_con):
    """Debt share, p85 and rework rate re-derived in the test from the public issue_facts
    rows of the same board and period (completion day in the period, UTC demo; epics out)."""
    th = kpis(demo_con, board_id="2")
    f = registry.run_public(demo_con, "issue_facts", board_id="2", as_of=th.as_of,
                            date_from=th.period_start, date_to=th.period_end)
    f = f[~f["is_epic"].astype(bool)]          # epics are listed but are containers, not work items
    day = pd.to_datetime(f["completed_at"], utc=True).dt.date
    done = f[f["completed_at"].notna() & (day >= th.period_start) & (day <= th.period_end)]
    pts = done["story_points"].fillna(0)
    assert th.kpi("debt_share").value == pytest.approx(pts[done["work_type"] == "debt"].sum() / pts.sum())
    cycle = done["cycle_time_days"].dropna().to_numpy(dtype=float)
    assert th.kpi("cycle_time_p85").value == pytest.approx(float(np.quantile(cycle, 0.85, method="linear")))
    assert th.kpi("rework_rate").value == pytest.approx((done["backward_transitions"] > 0).mean())
    _, slide = open_slide(build_tech_health(th))
    assert tile(slide, "debt_share")["Value"] == format_value(th.kpi("debt_share").value, "share")


def test_demo_notes_have_figures_sprints_and_retro_items(demo_con):
    th = kpis(demo_con, board_id="2")
    notes = open_slide(build_tech_health(th))[1].notes_slide.notes_text_frame.text
    assert "Exact figures:" in notes
    for s in th.sprints:
        assert s.name in notes
        # points in the pages' unit ("pt", as on the sprint tiles), not a second spelling
        assert f"committed {s.committed_points:g} pt, completed {s.completed_points:g} pt," in notes
    assert " pts," not in notes
    assert th.retro is not None and th.retro.held_on <= th.as_of.date()
    actions = demo_con.table("action_items").df()
    open_ = actions[(actions["retro_id"] == th.retro.retro_id) & (actions["status"] == "open")]
    assert len(open_) > 0
    for t in open_["text"]:
        assert t in notes
    assert "owner" not in notes.lower()           # team-level: nobody is named
    for k in th.kpis:
        assert k.label in notes


def test_demo_slide_is_one_16_9_slide(demo_con):
    prs, slide = open_slide(build_tech_health(kpis(demo_con)))
    assert len(prs.slides) == 1
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, rel=1e-3)
    assert "All teams" in text(slide, "Title")


# --------------------------------------------------------------------------- no overflow
def _extreme() -> TechHealth:
    ks = (
        KPI("debt_share", 1.0, 0.0, 0.2, "good", "share", 999, "n = 999"),
        KPI("cycle_time_p85", 123.4, 99.9, None, "bad", "days", 999, "n = 999"),
        KPI("rework_rate", 0.999, 0.001, None, "bad", "share", 999, "n = 999"),
        KPI("escaped_bugs", 999, 111, None, "bad", "count", None, "bugs found in production"),
        KPI("range_hit_rate", 0.0, 1.0, 0.8, "bad", "share", 999, "n = 999"),
        KPI("carry_over", 1.0, 0.0, None, "bad", "share", 999, "999 issues · 9999.5 pt in 999 sprints"),
    )
    cats = tuple(f"Platform Reliability Sprint {i}" for i in range(100, 112))
    chart = Chart("Tech-debt share per sprint", cats,
                  (Series("Debt share", tuple(0.9 for _ in cats)), Series("Target 20 %", tuple(0.2 for _ in cats), "line")),
                  "0%", "share of completed points", "work_mix")
    return TechHealth(team="x", board_id="1", as_of=AS_OF, data_as_of=AS_OF, sources=("demo",), basis="sprints",
                      period_start=date(2025, 12, 1), period_end=date(2026, 2, 27),
                      previous_start=date(2025, 9, 1), previous_end=date(2025, 11, 30), kpis=ks, chart=chart)


def _fits(box) -> bool:
    """Estimated lines x line height (1.2 x size) within the box, wrapping where allowed."""
    tf = box.text_frame
    inner_w = (box.width - tf.margin_left - tf.margin_right) / 914400
    height = 0.0
    for p in tf.paragraphs:
        if not p.runs:
            continue
        size = max(r.font.size.pt for r in p.runs)
        w = sum(slides.text_width_in(r.text, r.font.size.pt, bold=bool(r.font.bold)) for r in p.runs)
        if not tf.word_wrap and w > inner_w:
            return False
        lines = max(1, math.ceil(w / inner_w)) if tf.word_wrap else 1
        height += lines * size * 1.2 / 72
    return height <= (box.height - tf.margin_top - tf.margin_bottom) / 914400 + 1e-6


def test_long_team_name_and_three_digit_values_fit(tmp_path):
    long_team = "Platform Reliability, Payments Infrastructure and Developer Experience Guild (EMEA)"
    _, slide = open_slide(build_tech_health(_extreme(), team=long_team))
    title = shape(slide, "Title")
    size = title.text_frame.paragraphs[0].runs[0].font.size.pt
    assert size < 28                                   # shrunk deliberately from 28 pt
    assert title.text_frame.word_wrap is True and title.text_frame.auto_size == MSO_AUTO_SIZE.NONE
    for s in slide.shapes:                             # every text fits its box (estimated)
        if s.has_text_frame and s.text_frame.text:
            assert _fits(s), (s.name, s.text_frame.text)
    for key in KPI_KEYS:
        box = shape(slide, f"Value {key}")
        runs = box.text_frame.paragraphs[0].runs
        width = sum(slides.text_width_in(r.text, r.font.size.pt, bold=bool(r.font.bold)) for r in runs)
        assert width <= box.width / 914400, (key, box.text_frame.text)
        for part in ("Label", "Delta"):
            b = shape(slide, f"{part} {key}")
            r = b.text_frame.paragraphs[0].runs[0]
            assert slides.text_width_in(r.text, r.font.size.pt, bold=bool(r.font.bold)) <= b.width / 914400, (part, key)
        d = shape(slide, f"Detail {key}")
        assert d.text_frame.word_wrap is True          # may wrap to a second line, sized for two
    assert shape(slide, "Value cycle_time_p85").text_frame.text == "123 d"
    assert shape(slide, "Value escaped_bugs").text_frame.text == "999 bugs"
    # every box stays on the slide
    for s in slide.shapes:
        assert s.left >= 0 and s.top >= 0
        assert s.left + s.width <= Inches(13.334) and s.top + s.height <= Inches(7.5), s.name


def test_fonts_and_colours_are_explicit(tiny):
    _, th = tiny
    _, slide = open_slide(build_tech_health(th))
    for s in slide.shapes:
        if not s.has_text_frame:
            continue
        for p in s.text_frame.paragraphs:
            for r in p.runs:
                assert r.font.name == slides.FONT and r.font.size is not None, s.name
                assert r.font.color.rgb is not None, s.name
    assert shape(slide, "Footer").text_frame.paragraphs[0].runs[0].font.size <= Pt(9)
    footer = text(slide, "Footer")
    assert "Data as of 2026-03-01 12:00 UTC" in footer and "Tech-debt share =" in footer


def test_a_change_that_rounds_to_nothing_says_so_in_words():
    from queries.tech_health_text import delta_text

    # 22.4 % after 22.6 %: 0.2 pp, shown as 0 pp; the values read 22 % and 23 %, so "=" would
    # contradict the tile: "≈" says it is unchanged at this precision ("= same as 9" once read like a typo)
    assert delta_text(0.224, 0.226, "share") == "≈ unchanged (was 23 %)"
    assert delta_text(0.22, 0.22, "share") == "= unchanged (was 22 %)"
    assert delta_text(0.30, 0.26, "share") == "▲ +4 pp vs 26 %"


def test_large_counts_read_with_thousands_separators_as_every_n_does():
    """At 100k demo issues the slide wrote '2095 bugs', '▲ +91 vs 2004' and '3250 sprints in it'
    beside 'n = 36,210': one way of writing a number on the slide and the pages."""
    from queries.tech_health_text import carry_over_detail, delta_text, format_value

    assert format_value(2095, "count") == "2,095"
    assert delta_text(3095, 2004, "count") == "▲ +1,091 vs 2,004"
    assert delta_text(2004.2, 2004, "count") == "= unchanged (was 2,004)"
    assert carry_over_detail(24000, 91234.0, 3250, 2750) == "24,000 issues · 91,234 pt in 3,250 sprints (2,750 before)"
    assert carry_over_detail(3, 9.5, 1) == "3 issues · 9.5 pt in 1 sprint"


# --------------------------------------------------------------------------- previous period
@pytest.mark.parametrize("basis, now, before, done, done_before, ok", [
    ("sprints", 6, 1, 60, 12, False),    # Borealis as of 1 Sep 2026: 1 sprint before vs 6
    ("sprints", 6, 2, 60, 60, False),    # under 3
    ("sprints", 6, 3, 60, 10, True),     # half of 6, and 3: enough (issues do not count here)
    ("sprints", 7, 3, 70, 70, False),    # 3 < 7 / 2
    ("sprints", 7, 4, 70, 70, True),
    ("sprints", 2, 1, 20, 20, False),    # a period of 2 sprints needs 2 before
    ("sprints", 2, 2, 20, 20, True),
    ("sprints", 1, 1, 10, 10, True),     # one sprint against the one before
    ("sprints", 1, 0, 10, 0, False),
    ("days", 0, 0, 10, 5, True),         # no sprints: completed issues, at least half
    ("days", 0, 0, 10, 4, False),
    ("days", 0, 0, 0, 0, True),          # nothing either side: nothing to hide
])
def test_previous_period_too_short_rule(basis, now, before, done, done_before, ok):
    from queries.tech_health import previous_comparable

    assert previous_comparable(basis, now, before, done, done_before) is ok


def test_tiny_previous_period_without_sprints_is_too_short(tiny):
    _, th = tiny
    # 2 sprints now, none in 7 Jan .. 1 Feb: too short; the figures are still there
    assert th.previous_comparable is False and th.previous_sprints == ()
    assert (th.issues, th.previous_issues) == (4, 0)
    assert th.previous_words() == "0 sprints: too short to compare"
    for k in th.kpis:
        assert k.delta is None and not k.comparable
    assert th.kpi("escaped_bugs").previous == 0          # known, but not compared
    _, slide = open_slide(build_tech_health(th))
    assert "compared with 7 Jan – 1 Feb 2026 (0 sprints: too short to compare)" in text(slide, "Subtitle")
    notes = slide.notes_slide.notes_text_frame.text
    assert "previous period 7 Jan – 1 Feb 2026 (0 sprints: too short to compare, so no change is given)" in notes
    assert "- Escaped bugs: 1 bug; previous period too short to compare (0 bugs) — GOOD" in notes


def test_tiny_one_sprint_against_the_one_before(tiny):
    """Last 1 sprint = Tiny 2 (16..27 Feb, 12 days); previous = 4..15 Feb, holding Tiny 1
    (closed 13 Feb): 1 sprint against 1, comparable. By hand:
    now    D 2 pts debt (3 d, rework), E 1 pt bug (1 d): debt 2/3, p85 of [1, 3] = 1 + 0.85·2 = 2.7 d
    before A 5 pts (2 d, done 5 Feb), B 3 pts debt (6 d, done 10 Feb): debt 3/8, p85 of [2, 6] = 5.4 d
    carry-over: Tiny 2 carried nothing of {D, E}; Tiny 1 carried C of {A, B, C} = 1/3."""
    con, _ = tiny
    th = kpis(con, board_id="1", as_of=AS_OF, sprints=1)
    assert (th.period_start, th.period_end, th.previous_start, th.previous_end) == (
        date(2026, 2, 16), date(2026, 2, 27), date(2026, 2, 4), date(2026, 2, 15))
    assert th.previous_comparable and [s.name for s in th.previous_sprints] == ["Tiny 1"]
    assert (th.issues, th.previous_issues) == (2, 2)
    debt, p85, carry = th.kpi("debt_share"), th.kpi("cycle_time_p85"), th.kpi("carry_over")
    assert (debt.value, debt.previous) == pytest.approx((2 / 3, 3 / 8))
    assert (p85.value, p85.previous) == pytest.approx((2.7, 5.4))
    assert (carry.value, carry.previous, carry.n, carry.previous_n) == pytest.approx((0, 1 / 3, 1, 1))
    assert p85.status == "good"                               # −50 %
    _, slide = open_slide(build_tech_health(th))
    assert tile(slide, "debt_share")["Delta"] == "▲ +29 pp vs 38 %"     # 66.7 − 37.5 = 29.2 pp; 37.5 → 38
    assert tile(slide, "debt_share")["Detail"] == "target 20 % · n = 2 (2 before)"
    assert tile(slide, "cycle_time_p85")["Delta"] == "▼ −2.7 d (−50 %) vs 5.4 d"
    assert tile(slide, "carry_over")["Detail"] == "0 issues · 0 pt in 1 sprint (1 before)"
    assert tile(slide, "escaped_bugs")["Delta"] == "▲ +1 vs 0"
    assert "compared with 4 Feb – 15 Feb 2026 (1 sprint)" in text(slide, "Subtitle")
    notes = slide.notes_slide.notes_text_frame.text
    assert ("- Cycle time p85: 2.70 days (2 issues); previous period 5.40 days (2 issues); "
            "change −2.70 days (−50.0 %) — GOOD") in notes
    assert ("- Carry-over: 0.0 % (1 sprint); previous period 33.3 % (1 sprint); change −33.3 pp — GOOD "
            "(0 issues · 0 pt in 1 sprint)") in notes


def test_demo_short_previous_period_gives_no_change_driven_verdict(demo_con):
    """Borealis as of 1 Sep 2026: the previous period holds BOR Sprint 1 only (the team's
    first), against 6 sprints now. Cycle time rose by more than the bad limit, but that
    change is not judged: the p85 is judged by its days (under 10: good)."""
    th = kpis(demo_con, board_id="2", as_of=datetime(2026, 9, 1, 23, 59, 59, tzinfo=UTC))
    assert len(th.sprints) == 6 and [s.name for s in th.previous_sprints] == ["BOR Sprint 1"]
    assert th.previous_comparable is False
    p85 = th.kpi("cycle_time_p85")
    assert p85.value / p85.previous - 1 > Thresholds().cycle_time_bad_increase   # would have been BAD
    assert p85.value <= Thresholds().cycle_time_watch_days and p85.status == "good"
    assert all(k.delta_text() == "previous period too short to compare" for k in th.kpis)
    # verdicts that never used the change stay as they were: debt share against its target
    assert th.kpi("debt_share").status == ("bad" if th.kpi("debt_share").value < 0.15 else "watch")


# --------------------------------------------------------------------------- All teams
def test_all_teams_chart_has_a_series_per_team_and_notes_name_the_team(demo_con):
    th = kpis(demo_con)
    assert th.teams == ("Atlas", "Borealis")
    _, slide = open_slide(build_tech_health(th))
    chart = shape(slide, "Chart").chart
    bars = {s.name: list(s.values) for s in chart.plots[0].series}
    assert list(bars) == ["Atlas", "Borealis"]
    # each team's bars only over its own sprints, the values those of the chart
    for team, values in bars.items():
        for v, g, want in zip(values, th.chart.groups, th.chart.series[0].values, strict=True):
            assert (v is None) if g != team else v == pytest.approx(want), (team, g)
    assert [s.name for s in chart.plots[1].series] == ["Target 20 %"]
    assert [c.label for c in chart.plots[0].categories.levels[1]] == ["Atlas", "Borealis"]
    notes = slide.notes_slide.notes_text_frame.text
    for cat, team in zip(th.chart.categories, th.chart.groups, strict=True):
        assert f"- {team} · {cat}: " in notes
    for s in th.sprints:
        assert f"- {th.team_of(s.board_id)} · {s.name} (" in notes


def test_all_teams_lists_each_teams_latest_retro(demo_con):
    th = kpis(demo_con)
    assert [r.team for r in th.retros] == ["Atlas", "Borealis"]
    for r, board in zip(th.retros, ("1", "2"), strict=True):   # each the team's own latest retro
        assert r == kpis(demo_con, board_id=board).retros[0]
    notes = open_slide(build_tech_health(th))[1].notes_slide.notes_text_frame.text
    assert "Latest retro of each team:" in notes
    for r in th.retros:
        assert f"{r.team} — {r.title} ({r.held_on:%-d %b %Y}): {len(r.open_actions)} open action item" in notes
        for t, *_ in r.open_actions:
            assert t in notes
    bor = th.retros[1]
    assert len(bor.open_actions) > 0                     # the open actions the page used to miss


def test_notes_read_like_a_report(demo_con):
    for board in (None, "2"):
        th = kpis(demo_con, board_id=board)
        notes = open_slide(build_tech_health(th))[1].notes_slide.notes_text_frame.text
        assert "work_mix" not in notes and "from " not in notes.split("Chart")[1].split("\n")[0]
        assert "Target 20 % 20" not in notes and " 1 issues" not in notes and " 1 sprints" not in notes
        assert not re.search(r"say/do \d\.\d\d", notes)                  # a share, not a ratio
        say_do = re.findall(r"say/do (\S+ ?%?)", notes)
        assert say_do and all(re.fullmatch(r"\d+\.\d %", v) for v in say_do), say_do
        assert re.search(r"target 20\.0 %", notes)                       # one precision for shares


def test_latest_retros_keep_the_most_recent_teams(demo_con):
    """At most `limit` teams' retros: those held most recently (Atlas 13 Nov after Borealis
    6 Nov), and the count of the rest, which the notes mention."""
    from dataclasses import replace

    from queries.tech_health import latest_retros

    both, left = latest_retros(demo_con, None, date(2026, 11, 18))
    assert [r.team for r in both] == ["Atlas", "Borealis"] and left == 0
    one, left = latest_retros(demo_con, None, date(2026, 11, 18), limit=1)
    assert [(r.team, r.held_on) for r in one] == [("Atlas", date(2026, 11, 13))] and left == 1
    th = replace(kpis(demo_con), retros=one, retro_teams_left_out=1)
    notes = slides.speaker_notes(th)
    assert "Latest retro of each team:" in notes and "(and 1 more team with a retro:" in notes


def test_notes_of_many_teams_count_their_sprints_instead_of_listing_each():
    """Exported for All teams at 100k demo issues (500 teams), the notes listed 3,250 sprints a
    line each and named 2,750 more on one line: 500,607 characters."""
    from dataclasses import replace

    from queries.tech_health import CHART_TEAMS, SprintRow

    def sprint(i: int, board: int) -> SprintRow:
        return SprintRow(str(i), f"T{board} Sprint {i}", str(board), date(2026, 1, 5), date(2026, 1, 16),
                         10.0, 8.0, 1, 2.0, 0.8)

    teams = CHART_TEAMS + 1
    th = replace(_extreme(), board_id=None, teams=tuple(f"Team {b}" for b in range(teams)),
                 sprint_boards=tuple(str(b) for b in range(teams)), sprint_teams=tuple(f"Team {b}" for b in range(teams)),
                 sprints=tuple(sprint(i, i % teams) for i in range(1200)),
                 previous_sprints=tuple(sprint(i, i % teams) for i in range(1200, 2200)))
    notes = slides.speaker_notes(th)
    assert ("Sprints in the period: 1,200 closed sprints of 5 teams; one team's slide lists its sprints (pick the "
            "team in the sidebar, or export with --team NAME).") in notes
    assert "Previous period: 1,000 sprints." in notes
    assert "T1 Sprint" not in notes and len(notes) < 5_000
    few = replace(th, teams=th.teams[:CHART_TEAMS], sprints=th.sprints[:2], previous_sprints=th.previous_sprints[:1])
    notes = slides.speaker_notes(few)   # up to the chart's teams, each sprint a line, as before
    assert "- Team 0 · T0 Sprint 0 (5 Jan – 16 Jan 2026): committed 10 pt, completed 8 pt" in notes
    assert "Previous period: Team 0 · T0 Sprint 1200" in notes


def test_team_names_are_matched_by_the_pages_rule(demo_con):
    """`--team` once matched boards by Python's casefold without trimming (" Atlas" found no
    board, "STRASSE" found "Straße"), the retro teams by SQL's lower(trim()): one rule now
    (marts/team_key.sql) for both."""
    from dashboard.cli_export import board_for_team

    assert board_for_team(demo_con, "  atlas ") == "1" and board_for_team(demo_con, "BOREALIS") == "2"
    with pytest.raises(RetroscopeError, match="no board has that name"):
        board_for_team(demo_con, "Atla")
