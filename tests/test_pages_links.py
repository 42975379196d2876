"""The shared sidebar's period against its as-of day, and link parameters a page cannot honour
(AppTest on the demo, as of 2026-11-18): the default period follows as-of, a period set by a
link or a pick never ends after the as-of day, and a bad sprint=, retro= or section= says so
in one line (docs/pages.md "The shared sidebar")."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_pages import app_for, open_page, problems

from dashboard.safe_text import md


def _link(monkeypatch, db, slug: str, qp: dict):
    """The page as a browser opens a link: its parameters are there on the first run."""
    at = app_for(monkeypatch, db)
    at.query_params.update(qp)
    at.switch_page(f"app_pages/{slug}.py")
    at.run()
    assert not problems(at), problems(at)
    return at


def _period(at) -> tuple:
    return tuple(at.sidebar.date_input(key="f_period").value)


def _notes(at) -> list[str]:
    return [w.value for w in at.sidebar.warning]


def test_moving_as_of_back_moves_the_default_period(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "overview")
    assert _period(at) == (date(2026, 5, 20), date(2026, 11, 18))   # 26 weeks (182 days) up to the as-of day
    at.sidebar.date_input(key="f_as_of").set_value(date(2026, 9, 1)).run()
    assert not problems(at), problems(at)
    assert _period(at) == (date(2026, 3, 3), date(2026, 9, 1))
    assert "3 Mar – 1 Sep 2026 · as of 2026-09-01" in at.caption[0].value
    assert not _notes(at)
    # the default period is not in the link: the link's as_of reproduces it
    assert "from" not in at.query_params and "to" not in at.query_params
    assert at.query_params["as_of"] in ("2026-09-01", ["2026-09-01"])
    at.sidebar.date_input(key="f_as_of").set_value(date(2024, 6, 1)).run()
    assert _period(at) == (date(2023, 12, 2), date(2024, 6, 1))
    assert not _notes(at)


def test_a_link_period_ending_after_as_of_is_clipped_with_a_note(monkeypatch, demo_db):
    at = _link(monkeypatch, demo_db, "overview", {"as_of": "2026-09-01", "from": "2026-08-01", "to": "2026-11-18"})
    assert _period(at) == (date(2026, 8, 1), date(2026, 9, 1))
    assert _notes(at) == ["Link parameter to=2026-11-18 is after the as-of day 2026-09-01; showing the period up "
                          "to 2026-09-01 instead."]
    assert "1 Aug – 1 Sep 2026 · as of 2026-09-01" in at.caption[0].value
    assert at.query_params["from"] in ("2026-08-01", ["2026-08-01"])   # the link now says what is shown
    assert at.query_params["to"] in ("2026-09-01", ["2026-09-01"])
    at.run()   # a rerun (in a browser, a block drawn below the fold): still said while the link's period stands replaced
    assert _notes(at) == ["Link parameter to=2026-11-18 is after the as-of day 2026-09-01; showing the period up "
                          "to 2026-09-01 instead."]
    at.sidebar.date_input(key="f_period").set_value((date(2026, 8, 2), date(2026, 8, 30))).run()
    assert not _notes(at)   # a period picked: the note is done


def test_a_picked_period_is_kept_and_clipped_when_as_of_moves_back(monkeypatch, demo_db):
    at = open_page(app_for(monkeypatch, demo_db), "overview")
    at.sidebar.date_input(key="f_period").set_value((date(2026, 8, 1), date(2026, 11, 18))).run()
    assert not problems(at), problems(at)
    assert _period(at) == (date(2026, 8, 1), date(2026, 11, 18))
    assert not _notes(at)
    assert at.query_params["from"] in ("2026-08-01", ["2026-08-01"])
    at.sidebar.date_input(key="f_as_of").set_value(date(2026, 9, 1)).run()
    assert not problems(at), problems(at)
    assert _period(at) == (date(2026, 8, 1), date(2026, 9, 1))   # kept, but never past as-of
    assert _notes(at) == ["The period's end 2026-11-18 is after the as-of day 2026-09-01; showing the period up "
                          "to 2026-09-01 instead."]
    assert at.query_params["to"] in ("2026-09-01", ["2026-09-01"])
    at.sidebar.date_input(key="f_as_of").set_value(date(2026, 7, 1)).run()   # now it starts after as-of
    assert _period(at) == (date(2025, 12, 31), date(2026, 7, 1))
    assert _notes(at) == ["The period's start 2026-08-01 is after the as-of day 2026-07-01; showing the default "
                          "period instead."]
    assert "from" not in at.query_params and "to" not in at.query_params


def test_a_link_period_after_as_of_falls_back_to_the_default(monkeypatch, demo_db):
    at = _link(monkeypatch, demo_db, "overview", {"as_of": "2026-09-01", "from": "2026-10-01", "to": "2026-11-18"})
    assert _period(at) == (date(2026, 3, 3), date(2026, 9, 1))
    assert _notes(at) == ["Link parameter from=2026-10-01 is after the as-of day 2026-09-01; showing the default "
                          "period instead."]
    assert "from" not in at.query_params and "to" not in at.query_params
    assert any(m.value not in ("–", "") for m in at.metric), [m.value for m in at.metric]


@pytest.mark.parametrize("bad", ["999999", "abc"])
def test_a_bad_sprint_link_says_so_and_shows_the_default(monkeypatch, demo_db, bad):
    plain = _link(monkeypatch, demo_db, "sprint_retro", {"board": "1"})
    default = plain.selectbox(key="sprint_retro_sprint")
    at = _link(monkeypatch, demo_db, "sprint_retro", {"board": "1", "sprint": bad})
    assert at.selectbox(key="sprint_retro_sprint").value == default.value
    assert _notes(at) == [f"Link parameter sprint={bad} is not a sprint of this team and period; showing "
                          f"{md(default.format_func(default.value))} instead."]
    assert at.query_params["sprint"] in (default.value, [default.value])


def test_a_sprint_chosen_before_a_change_of_team_is_not_called_a_link(monkeypatch, demo_db):
    at = _link(monkeypatch, demo_db, "sprint_retro", {"board": "1"})
    at.selectbox(key="sprint_retro_sprint").set_value("1013").run()   # Atlas's running sprint
    assert at.query_params["sprint"] in ("1013", ["1013"])
    at.sidebar.selectbox(key="f_board").set_value("2").run()
    assert not problems(at), problems(at)
    assert not _notes(at)


def test_a_bad_retro_link_says_so_and_shows_the_default(monkeypatch, demo_db):
    plain = _link(monkeypatch, demo_db, "retro_log", {"board": "2"})
    default = plain.selectbox(key="retro_log_retro")
    at = _link(monkeypatch, demo_db, "retro_log", {"board": "2", "retro": "nope"})
    assert at.selectbox(key="retro_log_retro").value == default.value
    assert _notes(at) == [f"Link parameter retro=nope is not a retro of this team; showing "
                          f"{md(default.format_func(default.value))} instead."]
    assert at.query_params["retro"] in (default.value, [default.value])


@pytest.mark.parametrize("slug, first", [("calibration", "Where are we off"),
                                         ("sprint_retro", "Quality and last retro")])
def test_a_bad_section_link_says_so_and_opens_the_first(monkeypatch, demo_db, slug, first):
    at = _link(monkeypatch, demo_db, slug, {"board": "1", "section": "Bogus"})
    assert _notes(at) == [f"Link parameter section=Bogus is not a section of this page; showing {first} instead."]
    assert "section" not in at.query_params
    ok = _link(monkeypatch, demo_db, slug, {"board": "1", "section": first})
    assert not _notes(ok)


def test_a_note_on_a_bad_link_stays_until_the_filter_is_changed(monkeypatch, demo_db):
    """The page writes its own value over a link's bad one, so the rerun that follows (a block
    drawn below the fold reruns the page in a browser) once found nothing wrong and the note
    vanished a moment after it appeared. It stays while the URL holds the page's value, and
    goes once the reader picks another."""
    def notes(at) -> list[str]:
        return sorted(v.replace("\\", "") for v in _notes(at))   # (md() escapes markdown)

    at = _link(monkeypatch, demo_db, "overview", {"board": "999", "as_of": "2026-13-40"})
    want = ["Link parameter as_of=2026-13-40 is not a date (expected YYYY-MM-DD); showing the default instead.",
            "Link parameter board=999 is not a team board here; showing all teams instead."]
    assert notes(at) == want
    at.run()                                                   # a rerun: still said
    assert notes(at) == want
    at.sidebar.selectbox(key="f_board").set_value("2").run()   # the team picked: its note is done
    assert notes(at) == want[:1]

    at = _link(monkeypatch, demo_db, "sprint_retro", {"board": "1", "sprint": "abc"})
    first = notes(at)
    assert len(first) == 1 and first[0].startswith("Link parameter sprint=abc is not a sprint"), first
    at.run()
    assert notes(at) == first
    at.selectbox(key="sprint_retro_sprint").set_value("1013").run()   # another sprint picked
    assert notes(at) == []


def test_a_link_note_belongs_to_its_page(monkeypatch, demo_db):
    """Going to another page and back (Streamlit drops the page's parameters on the way) is not
    a link: the notes made for the first page are not shown on the others, nor again on return."""
    at = _link(monkeypatch, demo_db, "sprint_retro", {"board": "1", "sprint": "abc"})
    assert len(_notes(at)) == 1
    for slug in ("overview", "sprint_retro"):
        at.switch_page(f"app_pages/{slug}.py")
        at.query_params.pop("sprint", None)        # what a page change does to the URL
        at.run()
        assert not problems(at), problems(at)
        assert _notes(at) == [], slug

    at = _link(monkeypatch, demo_db, "overview", {"board": "999"})
    assert len(_notes(at)) == 1
    at.switch_page("app_pages/tech_health.py")
    at.run()
    assert _notes(at) == []
