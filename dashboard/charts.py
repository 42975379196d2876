"""DataFrame → plotly figure builders. No Streamlit here: every builder takes the frame a
query returned and gives back a figure with titled axes and units; the page shows it with
`components.chart(fig, how_text, key)`."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import safe_text

BLUE, ORANGE, GREEN, RED, GREY, PURPLE = "#3b6fb6", "#e08a2e", "#3a9a5b", "#c8453b", "#9aa3ad", "#7a5ab8"
WORK_TYPE_COLOURS = {"feature": BLUE, "bug": RED, "debt": ORANGE}
STATUS_COLOURS = {"todo": "#c9d3df", "in_progress": "#f0b45b", "done": "#5fae79", "unknown": GREY}
VERDICT_COLOURS = {"moved": GREEN, "moved the wrong way": RED, "no detectable change": GREY,
                   "too early": ORANGE, "not enough data": GREY}


MAX_POINTS = 4000   # per scatter: beyond this, a seeded sample is drawn (WebGL) and the title says so


def _sample(df: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """At most MAX_POINTS rows (seeded, so the same data draws the same dots) and a note."""
    if len(df) <= MAX_POINTS:
        return df, ""
    return df.sample(MAX_POINTS, random_state=7).sort_index(), f"{MAX_POINTS:,} of {len(df):,} issues drawn"


def _note(fig: go.Figure, note: str) -> None:
    if note:
        fig.add_annotation(text=note, xref="paper", yref="paper", x=1, y=1.02, showarrow=False,
                           xanchor="right", yanchor="bottom", font=dict(size=10, color=GREY))


def _layout(fig: go.Figure, x: str, y: str, height: int = 330, legend: bool = True) -> go.Figure:
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=10, r=10, t=30, b=10),
                      xaxis_title=x, yaxis_title=y, showlegend=legend,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      hoverlabel=dict(namelength=-1))
    return fig


def empty(message: str = "no data for this selection") -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font=dict(size=14, color=GREY))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", "", height=200, legend=False)


# --------------------------------------------------------------------------- sprints
def velocity(sprints: pd.DataFrame, sprint_col: str = "sprint_name") -> go.Figure:
    """Committed vs completed points per sprint (bars) with say/do (line, right axis)."""
    if sprints.empty:
        return empty()
    s = sprints.sort_values("start_at")
    fig = go.Figure()
    fig.add_bar(x=s[sprint_col], y=s["committed_points"], name="committed", marker_color=GREY)
    fig.add_bar(x=s[sprint_col], y=s["completed_points"], name="completed", marker_color=BLUE)
    fig.add_bar(x=s[sprint_col], y=s["added_points"], name="added mid-sprint", marker_color=ORANGE,
                visible="legendonly")
    fig.add_scatter(x=s[sprint_col], y=s["say_do_ratio"] * 100, name="say/do %", yaxis="y2",
                    mode="lines+markers", line=dict(color=GREEN))
    fig.update_layout(barmode="group", yaxis2=dict(title="say/do (%)", overlaying="y", side="right",
                                                   rangemode="tozero", showgrid=False, tickformat=".0f",
                                                   dtick=25))
    return _layout(fig, "sprint", "story points")


def scope_flow(sprints: pd.DataFrame) -> go.Figure:
    """Per sprint: added and removed points (scope change) and carried-over points."""
    if sprints.empty:
        return empty()
    s = sprints.sort_values("start_at")
    fig = go.Figure()
    fig.add_bar(x=s["sprint_name"], y=s["added_points"], name="added", marker_color=ORANGE)
    fig.add_bar(x=s["sprint_name"], y=-s["removed_points"], name="removed", marker_color=PURPLE)
    fig.add_bar(x=s["sprint_name"], y=s["carryover_points"], name="carried over", marker_color=RED)
    fig.update_layout(barmode="relative")
    return _layout(fig, "sprint", "story points (removed below 0)")


def debt_share(mix: pd.DataFrame, target: float, sprint_names: dict | None = None) -> go.Figure:
    """Share of completed points per work type and sprint (stacked, %), target line for debt."""
    if mix.empty:
        return empty()
    m = mix.copy()
    m["sprint"] = m["sprint_id"].map(sprint_names or {}).fillna(m["sprint_id"])
    fig = go.Figure()
    for wt in sorted(m["work_type"].unique(), key=lambda w: (w != "debt", w)):
        part = m[m["work_type"] == wt]
        fig.add_bar(x=part["sprint"], y=part["share"] * 100, name=wt,
                    marker_color=WORK_TYPE_COLOURS.get(wt, GREY))
    fig.add_hline(y=target * 100, line_dash="dash", line_color=RED,
                  annotation_text=f"debt target {target:.0%}", annotation_position="top left")
    fig.update_layout(barmode="stack")
    return _layout(fig, "sprint", "share of completed points (%)")


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
        (fig.add_scattergl if note else fig.add_scatter)(x=part["completed_at"], y=part["cycle_time_days"], mode="markers", name=str(wt),
                        marker=dict(color=WORK_TYPE_COLOURS.get(wt, GREY), size=7, opacity=0.7),
                        customdata=part[["issue_key"]], hovertemplate="%{customdata[0]}<br>%{y:.1f} days<extra></extra>")
    if not weekly.empty:
        w = weekly.dropna(subset=["cycle_time_p50"])
        fig.add_scatter(x=w["week"], y=w["cycle_time_p50"], name="p50 (weekly)", mode="lines",
                        line=dict(color="black", shape="hv", width=1.5))
        fig.add_scatter(x=w["week"], y=w["cycle_time_p85"], name="p85 (weekly)", mode="lines",
                        line=dict(color=RED, shape="hv", width=1.5, dash="dash"))
    return _layout(fig, "completed on", "cycle time (days)")


def throughput(weekly: pd.DataFrame) -> go.Figure:
    """Issues completed per ISO week, with WIP at the end of the week."""
    if weekly.empty:
        return empty()
    fig = go.Figure()
    fig.add_bar(x=weekly["week"], y=weekly["throughput"], name="throughput", marker_color=BLUE)
    fig.add_scatter(x=weekly["week"], y=weekly["wip_end_of_week"], name="WIP at week end", mode="lines",
                    line=dict(color=ORANGE, shape="hv"))
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


def ageing_wip(wip: pd.DataFrame, status_col: str = "status", age_col: str = "age_days") -> go.Figure:
    """Work in progress by status: each dot an issue, height = days since it started."""
    if wip.empty:
        return empty("no work in progress")
    fig = go.Figure()
    for wt, part in wip.groupby("work_type") if "work_type" in wip.columns else [("issues", wip)]:
        fig.add_scatter(x=part[status_col], y=part[age_col], mode="markers", name=str(wt),
                        marker=dict(size=10, color=WORK_TYPE_COLOURS.get(wt, BLUE), opacity=0.8),
                        customdata=part[["issue_key"]], hovertemplate="%{customdata[0]}: %{y:.1f} days<extra></extra>")
    return _layout(fig, "status now", "age since start (days)")


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
    return _layout(fig, x.replace("_", " "), "backward transitions")


# --------------------------------------------------------------------------- estimates
def points_vs_cycle(issues: pd.DataFrame) -> go.Figure:
    """Cycle-time distribution per story-point size: box with every issue as a dot."""
    done = issues.dropna(subset=["story_points", "cycle_time_days"]) if not issues.empty else issues
    if done.empty:
        return empty("no completed issues with story points")
    fig = go.Figure()
    big = len(done) > MAX_POINTS
    _note(fig, "boxes from all issues; outliers only" if big else "")
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
        fig.add_hline(y=target * 100, line_dash="dash", line_color=RED, annotation_text=f"target {target:.0%}",
                      annotation_position="top left")
    fig.update_yaxes(range=[0, 115])
    return _layout(fig, axis, f"{metric.replace('_', ' ')} (%)", height=280, legend=False)


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
    fig.add_scatter(x=d["likely"], y=d["actual"], mode="markers", name="issues",
                    marker=dict(color=[WORK_TYPE_COLOURS.get(w, GREY) for w in d["work_type"]], size=7, opacity=0.7),
                    error_x=dict(type="data", symmetric=False, array=d["worst"] - d["likely"],
                                 arrayminus=d["likely"] - d["best"], thickness=0.6, color="#ccd"),
                    customdata=d[["issue_key", "work_type"]],
                    hovertemplate="%{customdata[0]} (%{customdata[1]})<br>likely %{x:.1f}, actual %{y:.1f}<extra></extra>")
    top = float(max(d["worst"].max(), d["actual"].max()))
    fig.add_scatter(x=[0, top], y=[0, top], mode="lines", name="actual = likely", line=dict(color=GREY, dash="dot"))
    return _layout(fig, f"likely estimate ({unit}; bar = best to worst)", f"actual ({unit})")


def plan_check(fc: pd.DataFrame) -> go.Figure:
    """Days until the remaining range-estimated work is done: as estimated vs corrected by
    the team's measured bias at 50/85/95 % confidence."""
    d = fc[fc["question"] == "plan_check"] if not fc.empty else fc
    if d.empty:
        return empty("no remaining range-estimated work")
    labels = ["as estimated" if pd.isna(c) else f"bias-corrected, {c:.0%}" for c in d["confidence"]]
    colours = [GREY if pd.isna(c) else BLUE for c in d["confidence"]]
    fig = go.Figure(go.Bar(x=d["value"], y=labels, orientation="h", marker_color=colours,
                           text=[f"{v:.1f} d · {o}" for v, o in zip(d["value"], d["on_date"], strict=True)],
                           textposition="auto"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "days from the as-of date", "", height=240, legend=False)


# --------------------------------------------------------------------------- outcomes
def metric_with_markers(points: pd.DataFrame, items: pd.DataFrame, agreements: pd.DataFrame,
                        metric: str, unit: str | None, period: tuple | None = None) -> go.Figure:
    """A daily product metric with a 7-day mean; shipped items as vertical lines, agreement
    periods as shaded bands."""
    if points.empty:
        return empty(f"no data points for {metric}")
    p = points.sort_values("day")
    fig = go.Figure()
    fig.add_scatter(x=p["day"], y=p["value"], mode="lines", name="daily", line=dict(color="#b5c3d6", width=1))
    fig.add_scatter(x=p["day"], y=p["value"].rolling(7, min_periods=1).mean(), mode="lines", name="7-day mean",
                    line=dict(color=BLUE, width=2))
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
    return _layout(fig, "day", f"{metric} ({unit})" if unit else metric, height=380)


def effect_interval(impact: pd.DataFrame) -> go.Figure:
    """Relative effect of each shipped item on each metric with its 95 % interval, coloured by
    verdict (items too early or without enough data have no effect to draw)."""
    d = impact.dropna(subset=["effect_rel"]) if not impact.empty else impact
    if d.empty:
        return empty("no effects estimated yet")
    y = d["item_key"] + " · " + d["metric"]
    x = d["effect_rel"] * 100
    fig = go.Figure(go.Scatter(
        x=x, y=y, mode="markers",
        marker=dict(size=11, color=[VERDICT_COLOURS.get(v, GREY) for v in d["verdict"]]),
        error_x=dict(type="data", symmetric=False, array=d["ci_high_rel"] * 100 - x,
                     arrayminus=x - d["ci_low_rel"] * 100),
        customdata=d[["verdict", "item_name"]],
        hovertemplate="%{customdata[1]}<br>%{y}: %{x:.1f} % (%{customdata[0]})<extra></extra>"))
    fig.add_vline(x=0, line_color=GREY)
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "relative effect on the metric (%, bar = 95 % interval)", "", height=max(220, 45 * len(d) + 80),
                   legend=False)


