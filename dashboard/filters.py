"""The shared sidebar: team board, reporting period, as-of. Its state lives in the URL
query string (board, from, to, as_of), so a link reproduces the view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import streamlit as st

from dashboard import data, present
from dashboard.safe_text import md
from queries.dates import day_words
from queries.limits import DATE_MAX, DATE_MIN

MAX_PERIOD_DAYS = 10 * 366   # the longest reporting period the sidebar offers (ten years)


@dataclass(frozen=True)
class Filters:
    board_id: str | None
    board_name: str
    date_from: date
    date_to: date
    as_of: datetime

    def params(self) -> dict:
        """The bound parameters every public query (and every page report) takes."""
        return {"board_id": self.board_id, "project": None, "date_from": self.date_from,
                "date_to": self.date_to, "as_of": self.as_of}


# the session's last shared filters (URL parameter -> value; None = not set)
KEPT = "_rs_shared_filters"
# Notes on link parameters a page could not use: {parameter: (note, what the URL holds in its
# place)}. The page writes its own value over the link's, so a rerun (a block drawn below the
# fold reruns the page) would find nothing wrong: the note stays while the URL holds that value.
NOTES = "_rs_link_notes"
FILTER_PARAMS = ("board", "as_of", "from", "to")
PAGE = "_rs_page"   # the page this run draws (dashboard/app.py): a note belongs to the page it was made on


def _note(name: str, text: str) -> None:
    """One line in the sidebar about the link parameter `name`, kept on the reruns of this page
    that follow until the reader changes that filter (`_notes_standing`, `_notes_written`)."""
    st.sidebar.warning(text, icon=":material/link_off:")
    st.session_state.setdefault(NOTES, {})[name] = (text, None, st.session_state.get(PAGE))


def _notes_standing(names, where, before: dict) -> None:
    """Once the page has written its values into the URL: show again (in `where`) the notes of
    earlier runs of this page on `names` whose replacement the URL held when the run began
    (`before`) and still holds, and forget the others (the reader changed the filter or went to
    another page, or a new link came). Notes made in this run are left alone."""
    notes = st.session_state.get(NOTES, {})
    for name in names:
        if name in notes and notes[name][1] is not None:
            text, replaced, page = notes[name]
            if page == st.session_state.get(PAGE) and before.get(name, "") == replaced \
                    and st.query_params.get(name, "") == replaced:
                where.warning(text, icon=":material/link_off:")
            else:
                del notes[name]


def _notes_written(names) -> None:
    """After the page wrote its values into the URL: what holds the place of each noted link value."""
    notes = st.session_state.get(NOTES, {})
    for name in names:
        if name in notes and notes[name][1] is None:
            notes[name] = (notes[name][0], st.query_params.get(name, ""), notes[name][2])


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def url_date(name: str, lo: date, hi: date) -> date | None:
    """The URL parameter `name` as a day in [lo, hi], or None (the default applies). A value
    that is not a date or lies outside the range is reported inline in the sidebar, never
    raised: a hand-edited or stale link still opens the page."""
    raw = st.query_params.get(name)
    if not raw:
        return None
    d = _parse_date(raw)
    if d is None:
        problem = "is not a date (expected YYYY-MM-DD)"
    elif not lo <= d <= hi:
        problem = f"is outside {lo.isoformat()} … {hi.isoformat()}"
    else:
        return d
    _note(name, f"Link parameter {name}={md(raw[:40])} {problem}; showing the default instead.")
    return None


def _freshness() -> tuple:
    """The data's freshness (the default as-of instant; None without data) and its day (today
    without data), clamped to the dates the sidebar accepts."""
    fresh = data.run_query("default_as_of").iloc[0, 0]
    if fresh is not None and str(fresh) == "NaT":   # (nothing loaded: one way to say so below)
        fresh = None
    # its day in the reporting timezone, as every day on the pages
    fresh_day = data.local_day(fresh) if fresh is not None else data.today()
    return fresh, min(max(fresh_day, DATE_MIN), DATE_MAX)


def _default_from(as_of_day: date) -> date:
    """The default period's first day: 26 weeks before the as-of day."""
    return max(as_of_day - timedelta(days=182), DATE_MIN)


def _as_of(as_of_day: date, fresh, fresh_day: date) -> datetime:
    """The as-of instant: the data's freshness on its own day, else the end of the day (its last
    second in the reporting timezone)."""
    if fresh is not None and as_of_day == fresh_day:
        return fresh.to_pydatetime()
    return data.analysis("queries.dates:local_day_end", day=as_of_day)


