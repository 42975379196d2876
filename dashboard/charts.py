"""DataFrame → plotly figure builders. No Streamlit here: every builder takes the frame a
query returned and gives back a figure with titled axes and units; the page shows it with
`components.chart(fig, how_text, key)`."""

from __future__ import annotations

import functools
import json
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard import present, safe_text
from queries.dates import day_words
from queries.forecast import BEYOND_HORIZON

BLUE, ORANGE, GREEN, RED, GREY, PURPLE = "#3b6fb6", "#e08a2e", "#3a9a5b", "#c8453b", "#9aa3ad", "#7a5ab8"
WORK_TYPE_COLOURS = {"feature": BLUE, "bug": RED, "debt": ORANGE}
STATUS_COLOURS = {"todo": "#c9d3df", "in_progress": "#f0b45b", "done": "#5fae79", "unknown": GREY}
VERDICT_COLOURS = {"moved": GREEN, "moved the wrong way": RED, "no detectable change": GREY,
                   "too early": ORANGE, "not enough data": GREY}


MAX_POINTS = 2000   # per scatter: beyond this, a seeded sample is drawn (WebGL) and the title says so


def _f32(values) -> np.ndarray:
    """Numbers as float32: plotly ships numeric arrays as binary, half the bytes of float64
    (ample for days and points on a chart)."""
    return np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=np.float32)


def _ms(values) -> np.ndarray:
    """Instants as epoch milliseconds (binary floats, not 32-character ISO strings); the axis
    is a date axis."""
    ts = pd.to_datetime(pd.Series(values), utc=True)
    return ((ts - pd.Timestamp(0, tz="UTC")) / pd.Timedelta(milliseconds=1)).to_numpy(dtype=np.float64)


def _instants(values) -> pd.Series:
    """A date axis's values as UTC instants: epoch milliseconds (what _ms sends), ISO strings,
    dates or Timestamps; anything else NaT."""
    v = pd.Series(list(values))
    if pd.api.types.is_numeric_dtype(v):
        return pd.to_datetime(v, unit="ms", utc=True, errors="coerce")
    return pd.to_datetime(v, utc=True, errors="coerce", format="mixed")


def _sample(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """At most MAX_POINTS rows (seeded, so the same data draws the same dots) and a note."""
    if len(df) <= MAX_POINTS:
        return df, ""
    return df.sample(MAX_POINTS, random_state=7).sort_index(), f"{MAX_POINTS:,} of {len(df):,} issues drawn"


def _note(fig: go.Figure, note: str) -> None:
    """A note at the plot's top right (what a sample leaves out, what a colour means); above the
    legend's row when the chart has a legend (_layout), which it would otherwise run into."""
    if note:
        fig.add_annotation(text=note, name="note", xref="paper", yref="paper", x=1, y=1.02, showarrow=False,
                           xanchor="right", yanchor="bottom", font=dict(size=10, color=GREY))


# The look of every chart, written into each figure's own layout and traces by `_layout` (no
# template): Plotly's "plotly_white" as Streamlit's light theme showed it, for the parts these
# charts use (2-D axes; bar and scatter traces). A template or Streamlit's theme would make the
# browser's second draw of each chart a full one (docs/pages.md, "Why Streamlit draws each chart
# twice"). Streamlit follows the reader's system setting, so the colours read in its dark theme
# too: transparent backgrounds (the page's own), a mid-grey text (#808495, Streamlit's light
# chart text, 5:1 on the dark page), gridlines of a translucent grey-blue that is the old
# #e6eaf1 on white and about Streamlit's dark grid on dark. No axis lines (a line colour would
# switch them on, as would a minor grid colour). Hover labels stay white with grey text in both themes.
TEXT, GRID = "#808495", "rgba(130, 150, 185, 0.2)"   # GRID is #e6eaf1 on white
FONT = '"Source Sans", sans-serif'
COLORWAY = ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF",
            "#FECB52"]
LOOK = dict(
    font=dict(family=FONT, size=12, color=TEXT, weight=400), colorway=COLORWAY, autotypenumbers="strict",
    paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)", hovermode="closest",
    hoverlabel=dict(align="left", bgcolor="#FFFFFF", bordercolor="#DCD8D4", font=dict(family=FONT, size=12, color=TEXT)),
    title=dict(x=0, xanchor="left", pad=dict(l=4), font=dict(family=FONT, size=16)),
    legend=dict(title=dict(font=dict(size=12, color=TEXT), side="top"), valign="top", bordercolor="rgba(0,0,0,0)",
                borderwidth=0, font=dict(size=12, color=TEXT)),
    margin=dict(pad=8))
_AXIS = dict(automargin=True, gridcolor=GRID, ticks="", zerolinecolor=GRID, zerolinewidth=2,
             tickcolor=GRID, tickfont=dict(color=TEXT, size=12))   # no minor.gridcolor: it switches minor grids on
X_LOOK = dict(_AXIS, title=dict(standoff=20, font=dict(color=TEXT, size=14)), showgrid=False, zeroline=False)
Y_LOOK = dict(_AXIS, title=dict(standoff=24, font=dict(color=TEXT, size=14)), ticklabelposition="outside")
# (No colour bar look for WebGL markers, as Plotly's template has: in a trace, unlike in a template,
# a colorbar object alone makes plotly.js draw a colour bar, one per sampled trace.)
TRACE_LOOK = {"bar": dict(marker=dict(line=dict(color="white", width=0.5),
                                      pattern=dict(fillmode="overlay", size=10, solidity=0.2)),
                          error_x=dict(color="#2a3f5f"), error_y=dict(color="#2a3f5f"))}
ANNOTATION_LOOK, SHAPE_LOOK = dict(arrowcolor="#2a3f5f", arrowhead=0, arrowwidth=1), dict(line=dict(color="#2a3f5f"))


def _under(defaults: dict, own: dict) -> dict:
    """`defaults` with `own` on top (nested dicts merged): what a template does."""
    out = dict(defaults)
    for k, v in own.items():
        out[k] = _under(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _look(fig: go.Figure) -> None:
    """LOOK and the axis, trace, annotation and shape looks under what the builder set; no template.

    Written without plotly.py's validation (as plotly.py writes a template): every value is either
    the builder's own, validated when it was set, or one of the looks above. Validating them again
    took half of a six-panel sprint chart's build (18 axes, 24 traces: ~60 of ~120 ms), paid on
    every sidebar change that alters the chart. What the figure sends is the same either way
    (tests/test_chart_look.py)."""
    lay = fig.layout
    lay.template = None
    own = lay.to_plotly_json()
    looks = {k: _under(v, own[k]) if isinstance(own.get(k), dict) else own.get(k, v) for k, v in LOOK.items()}
    # the category axis of horizontal bars has no grid or zero line (plotly.js's default, which a
    # grid colour set in the figure would otherwise turn on: a line through every bar)
    h_bars = {"yaxis" + (t.yaxis or "y")[1:] for t in fig.data if t.type in ("bar", "box") and t.orientation == "h"}
    for name in own:
        if name.startswith(("xaxis", "yaxis")):
            look = X_LOOK if name[0] == "x" else dict(Y_LOOK, showgrid=False, zeroline=False) if name in h_bars else Y_LOOK
            if own[name].get("overlaying") and "dtick" not in own[name]:   # a right-hand axis without its own
                look = dict(look, tickmode="auto")   # step: round ticks (plotly.js lines an overlaying axis's ticks
                #                                      up with the left one's: 0/15/31/46)
            looks[name] = _under(look, own[name])
    if lay.annotations:
        looks["annotations"] = [_under(ANNOTATION_LOOK, a.to_plotly_json()) for a in lay.annotations]
    if lay.shapes:
        looks["shapes"] = [_under(SHAPE_LOOK, s.to_plotly_json()) for s in lay.shapes]
    _unvalidated(lay, looks)
    for t in fig.data:
        if t.type in TRACE_LOOK:
            _unvalidated(t, _under(TRACE_LOOK[t.type], {k: v for k, v in t.to_plotly_json().items()
                                                        if k in TRACE_LOOK[t.type]}))


def _unvalidated(obj, values: dict) -> None:
    """Set top-level `values` on a plotly.py object (layout or trace) without validating them."""
    obj._validate = False
    try:
        for k, v in values.items():
            obj[k] = v
    finally:
        obj._validate = True


# Margins wide enough for the usual tick labels and axis titles. Plotly still widens a margin
# that is too narrow (axes keep `automargin`), but only by drawing the whole figure a second
# time: with margins of 10 px every chart was drawn twice, the sprint charts' six panels up to
# five times as long (docs/pages.md "What a page sends").
MARGIN = dict(l=80, r=12, t=30, b=74)
LEGEND_TOP = 52   # a legend above the plot needs this much, a note above the legend more
NOTE_LIFT = (22, 44)   # px a note is lifted above a legend of one row (up to 4 entries) / of two


def _margin(fig: go.Figure, legend: bool) -> dict:
    """MARGIN, widened for what this figure carries: text labels on the y axis (bar names),
    a right-hand axis, a note above the legend."""
    m = dict(MARGIN, t=LEGEND_TOP if legend else MARGIN["t"])
    names = [str(v) for t in fig.data if t.y is not None and len(t.y) and isinstance(t.y[0], str) for v in t.y]
    if names:
        m["l"] = int(min(max(m["l"], 7.6 * max(map(len, names)) + 36), 360))
    if "yaxis2" in fig.layout and fig.layout.yaxis2.overlaying:
        m["r"] = 72
    entries = sum(1 for t in fig.data if t.showlegend is not False and t.name)
    above = any(a.yref == "paper" and (a.y or 0) > 1 and a.yanchor == "bottom" for a in fig.layout.annotations)
    if legend and (above or entries > 4):   # a note above the legend, or a legend of two rows
        m["t"] = 70
    if legend and above and entries > 4:     # a note above a legend of two rows
        m["t"] = 92
    return m


def _layout(fig: go.Figure, x: str, y: str, height: int = 330, legend: bool = True) -> go.Figure:
    fig.update_layout(height=height, margin=_margin(fig, legend),
                      xaxis_title=x, yaxis_title=y, showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      hoverlabel=dict(namelength=-1))
    if legend:   # the legend's row starts where a note does: the note goes above it
        entries = sum(1 for t in fig.data if t.showlegend is not False and t.name)
        fig.update_annotations(selector=dict(name="note"), yshift=NOTE_LIFT[entries > 4])
    _look(fig)
    return fig


def empty(message: str = "no data for this selection") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14, color=GREY))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", "", height=200, legend=False)


