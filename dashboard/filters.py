"""The shared sidebar: team board, reporting period, as-of. Its state lives in the URL
query string (board, from, to, as_of), so a link reproduces the view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from dashboard import data
from dashboard.safe_text import md
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
    st.sidebar.warning(f"Link parameter {name}={md(raw[:40])} {problem}; showing the default instead.",
                       icon=":material/link_off:")
    return None


def _freshness() -> tuple:
    """The data's freshness (the default as-of instant; None without data) and its day (today
    without data), clamped to the dates the sidebar accepts."""
    fresh = data.run_query("default_as_of").iloc[0, 0]
    fresh_day = fresh.date() if fresh is not None and str(fresh) != "NaT" else date.today()
    return fresh, min(max(fresh_day, DATE_MIN), DATE_MAX)


def _default_from(as_of_day: date) -> date:
    """The default period's first day: 26 weeks before the as-of day."""
    return max(as_of_day - timedelta(days=182), DATE_MIN)


def _as_of(as_of_day: date, fresh, fresh_day: date) -> datetime:
    """The as-of instant: the data's freshness on its own day, else the end of the day."""
    if fresh is not None and str(fresh) != "NaT" and as_of_day == fresh_day:
        return fresh.to_pydatetime()
    return datetime.combine(as_of_day, time(23, 59, 59), tzinfo=UTC)


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
    boards = data.run_query("dim_boards")
    fresh, fresh_day = _freshness()

    options = [None] + boards["board_id"].tolist()
    names = {None: "All teams", **dict(zip(boards["board_id"], boards["name"], strict=True))}
    want = qp.get("board")
    index = options.index(want) if want in options else 0
    if want and want not in options:   # a stale or hand-edited link: say so, never a silent "All teams"
        st.sidebar.warning(f"Link parameter board={md(want[:40])} is not a team board here; showing all teams "
                           "instead.", icon=":material/link_off:")
    board = st.sidebar.selectbox("Team board", options, index=index, format_func=lambda b: names[b],
                                 key="f_board", help="Which team's board the figures are for")

    latest = min(max(fresh_day, date.today()), DATE_MAX)
    as_of_day = st.sidebar.date_input("As of", value=url_date("as_of", DATE_MIN, latest) or fresh_day,
                                      min_value=DATE_MIN, max_value=latest, key="f_as_of",
                                      help="Every figure is computed as the data stood at the end of this day")
    default_from = _default_from(as_of_day)
    # A period reaches back at most MAX_PERIOD_DAYS (a link with from=0001-01-01 would make
    # every daily series span two thousand years).
    earliest = max(DATE_MIN, as_of_day - timedelta(days=MAX_PERIOD_DAYS))
    url_from, url_to = url_date("from", earliest, DATE_MAX), url_date("to", earliest, DATE_MAX)
    start, end = url_from or default_from, url_to or as_of_day
    if start > end:
        st.sidebar.warning(f"Link parameters from={start} is after to={end}; showing the default period.",
                           icon=":material/link_off:")
        start, end = default_from, as_of_day
    period = st.sidebar.date_input("Period", value=(start, end),
                                   min_value=earliest, max_value=DATE_MAX,
                                   key="f_period", help="Reporting period (by completion or sprint start date)")
    if isinstance(period, tuple) and len(period) == 2:
        date_from, date_to = period
    else:   # the user has picked only the first day so far
        date_from = period[0] if isinstance(period, tuple) else period
        date_to = max(as_of_day, date_from)

    new_qp = {"board": board, "from": date_from.isoformat(), "to": date_to.isoformat(), "as_of": as_of_day.isoformat()}
    for k, v in new_qp.items():
        if v is None:
            if k in qp:
                del qp[k]
        elif qp.get(k) != v:
            qp[k] = v
    st.session_state[KEPT] = new_qp
    f = Filters(board_id=board, board_name=names[board], date_from=date_from, date_to=date_to,
                as_of=_as_of(as_of_day, fresh, fresh_day))
    data.prefetch(f.params())
    return f


def sprint_picker(sprints, key: str):
    """Pick one sprint of the frame (default: the latest closed one, else the latest); the
    choice is kept in the URL (`sprint=`). Returns the chosen row."""
    s = sprints.sort_values(["start_at", "sprint_id"]).reset_index(drop=True)
    ids = s["sprint_id"].tolist()
    closed = s.index[s["state"] == "closed"]
    default = ids[closed[-1]] if len(closed) else ids[-1]
    want = st.query_params.get("sprint")
    labels = {r.sprint_id: f"{getattr(r, 'team', '')} · {r.sprint_name} · {r.start_at:%d %b} – {r.end_at:%d %b}"
              .removeprefix(" · ") + ("" if r.state == "closed" else " (running)") for r in s.itertuples()}
    choice = st.selectbox("Sprint", ids[::-1], index=ids[::-1].index(want if want in ids else default),
                          format_func=labels.get, key=key, help="The sprint the retro is about")
    if st.query_params.get("sprint") != choice:
        st.query_params["sprint"] = choice
    return s[s["sprint_id"] == choice].iloc[0]