# the period widget's key; the period is in the URL (from, to) only where the user set it
PERIOD = "f_period"


def _period_picked() -> None:
    """The period widget's on_change: the picked days become the link's `from` and `to` (a
    period set explicitly, kept until changed); with only its first day picked so far, the
    end is left to its default (the as-of day)."""
    picked = st.session_state.get(PERIOD) or ()
    picked = tuple(picked) if isinstance(picked, tuple | list) else (picked,)
    qp, kept = st.query_params, st.session_state.get(KEPT, {})
    for name, day in zip(("from", "to"), (*picked, None, None)[:2], strict=True):
        value = day.isoformat() if day else None
        kept[name] = value   # the session's own choice: a later note names it so, not as a link's
        if value:
            qp[name] = value
        elif name in qp:
            del qp[name]
    st.session_state[KEPT] = kept


def _period(as_of_day: date, earliest: date) -> tuple[date, date, bool, bool]:
    """The period to show (first and last day) and whether each end was set explicitly (by a
    link or a pick; else it is the default: the 26 weeks up to the as-of day, so it follows
    as-of). A set period never ends after the as-of day: its end is clipped to it, and one
    starting after it gives way to the default, each with one line in the sidebar."""
    qp, kept = st.query_params, st.session_state.get(KEPT, {})
    default_from = _default_from(as_of_day)
    url_from, url_to = url_date("from", earliest, DATE_MAX), url_date("to", earliest, DATE_MAX)

    def named(name: str, day: date) -> str:   # a link's parameter, or the period chosen in this session
        if qp.get(name) != kept.get(name):
            return f"Link parameter {name}={day}"
        return f"The period's {'start' if name == 'from' else 'end'} {day}"

    note, noted = None, "from"
    if url_from and url_from > as_of_day:
        note = f"{named('from', url_from)} is after the as-of day {as_of_day}; showing the default period instead."
        url_from = url_to = None
    elif url_to and url_to > as_of_day:
        note = (f"{named('to', url_to)} is after the as-of day {as_of_day}; showing the period up to "
                f"{as_of_day} instead.")
        url_to, noted = as_of_day, "to"
    start, end = url_from or default_from, url_to or as_of_day
    if start > end:
        note = f"Link parameters from={start} is after to={end}; showing the default period."
        url_from = url_to = None
        start, end = default_from, as_of_day
    if note:
        _note(noted, note)
    return start, end, url_from is not None, url_to is not None


def at_freshness(p: dict) -> bool:
    """Whether the filters' as-of instant is the data's freshness (the commands' default as-of)."""
    fresh, _ = _freshness()
    return fresh is not None and p["as_of"] == fresh


def is_default_period(p: dict) -> bool:
    """Whether the filters' period is the default one for their as-of day (26 weeks up to it)."""
    day = data.local_day(p["as_of"])   # the sidebar's as-of day
    return (p.get("date_from"), p.get("date_to")) == (_default_from(day), day)


def default_params() -> dict:
    """The parameters of a first visit without link parameters (all teams, the default period
    and as-of), as `sidebar()` gives them; for warming the caches before the first visitor."""
    fresh, fresh_day = _freshness()
    return Filters(board_id=None, board_name="All teams", date_from=_default_from(fresh_day), date_to=fresh_day,
                   as_of=_as_of(fresh_day, fresh, fresh_day)).params()