# --------------------------------------------------------------------------- sprints
def _teams(s: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(team, its sprints by start) per board; one unnamed group when there is no team column."""
    if "team" not in s.columns:
        return [("", s.sort_values("start_at"))]
    return [(safe_text.plot(team), part.sort_values("start_at")) for team, part in s.groupby("team", sort=True)]


# Sprint charts (one panel per team), in px: each panel's plot area, the room between panels
# (the angled sprint labels of one, the team title of the next), above the first panel (its
# team title, the mode bar) and under the last (its sprint labels, the note, a legend of up to
# three rows: Plotly wraps it to the plot area's width, ~190 px for a half-page chart in a
# 1024-px window, where velocity's four entries take three rows; with room for two they lay on
# the note). The legend sits under the plot at every width, so it never takes
# the plot's height nor lies under the mode bar; sized so Plotly draws each figure once.
# The note under the chart wraps at NOTE_CHARS (about 290 px of its 10 px text).
PANEL_PLOT, PANEL_GAP, PANEL_TOP, PANEL_BOTTOM, NOTE_ROW, LEGEND_ROOM, NOTE_CHARS = 240, 128, 40, 176, 14, 76, 52
SPRINT_TICKS = dict(type="category", tickangle=-60, tickfont=dict(size=11), automargin=True)


def _per_team(s: pd.DataFrame, draw, y_title: str, y2_title: str | None = None, note: str = "",
              y2_range: list | None = None, layout: dict | None = None) -> go.Figure:
    """One panel per team (stacked, each sprint labelled on its own axis), so sprints of
    different teams are never interleaved on one axis. `draw(panels, part, row, first)` adds
    the traces of one team (_Panels: `add_bar` / `add_scatter` with `row` and `secondary_y`).
    Every panel's y axis is titled with its unit (and its right-hand axis, on `y2_range`, the
    same range in every panel so panels compare). `layout`: the chart's own layout values.

    Written as plain data and made into a figure once, without plotly.py's validation (what
    make_subplots, add_trace and update_*axes(row=...) spend their time on: ~90 % of a six-panel
    chart's build, paid on every sidebar change that alters it). Every value is the builder's
    own or the grid make_subplots makes; what the figure sends is what the validated figure sent
    (tests/test_chart_look.py)."""
    groups = _teams(s)
    many = len(groups) > 1
    n = len(groups)
    secondary = y2_title is not None
    lines = textwrap.wrap(note, NOTE_CHARS) if note else []   # at phone width too (no text cut off)
    bottom = PANEL_BOTTOM + NOTE_ROW * len(lines)
    height = PANEL_TOP + bottom + n * PANEL_PLOT + (n - 1) * PANEL_GAP
    lay = json.loads(_panel_grid(n, secondary, PANEL_GAP / (height - PANEL_TOP - bottom) if many else 0,
                                 tuple(t for t, _ in groups) if many else None))
    panels = _Panels(secondary)
    for i, (team, part) in enumerate(groups, start=1):
        if "label" in part.columns:   # Jira's sprint names, shown as text (no Plotly pseudo-HTML)
            part = part.assign(label=part["label"].map(safe_text.plot))
        panels.team = team
        draw(panels, _short_labels(part), i, i == 1)
        x, y, y2 = _panel_axes(i, secondary)
        lay[_axis_key(x)].update(SPRINT_TICKS)
        lay[_axis_key(y)].setdefault("title", {})["text"] = y_title
        if y2:
            top = (y2_range or [0, None])[1]
            lay[_axis_key(y2)].update(showgrid=False, tickformat=".0f", title=dict(text=y2_title),
                                      **(dict(range=y2_range, dtick=25 if top <= 150 else 50) if y2_range
                                         else dict(rangemode="tozero", dtick=25)))
    lay.update(height=height, showlegend=True, hoverlabel=dict(namelength=-1),
               legend=dict(orientation="h", xref="container", x=0.01, yref="container", y=0.005, yanchor="bottom"),
               **(layout or {}))
    fig = go.Figure(data=panels.traces, layout=lay, _validate=False)
    margin = dict(_margin(fig, legend=True), t=PANEL_TOP, b=bottom, r=56 if secondary else 12)
    _unvalidated(fig.layout, {"margin": margin})
    _look(fig)
    if lines:   # under the last panel's sprint labels, above the legend, from the left edge
        _unvalidated(fig.layout, {"annotations": [*fig.layout.annotations, dict(
            text="<br>".join(lines), xref="paper", x=0, xshift=4 - MARGIN["l"], xanchor="left", yref="paper", y=0,
            yshift=LEGEND_ROOM - PANEL_BOTTOM, yanchor="top", align="left", showarrow=False,
            font=dict(size=10, color=GREY))]})
    _validating(fig)
    return fig


def _validating(fig: go.Figure) -> None:
    """Validation back on in a figure made without it, and in every part of it made so far, so
    that later edits (a builder's, a page's, the slide's) are checked as in any figure. (Walks
    plotly.py's own record of the parts it made, `_compound_props`: tests/test_chart_look.py
    checks that an edit to such a part is still validated.)"""
    fig._validate = True
    todo = [fig.layout, *fig.data]
    while todo:
        obj = todo.pop()
        obj._validate = True
        todo.extend(obj._compound_props.values())
        for parts in obj._compound_array_props.values():
            todo.extend(parts)


def _axis_key(ref: str) -> str:
    """The layout key of a trace's axis reference: x2 -> xaxis2, y -> yaxis."""
    return ref[0] + "axis" + ref[1:]


class _Panels:
    """What a per-team chart's `draw(panels, part, row, first)` adds: each trace as plotly.js
    reads it (nested dicts; a frame's column as a NumPy array, as plotly.py would store it),
    with the axes of its panel, the team in `meta`. Nothing is validated here: see _per_team."""

    def __init__(self, secondary: bool) -> None:
        self.secondary = secondary
        self.traces: list[dict] = []
        self.team = ""

    def _add(self, kind: str, row: int, secondary_y: bool, props: dict) -> None:
        x, y, y2 = _panel_axes(row, self.secondary)
        trace = {k: np.asarray(v) if isinstance(v, (pd.Series, pd.Index)) else v for k, v in props.items()}
        # the team of each mark (the browser test reads it); a string, as plotly.js compares an
        # object `meta` by reference (a full second draw: docs/pages.md)
        self.traces.append(dict(trace, type=kind, xaxis=x, yaxis=y2 if secondary_y else y, meta=self.team))

    def add_bar(self, *, row: int, secondary_y: bool = False, **props) -> None:
        self._add("bar", row, secondary_y, props)

    def add_scatter(self, *, row: int, secondary_y: bool = False, **props) -> None:
        self._add("scatter", row, secondary_y, props)


def _panel_axes(row: int, secondary: bool) -> tuple[str, str, str | None]:
    """The x axis, y axis and right-hand y axis (or None) of panel `row` (1-based) in a
    one-column grid, named as make_subplots names them."""
    n = 2 * row - 1 if secondary else row
    y = "y" if n == 1 else f"y{n}"
    return ("x" if row == 1 else f"x{row}"), y, (f"y{n + 1}" if secondary else None)


@functools.lru_cache(maxsize=64)
def _panel_grid(n: int, secondary: bool, spacing: float, titles: tuple[str, ...] | None) -> str:
    """make_subplots' layout for n stacked panels (axes, domains, panel titles), as JSON (a fresh
    copy per figure): the grid is the same for every figure of that shape, and making it took a
    fifth of a six-panel chart's build."""
    fig = make_subplots(rows=n, cols=1, specs=[[{"secondary_y": secondary}] for _ in range(n)],
                        vertical_spacing=spacing, subplot_titles=list(titles) if titles else None)
    grid = fig.layout.to_plotly_json()
    grid.pop("template", None)   # plotly.py's default template: _look sets none
    return json.dumps(grid)


def _short_labels(part: pd.DataFrame) -> pd.DataFrame:
    """Within one team's panel, sprint labels without the word every one of them starts with
    ('ATL Sprint 12' under 'Atlas' -> 'Sprint 12'), so they fit; the full name stays in the
    hover (customdata)."""
    if "label" not in part.columns or len(part) < 2:
        return part
    labels = part["label"].astype(str)
    first = labels.str.split(" ", n=1).str[0]
    if first.nunique() == 1 and (labels.str.len() > first.str.len() + 1).all() and first.iloc[0].isupper():
        part = part.assign(label=labels.str.slice(len(first.iloc[0]) + 1))
    return part


def _running_note(s: pd.DataFrame) -> str:
    return "(running) = not closed yet: figures so far, no say/do or carry-over" if s["is_running"].any() else ""


