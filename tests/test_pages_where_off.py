"""The Estimate calibration page's "Where are we off" chart (AppTest on the demo): every
group with its n, sorted by bias, intervals drawn, small groups grey and marked. The
numbers themselves are hand-worked in test_metrics_where_off."""

from __future__ import annotations

import json

from helpers_pages import app_for, open_page, problems
from test_pages_honest import _values

from dashboard.charts import GREY


def test_where_are_we_off_chart(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "calibration")
    assert not problems(at), problems(at)
    assert "Where are we off" in [h.value for h in at.subheader]
    figs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    fig = next(f for f in figs if any(a.get("text", "").startswith("bias: actual") for a in f["layout"]["annotations"]))
    bias, overrun = fig["data"][0], fig["data"][1]
    labels, x = bias["y"], _values(bias["x"])
    assert 0 < len(labels) <= 24 and labels == overrun["y"]
    assert x == sorted(x)                                    # most over at the top (the last category)
    assert all(" (n=" in lab for lab in labels)
    kinds = {lab.split(":")[0] for lab in labels}
    assert {"work type", "label", "component", "size"} <= kinds, kinds
    assert any(lab.startswith("label: integration") for lab in labels)
    colours = bias["marker"]["color"]
    assert [c == GREY for c in colours] == ["too few" in lab for lab in labels]
    low, high = _values(bias["error_x"]["arrayminus"]), _values(bias["error_x"]["array"])
    assert all(v >= 0 for v in low + high) and any(v > 0 for v in high)
    rates = _values(overrun["x"])
    assert all(0 <= r <= 100 for r in rates)
    # the names are written above their rows (no tick labels: readable on a phone), one per row
    assert fig["layout"]["yaxis"]["showticklabels"] is False
    names = {a["text"]: a for a in fig["layout"]["annotations"] if a.get("yref") == "y"}
    assert set(names) == set(labels)
    assert all(names[lab]["y"] == lab and names[lab]["xref"] == "paper" for lab in labels)
    greys = {lab for lab in labels if names[lab]["font"]["color"] == GREY}
    assert greys == {lab for lab in labels if "too few" in lab}
