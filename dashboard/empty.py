"""Empty states that say what is empty and why (docs/pages.md "Empty states"): when the
warehouse holds that kind of data outside the sidebar's period (or for other teams' filters),
the filter is named with the span the data covers and the advice is to widen the period;
only when the warehouse holds none of it is the advice to sync or import, and on the demo's
warehouse (where a Jira sync is refused) the advice that fits it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import data, filters
from dashboard.components import empty_state
from dashboard.safe_text import md
from queries.dates import day_words
from queries.limits import DATE_MAX, DATE_MIN


def team_words(f) -> str:
    """Whose data: 'any team' under All teams, else the team's name."""
    return "any team" if f.board_id is None else md(f.board_name)


def wide(p: dict) -> dict:
    """The page's filters with the period opened to every plausible day (team and as-of kept)."""
    return {**p, "date_from": DATE_MIN, "date_to": DATE_MAX}


def held(p: dict, span_of) -> tuple[tuple[date, date] | None, tuple[date, date] | None]:
    """Where the data a view shows lies: `span_of(params)` (the span of that data for the given
    filters, or None) with the period opened (`wide`) at the page's as-of; only when that holds
    none, the same at the data's freshness (the default as-of), so that data recorded after
    the as-of date is not taken for an empty warehouse. Returns (at the as-of, later)."""
    now = span_of(wide(p))
    if now is not None:
        return now, None
    fresh = filters.default_params()["as_of"]
    return None, (span_of(wide({**p, "as_of": fresh})) if fresh != p["as_of"] else None)


def span(values) -> tuple[date, date] | None:
    """(first, last) day among `values` (dates or instants), or None when there are none."""
    s = pd.to_datetime(pd.Series(values), utc=True, errors="coerce").dropna() if len(values) else pd.Series([])
    return None if s.empty else (s.min().date(), s.max().date())


def is_demo() -> bool:
    """The warehouse holds the demo (where a Jira sync is refused unless --allow-demo)."""
    from connectors.demo import SOURCE

    return SOURCE in set(data.run_query("status_freshness")["source"])


def sync_command() -> str:
    """The command that fills the warehouse from Jira; on the demo's warehouse, a sync of the
    user's own Jira into its own warehouse (the demo's refuses it)."""
    if is_demo():
        return ("# this is the demo's warehouse, whose data is fixed; sync your own Jira into its own warehouse:\n"
                "retroscope --db data/retroscope.duckdb sync jira --url https://your-site.atlassian.net")
    return f"retroscope --db {data.db_label()} sync jira --url https://your-site.atlassian.net"


def filtered(what: str, verb: str, f, held: tuple[date, date] | None, later: tuple[date, date] | None = None,
             fill: str | None = None, section: bool = False, per_team: bool = True,
             recorded: str | None = None) -> None:
    """The one empty state for a filtered view.

    `what` names the data ('sprints'), `verb` how the period selects it ('started'), `held`
    is the span of that data in the warehouse for the team as of the sidebar's as-of date,
    whatever the period, and `later` the same at the data's freshness when `held` is None
    (`held()` gives both; None, None: the warehouse holds none for the team), and `fill` the
    command that loads it (default: a Jira sync, as `sync_command`). `section` draws a one-line
    note instead of a panel; `per_team` False for data no team owns (product metrics).
    `recorded`: for data recorded at an instant of its own, apart from the day the period selects
    it by (hypotheses: at a retro, about an item shipped on another day), what holds none by the
    as-of date ('hypotheses from retros held'), so that `later` is not read as nothing shipped."""
    period = f"between {day_words(f.date_from)} and {day_words(f.date_to)}"
    who = f" for {team_words(f)}" if per_team else ""
    if held is not None:
        text = (f"No {what} {verb} {period}{who}. The data holds {what} {verb} from {day_words(held[0])} to "
                f"{day_words(held[1])}: widen the period in the sidebar.")
        st.info(text, icon=":material/filter_alt:")
        return
    if later is not None:
        none, holder = (recorded, "Later ones hold") if recorded else (f"{what} {verb}", "The data holds")
        text = (f"No {none} by the as-of date {day_words(f.as_of)}{who}. {holder} {what} {verb} from "
                f"{day_words(later[0])} to {day_words(later[1])}: move the as-of date later in the sidebar.")
        st.info(text, icon=":material/filter_alt:")
        return
    text = f"The warehouse holds no {what}{who}."
    if section:
        st.info(text, icon=":material/hourglass_empty:")
        return
    empty_state(text, fill or sync_command())