# A target line's label: annotations are drawn above the bars, but red text on red and blue
# bars could not be read; on a white box with a red border it can, wherever the bars reach.
def _target_label() -> dict:   # a new dict per use: add_hline writes the label's text into it
    return dict(font=dict(size=11, color=RED), bgcolor="rgba(255,255,255,0.9)", bordercolor=RED, borderwidth=1,
                borderpad=2)


def _pct_range(ratios: pd.Series) -> list[float]:
    """One range for a percentage axis in every panel: 0 to the highest value (at least
    100 %), rounded up to 25 %, with room above the top marker."""
    top = pd.to_numeric(ratios, errors="coerce").max()
    top = 100.0 if pd.isna(top) else max(100.0, float(top) * 100)
    return [0.0, float(np.ceil(top / 25) * 25) * 1.05]


def velocity(sprints: pd.DataFrame, note: str = "", sprint_col: str = "label",
             highlight: str | None = None) -> go.Figure:
    """Committed vs completed points per sprint (bars) with say/do (line, right axis), one
    panel per team; a running sprint's completed bar is hatched and has no say/do. The
    sprint `highlight` (a sprint_id) is outlined in black and the others drawn paler."""
    if sprints.empty:
        return empty()

    def draw(fig, s, row, first):
        hatch = ["/" if r else "" for r in s["is_running"]]
        chosen = (s["sprint_id"] == highlight).to_numpy() if highlight is not None and "sprint_id" in s else None
        edge = {} if chosen is None or not chosen.any() else dict(
            line=dict(color="black", width=[2.5 if c else 0 for c in chosen]),
            opacity=[1.0 if c else 0.45 for c in chosen])
        fig.add_bar(x=s[sprint_col], y=s["committed_points"], name="committed", marker=dict(color=GREY, **edge),
                    legendgroup="committed", showlegend=first, row=row)
        fig.add_bar(x=s[sprint_col], y=s["completed_points"], name="completed",
                    marker=dict(color=BLUE, pattern=dict(shape=hatch), **edge), legendgroup="completed",
                    showlegend=first, row=row)
        fig.add_bar(x=s[sprint_col], y=s["added_points"], name="added", marker=dict(color=ORANGE),
                    visible="legendonly", legendgroup="added", showlegend=first, row=row)
        fig.add_scatter(x=s[sprint_col], y=s["say_do_ratio"] * 100, name="say/do %", mode="lines+markers",
                        line=dict(color=GREEN), legendgroup="saydo", showlegend=first, row=row,
                        secondary_y=True, hovertemplate="%{x}: %{y:.0f} %<extra>say/do</extra>")
    return _per_team(sprints, draw, "story points", "say/do (%)", note or _running_note(sprints),
                     y2_range=_pct_range(sprints["say_do_ratio"]), layout=dict(barmode="group"))


def scope_flow(sprints: pd.DataFrame, note: str = "") -> go.Figure:
    """Per sprint: added and removed points (scope change) and carried-over points (none for
    a running sprint: nothing is carried over before it closes), one panel per team."""
    if sprints.empty:
        return empty()

    def draw(fig, s, row, first):
        for col, name, colour, sign in (("added_points", "added", ORANGE, 1), ("removed_points", "removed", PURPLE, -1),
                                        ("carryover_points", "carried over", RED, 1)):
            fig.add_bar(x=s["label"], y=sign * s[col], name=name, marker=dict(color=colour), legendgroup=name,
                        showlegend=first, row=row)
    return _per_team(sprints, draw, "story points (removed below 0)", note=note or _running_note(sprints),
                     layout=dict(barmode="relative"))


def debt_share(mix: pd.DataFrame, target: float, sprints: pd.DataFrame | None = None, note: str = "") -> go.Figure:
    """Share of completed points per work type and sprint (stacked, %), target line for debt,
    one panel per team. A sprint that completed nothing has no bar (not 0 %). `sprints` (the
    honest_sprints frame) names the sprints and teams and limits the sprints drawn."""
    if mix.empty:
        return empty()
    m = mix.copy()
    if sprints is not None:
        m = m.drop(columns=[c for c in ("is_running", "team", "label") if c in m.columns]).merge(
            sprints[["sprint_id", "label", "team", "start_at", "is_running"]], on="sprint_id", how="inner")
    else:
        m["label"], m["start_at"] = m["sprint_id"], m.get("sprint_start_at")
        m["is_running"] = m.get("is_running", False)
    if m.empty:
        return empty()
    types = sorted(m["work_type"].unique(), key=lambda w: (w != "debt", w))
    rows = []

    def draw(fig, s, row, first):
        rows.append(row)
        for wt in types:
            part = s[s["work_type"] == wt]
            fig.add_bar(x=part["label"], y=part["share"] * 100, name=wt,
                        marker=dict(color=WORK_TYPE_COLOURS.get(wt, GREY)), legendgroup=wt, showlegend=first, row=row,
                        hovertemplate="%{x}: %{y:.0f} %<extra>" + wt + "</extra>")
    fig = _per_team(m, draw, "share of completed points (%)",
                    note=note or ("(running) = shares so far; no bar = nothing completed yet"
                                  if m["is_running"].any() else ""), layout=dict(barmode="stack"))
    # the debt target across every panel, as add_hline(row=…) draws it (a line and its label,
    # without the look every other shape and annotation has)
    refs = [_panel_axes(r, False)[:2] for r in rows]
    y = target * 100
    _unvalidated(fig.layout, {"shapes": [*fig.layout.shapes, *(dict(
        type="line", x0=0, x1=1, xref=f"{x} domain", y0=y, y1=y, yref=yr, line=dict(color=RED, dash="dash"))
        for x, yr in refs)], "annotations": [*fig.layout.annotations, *(dict(
            # in the right margin, level with the line: inside the plot it covered the first sprints'
            # bars, which stack to 100 % and leave no free corner
            text=f"debt<br>target<br>{present.pct(target)}", showarrow=False, x=1, xanchor="left", xshift=4,
            xref=f"{x} domain", y=y, yanchor="middle", yref=yr, align="left", font=dict(size=10, color=RED))
            for x, yr in refs)], "margin": dict(fig.layout.margin.to_plotly_json(), r=DEBT_LABEL_PX)})
    return fig


DEBT_LABEL_PX = 52   # debt_share: the right margin that holds the target's label


# --------------------------------------------------------------------------- flow
def cycle_scatter(issues: pd.DataFrame, weekly: pd.DataFrame) -> go.Figure:
    """Each completed issue: completion day vs cycle time, with weekly p50/p85 lines."""
    done = issues.dropna(subset=["completed_at", "cycle_time_days"]) if not issues.empty else issues
    if done.empty:
        return empty()
    done, note = _sample(done)
    fig = go.Figure()
    _note(fig, note)
    for wt, part in done.groupby("work_type"):
        (fig.add_scattergl if note else fig.add_scatter)(
            x=_ms(part["completed_at"]), y=_f32(part["cycle_time_days"]), mode="markers", name=str(wt),
            marker=dict(color=WORK_TYPE_COLOURS.get(wt, GREY), size=7, opacity=0.7), text=part["issue_key"].tolist(),
            hovertemplate="%{text}<br>%{y:.1f} days<extra></extra>")
    fig.update_xaxes(type="date")
    if not weekly.empty:   # sampled dots are WebGL, drawn above every SVG trace: the lines join their layer
        w = weekly.dropna(subset=["cycle_time_p50"])
        line = fig.add_scattergl if note else fig.add_scatter
        line(x=w["week"], y=w["cycle_time_p50"], name="p50 (weekly)", mode="lines",
             line=dict(color="black", shape="hv", width=1.5))
        line(x=w["week"], y=w["cycle_time_p85"], name="p85 (weekly)", mode="lines",
             line=dict(color=RED, shape="hv", width=1.5, dash="dash"))
    return _layout(fig, "completed on", "cycle time (days)")


def _so_far(fig: go.Figure, weekly: pd.DataFrame, col: str = "week") -> None:
    """Shade the week that had not ended by the as-of instant (`partial`, present.mark_partial_week)
    and say "so far" above it: its bar or point is a part of a week, not a drop."""
    if weekly.empty or "partial" not in weekly.columns:
        return
    weeks = pd.to_datetime(weekly[col])
    last = weeks.idxmax()
    if not bool(weekly.loc[last, "partial"]):
        return
    x0, x1 = (float(v) for v in _ms([weeks[last] - pd.Timedelta(days=3.5), weeks[last] + pd.Timedelta(days=3.5)]))
    fig.update_layout(shapes=list(fig.layout.shapes) + [dict(
        type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below", fillcolor=GREY, opacity=0.15,
        line=dict(width=0))], annotations=list(fig.layout.annotations) + [dict(
        text="so far", name="so far", xref="x", yref="paper", x=(x0 + x1) / 2, y=1, yanchor="bottom", showarrow=False,
        font=dict(size=10, color=GREY))])


def throughput(weekly: pd.DataFrame) -> go.Figure:
    """Issues completed per ISO week, with WIP at the end of the week."""
    if weekly.empty:
        return empty()
    fig = go.Figure()
    fig.add_bar(x=weekly["week"], y=weekly["throughput"], name="throughput", marker_color=BLUE)
    fig.add_scatter(x=weekly["week"], y=weekly["wip_end_of_week"], name="WIP at week end", mode="lines",
                    line=dict(color=ORANGE, shape="hv"))
    _so_far(fig, weekly)
    return _layout(fig, "ISO week (Monday)", "issues")


