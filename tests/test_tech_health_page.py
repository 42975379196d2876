"""The Tech health page (AppTest on the demo): each team's latest retro under All teams, and
a previous period too short to compare said in words instead of a change."""

from __future__ import annotations

import pytest
from helpers_pages import app_for, open_page, problems

import queries
from queries.tech_health import kpis


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_all_teams_shows_each_teams_latest_retro(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "tech_health")
    assert not problems(at), problems(at)
    assert "Latest retro of each team" in [h.value for h in at.subheader]
    shown = _texts(at)
    con = queries.connect(demo_db)
    try:
        atlas, borealis = (kpis(con, board_id=b).retros[0] for b in ("1", "2"))
    finally:
        con.close()
    for r in (atlas, borealis):
        assert f"**{r.title}** · {r.team} · held" in shown
        for t, *_ in r.open_actions:       # Borealis's open actions are on the page too
            assert t in shown, t
    assert "(11 sprints)" in shown        # the previous period's size, with the comparison
    # the command for the same slide: at the data's freshness, no --as-of (its default)
    assert "retroscope export tech-health --out slide.pptx --sprints 6`." in shown


def test_the_same_slide_command_carries_the_sidebars_as_of_day(monkeypatch, demo_db):
    """It once left the as-of day out, so the command made another period's slide."""
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "1", "as_of": "2026-08-01"})
    open_page(at, "tech_health")
    assert not problems(at), problems(at)
    assert "retroscope export tech-health --out slide.pptx --sprints 6 --board 1 --as-of 2026-08-01`." in _texts(at)


def test_previous_period_too_short_is_said_not_judged(monkeypatch, demo_db):
    at = app_for(monkeypatch, demo_db)
    at.query_params.update({"board": "2", "as_of": "2026-09-01"})
    open_page(at, "tech_health")
    assert not problems(at), problems(at)
    shown = _texts(at)
    assert "(1 sprint: too short to compare)" in shown
    assert "The previous period holds too little to compare with" in shown
    assert "previous period too short to compare" in shown
    assert "▲" not in shown and "▼" not in shown and "+65 %" not in shown
    assert [h.value for h in at.subheader].count("Latest retro") == 1


@pytest.mark.parametrize(("start", "end", "compared"), [
    ("2026-09-01", "2026-11-18", True),     # 119 issues completed, 126 in the 79 days before
    ("2026-06-01", "2026-08-31", False),    # 146 completed, 4 before (the demo's data starts in May)
])
def test_overview_tiles_follow_the_previous_period_rule(monkeypatch, demo_db, start, end, compared):
    at = app_for(monkeypatch, demo_db)
    at.query_params["from"], at.query_params["to"] = start, end
    at.run()
    assert not problems(at), problems(at)
    tiles = {m.label: m for m in at.metric}
    captions = " ".join(c.value for c in at.caption)
    for label in ("p85 cycle time", "Estimate hit rate"):
        assert bool(tiles[label].proto.delta) == compared, (label, tiles[label].proto.delta)
    assert ("previous period too short to compare" in captions) == (not compared)


def test_overview_says_no_previous_data_when_nothing_was_completed_before(monkeypatch, demo_db):
    """The demo's data starts in May: before a period from 1 May nothing was completed at all.
    That is no previous data (the Tech health tiles' words for it), not a period too short."""
    at = app_for(monkeypatch, demo_db)
    at.query_params["from"], at.query_params["to"] = "2026-05-01", "2026-06-30"
    at.run()
    assert not problems(at), problems(at)
    captions = " ".join(c.value for c in at.caption)
    assert "no previous data" in captions and "too short to compare" not in captions, captions
    assert not {m.label: m for m in at.metric}["p85 cycle time"].proto.delta


def test_the_retro_list_says_it_lists_what_is_still_open(monkeypatch, demo_db):
    """A new user read "Latest retro of each team" as every action of those retros: the line under
    it says the list is the actions still open on the as-of date, with the agreements."""
    at = open_page(app_for(monkeypatch, demo_db), "tech_health")
    assert not problems(at), problems(at)
    heads = [h.value for h in at.subheader]
    assert "Latest retro of each team" in heads
    assert any("still open on the as-of date" in c.value and "carried into it" in c.value for c in at.caption), \
        [c.value for c in at.caption]
