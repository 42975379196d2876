"""Helpers for the Jira connector tests: start a fake site, run a sync, read raw tables."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
from fake_jira.server import FakeJira
from fake_jira.site import NOW, Site, small_site

from connectors import jira_issues
from connectors.jira_issues import auth_from_env
from connectors.settings import JiraSettings

PROJECTS = ("ATL", "BOR")
FAST = JiraSettings(timeout_seconds=5, max_retries=3)


def start(mode: str, site: Site | None = None) -> FakeJira:
    return FakeJira(site or small_site(), mode).__enter__()


def sync(db: Path, fake: FakeJira, *, when: datetime = NOW, settings: JiraSettings = FAST, **kw):
    kw.setdefault("projects", PROJECTS)
    return jira_issues.sync(db, url=fake.url, auth=auth_from_env(fake.env()), settings=settings,
                            clock=lambda: when, backoff_base=0.01, **kw)


def table(db: Path, name: str, order: str | None = None) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        df = con.table(name).df()
    cols = [c for c in (order or "").split(",") if c]
    return df.sort_values(cols).reset_index(drop=True) if cols else df


def tables(db: Path, names) -> dict[str, pd.DataFrame]:
    """Several raw tables read through one connection."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {n: con.table(n).df() for n in names}


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)