def p85_trend(weekly: pd.DataFrame) -> go.Figure:
    """p50 / p85 cycle time per week."""
    if weekly.empty or weekly["cycle_time_p85"].isna().all():
        return empty()
    fig = go.Figure()
    fig.add_scatter(x=weekly["week"], y=weekly["cycle_time_p85"], name="p85", mode="lines+markers",
                    line=dict(color=RED))
    fig.add_scatter(x=weekly["week"], y=weekly["cycle_time_p50"], name="p50", mode="lines+markers",
                    line=dict(color=BLUE))
    _so_far(fig, weekly)
    return _layout(fig, "ISO week (Monday)", "cycle time (days)", height=260)


def cfd(daily: pd.DataFrame) -> go.Figure:
    """Cumulative flow: issues per status at the end of each day, stacked (done at the bottom)."""
    if daily.empty:
        return empty()
    d = daily[daily["level"] == "status"]
    order = {"done": 0, "in_progress": 1, "todo": 2}
    statuses = (d[["status", "category"]].drop_duplicates()
                .assign(o=lambda x: x["category"].map(order).fillna(3)).sort_values(["o", "status"], ascending=[True, False]))
    palette = {"done": ["#3a9a5b", "#8cc79f"], "in_progress": ["#e08a2e", "#f0b45b", "#f5d08f", "#c86f1c"],
               "todo": ["#9fb3c8", "#c9d3df"]}
    used: dict[str, int] = {}
    fig = go.Figure()
    for st_name, cat in statuses[["status", "category"]].itertuples(index=False):
        part = d[d["status"] == st_name]
        cols = palette.get(cat, [GREY])
        colour = cols[used.get(cat, 0) % len(cols)]
        used[cat] = used.get(cat, 0) + 1
        fig.add_scatter(x=part["day"], y=part["issues"], name=f"{st_name}", stackgroup="one", mode="lines",
                        line=dict(width=0.5, color=colour))
    return _layout(fig, "day", "issues")


