"""Small shared UI pieces: the data-freshness badge, empty states, metric help lines."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from dashboard import data


def empty_state(what: str, command: str) -> None:
    """Say what is missing and the exact command that fills it."""
    st.info(f"{what}\n\nFill it with:\n```\n{command}\n```", icon=":material/lightbulb:")


def no_warehouse() -> None:
    db = data.db_label()
    st.title("Retroscope")
    st.warning(f"There is no warehouse at `{db}` yet.", icon=":material/database:")
    empty_state("Build the demo warehouse (two teams, a year of sprints, product metrics and retros), "
                "or sync your own Jira:",
                f"retroscope --db {db} demo\n# or\nretroscope --db {db} sync jira --url https://your-site.atlassian.net")


def freshness_badge() -> None:
    """A sidebar badge: how old the newest data is, per source."""
    fresh = data.run_query("status_freshness")
    if fresh.empty:
        st.sidebar.caption(":grey[No data loaded]")
        return
    newest = pd.Timestamp(fresh["last_finished_at"].max())
    age = datetime.now(timezone.utc) - newest.to_pydatetime()
    hours = age.total_seconds() / 3600
    label = f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} days ago"
    colour = "green" if hours < 24 else ("orange" if hours < 24 * 7 else "red")
    sources = ", ".join(fresh["source"])
    as_of = pd.Timestamp(fresh["data_as_of"].max())
    st.sidebar.caption(f":{colour}[● Last load {label}] · data as of {as_of:%Y-%m-%d %H:%M} UTC · {sources}")


def how(text: str) -> None:
    """The one-line 'how this is computed' hint under a chart or figure."""
    st.caption(f":material/info: {text}")


def fmt_pct(v, digits: int = 0) -> str:
    return "–" if v is None or pd.isna(v) else f"{v * 100:.{digits}f} %"


def fmt_num(v, digits: int = 1, unit: str = "") -> str:
    return "–" if v is None or pd.isna(v) else f"{v:,.{digits}f}{unit}"