# --------------------------------------------------------------------------- tech health
def sprint_trend(sprints: pd.DataFrame, col: str, label: str, pct: bool = False,
                 target: float | None = None) -> go.Figure:
    if sprints.empty or col not in sprints.columns:
        return empty()
    s = sprints.sort_values("start_at")
    y = s[col] * (100 if pct else 1)
    fig = go.Figure(go.Bar(x=s["sprint_name"], y=y, marker_color=BLUE, name=label))
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
                           text=counts.values, textposition="auto"))
    return _layout(fig, "findings (issues or sprints)", "", height=max(180, 40 * len(counts) + 60), legend=False)


def slide_chart(chart) -> go.Figure:
    """The tech-health slide's chart (queries.tech_health.Chart): bars and lines per sprint."""
    if chart is None or not chart.categories:
        return empty()
    pct = "%" in chart.number_format
    fig = go.Figure()
    colours = iter([BLUE, ORANGE, GREEN, PURPLE])
    for s in chart.series:
        y = [None if v is None else v * (100 if pct else 1) for v in s.values]
        if s.kind == "line":
            fig.add_scatter(x=list(chart.categories), y=y, name=s.name, mode="lines", line=dict(color=RED, dash="dash"))
        else:
            fig.add_bar(x=list(chart.categories), y=y, name=s.name, marker_color=next(colours))
    return _layout(fig, "sprint", chart.axis_title + (" (%)" if pct and "%" not in chart.axis_title else ""))
