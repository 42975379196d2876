"""The look written into each figure (charts._look) and the plain lists a chart is sent as
(components._plain, components._figure) keep what a reader saw with Plotly's own template:
no grid line through horizontal bars, axis titles keep their look, numeric labels read as
numbers, small values keep their digits, and changed data always gets a new datarevision.
charts._look writes the look without plotly.py's validation (it took half of a six-panel
sprint chart's build), and the per-team sprint charts are made without it altogether
(charts._per_team): each figure must send exactly what the same values set with validation
send, and later edits must still be validated."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from dashboard import charts, components, present

SPRINTS = pd.DataFrame({
    "sprint_id": ["a1", "a2", "b1", "c1"], "label": ["ATL Sprint 1", "ATL Sprint 2", "BOR Sprint 1", "CYG Sprint 1"],
    "team": ["Atlas", "Atlas", "Borealis", "Cygnus"], "is_running": [False, False, True, False],
    "start_at": pd.to_datetime(["2026-09-01", "2026-09-15", "2026-09-03", "2026-09-05"]),
    "committed_points": [20.0, 18.0, 15.0, 9.0], "completed_points": [17.0, 18.0, 6.0, 9.0],
    "added_points": [3.0, 0.0, 2.0, 1.0], "removed_points": [1.0, 2.0, 0.0, 0.0],
    "carryover_points": [3.0, 0.0, None, 0.0], "say_do_ratio": [0.85, 1.0, None, 1.0]})
MIX = pd.DataFrame({"sprint_id": ["a1", "a1", "a2", "b1", "c1"], "work_type": ["debt", "feature", "feature", "bug", "debt"],
                    "share": [0.25, 0.75, 1.0, 1.0, 1.0]})
BUILDS = {"velocity": lambda: charts.velocity(SPRINTS, "a note", "label", "a2"),
          "velocity one team": lambda: charts.velocity(SPRINTS[SPRINTS["team"] == "Atlas"]),
          "scope": lambda: charts.scope_flow(SPRINTS),
          "work mix": lambda: charts.debt_share(MIX, 0.2, SPRINTS, "a note"),
          "empty": lambda: charts.empty()}
# charts made validated and given their look by charts._layout (the per-team ones are made
# without validation from the start)
WEEKS = pd.DataFrame({"week": pd.to_datetime(["2026-09-07", "2026-09-14"]), "cycle_time_p50": [2.0, 3.5],
                      "cycle_time_p85": [6.0, 7.25], "throughput": [4, 6], "wip_end_of_week": [3, 2]})
CALIBRATION = pd.DataFrame({
    "group_by": ["work_type", "work_type", "label", "component"], "group": ["feature", "bug", "ux", "api"],
    "n": [40, 12, 3, 25], "too_small": [False, False, True, False], "bias": [1.4, 0.8, 2.0, 1.1],
    "bias_ci_low": [1.2, 0.6, 1.0, 0.9], "bias_ci_high": [1.7, 1.1, 3.5, 1.3], "overrun_rate": [0.3, 0.1, 0.67, 0.2],
    "overrun_ci_low": [0.18, 0.02, 0.2, 0.09], "overrun_ci_high": [0.45, 0.35, 0.94, 0.39]})
LAID_OUT = {"p85 trend": lambda: charts.p85_trend(WEEKS), "throughput": lambda: charts.throughput(WEEKS),
            "findings": lambda: charts.findings(pd.DataFrame({"check": ["stale", "stale", "no estimate"]})),
            "where off": lambda: charts.where_off(CALIBRATION), "empty": lambda: charts.empty()}


def _validated(obj, values: dict) -> None:
    for k, v in values.items():
        obj[k] = v


@pytest.mark.parametrize("name", list(LAID_OUT))
def test_the_look_written_unvalidated_sends_what_validated_values_send(monkeypatch, name):
    fast = LAID_OUT[name]()
    monkeypatch.setattr(charts, "_unvalidated", _validated)
    slow = LAID_OUT[name]()
    # the same JSON (its keys may come in another order, which plotly.js does not read)
    assert json.loads(pio.to_json(fast, validate=False)) == json.loads(pio.to_json(slow, validate=False))
    assert fast.layout.xaxis.automargin is True and fast.layout.font.family == charts.FONT


@pytest.mark.parametrize("name", list(BUILDS) + list(LAID_OUT))
def test_every_value_written_unvalidated_is_what_validation_keeps(name):
    # the whole figure made again with validation: an unknown key, a value of the wrong kind or a
    # shorthand plotly.py would expand (marker_color) raises or changes what is sent
    fast = {**BUILDS, **LAID_OUT}[name]()
    again = go.Figure(fast.to_dict())
    assert json.loads(pio.to_json(fast, validate=False)) == json.loads(pio.to_json(again, validate=False))


def test_later_edits_are_still_validated():
    fig = charts.velocity(SPRINTS)
    with pytest.raises(ValueError):
        fig.update_layout(xaxis_tickangle="steep")
    with pytest.raises(ValueError):
        fig.data[0].update(marker_pattern_fillmode="bogus")   # a key the look wrote unvalidated
    # the say/do line: a trace the figure was made with, unvalidated, and the look did not touch
    with pytest.raises(ValueError):
        fig.data[3].mode = "wiggle"
    with pytest.raises(ValueError):
        fig.data[3].update(line_color="not a colour")


def test_horizontal_bars_have_no_grid_line_through_them():
    # plotly.js leaves the grid off a bar chart's category axis; a grid colour written into the
    # figure (not a template) would switch it on
    fig = charts.findings(pd.DataFrame({"check": ["stale", "stale", "no estimate"]}))
    assert fig.layout.yaxis.showgrid is False and fig.layout.yaxis.zeroline is False
    assert fig.layout.xaxis.showgrid is False   # X_LOOK: no vertical grid lines on any chart
    plain = charts._layout(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "x", "y")
    assert plain.layout.yaxis.showgrid is None   # a line chart's y axis: plotly.js's default (on)


def test_numeric_text_labels_read_as_plotly_js_writes_them():
    fig = charts.findings(pd.DataFrame({"check": ["a"] * 15 + ["b"] * 1200}))
    assert fig.data[0].text == ("15", "1,200")
    t = go.Bar(x=[1.0, 2.0], y=["a", "b"], text=np.array([15.0, 2.5]), hovertext=np.array([3, 4]))
    components._plain(t)
    assert t.text == ("15", "2.5") and t.hovertext == ("3", "4")
    t = go.Bar(x=[1.0], y=["a"], text=np.array([np.nan]))
    components._plain(t)
    assert t.text == ("",)


def test_small_values_keep_their_digits():
    # rounding to 6 decimal places turned 4e-7 into 0 and 1.23456e-5 into 1.2e-5
    t = go.Scatter(x=np.array([1.0, 2.0, 3.0]), y=np.array([3.4e-6, 1.23456e-5, 4e-7]))
    components._plain(t)
    assert t.y == (3.4e-6, 1.23456e-5, 4e-7)
    # float32 (charts._f32) in the shortest decimals that give the same float32
    t = go.Scatter(x=[1, 2], y=np.array([6.373557, 0.1], dtype=np.float32))
    components._plain(t)
    assert t.y == (6.373557, 0.1)
    assert np.float32(t.y[0]) == np.float32(6.373557)


def test_changed_data_gets_a_new_datarevision():
    a = pd.DataFrame({"check": ["stale", "stale", "no estimate"]})
    b = pd.DataFrame({"check": ["stale", "no estimate", "no estimate"]})
    first = components._figure("findings", (a,)).layout.datarevision
    assert components._figure("findings", (a.copy(),)).layout.datarevision == first   # same data: same figure
    assert components._figure("findings", (b,)).layout.datarevision != first


def test_burnup_axis_titles_keep_their_look():
    at = pd.Timestamp("2026-01-05", tz="UTC")
    series = pd.DataFrame({"instant": [at, at + pd.Timedelta(days=1)], "scope_points": [5.0, 8.0],
                           "done_points": [0.0, 3.0], "remaining_points": [5.0, 5.0],
                           "scope_issues": [2, 3], "done_issues": [0, 1], "remaining_issues": [2, 2]})
    fig = charts.burnup(series, pd.DataFrame(columns=["issue_key", "points"]))
    for axis in (fig.layout.yaxis, fig.layout.yaxis2):
        assert axis.title.font.size == 14 and axis.title.standoff == 24
    assert fig.layout.yaxis.title.text == "story points" and fig.layout.yaxis2.title.text == "issues"


def _sampled_issues(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"completed_at": pd.date_range("2026-01-01", periods=n, freq="h", tz="UTC"),
                         "cycle_time_days": rng.uniform(0.5, 20, n), "issue_key": [f"K-{i}" for i in range(n)],
                         "work_type": rng.choice(["feature", "bug", "debt"], n)})


def test_a_sampled_scatter_draws_no_colour_bar_and_its_lines_above_the_dots():
    """Past MAX_POINTS the dots are WebGL, which plotly.js draws above every SVG trace: the
    weekly p50/p85 lines were hidden under 2,000 dots, and the colour-bar look Plotly's template
    gives WebGL markers, written into each trace, drew an unlabelled colour bar per trace."""
    weekly = pd.DataFrame({"week": pd.date_range("2026-01-05", periods=12, freq="W-MON", tz="UTC"),
                           "cycle_time_p50": 3.0, "cycle_time_p85": 9.0})
    fig = charts.cycle_scatter(_sampled_issues(charts.MAX_POINTS + 1), weekly)
    sent = json.loads(pio.to_json(fig, validate=False))
    assert {t["type"] for t in sent["data"]} == {"scattergl"}                 # dots and lines in one layer
    assert [t["name"] for t in sent["data"]][-2:] == ["p50 (weekly)", "p85 (weekly)"]   # drawn last: on top
    assert not [t for t in sent["data"] if "colorbar" in t.get("marker", {})]
    # the sample's note sits above the legend's row (five entries: a row of two at half width)
    note = next(a for a in sent["layout"]["annotations"] if a.get("name") == "note")
    assert note["text"] == f"{charts.MAX_POINTS:,} of {charts.MAX_POINTS + 1:,} issues drawn"
    assert note["yshift"] == charts.NOTE_LIFT[1] and sent["layout"]["margin"]["t"] == 92
    small = json.loads(pio.to_json(charts.cycle_scatter(_sampled_issues(50), weekly), validate=False))
    assert {t["type"] for t in small["data"]} == {"scatter"}                 # all SVG when nothing is sampled
    assert not [a for a in small["layout"].get("annotations", []) if a.get("name") == "note"]


def test_ageing_wip_names_issues_whose_labels_do_not_sit_on_each_other():
    """At 500 teams the 40 oldest issues were named in four status columns, ten labels printed
    over each other in each. Per column now: the oldest first, none within WIP_LABEL_GAP of the
    axis (0 to 30 days here: 1.8 days) of one already named, at most WIP_LABELS."""
    assert (charts.WIP_LABEL_GAP, charts.WIP_LABELS) == (0.06, 8)
    wip = pd.DataFrame({"issue_key": [f"A-{i}" for i in range(6)] + [f"B-{i}" for i in range(12)],
                        "status": ["In Progress"] * 6 + ["Review"] * 12,
                        "age_days": [30, 29.9, 25, 20, 19.5, 10] + [30 - 2 * i for i in range(12)]})
    named = charts._labelled(wip, "status", "age_days", 30.0)
    by_status = named.groupby("status")["issue_key"].apply(list).to_dict()
    assert by_status["In Progress"] == ["A-0", "A-2", "A-3", "A-5"]          # 29.9 and 19.5 sit on 30 and 20
    assert by_status["Review"] == [f"B-{i}" for i in range(8)]               # 30, 28, ... 16: eight at most


def test_ageing_wip_percentile_labels_sit_in_the_margin_apart():
    """The percentile lines' labels sat inside the plot at its right end, on the last status
    column's issue labels, and on each other when two percentiles were close. They sit in the
    right margin now, level with their lines, at least WIP_LINE_LABEL_PX apart."""
    wip = pd.DataFrame({"issue_key": ["A-1", "A-2", "A-3"], "status": ["In Progress", "Review", "Review"],
                        "age_days": [4.0, 19.0, 20.0]})
    fig = charts.ageing_wip(wip, lines=(("p50", 10.0), ("p85", 10.5), ("p95", 30.0)))
    labels = {a.text: a for a in fig.layout.annotations if a.text and a.text.startswith("p")}
    assert set(labels) == {"p50: 10.0 d", "p85: 10.5 d", "p95: 30.0 d"}
    assert all((a.xref, a.x, a.xanchor) == ("x domain", 1, "left") for a in labels.values())   # outside the plot
    assert fig.layout.margin.r >= 80                                                            # room for them
    # axis 0-30 days on ~200 px: p50 at 66.7 px, p85 at 70 px -> moved up to 78.7 px (9 px); p95 far above
    assert [labels[k].yshift or 0 for k in ("p50: 10.0 d", "p85: 10.5 d", "p95: 30.0 d")] == [0, 9, 0]
    assert charts._apart([5.0, 5.0, 5.0], 10.0) == [0, 12, 24]


def test_sprint_start_lines_stop_under_the_chosen_sprints_name():
    """The chosen sprint's name sits at the top of the shaded sprint; the next sprint's dotted
    start line (within the name's width for a two-week sprint on a six-month axis) crossed it out.
    The lines stop under the name's row now; the shading still spans the plot."""
    weekly = pd.DataFrame({"week": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"]),
                           "cycle_time_p50": [2.0, 3.0, 2.5], "cycle_time_p85": [5.0, 6.0, 5.5]})
    starts = tuple(pd.to_datetime(["2026-03-02", "2026-03-16"], utc=True))
    fig = charts.in_sprint("p85_trend", (starts[0], starts[1], "ATL Sprint 11"), starts, weekly)
    lines = [sh for sh in fig.layout.shapes if sh.type == "line"]
    shade = next(sh for sh in fig.layout.shapes if sh.type == "rect")
    name = next(a for a in fig.layout.annotations if a.text == "ATL Sprint 11")
    assert len(lines) == 2 and all(sh.y1 == charts.SPRINT_LINE_TOP < 1 for sh in lines)
    assert (shade.y0, shade.y1) == (0, 1) and (name.y, name.yanchor) == (1, "top")


def test_time_in_status_legend_tells_median_from_p85():
    """The legend showed two dark-blue swatches (a trace's swatch takes its first bar's colour and
    ignores its opacity), so the longer, light p85 bar read as the median. The legend's entries are
    now their own, in the two shades; the bars keep orange for waiting statuses."""
    tis = pd.DataFrame({"status": ["To Do", "In Progress"], "issues": [10, 9], "median_days": [16.0, 3.0],
                        "p85_days": [26.0, 7.0], "is_waiting": [True, False]})
    fig = charts.time_in_status(tis)
    shown = [t for t in fig.data if t.showlegend is not False]
    assert [t.name for t in shown] == ["median", "p85"]
    assert [t.marker.color for t in shown] == ["rgba(59, 111, 182, 1)", "rgba(59, 111, 182, 0.35)"]
    bars = {t.name: list(t.marker.color) for t in fig.data if t.type == "bar"}
    # bars listed bottom-up (In Progress, then To Do, which waits)
    assert bars == {"median": ["rgba(59, 111, 182, 1)", "rgba(224, 138, 46, 1)"],
                    "p85": ["rgba(59, 111, 182, 0.35)", "rgba(224, 138, 46, 0.35)"]}
    assert all(t.showlegend is False for t in fig.data if t.type == "bar")


def test_a_right_hand_axis_has_round_ticks_of_its_own():
    """plotly.js lines an overlaying axis's ticks up with the left axis's gridlines, so a rework
    rate up to 76 % was labelled 0/15/31/46/61/76. A right-hand axis without a step of its own
    asks for round ticks."""
    df = pd.DataFrame({"week": pd.date_range("2026-08-03", periods=3, freq="7D"), "qa_bounces": [1, 3, 0],
                       "reopens": [0, 1, 0], "rework_rate": [0.1, 0.76, 0.0]})
    assert charts.rework_trend(df).layout.yaxis2.tickmode == "auto"
    sprints = pd.DataFrame({"team": ["Atlas", "Atlas", "Borealis"], "sprint_id": ["1", "2", "3"],
                            "label": ["S1", "S2", "B1"], "start_at": pd.to_datetime(["2026-08-03"] * 3),
                            "committed_points": [10.0, 12.0, 8.0], "completed_points": [8.0, 12.0, 5.0],
                            "added_points": [1.0, 0.0, 2.0], "say_do_ratio": [0.8, 1.0, 0.625],
                            "is_running": [False, False, False]})
    right = [ax for name, ax in charts.velocity(sprints).layout.to_plotly_json().items()
             if name.startswith("yaxis") and ax.get("overlaying")]
    # one say/do axis per team panel, each with its own step (every 25 %), never synced
    assert len(right) == 2 and all(ax.get("dtick") == 25 and ax.get("tickmode") != "sync" for ax in right)


def test_the_week_so_far_is_shaded_not_read_as_a_drop():
    """The last ISO week before the as-of instant was drawn as a full week: 2 issues completed
    in the two days it had read as a collapse of throughput and of p85. Hand-worked: as of
    Wed 18 Nov 2026 17:00 UTC the week of Mon 16 Nov is partial, that of 9 Nov complete; as of
    Sun 22 Nov 23:59:59 the week of 16 Nov is complete."""
    weekly = pd.DataFrame({"week": pd.to_datetime(["2026-11-09", "2026-11-16"]).date, "throughput": [16, 2],
                           "wip_end_of_week": [7, 10], "cycle_time_p50": [3.3, 2.7], "cycle_time_p85": [7.8, 3.2]})
    marked = present.mark_partial_week(weekly, pd.Timestamp("2026-11-18 17:00", tz="UTC"))
    assert marked["partial"].tolist() == [False, True]
    full = present.mark_partial_week(weekly, pd.Timestamp("2026-11-22 23:59:59", tz="UTC"))
    assert full["partial"].tolist() == [False, False]
    for fig in (charts.throughput(marked), charts.p85_trend(marked)):
        shade = [s for s in fig.layout.shapes if s.type == "rect"]
        assert len(shade) == 1 and [a.text for a in fig.layout.annotations if a.name == "so far"] == ["so far"]
        mid = pd.Timestamp("2026-11-16", tz="UTC").value / 1e6          # epoch ms of the week's Monday
        assert (shade[0].x0, shade[0].x1) == (mid - 3.5 * 86_400_000, mid + 3.5 * 86_400_000)
    for fig in (charts.throughput(full), charts.p85_trend(weekly)):   # a complete week, or no as-of known
        assert not fig.layout.shapes


def test_the_tech_health_charts_bars_are_labelled_so_zero_is_a_figure():
    """Sprint 6 completed no debt work: its 0 % bar has no height, and without a label it read as
    missing data. Every bar is labelled as the slide labels them ('0 %'); a sprint without a value
    gets none."""
    from dashboard.charts import slide_chart
    from queries.tech_health import Chart, Series

    chart = Chart("Tech-debt share per sprint", ("Sprint 5", "Sprint 6", "Sprint 7"),
                  (Series("debt share", (0.25, 0.0, None)), Series("target", (0.2, 0.2, 0.2), "line")),
                  "0%", "share of completed points", "work_mix")
    bars = [t for t in slide_chart(chart).data if t.type == "bar"]
    assert [list(b.text) for b in bars] == [["25 %", "0 %", ""]]


def test_a_note_sits_above_the_legend_not_on_it():
    """Time in status wrote its note ("no status here matches [workflow] waiting_pattern") after
    the layout had placed the legend, on the legend's own row: the two overprinted. A note is
    now lifted above a one-row legend, with the top margin made for both."""
    tis = pd.DataFrame({"status": ["To Do", "In Progress"], "issues": [10, 9], "median_days": [16.0, 3.0],
                        "p85_days": [26.0, 7.0], "is_waiting": [False, False]})
    fig = charts.time_in_status(tis)
    note = next(a for a in fig.layout.annotations if a.name == "note")
    assert note.text == "no status here matches [workflow] waiting_pattern"
    assert (note.y, note.yanchor, note.yshift) == (1.02, "bottom", charts.NOTE_LIFT[0])
    assert fig.layout.legend.y == 1.02 and fig.layout.margin.t >= 70
    # the burn-up's title note, the same way (its legend: scope, done, remaining and the events)
    at = pd.Timestamp("2026-01-05", tz="UTC")
    series = pd.DataFrame({"instant": [at, at + pd.Timedelta(days=1)], "scope_points": [5.0, 8.0],
                           "done_points": [0.0, 3.0], "remaining_points": [5.0, 5.0],
                           "scope_issues": [2, 3], "done_issues": [0, 1], "remaining_issues": [2, 2]})
    fig = charts.burnup(series, pd.DataFrame(columns=["issue_key", "points"]), "ATL Sprint 3")
    note = next(a for a in fig.layout.annotations if a.name == "note")
    assert note.text == "ATL Sprint 3" and (note.yshift or 0) > 0 and fig.layout.margin.t >= 70


def test_where_off_one_line_runs_through_each_rows_marks_not_its_name():
    """On a phone the dotted 1.0x line crossed the group names written above each row. It is
    one short line per row now, from under the row's marks to just above them (a row's name sits
    above its centre, 6 px up: above +0.12 of a row)."""
    fig = charts.where_off(CALIBRATION)
    lines = [sh for sh in fig.layout.shapes if sh.type == "line"]
    assert len(lines) == 4                                                   # one per group drawn
    assert all((sh.x0, sh.x1, sh.xref, sh.yref) == (1.0, 1.0, "x", "y") for sh in lines)
    assert [(sh.y0, sh.y1) for sh in lines] == [(i - 0.42, i + 0.12) for i in range(4)]


def test_forecast_charts_keep_their_labels_apart_on_a_phone():
    """On a 390 px phone the two 'held to account' panels side by side overprinted their titles
    and axis titles, and the left one's 'days' title was lost to the layout; the 50/85/95 %
    labels of the 'when' distribution, a few days apart, overprinted each other. The panels are
    now one above the other, each with its own axis titles; each label has a row of its own."""
    rows = []
    for fid, kind, made in (("f1", "when", "2026-10-01"), ("f2", "how_many", "2026-10-01")):
        for c, on, n in ((0.5, "2026-10-08", 6), (0.85, "2026-10-10", 4), (0.95, "2026-10-12", 2)):
            rows.append({"forecast_id": fid, "kind": kind, "as_of_day": made, "confidence": c, "outcome": "came true",
                         "forecast_on": on if kind == "when" else None, "forecast_items": None if kind == "when" else n,
                         "actual_on": "2026-10-09" if kind == "when" else None,
                         "actual_items": None if kind == "when" else 5})
    fig = charts.forecast_vs_actual(pd.DataFrame(rows))
    lay = fig.layout
    assert lay.yaxis.domain[0] > lay.yaxis2.domain[1]                       # 'when' above 'how many'
    assert (lay.yaxis.title.text, lay.yaxis2.title.text) == ("days", "items")
    assert lay.xaxis.domain == lay.xaxis2.domain == (0.0, 1.0)
    hist = pd.DataFrame({"on_date": pd.to_datetime(["2026-12-10", "2026-12-11", "2026-12-12"]),
                         "share": [0.3, 0.5, 0.2], "cumulative": [0.3, 0.8, 1.0]})
    fc = pd.DataFrame({"question": ["when"] * 3, "confidence": [0.5, 0.85, 0.95],
                       "on_date": pd.to_datetime(["2026-12-11", "2026-12-12", "2026-12-12"])})
    labels = [a for a in charts.forecast_distribution(hist, fc, 20).layout.annotations if " %: " in a.text]
    assert [a.text for a in labels] == ["50 %: 11 Dec", "85 %: 12 Dec", "95 %: 12 Dec"]
    assert len({a.yshift for a in labels}) == 3                             # three rows, none on another


def test_the_chosen_sprints_name_has_room_and_does_not_stretch_the_dates():
    """The chosen sprint's name sits at the top of the plot: the tallest bar ran into it, and on a
    phone Plotly widened the date axis to hold the name's text, two months past the data. The
    left axis now reaches 15 % above the tallest (stacked) bar; the dates stop 4 days past the
    last week or the sprint's end, whichever is later; the latest sprint's name ends at its end
    (from its start it ran off the plot's right edge)."""
    weekly = pd.DataFrame({"week": pd.to_datetime(["2026-03-02", "2026-03-09", "2026-03-16"]),
                           "qa_bounces": [1, 3, 2], "reopens": [2, 4, 0], "rework_rate": [0.1, 0.76, 0.2]})
    window = (pd.Timestamp("2026-03-09 09:00", tz="UTC"), pd.Timestamp("2026-03-20 16:00", tz="UTC"), "ATL Sprint 11")
    fig = charts.in_sprint("rework_trend", window, (window[0],), weekly)
    assert list(fig.layout.yaxis.autorangeoptions.include) == pytest.approx([7 * 1.15])   # 3 + 4 stacked
    assert fig.layout.yaxis2.autorangeoptions.include is None                              # the rate's own axis
    x = fig.layout.xaxis.autorangeoptions
    assert x.clipmin == pd.Timestamp("2026-02-26", tz="UTC").timestamp() * 1000         # first week − 4 days
    assert x.clipmax == pd.Timestamp("2026-03-24 16:00", tz="UTC").timestamp() * 1000   # sprint's end + 4 days
    name = next(a for a in fig.layout.annotations if a.text == "ATL Sprint 11")
    assert (name.x, name.xanchor) == (window[0].timestamp() * 1000, "left")                # from its start
    # the latest sprint (starting in the axis's last quarter): its name ends at its end, in the plot
    late = (pd.Timestamp("2026-03-16 09:00", tz="UTC"), window[1], "ATL Sprint 12")
    name = next(a for a in charts.in_sprint("rework_trend", late, (window[0],), weekly).layout.annotations
                if a.text == "ATL Sprint 12")
    assert (name.x, name.xanchor) == (window[1].timestamp() * 1000, "right")
    # stacked areas (the CFD's bands) are summed per day: 3 + 4 + 5 on the last day
    cfd = pd.DataFrame({"day": pd.to_datetime(["2026-03-02"] * 3 + ["2026-03-03"] * 3), "level": "status",
                        "status": ["To Do", "In Progress", "Done"] * 2, "issues": [5, 2, 1, 3, 4, 5],
                        "category": ["todo", "in_progress", "done"] * 2})
    fig = charts.in_sprint("cfd", window, (window[0],), cfd)
    assert list(fig.layout.yaxis.autorangeoptions.include) == pytest.approx([12 * 1.15])
    # a chart sent as epoch milliseconds (the cycle-time scatter) is read as such, not as 1970
    issues = pd.DataFrame({"issue_key": ["A-1", "A-2"], "completed_at": pd.to_datetime(["2026-03-03", "2026-03-12"], utc=True),
                           "cycle_time_days": [2.0, 5.0], "work_type": ["feature", "bug"]})
    fig = charts.in_sprint("cycle_scatter", window, (window[0],), issues, weekly.assign(cycle_time_p50=[1.0, 2.0, 3.0],
                                                                                         cycle_time_p85=[2.0, 4.0, 6.0]))
    x = fig.layout.xaxis.autorangeoptions
    assert x.clipmin == pd.Timestamp("2026-02-26", tz="UTC").timestamp() * 1000
    assert x.clipmax == pd.Timestamp("2026-03-24 16:00", tz="UTC").timestamp() * 1000


def test_a_named_issue_stands_beside_its_dot_and_the_effect_axis_title_fits_a_phone():
    """On a phone the ageing-WIP names sat on their own dots (text centred above the point, with
    no marker of its own to keep clear of); the effect chart's axis title, 'relative effect on the
    metric (%, bar = 95 % interval)', ran off the right edge. A name stands to the right of its
    dot now; the axis title is short (the caption says what the effect and the bar are)."""
    wip = pd.DataFrame({"issue_key": ["A-1", "A-2", "A-3"], "status": ["In Progress", "Review", "In Progress"],
                        "age_days": [4.0, 19.0, 12.0], "work_type": ["feature", "feature", "bug"]})
    named = next(t for t in charts.ageing_wip(wip, lines=(("p85", 3.0),)).data if t.name == "named")
    assert (named.mode, named.marker.size, named.cliponaxis) == ("markers+text", 10, False)
    assert named.marker.color == "rgba(0, 0, 0, 0)"
    # the columns left to right: In Progress (the bug trace's, drawn first), Review; the last
    # column's names stand to the left of their dots, where the plot does not end
    sides = dict(zip(named.text, named.textposition, strict=True))
    assert sides == {"A-1": "middle right", "A-3": "middle right", "A-2": "middle left"}
    imp = pd.DataFrame({"item_key": ["E-1"], "metric": ["nps"], "effect_rel": [0.05], "ci_low_rel": [0.01],
                        "ci_high_rel": [0.09], "verdict": ["moved"], "item_name": ["Epic"]})
    assert charts.effect_interval(imp).layout.xaxis.title.text == "effect (%)"
