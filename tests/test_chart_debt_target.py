"""The work-mix chart's debt target (dashboard/charts.py debt_share) is set in one layout
update instead of one add_hline per team panel (each call validated the whole figure: half of
the chart's build time under All teams); it must draw exactly what add_hline drew."""

from __future__ import annotations

import pandas as pd
from plotly.subplots import make_subplots

from dashboard import charts

SPRINTS = pd.DataFrame({
    "sprint_id": ["a1", "a2", "b1", "c1"], "label": ["ATL Sprint 1", "ATL Sprint 2", "BOR Sprint 1", "CYG Sprint 1"],
    "team": ["Atlas", "Atlas", "Borealis", "Cygnus"], "is_running": [False, False, True, False],
    "start_at": pd.to_datetime(["2026-09-01", "2026-09-15", "2026-09-03", "2026-09-05"])})
MIX = pd.DataFrame({"sprint_id": ["a1", "a1", "a2", "b1", "c1"], "work_type": ["debt", "feature", "feature", "bug", "debt"],
                    "share": [0.25, 0.75, 1.0, 1.0, 1.0]})


def _reference(mix, target, sprints):
    """The same chart with the target drawn by plotly's add_hline on each panel."""
    drawn = charts.debt_share(mix, target, sprints)
    teams = sprints["team"].nunique()
    fig = make_subplots(rows=teams, cols=1)   # the grid add_hline(row=…) finds each panel's axes in
    fig.layout = drawn.layout
    fig.layout.template = None   # as the chart has it (a new layout takes the default template)
    fig.add_traces(drawn.data)
    fig.layout.shapes = ()
    fig.layout.annotations = [a for a in fig.layout.annotations if not a.text.startswith("debt<br>target")]
    for row in range(1, teams + 1):
        fig.add_hline(y=target * 100, line_dash="dash", line_color=charts.RED, row=row, col=1,
                      annotation_text="debt<br>target<br>20 %", annotation_position="right",
                      annotation=dict(xshift=4, align="left", font=dict(size=10, color=charts.RED)))
    return fig


def test_the_debt_target_is_drawn_on_every_team_panel_as_add_hline_draws_it():
    fig = charts.debt_share(MIX, 0.2, SPRINTS)
    assert [s.yref for s in fig.layout.shapes] == ["y", "y2", "y3"]
    assert all(s.y0 == s.y1 == 20 for s in fig.layout.shapes)
    assert fig.layout.to_plotly_json() == _reference(MIX, 0.2, SPRINTS).layout.to_plotly_json()


def test_the_target_is_named_in_the_right_margin_off_the_bars():
    """Inside the plot the label covered the first sprints' bars (they stack to 100 %): it sits
    in the right margin now, level with its line, the margin widened to hold it."""
    fig = charts.debt_share(MIX, 0.2, SPRINTS)
    labels = [a for a in fig.layout.annotations if a.text == "debt<br>target<br>20 %"]
    assert len(labels) == 3 and all((a.x, a.xanchor, a.y) == (1, "left", 20) for a in labels)
    assert fig.layout.margin.r == charts.DEBT_LABEL_PX >= 50


def test_one_team_has_one_target_line():
    one = SPRINTS[SPRINTS["team"] == "Atlas"]
    fig = charts.debt_share(MIX, 0.2, one)
    assert [(s.xref, s.yref) for s in fig.layout.shapes] == [("x domain", "y")]
    assert fig.layout.to_plotly_json() == _reference(MIX, 0.2, one).layout.to_plotly_json()