def ageing_wip(wip: pd.DataFrame, status_col: str = "status", age_col: str = "age_days",
               lines: tuple = ()) -> go.Figure:
    """Work in progress by status: each dot an issue, height = days since it started. `lines`
    ((label, days), ...) draws the team's cycle-time percentiles across; the issues at or
    above the lowest line are named on the chart (every issue is named in its hover)."""
    if wip.empty:
        return empty("no work in progress")
    note = ""
    if len(wip) > MAX_POINTS // 2:   # the tall dots are the ones to talk about: keep the oldest
        note = f"the {MAX_POINTS // 2:,} oldest of {len(wip):,} issues in progress drawn"
        wip = wip.nlargest(MAX_POINTS // 2, age_col)
    fig = go.Figure()
    _note(fig, note)
    columns: list = []   # the status columns left to right: as the traces first name them
    for wt, part in wip.groupby("work_type") if "work_type" in wip.columns else [("issues", wip)]:
        columns += [c for c in part[status_col].unique() if c not in columns]
        (fig.add_scattergl if note else fig.add_scatter)(
            x=part[status_col].tolist(), y=_f32(part[age_col]), mode="markers", name=str(wt),
            marker=dict(size=10, color=WORK_TYPE_COLOURS.get(wt, BLUE), opacity=0.8), text=part["issue_key"].tolist(),
            hovertemplate="%{text}: %{y:.1f} days<extra></extra>")
    valid = [(name, float(v)) for name, v in lines if v is not None and not pd.isna(v)]
    top = max([float(wip[age_col].max()), *(d for _, d in valid)])
    # each line's label in the right margin, level with its line (inside the plot it sat on the
    # last column's issue labels), nudged apart when two lines are close
    for (name, days), dash, shift in zip(valid, ("dot", "dash", "solid"), _apart([d for _, d in valid], top),
                                         strict=False):
        fig.add_hline(y=days, line=dict(color=RED, width=1, dash=dash),
                      annotation_text=f"{name}: {days:.1f} d", annotation_position="right",
                      annotation_font=dict(size=10, color=RED), annotation_yshift=shift)
    if valid:
        over = _labelled(wip[wip[age_col] >= min(d for _, d in valid)], status_col, age_col, top)
        if not over.empty:   # in the dots' layer when they are WebGL (drawn above SVG), as in cycle_scatter
            # beside its dot, not on it (an unseen marker of the dot's size keeps the text clear of
            # it): to the right, but to the left in the last column, where the plot ends
            last = columns[-1]
            (fig.add_scattergl if note else fig.add_scatter)(
                x=over[status_col].tolist(), y=_f32(over[age_col]), mode="markers+text", name="named",
                marker=dict(size=10, color="rgba(0, 0, 0, 0)"), cliponaxis=False,
                text=[safe_text.plot(k) for k in over["issue_key"]],
                textposition=["middle left" if c == last else "middle right" for c in over[status_col]],
                textfont=dict(size=9), showlegend=False, hoverinfo="skip")
    fig = _layout(fig, "status now", "age since start (days)")
    if valid:   # the lines' labels ('p85: 12.3 d') in the right margin
        fig.update_layout(margin_r=WIP_LINE_LABEL_MARGIN)
    return fig


WIP_LINE_LABEL_PX = 12  # the ageing-WIP chart's percentile labels: at least this far apart (10 px text)
WIP_LINE_LABEL_MARGIN = 84   # ... and the right margin that holds them
WIP_PLOT_PX = 200       # ... on a plot area about this tall (330 px figure less its margins)


def _apart(values: list[float], top: float) -> list[int]:
    """Vertical pixel shifts that keep labels placed at `values` (axis 0 to `top`, WIP_PLOT_PX
    tall) at least WIP_LINE_LABEL_PX apart: from the lowest up, each moved up just enough."""
    scale = WIP_PLOT_PX / max(top, 1e-9)
    shifts = [0] * len(values)
    last = None
    for i in sorted(range(len(values)), key=lambda i: values[i]):
        want = values[i] * scale
        at = want if last is None else max(want, last + WIP_LINE_LABEL_PX)
        shifts[i], last = round(at - want), at
    return shifts


WIP_LABELS = 8          # issues named per status column of the ageing-WIP chart, at most
WIP_LABEL_GAP = 0.06    # ... each at least this share of the y range above or below another one


def _labelled(over: pd.DataFrame, status_col: str, age_col: str, top: float) -> pd.DataFrame:
    """The issues to name on the ageing-WIP chart: per status column the oldest first, leaving
    out one whose label would sit on another's (closer in age than WIP_LABEL_GAP of the axis, 0
    to `top`), at most WIP_LABELS per column. Every issue is still named in its hover. (At 500
    teams the 40 oldest were named in four columns, ten labels printed over each other.)"""
    gap = WIP_LABEL_GAP * max(top, 1e-9)
    keep = []
    for _, col in over.sort_values(age_col, ascending=False, kind="stable").groupby(status_col, sort=False):
        ages: list[float] = []
        for i, age in zip(col.index, col[age_col].astype(float), strict=True):
            if len(ages) == WIP_LABELS:
                break
            if all(abs(age - a) >= gap for a in ages):
                ages.append(age)
                keep.append(i)
    return over.loc[keep]


def rework_trend(df: pd.DataFrame) -> go.Figure:
    """Rework per period: QA bounces and reopens as stacked bars, the rework rate as a line."""
    if df.empty:
        return empty()
    x = next((c for c in ("week", "month", "sprint_name", "period", "day") if c in df.columns), df.columns[0])
    fig = go.Figure()
    colours = iter([ORANGE, RED, PURPLE, BLUE])
    for col, label in (("qa_bounces", "QA bounces"), ("reopens", "reopens")):
        if col in df.columns:
            fig.add_bar(x=df[x], y=df[col], name=label, marker_color=next(colours))
    if "rework_rate" in df.columns:
        fig.add_scatter(x=df[x], y=df["rework_rate"] * 100, name="rework rate %", yaxis="y2", mode="lines+markers",
                        line=dict(color="black"))
        fig.update_layout(yaxis2=dict(title="rework rate (%)", overlaying="y", side="right", rangemode="tozero",
                                      showgrid=False, tickformat=".0f"))
    fig.update_layout(barmode="stack")
    if x == "week":
        _so_far(fig, df)
    return _layout(fig, x.replace("_", " "), "backward transitions")


# --------------------------------------------------------------------------- estimates
def points_vs_cycle(issues: pd.DataFrame) -> go.Figure:
    """Cycle-time distribution per story-point size: box with every issue as a dot."""
    done = issues.dropna(subset=["story_points", "cycle_time_days"]) if not issues.empty else issues
    if done.empty:
        return empty("no completed issues with story points")
    fig = go.Figure()
    big = len(done) > MAX_POINTS
    if big:   # ship each box's statistics (from all issues) and a sample of its outliers, not every point
        _note(fig, f"boxes from all {len(done):,} issues; a sample of outliers drawn")
        outliers = []
        for pts in sorted(done["story_points"].unique()):
            part = done[done["story_points"] == pts]
            y = part["cycle_time_days"]
            q1, med, q3 = y.quantile([0.25, 0.5, 0.75])
            lo, hi = y[y >= q1 - 1.5 * (q3 - q1)].min(), y[y <= q3 + 1.5 * (q3 - q1)].max()
            fig.add_box(x=[f"{pts:g}"], q1=[q1], median=[med], q3=[q3], lowerfence=[lo], upperfence=[hi],
                        name=f"{pts:g} pt (n={len(part):,})", line=dict(color=BLUE), boxpoints=False)
            outliers.append(part[(y < lo) | (y > hi)].assign(x=f"{pts:g}"))
        out = pd.concat(outliers)
        out = out.sample(min(len(out), MAX_POINTS // 4), random_state=7) if len(out) else out
        fig.add_scattergl(x=out["x"], y=out["cycle_time_days"], mode="markers", name="outliers (sample)",
                          marker=dict(size=4, color=BLUE, opacity=0.5), customdata=out[["issue_key"]],
                          hovertemplate="%{customdata[0]}: %{y:.1f} days<extra></extra>")
        fig.update_xaxes(type="category", categoryorder="array",
                         categoryarray=[f"{v:g}" for v in sorted(done["story_points"].unique())])
        return _layout(fig, "story points", "cycle time (days)", legend=False)
    for pts in sorted(done["story_points"].unique()):
        part = done[done["story_points"] == pts]
        fig.add_box(x=[f"{pts:g}"] * len(part), y=part["cycle_time_days"], name=f"{pts:g} pt (n={len(part)})",
                    boxpoints="outliers" if big else "all", jitter=0.4, pointpos=0, marker=dict(size=4, opacity=0.5),
                    line=dict(color=BLUE), customdata=part[["issue_key"]],
                    hovertemplate="%{customdata[0]}: %{y:.1f} days<extra></extra>")
    fig.update_xaxes(type="category")
    return _layout(fig, "story points", "cycle time (days)", legend=False)


def calibration_bars(cal: pd.DataFrame, metric: str, target: float | None, axis: str) -> go.Figure:
    """One score (e.g. hit rate) per group with its n; groups flagged too small are grey."""
    if cal.empty or metric not in cal.columns:
        return empty()
    c = cal.dropna(subset=[metric])
    if c.empty:
        return empty("no range estimates scored yet")
    small = c["too_small"] if "too_small" in c.columns else pd.Series(False, index=c.index)
    colours = [GREY if s else BLUE for s in small]
    fig = go.Figure(go.Bar(x=c["group"].astype(str), y=c[metric] * 100, marker_color=colours,
                           text=[f"n={n}" + (" (too few)" if s else "") for n, s in zip(c["n"], small, strict=True)],
                           textposition="outside", hovertemplate="%{x}: %{y:.0f} %<extra></extra>"))
    if target is not None:
        fig.add_hline(y=target * 100, line_dash="dash", line_color=RED, annotation_text=f"target {present.pct(target)}",
                      annotation_position="top left", annotation=_target_label())
    fig.update_yaxes(range=[0, 115])
    return _layout(fig, axis, f"{metric.replace('_', ' ')} (%)", height=280, legend=False)


def calibration_panels(parts: tuple, metric: str, target: float | None) -> go.Figure:
    """calibration_bars side by side in one figure, one panel per (title, rows) in `parts`
    (e.g. by quarter and by work type): one chart for the browser to draw, not one per grouping."""
    parts = tuple((t, c.dropna(subset=[metric])) for t, c in parts if not c.empty and metric in c.columns)
    parts = tuple((t, c) for t, c in parts if not c.empty)
    if not parts:
        return empty("no range estimates scored yet")
    fig = make_subplots(rows=1, cols=len(parts), shared_yaxes=True, horizontal_spacing=0.06,
                        subplot_titles=[safe_text.plot(t) for t, _ in parts])
    for i, (_, c) in enumerate(parts, start=1):
        small = c["too_small"].fillna(True) if "too_small" in c.columns else pd.Series(False, index=c.index)
        fig.add_bar(x=c["group"].astype(str).map(safe_text.plot), y=c[metric] * 100,
                    marker_color=[GREY if s else BLUE for s in small], row=1, col=i,
                    text=[f"n={n}" + (" (too few)" if s else "") for n, s in zip(c["n"], small, strict=True)],
                    textposition="outside", hovertemplate="%{x}: %{y:.0f} %<extra></extra>")
        fig.update_xaxes(type="category", row=1, col=i)
    if target is not None:   # one line across every panel, labelled once
        fig.update_layout(shapes=[dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=target * 100,
                                       y1=target * 100, line=dict(color=RED, dash="dash"))])
        fig.add_annotation(text=f"target {present.pct(target)}", xref="paper", yref="y", x=0, y=target * 100,
                           xanchor="left", yanchor="bottom", showarrow=False, **_target_label())
    fig.update_yaxes(range=[0, 115])
    fig = _layout(fig, "", "", height=300, legend=False)
    fig.update_yaxes(title_text=f"{present.metric_name(metric)} (%)", row=1, col=1)
    return fig


def actual_vs_likely(scored: pd.DataFrame) -> go.Figure:
    """Each scored range estimate (calibration__worst_misses rows: best, likely, worst, actual):
    likely vs actual, with its best–worst range as a bar."""
    d = scored.dropna(subset=["likely", "actual"]) if not scored.empty else scored
    if d.empty:
        return empty("no completed issues with range estimates")
    d, note = _sample(d)
    unit = str(d["unit"].iloc[0]) if "unit" in d.columns else "days"
    fig = go.Figure()
    _note(fig, note)
    for wt, part in d.groupby("work_type"):   # one trace per work type: its colour once, not per point
        (fig.add_scattergl if note else fig.add_scatter)(
            x=_f32(part["likely"]), y=_f32(part["actual"]), mode="markers", name=str(wt),
            marker=dict(color=WORK_TYPE_COLOURS.get(wt, GREY), size=7, opacity=0.7),
            error_x=dict(type="data", symmetric=False, array=_f32(part["worst"] - part["likely"]),
                         arrayminus=_f32(part["likely"] - part["best"]), thickness=0.6, color="#ccd"),
            text=part["issue_key"].tolist(),
            hovertemplate="%{text} (" + str(wt) + ")<br>likely %{x:.1f}, actual %{y:.1f}<extra></extra>")
    top = float(max(d["worst"].max(), d["actual"].max()))
    (fig.add_scattergl if note else fig.add_scatter)(   # in the dots' layer (above them), as in cycle_scatter
        x=[0, top], y=[0, top], mode="lines", name="actual = likely", line=dict(color=GREY, dash="dot"))
    return _layout(fig, f"likely estimate ({unit}; bar = best to worst)", f"actual ({unit})")


FORECAST_LABEL_ROW = 16   # px: one row of forecast_distribution's 50/85/95 % labels


def forecast_distribution(hist: pd.DataFrame, fc: pd.DataFrame, items: int) -> go.Figure:
    """The Monte Carlo 'when': share of runs finishing each day (bars) with the 50/85/95 %
    lines (the dates forecast() reports: the same runs)."""
    if hist.empty:
        never = fc.loc[fc["question"] == "when", "detail"] if not fc.empty else pd.Series(dtype=object)
        far = next((d for d in never if str(d).startswith(BEYOND_HORIZON)), None)   # beyond what the runs reach
        return empty(far or "not enough completed work in the window to forecast")
    fig = go.Figure(go.Bar(x=pd.to_datetime(hist["on_date"]), y=hist["share"] * 100, marker_color="#b5c3d6",
                           name="runs finishing that day", customdata=hist["cumulative"] * 100,
                           hovertemplate="%{x|%-d %b}: %{y:.1f} % of runs (%{customdata:.0f} % done by then)"
                                         "<extra></extra>"))
    when = fc[fc["question"] == "when"].dropna(subset=["on_date"])
    # each line's label on a row of its own above the plot: the three dates lie a few days apart,
    # and on a phone their labels side by side overprinted
    for i, (r, colour) in enumerate(zip(when.itertuples(), (GREEN, ORANGE, RED), strict=False)):
        x = pd.Timestamp(r.on_date)
        fig.add_vline(x=x.timestamp() * 1000, line_color=colour, line_dash="dash")
        fig.add_annotation(x=x, y=1, yref="paper", yshift=FORECAST_LABEL_ROW * i,
                           text=f"{r.confidence * 100:.0f} %: {day_words(x, year=False)}", showarrow=False,
                           font=dict(size=11, color=colour), yanchor="bottom", xanchor="left")
    fig = _layout(fig, f"day all {items:,} items are done", "share of runs (%)", height=300 + 2 * FORECAST_LABEL_ROW,
                  legend=False)
    # a date axis with its title: the year under the first tick; above, the labels' three rows
    return fig.update_layout(margin_b=86, margin_t=MARGIN["t"] + 2 * FORECAST_LABEL_ROW)


def plan_check(fc: pd.DataFrame) -> go.Figure:
    """Days until the remaining range-estimated work is done: as estimated vs corrected by
    the team's measured bias at 50/85/95 % confidence."""
    d = fc[fc["question"] == "plan_check"] if not fc.empty else fc
    if d.empty:
        return empty("no remaining range-estimated work")
    labels = ["as estimated" if pd.isna(c) else f"bias-corrected, {c * 100:.0f} %" for c in d["confidence"]]
    colours = [GREY if pd.isna(c) else BLUE for c in d["confidence"]]
    fig = go.Figure(go.Bar(x=d["value"], y=labels, orientation="h", marker_color=colours,
                           # the date: the as-of day plus the days rounded up (docs/metrics.md)
                           text=[f"{v:.1f} d · {day_words(o)}" if pd.notna(o) else f"{v:.1f} d"
                                 for v, o in zip(d["value"], d["on_date"], strict=True)],
                           textposition="auto"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "days from the as-of date", "", height=240, legend=False)


def forecast_vs_actual(scored: pd.DataFrame) -> go.Figure:
    """Judged forecasts: each one's 50/85/95 % claims and what happened, 'when' forecasts in
    days after the forecast's as-of day (its data instant's day in the reporting timezone), 'how
    many' forecasts in items by their date."""
    judged = scored[scored["outcome"].isin(("came true", "missed"))] if not scored.empty else scored
    ids = set(judged["forecast_id"]) if not judged.empty else set()
    d = scored[scored["forecast_id"].isin(ids)] if ids else judged
    if d.empty:
        return empty("no forecast has reached its date yet")
    kinds = [k for k in ("when", "how_many") if (d["kind"] == k).any()]
    # one panel above the other: side by side, a phone's width overprinted their titles and axes
    fig = make_subplots(rows=len(kinds), cols=1, vertical_spacing=0.3 if len(kinds) > 1 else 0.1,
                        subplot_titles=[{"when": "when: days until all were done",
                                         "how_many": "how many: items done by the date"}[k] for k in kinds])
    colours = {0.5: GREEN, 0.85: ORANGE, 0.95: RED}
    for row, kind in enumerate(kinds, start=1):
        k = d[d["kind"] == kind]
        start = pd.to_datetime(k["as_of_day"])   # the forecast's as-of day (reporting timezone): its day 0
        x = start.dt.date
        for c, colour in colours.items():
            s = k["confidence"].round(2) == c
            if kind == "when":
                y = (pd.to_datetime(k.loc[s, "forecast_on"]) - start[s]).dt.days
            else:
                y = k.loc[s, "forecast_items"].astype("float64")
            hit = k.loc[s, "outcome"].map({"came true": "came true", "missed": "missed"}).fillna("pending")
            fig.add_scatter(x=x[s], y=y, mode="markers", name=f"{c * 100:.0f} % claim", legendgroup=f"{c}",
                            showlegend=row == 1, marker=dict(color=colour, symbol="line-ew-open", size=14,
                                                             line=dict(width=3, color=colour)),
                            customdata=hit, hovertemplate=f"{c * 100:.0f} % claim: %{{y}} (%{{customdata}})<extra></extra>",
                            row=row, col=1)
        first = k.sort_values("confidence").drop_duplicates("forecast_id")
        fs = pd.to_datetime(first["as_of_day"])
        if kind == "when":
            actual = (pd.to_datetime(first["actual_on"]) - fs).dt.days
        else:
            actual = first["actual_items"].astype("float64")
        fig.add_scatter(x=fs.dt.date, y=actual, mode="markers", name="what happened", legendgroup="actual",
                        showlegend=row == 1, marker=dict(color="black", size=7),
                        hovertemplate="what happened: %{y}<extra></extra>", row=row, col=1)
    fig = _layout(fig, "", "", height=80 + 260 * len(kinds))
    # each panel's axis titles (after _layout, which titles the first panel's axes with its own)
    for row, kind in enumerate(kinds, start=1):
        fig.update_xaxes(title_text="forecast made (data as of)", row=row, col=1)
        fig.update_yaxes(title_text="days" if kind == "when" else "items", row=row, col=1)
    fig.update_layout(margin=dict(MARGIN, t=80), legend=dict(y=1.02 + 60 / (80 + 260 * len(kinds))))   # clear of the first title
    return fig


# --------------------------------------------------------------------------- outcomes
def metric_with_markers(points: pd.DataFrame, items: pd.DataFrame, agreements: pd.DataFrame,
                        metric: str, unit: str | None, period: tuple | None = None) -> go.Figure:
    """A daily product metric with its trailing 7-day mean (each day and the six before it; the
    item view's is centred, and broken at the launch); shipped items as vertical lines, agreement
    periods as shaded bands."""
    if points.empty:
        return empty(f"no data points for {present.metric_name(metric)}")
    p = points.sort_values("day")
    fig = go.Figure()
    fig.add_scatter(x=p["day"], y=p["value"], mode="lines", name="daily", line=dict(color="#b5c3d6", width=1))
    fig.add_scatter(x=p["day"], y=p["value"].rolling(7, min_periods=1).mean(), mode="lines",
                    name="trailing 7-day mean", line=dict(color=BLUE, width=2))
    for r in items.itertuples():
        colour = VERDICT_COLOURS.get(getattr(r, "verdict", None), PURPLE)
        fig.add_vline(x=pd.Timestamp(r.shipped_on).timestamp() * 1000, line_color=colour, line_dash="dash")
        fig.add_annotation(x=pd.Timestamp(r.shipped_on), y=1, yref="paper", text=f"▼ {safe_text.plot(r.item_key)}", showarrow=False,
                           font=dict(size=10, color=colour), yanchor="bottom")
    for r in agreements.itertuples():
        fig.add_vrect(x0=pd.Timestamp(r.start_on), x1=pd.Timestamp(r.review_on), fillcolor=GREEN, opacity=0.08,
                      line_width=0, annotation_text=f"agreement: {safe_text.plot(str(r.text)[:40])}", annotation_position="bottom left",
                      annotation_font_size=10)
    if period is not None:
        fig.update_xaxes(range=[pd.Timestamp(period[0]), pd.Timestamp(period[1])])
    name = safe_text.plot(present.metric_name(metric))
    return _layout(fig, "day", f"{name} ({unit})" if unit else name, height=380)


def effect_interval(impact: pd.DataFrame) -> go.Figure:
    """Relative effect of each shipped item on each metric with its 95 % interval, coloured by
    verdict (items too early or without enough data have no effect to draw)."""
    d = impact.dropna(subset=["effect_rel"]) if not impact.empty else impact
    if d.empty:
        return empty("no effects estimated yet")
    y = (d["item_key"] + " · " + d["metric"].map(present.metric_name)).map(safe_text.plot)
    x = d["effect_rel"] * 100
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="markers",
        marker=dict(size=11, color=[VERDICT_COLOURS.get(v, GREY) for v in d["verdict"]]),
        error_x=dict(type="data", symmetric=False, array=d["ci_high_rel"] * 100 - x,
                     arrayminus=x - d["ci_low_rel"] * 100),
        customdata=d[["verdict", "item_name"]].assign(item_name=d["item_name"].map(safe_text.plot)),
        hovertemplate="%{customdata[1]}<br>%{y}: %{x:.1f} % (%{customdata[0]})<extra></extra>"))
    fig.add_vline(x=0, line_color=GREY)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "effect (%)", "", height=max(220, 45 * len(d) + 80),
                   legend=False)