def sidebar() -> Filters:
    """Render the shared filters and return them. Reads and writes st.query_params. Going to
    another page in the navigation clears the URL's parameters: the filters this session last
    had are put back, so the team, period and as-of stay as chosen (and in the new page's link)."""
    qp = st.query_params
    for k, v in st.session_state.get(KEPT, {}).items():
        if k not in qp and v is not None:
            qp[k] = v
    standing = st.sidebar.container()   # the notes of earlier runs, at the top (filled at the end)
    before = {k: qp.get(k, "") for k in FILTER_PARAMS}
    boards = data.run_query("dim_boards")
    fresh, fresh_day = _freshness()

    options = [None] + boards["board_id"].tolist()
    names = {None: "All teams", **dict(zip(boards["board_id"], boards["name"], strict=True))}
    want = qp.get("board")
    index = options.index(want) if want in options else 0
    if want and want not in options:   # a stale or hand-edited link: say so, never a silent "All teams"
        _note("board", f"Link parameter board={md(want[:40])} is not a team board here; showing all teams instead.")
    board = st.sidebar.selectbox("Team board", options, index=index, format_func=lambda b: names[b],
                                 key="f_board", help="Which team's board the figures are for")

    latest = min(max(fresh_day, data.today()), DATE_MAX)
    as_of_day = st.sidebar.date_input("As of", value=url_date("as_of", DATE_MIN, latest) or fresh_day,
                                      min_value=DATE_MIN, max_value=latest, key="f_as_of",
                                      help="Every figure is computed as the data stood at the end of this day")
    if fresh is not None and as_of_day > fresh_day:
        # a later day than the data reaches: say so, or a running sprint reads as a stalled team
        st.sidebar.caption(f":material/info: The data runs to "
                           f"{data.analysis('queries.dates:local_time', instant=fresh)}: nothing after it is "
                           "loaded yet, so the figures stop there.")
    # A period reaches back at most MAX_PERIOD_DAYS (a link with from=0001-01-01 would make
    # every daily series span two thousand years), and never ends after the as-of day.
    earliest = max(DATE_MIN, as_of_day - timedelta(days=MAX_PERIOD_DAYS))
    date_from, date_to, set_from, set_to = _period(as_of_day, earliest)
    if st.session_state.get(PERIOD) != (date_from, date_to):   # before the widget exists: it shows this
        st.session_state[PERIOD] = (date_from, date_to)
    st.sidebar.date_input("Period", min_value=earliest, max_value=as_of_day, key=PERIOD, on_change=_period_picked,
                          help="Reporting period (by completion or sprint start date); by default the 26 weeks "
                               "up to the as-of day, never past it")

    new_qp = {"board": board, "from": date_from.isoformat() if set_from else None,
              "to": date_to.isoformat() if set_to else None, "as_of": as_of_day.isoformat()}
    for k, v in new_qp.items():
        if v is None:
            if k in qp:
                del qp[k]
        elif qp.get(k) != v:
            qp[k] = v
    st.session_state[KEPT] = new_qp
    _notes_standing(FILTER_PARAMS, standing, before)
    _notes_written(FILTER_PARAMS)
    f = Filters(board_id=board, board_name=names[board], date_from=date_from, date_to=date_to,
                as_of=_as_of(as_of_day, fresh, fresh_day))
    data.prefetch(f.params())
    return f


def sprint_picker(sprints, key: str):
    """Pick one sprint of the frame (default: the latest closed one, else the latest); the
    choice is kept in the URL (`sprint=`). Returns the chosen row."""
    s = sprints.sort_values(["start_at", "sprint_id"]).reset_index(drop=True)
    ids = s["sprint_id"].tolist()
    default = present.default_sprint(s).sprint_id
    want = st.query_params.get("sprint")
    before = {"sprint": want or ""}
    # a link's sprint this view does not hold (not one chosen earlier in this session and gone
    # with a change of team or period: the picker then starts afresh without a note)
    stale_link = bool(want) and want not in ids and want != st.session_state.get(key)
    # each sprint's first and last day where the team reports (one call for them all); a running
    # sprint's last is its planned end (its end_at is the as-of instant), when it has one
    running = present.running(s)
    ends = s["end_at"]
    if "planned_end_at" in s.columns:
        ends = s["planned_end_at"].where(running & s["planned_end_at"].notna(), s["end_at"])
    days = data.analysis("queries.dates:local_days",
                         instants=(*s["start_at"], *ends))
    firsts, lasts = days[:len(s)], days[len(s):]
    labels = {r.sprint_id: f"{getattr(r, 'team', '')} · {r.sprint_name} · {day_words(a, year=False)} – {day_words(b, year=False)}"
              .removeprefix(" · ") + (" (running)" if on else "")
              for r, a, b, on in zip(s.itertuples(), firsts, lasts, running, strict=True)}
    choice = st.selectbox("Sprint", ids[::-1], index=ids[::-1].index(want if want in ids else default),
                          format_func=labels.get, key=key, help="The sprint the retro is about")
    if stale_link:
        _note("sprint", f"Link parameter sprint={md(want[:40])} is not a sprint of this team and period; "
                        f"showing {md(labels[choice])} instead.")
    if st.query_params.get("sprint") != choice:
        st.query_params["sprint"] = choice
    _notes_standing(("sprint",), st.sidebar, before)
    _notes_written(("sprint",))
    return s[s["sprint_id"] == choice].iloc[0]
