"""charts._look writes the look into each figure without plotly.py's validation (it took half of
a six-panel sprint chart's build); the figure must send exactly what the same values set with
validation send, and the builders' later edits must still be validated."""

from __future__ import annotations

import json

import pandas as pd
import plotly.io as pio
import pytest

from dashboard import charts

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


def _validated(obj, values: dict) -> None:
    for k, v in values.items():
        obj[k] = v


@pytest.mark.parametrize("name", list(BUILDS))
def test_the_look_written_unvalidated_sends_what_validated_values_send(monkeypatch, name):
    fast = BUILDS[name]()
    monkeypatch.setattr(charts, "_unvalidated", _validated)
    slow = BUILDS[name]()
    # the same JSON (its keys may come in another order, which plotly.js does not read)
    assert json.loads(pio.to_json(fast, validate=False)) == json.loads(pio.to_json(slow, validate=False))
    assert fast.layout.xaxis.automargin is True and fast.layout.font.family == charts.FONT


def test_later_edits_are_still_validated():
    fig = charts.velocity(SPRINTS)
    with pytest.raises(ValueError):
        fig.update_layout(xaxis_tickangle="steep")
    with pytest.raises(ValueError):
        fig.data[0].update(marker_pattern_fillmode="bogus")   # a key the look wrote unvalidated