# --------------------------------------------------------------------------- tech health
def sprint_trend(sprints: pd.DataFrame, col: str, label: str, pct: bool = False,
                 target: float | None = None) -> go.Figure:
    if sprints.empty or col not in sprints.columns:
        return empty()
    s = sprints.sort_values("start_at")
    y = s[col] * (100 if pct else 1)
    fig = go.Figure(go.Bar(x=s["sprint_name"].map(safe_text.plot), y=y, marker_color=BLUE, name=label))
    if target is not None:
        fig.add_hline(y=target * (100 if pct else 1), line_dash="dash", line_color=RED, annotation_text="target")
    return _layout(fig, "sprint", label, height=260, legend=False)


# --------------------------------------------------------------------------- data
def findings(dq: pd.DataFrame) -> go.Figure:
    """Data-quality findings per check (horizontal bars)."""
    if dq.empty:
        return empty("no findings")
    counts = dq.groupby("check").size().sort_values()
    fig = go.Figure(go.Bar(x=counts.values, y=counts.index, orientation="h", marker_color=ORANGE,
                           text=[f"{v:,}" for v in counts.values], textposition="auto"))
    return _layout(fig, "findings (issues or sprints)", "", height=max(180, 40 * len(counts) + 60), legend=False)


def slide_chart(chart) -> go.Figure:
    """The tech-health slide's chart (queries.tech_health.Chart): bars and lines per sprint;
    with several teams (chart.groups) one panel per team, as the slide groups them."""
    if chart is None or not chart.categories:
        return empty()
    pct = "%" in chart.number_format
    rows = [{"team": g, "label": c, "start_at": i, "is_running": False, **{s.name: s.values[i] for s in chart.series}}
            for i, (c, g) in enumerate(zip(chart.categories, chart.groups or [""] * len(chart.categories),
                                           strict=True))]
    frame = pd.DataFrame(rows)

    def draw(fig, part, row, first):
        colours = iter([BLUE, ORANGE, GREEN, PURPLE])
        for s in chart.series:
            y = [None if v is None else v * (100 if pct else 1) for v in part[s.name]]
            if s.kind == "line":
                fig.add_scatter(x=part["label"], y=y, name=s.name, mode="lines", line=dict(color=RED, dash="dash"),
                                legendgroup=s.name, showlegend=first, row=row)
            else:
                # each bar labelled, as the slide labels them: a 0 % bar is a figure, not a gap (no
                # label: no value)
                text = ["" if v is None or pd.isna(v) else f"{v:.0f} %" if pct else f"{v:,.1f}" for v in y]
                fig.add_bar(x=part["label"], y=y, name=s.name, marker=dict(color=next(colours)), legendgroup=s.name,
                            showlegend=first, row=row, text=text, textposition="outside",
                            cliponaxis=False)
    if not chart.groups:
        frame = frame.drop(columns="team")
    return _per_team(frame, draw, chart.axis_title + (" (%)" if pct and "%" not in chart.axis_title else ""))


