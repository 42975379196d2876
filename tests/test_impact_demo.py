"""The demo's outcomes story through the public queries (docs/impact.md "On the demo"):
the epic with a real +10 % effect moved its metric, the epics with no effect did not, the
two revenue launches are flagged as confounded, the latest one is too early."""

from __future__ import annotations

import queries
from queries.registry import run_public


def test_demo_impact_story(demo_db):
    con = queries.connect(demo_db)
    try:
        impact = run_public(con, "impact").set_index("item_key")
        hyp = run_public(con, "outcomes__hypotheses")
        agreements = run_public(con, "outcomes__agreement_evaluation")
    finally:
        con.close()
    assert len(impact) == 6
    assert impact.loc["ATL-E1", "verdict"] == "moved"                      # +10 % injected
    for key in ("ATL-E2", "BOR-E2"):                                       # no effect injected
        assert impact.loc[key, "verdict"] not in ("moved", "moved the wrong way")
    assert impact.loc["ATL-E3", "confounded_by"] == "BOR-E3"
    assert impact.loc["BOR-E3", "confounded_by"] == "ATL-E3"
    assert impact.loc["BOR-E3", "verdict"] == "too early"
    # a hypothesis with its item's metric, direction and minimum change gets the item's verdict
    compared = 0
    for r in hyp.itertuples():
        if r.item_key in impact.index:
            it = impact.loc[r.item_key]
            if (it["metric"], it["direction"], it["min_change"]) == (r.metric, r.direction, r.min_change):
                assert r.verdict == it["verdict"], r.hypothesis_id
                compared += 1
    assert compared >= 1
    assert set(agreements["verdict"]) <= {"met", "not met", "too early", "not measurable"}
    assert (agreements["metric_kind"] == "product").all()
