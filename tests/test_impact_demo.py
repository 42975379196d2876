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


def test_an_as_of_after_the_metric_data_keeps_the_latest_launch_too_early(demo_db):
    """At as_of 2026-12-01, past the demo's data (metrics loaded to 18 Nov), BOR-E3's post window
    (to 22 Nov) once read as closed: a verdict from 23 of its 28 days."""
    from datetime import UTC, datetime

    con = queries.connect(demo_db)
    try:
        late = run_public(con, "impact", as_of=datetime(2026, 12, 1, 12, tzinfo=UTC)).set_index("item_key")
        hyp = run_public(con, "outcomes__hypotheses", as_of=datetime(2026, 12, 1, 12, tzinfo=UTC))
    finally:
        con.close()
    assert late.loc["BOR-E3", "verdict"] == "too early"
    assert "loaded data of the metric describes (18 Nov 2026)" in late.loc["BOR-E3", "note"]
    assert late.loc["ATL-E1", "verdict"] == "moved"          # a window inside the data: judged as before
    assert set(hyp.loc[hyp["item_key"] == "BOR-E3", "verdict"]) <= {"too early"}


def test_outcomes_card_says_what_can_be_seen(monkeypatch, demo_db):
    from helpers_pages import app_for, open_page, problems

    at = open_page(app_for(monkeypatch, demo_db), "outcomes")
    assert not problems(at), problems(at)
    captions = [c.value for c in at.caption]
    seen = [c for c in captions if c.startswith("Only changes above ±")]
    # five judged items on the demo: each card names its minimum detectable effect
    assert len(seen) == 5, captions
    # BOR-E3 is too early: its card says what its window will be able to see
    assert sum(c.startswith("Once its 28 days are in, only changes above ±") for c in captions) == 1, captions
    assert all(" can be told from noise in 28 days · " in c for c in seen)
    assert any("interval calibrated on " in c and "earlier days without a launch" in c for c in seen)


def test_a_filter_never_changes_another_items_verdict(demo_db):
    """An item's placebo days leave out every launch on its metric and its confounders are
    every other launch in its span, whichever team or period the sidebar shows: a team or
    period filter once dropped the other launches from both, so an item's interval, and with
    it its verdict, depended on the filter (ATL-E2's placebo days: 189 unfiltered, 231 from
    mid-August; ATL-E3 lost its confounder BOR-E3 under the Atlas filter). The filtered rows
    equal the unfiltered ones, and the item view's numbers equal the card's."""
    import pandas as pd

    from queries.impact_view import item_view

    con = queries.connect(demo_db)
    try:
        every = run_public(con, "impact").set_index(["item_key", "metric"])
        checked = 0
        for flt in ({"board_id": "1"}, {"board_id": "2"}, {"date_from": "2026-08-15"}, {"project": "ATL"}):
            some = run_public(con, "impact", **flt).set_index(["item_key", "metric"])
            assert 0 < len(some) < len(every), flt
            pd.testing.assert_frame_equal(some, every.loc[some.index], obj=str(flt))
            for key, metric in some.index:
                view = item_view(con, as_of=queries.registry.default_as_of(con), item_key=key, metric=metric, **flt)
                for col in ("verdict", "placebo_days", "ci_low", "ci_high", "confounded_by"):
                    got, want = view.row[col], some.loc[(key, metric), col]
                    assert got == want or (pd.isna(got) and pd.isna(want)), (flt, key, col)
                checked += 1
        assert every.loc[("ATL-E3", "revenue"), "confounded_by"] == "BOR-E3"   # another team's launch
        assert checked >= 6
    finally:
        con.close()