# --------------------------------------------------------------------------- one sprint
def burnup(series: pd.DataFrame, issues: pd.DataFrame, title: str = "") -> go.Figure:
    """The chosen sprint's burnup (sprint__burnup): scope and done work as steps, in story
    points (top) and issues (bottom), with a marker on the scope line wherever an issue was
    added (up triangle) or removed (down triangle), named in its hover (sprint__issues)."""
    if series.empty:
        return empty("no issues in this sprint")
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    x = _ms(series["instant"])
    for row, unit in ((1, "points"), (2, "issues")):
        first = row == 1
        fig.add_scatter(x=x, y=_f32(series[f"scope_{unit}"]), name="scope", mode="lines", legendgroup="scope",
                        line=dict(color=GREY, shape="hv", width=2), showlegend=first, row=row, col=1,
                        hovertemplate="%{y:g} " + unit + "<extra>scope</extra>")
        fig.add_scatter(x=x, y=_f32(series[f"done_{unit}"]), name="done", mode="lines", legendgroup="done",
                        line=dict(color=GREEN, shape="hv", width=2), showlegend=first, row=row, col=1,
                        hovertemplate="%{y:g} " + unit + "<extra>done</extra>")
        fig.add_scatter(x=x, y=_f32(series[f"remaining_{unit}"]), name="remaining (burndown)", mode="lines",
                        legendgroup="remaining", line=dict(color=BLUE, shape="hv", width=1, dash="dot"),
                        showlegend=first, row=row, col=1, hovertemplate="%{y:g} " + unit + "<extra>remaining</extra>")
        for col, name, symbol, colour in (("added_at", "added", "triangle-up", ORANGE),
                                          ("removed_at", "removed", "triangle-down", PURPLE)):
            ev = issues.dropna(subset=[col]).sort_values(col) if col in issues.columns else issues.iloc[0:0]
            if ev.empty:
                continue
            at = pd.to_datetime(ev[col], utc=True)
            steps = series.assign(instant=pd.to_datetime(series["instant"], utc=True)).sort_values("instant")
            y = pd.merge_asof(pd.DataFrame({"instant": at.to_numpy()}).sort_values("instant"), steps,
                              on="instant", direction="backward")[f"scope_{unit}"]
            fig.add_scatter(x=_ms(at), y=_f32(y), mode="markers", name=name, legendgroup=name, showlegend=first,
                            marker=dict(symbol=symbol, size=11, color=colour, line=dict(color="white", width=1)),
                            text=[f"{safe_text.plot(k)} ({p:g} pt)" for k, p in zip(ev["issue_key"],
                                  ev["points"].fillna(0), strict=True)],
                            hovertemplate="%{text}<extra>" + name + "</extra>", row=row, col=1)
    fig.update_xaxes(type="date")
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(title_text="story points", row=1, col=1)
    fig.update_yaxes(title_text="issues", row=2, col=1)
    _note(fig, title)   # (before _layout: above the legend's row)
    fig = _layout(fig, "", "", height=460)
    # _layout titled the first axis ""; the title's text alone, so its look stays
    fig.update_layout(xaxis_title_text=None, yaxis_title_text="story points")
    return fig


SPRINT_LINE_TOP = 0.9   # in_sprint: the sprint-start lines' top (share of the plot's height)


def in_sprint(builder: str, window: tuple, starts: tuple, *args) -> go.Figure:
    """The figure `builder(*args)` (a date-axis chart) with the chosen sprint shaded
    (window = (start, end, label)) and the team's other sprint starts as dotted lines."""
    fig = globals()[builder](*args)
    if not fig.data:
        return fig
    start, end, label = window
    x0, x1 = (float(v) for v in _ms([start, end]))
    # shapes set in one layout update: add_vline / add_vrect validate the figure per call
    # the start lines stop under the label's row: the next sprint's start often lies within the
    # label's width, and a line through it crossed out the sprint's name
    shapes = [dict(type="line", xref="x", yref="paper", x0=float(v), x1=float(v), y0=0, y1=SPRINT_LINE_TOP, layer="below",
                   line=dict(color=GREY, width=1, dash="dot")) for v in _ms(list(starts))] if starts else []
    shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                       fillcolor=BLUE, opacity=0.08, line=dict(width=0)))
    # the date axis stops with the data and the sprint: Plotly widens an axis to hold an
    # annotation's text, and on a phone the name's width ran the axis on for two months. Clipped
    # (clipmin/clipmax), so the axis is never wider than that, and still fits what is drawn
    xs = pd.concat([_instants(t.x) for t in fig.data if t.x is not None and len(t.x)], ignore_index=True).dropna()
    late = False
    if len(xs):
        sprint = _instants([start, end])
        lo, hi = min(xs.min(), sprint[0]), max(xs.max(), sprint[1])
        pad = pd.Timedelta(days=4)   # half a weekly bar, and a little
        fig.update_xaxes(autorangeoptions=dict(clipmin=(lo - pad).timestamp() * 1000,
                                               clipmax=(hi + pad).timestamp() * 1000))
        # a sprint in the axis's last quarter (the latest, say): its name ends at the sprint's
        # end, inside the plot, rather than running off its right edge
        late = hi > lo and (sprint[0] - lo) / (hi - lo) > SPRINT_NAME_LATE
    fig.update_layout(shapes=list(fig.layout.shapes) + shapes,
                      annotations=list(fig.layout.annotations) + [dict(
                          text=safe_text.plot(label), xref="x", yref="paper", x=x1 if late else x0, y=1,
                          xanchor="right" if late else "left", yanchor="top", showarrow=False,
                          font=dict(size=10, color=GREY))])
    # the name's row is kept clear: the axis reaches a little above the tallest mark (a bar that
    # reached the top ran into the name)
    top = _top_value(fig)
    if top > 0:
        fig.update_yaxes(autorangeoptions=dict(include=[top * SPRINT_NAME_ROOM]), selector=dict(overlaying=None))
    return fig


SPRINT_NAME_ROOM = 1.15   # in_sprint: the left axis reaches this far above the tallest mark
SPRINT_NAME_LATE = 0.75   # in_sprint: a sprint starting past this share of the axis has its name end at its end


def _top_value(fig: go.Figure) -> float:
    """The tallest value drawn on the left y axis: bars stacked when the figure stacks them, and
    areas stacked by their stackgroup (the CFD's bands), summed per x."""
    tops: list[float] = [0.0]
    stacks: dict = {}
    for t in fig.data:
        if (t.yaxis or "y") != "y" or t.y is None or t.type not in ("bar", "scatter", "scattergl") \
                or t.orientation == "h":
            continue
        ys = pd.to_numeric(pd.Series(list(t.y)), errors="coerce")
        group = ("bars" if t.type == "bar" and fig.layout.barmode in ("stack", "relative")
                 else getattr(t, "stackgroup", None) or None)
        if group is not None and t.x is not None:
            stack = stacks.setdefault(group, {})
            for x, y in zip(list(t.x), ys.fillna(0), strict=True):
                stack[x] = stack.get(x, 0.0) + max(float(y), 0.0)
        elif ys.notna().any():
            tops.append(float(ys.max()))
    return max([*tops, *(v for stack in stacks.values() for v in stack.values())])


P85_SHADE = 0.35   # the p85 bars' opacity against the page, as a colour (time_in_status)


def _shade(hex_colour: str, alpha: float) -> str:
    """'#3b6fb6' at `alpha` as an rgba() colour."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha:g})"


def time_in_status(tis: pd.DataFrame) -> go.Figure:
    """Median and p85 days per status (flow__time_in_status), in workflow order, waiting
    statuses in orange; the label carries how many issues were ever in the status."""
    if tis.empty:
        return empty()
    d = tis.iloc[::-1]
    labels = [f"{safe_text.plot(s)} (n={n:,})" for s, n in zip(d["status"], d["issues"], strict=True)]
    waiting = d["is_waiting"].fillna(False).astype(bool).tolist()
    fig = go.Figure()
    # p85 in the light shade of each bar's colour; the legend's own two entries show the shades
    # (a trace's swatch shows its first bar's colour, and a trace opacity not at all: both read
    # as the same dark blue)
    for name, col, shade in (("median", "median_days", 1.0), ("p85", "p85_days", P85_SHADE)):
        fig.add_bar(y=labels, x=_f32(d[col]), orientation="h", name=name, showlegend=False,
                    marker_color=[_shade(ORANGE if w else BLUE, shade) for w in waiting],
                    hovertemplate=f"%{{y}}: {name} %{{x:.1f}} d<extra></extra>")
        fig.add_scatter(y=[None], x=[None], mode="markers", name=name, hoverinfo="skip",   # no bar slot of its own
                        marker=dict(symbol="square", size=12, color=_shade(BLUE, shade)))
    fig.update_layout(barmode="group")
    # (before _layout, which lifts a note above the legend's row and makes room for both)
    _note(fig, "orange = waiting status" if any(waiting) else "no status here matches [workflow] waiting_pattern")
    return _layout(fig, "days in the status (per issue)", "", height=max(240, 60 + 40 * len(d)))


WHERE_OFF_GROUPS = {"work_type": "work type", "label": "label", "component": "component", "size": "size"}


WHERE_OFF_TOP, WHERE_OFF_ROW = 130, 38   # px: titles and axis; one group (its name above its marks)


def where_off(cal: pd.DataFrame, max_groups: int = 24) -> go.Figure:
    """'Where are we off': per work type, label, component and size (estimate_calibration
    rows), the bias (median actual ÷ likely, left) and the overrun rate (right), each with
    its 95 % interval, sorted by bias (most over at the top); groups under the small-group
    limit are grey and marked. At most `max_groups` groups, the furthest from 1.0 first."""
    c = cal[cal["group_by"].isin(list(WHERE_OFF_GROUPS)) & cal["bias"].notna()].copy()
    if c.empty:
        return empty("no range estimates scored yet")
    c["off"] = np.abs(np.log(c["bias"].clip(lower=1e-6).astype(float)))
    hidden = max(len(c) - max_groups, 0)
    c = c.sort_values(["too_small", "off"], ascending=[True, False]).head(max_groups).sort_values("bias")
    labels = [f"{WHERE_OFF_GROUPS[g]}: {safe_text.plot(v)} (n={n:,}{', too few' if s else ''})"
              for g, v, n, s in zip(c["group_by"], c["group"], c["n"], c["too_small"], strict=True)]
    colours = [GREY if s else (RED if b > 1 else BLUE) for s, b in zip(c["too_small"], c["bias"], strict=True)]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05,
                        subplot_titles=("bias: actual ÷ likely (×)", "overrun rate<br>(actual > worst, %)"))
    fig.update_annotations(font_size=12)
    fig.add_scatter(x=_f32(c["bias"]), y=labels, mode="markers", name="bias", row=1, col=1,
                    marker=dict(color=colours, size=10),
                    error_x=dict(type="data", symmetric=False, array=_f32(c["bias_ci_high"] - c["bias"]),
                                 arrayminus=_f32(c["bias"] - c["bias_ci_low"]), color=GREY, thickness=1.2),
                    hovertemplate="%{y}<br>bias %{x:.2f}×<extra></extra>")
    fig.add_scatter(x=_f32(c["overrun_rate"] * 100), y=labels, mode="markers", name="overrun rate", row=1, col=2,
                    marker=dict(color=colours, size=10, symbol="diamond"),
                    error_x=dict(type="data", symmetric=False,
                                 array=_f32((c["overrun_ci_high"] - c["overrun_rate"]) * 100),
                                 arrayminus=_f32((c["overrun_rate"] - c["overrun_ci_low"]) * 100), color=GREY,
                                 thickness=1.2),
                    hovertemplate="%{y}<br>overrun %{x:.0f} %<extra></extra>")
    # 1.0× (estimates right on average): a dotted line through each row's marks only, not through
    # the group's name written above them (row i is category i; its name sits above its centre)
    fig.update_layout(shapes=[dict(type="line", xref="x", yref="y", x0=1.0, x1=1.0, y0=i - 0.42, y1=i + 0.12,
                                   line=dict(color="black", width=1, dash="dot")) for i in range(len(c))])
    fig.update_xaxes(type="log", row=1, col=1)
    fig.update_xaxes(range=[-4, 104], row=1, col=2)
    fig = _layout(fig, "", "", height=WHERE_OFF_TOP + WHERE_OFF_ROW * len(c), legend=False)
    # Each group's name is written above its row, across both panels, not as tick labels in a
    # left margin: names of 30-40 characters took two thirds of a phone-width chart and left
    # the two panels 80 px. The names stay the rows' categories (the hover shows them).
    # (Written in one go, unvalidated: add_annotation validates the whole figure per call, two
    # thirds of this chart's build with 24 groups; every value is one of these plain ones.)
    fig.update_yaxes(showticklabels=False)
    _unvalidated(fig.layout, {"annotations": [*fig.layout.annotations, *(dict(
        text=lab, x=0, xref="paper", xanchor="left", y=lab, yref="y", yanchor="bottom", yshift=6, showarrow=False,
        font=dict(size=11, color=GREY if small else "#2a3f5f")) for lab, small in zip(labels, c["too_small"], strict=True))]})
    fig.update_layout(margin=dict(l=12, t=48))
    _note(fig, f"{hidden:,} groups closer to 1.0× not drawn (all in the table below)" if hidden else "")
    return fig


# --------------------------------------------------------------------------- one shipped item
def item_counterfactual(curve: pd.DataFrame, overlaps: pd.DataFrame, item: dict, unit: str | None) -> go.Figure:
    """One shipped item on its metric (queries.impact_view): the daily value and its centred
    7-day mean (never across the ship day), the pre and post windows shaded, the counterfactual
    the verdict was judged against (dashed, its weekday pattern averaged out: fitted on the pre
    window, projected over the post window) with its 95 % band, the post-window mean as a diamond in the middle of the
    post window, and the other launches on the same metric inside the view shaded from their
    ship day for one window and named."""
    if curve.empty or curve["value"].notna().sum() == 0:
        return empty(f"no daily values of {safe_text.plot(item.get('metric', ''))} around this launch")
    x = _ms(curve["day"])
    day_ms = 86_400_000.0
    part = curve["part"].to_numpy()
    post = part == "post"
    fig = go.Figure()
    fig.add_scatter(x=x, y=_f32(curve["value"]), mode="lines", name="daily value", line=dict(color="#b5c3d6", width=1),
                    hovertemplate="%{y:,.4g}<extra>daily value</extra>")
    # centred, as the counterfactual's level is, but never across the ship day: a day before the
    # launch averages only days before it, so the line cannot seem to move before the launch did
    shipped = pd.Series(~np.isin(part, ("before", "pre")), index=curve.index)
    mean7 = curve["value"].groupby(shipped).transform(lambda v: v.rolling(7, center=True, min_periods=4).mean())
    # ... and not drawn across it either: a gap at the launch, so the step between the two sides'
    # means does not read as a move on the ship day (a launch still too early looked like a drop)
    mx, my = list(x), list(_f32(mean7))
    cut = int(np.argmax(shipped.to_numpy())) if shipped.any() and not shipped.all() else None
    if cut:
        mx.insert(cut, (mx[cut - 1] + mx[cut]) / 2)
        my.insert(cut, None)
    fig.add_scatter(x=mx, y=my, mode="lines", connectgaps=False, name="centred 7-day mean",
                    line=dict(color=BLUE, width=2), hovertemplate="%{y:,.4g}<extra>centred 7-day mean</extra>")
    if curve["cf_low"].notna().any():
        fig.add_scatter(x=x[post], y=_f32(curve["cf_high"][post]), mode="lines", line=dict(width=0),
                        showlegend=False, hoverinfo="skip", legendgroup="band")
        fig.add_scatter(x=x[post], y=_f32(curve["cf_low"][post]), mode="lines", line=dict(width=0), fill="tonexty",
                        fillcolor="rgba(110,118,128,0.25)", name="95 % band of the counterfactual",
                        legendgroup="band", hoverinfo="skip")
    if curve["counterfactual_week"].notna().any():
        fig.add_scatter(x=x, y=_f32(curve["counterfactual_week"]), mode="lines", name="counterfactual (no launch)",
                        line=dict(color="#2f353b", width=2, dash="dash"),
                        hovertemplate="%{y:,.4g}<extra>counterfactual</extra>")
    if item.get("verdict") in ("moved", "moved the wrong way", "no detectable change") and post.any():
        mid = float(x[post][0] + (x[post][-1] - x[post][0]) / 2)
        fig.add_scatter(x=[mid], y=[float(item["post_mean"])], mode="markers", name="post-window mean",
                        marker=dict(symbol="diamond", size=13, color=VERDICT_COLOURS.get(item["verdict"], GREY),
                                    line=dict(color="#1f2a36", width=1.5)),
                        hovertemplate="%{y:,.4g}<extra>post-window mean</extra>")
    lo_x, hi_x = float(x[0]), float(x[-1]) + day_ms
    shapes, notes = [], []

    def band(x0: float, x1: float, colour: str, opacity: float) -> None:
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=x0, x1=x1, y0=0, y1=1, layer="below",
                           fillcolor=colour, opacity=opacity, line=dict(width=0)))

    def label(at: float, text: str, colour: str, y: float = 1.0) -> None:
        notes.append(dict(text=text, x=at, xref="x", y=y, yref="paper", xanchor="left", yanchor="top",
                          showarrow=False, font=dict(size=10, color=colour)))

    for name, colour in (("pre", BLUE), ("post", GREEN)):
        sel = part == name
        if sel.any():
            band(float(x[sel][0]), float(x[sel][-1]) + day_ms, colour, 0.07)
            label(float(x[sel][0]), f"{name}-launch window", GREY)
    ship = float(_ms([item["shipped_on"]])[0])
    shapes.append(dict(type="line", xref="x", yref="paper", x0=ship, x1=ship, y0=0, y1=1,
                       line=dict(color=VERDICT_COLOURS.get(item.get("verdict"), PURPLE), width=2)))
    label(ship, f"▼ {safe_text.plot(item['item_key'])} shipped", "#1f2a36", y=0.93)
    pre_start = item.get("pre_start")
    window = (pd.Timestamp(item["shipped_on"]) - pd.Timestamp(pre_start)).days if pre_start is not None else 28
    for i, o in enumerate(overlaps.itertuples()):
        at = float(_ms([o.shipped_on])[0])
        end = min(at + window * day_ms, hi_x)
        if at >= hi_x or end <= lo_x:
            continue
        band(max(at, lo_x), end, PURPLE, 0.10)
        shapes.append(dict(type="line", xref="x", yref="paper", x0=at, x1=at, y0=0, y1=1,
                           line=dict(color=PURPLE, width=1.5, dash="dot")))
        label(max(at, lo_x), f"▼ {safe_text.plot(o.item_key)} {safe_text.plot(str(o.item_name)[:30])} (overlaps)",
              PURPLE, y=0.86 - 0.07 * i)
    fig.update_layout(shapes=shapes, annotations=notes)
    fig.update_xaxes(type="date", range=[lo_x, hi_x])
    metric = safe_text.plot(present.metric_name(item.get("metric", "")))
    fig = _layout(fig, "day", f"{metric} ({unit})" if unit else metric, height=420)
    return fig.update_layout(margin_b=86)   # a date axis with its title: the year under the first tick
