"""Helpers for the page tests: throwaway warehouses through the real load path, an
AppTest bound to a warehouse, and a fingerprint of what a page shows."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from connectors.load import staged_load
from dashboard.components import FOLD_ALL

APP = str(Path(__file__).resolve().parents[1] / "dashboard" / "app.py")
EMPTY_AS_OF = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)


def empty_warehouse(path: Path) -> Path:
    """A warehouse with a board and its workflow but no issues, sprints or metrics."""
    with staged_load(path, "jira:https://example.atlassian.net", "sync") as w:
        w.write("raw_statuses", pd.DataFrame({
            "source": "jira:https://example.atlassian.net", "status_id": ["1", "3", "6"],
            "name": ["To Do", "In Progress", "Done"], "category_key": ["new", "indeterminate", "done"]}))
        w.write("raw_boards", pd.DataFrame({
            "source": ["jira:https://example.atlassian.net"], "board_id": ["7"], "name": ["Empty team"],
            "board_type": ["scrum"], "project_key": ["EMP"], "estimation_field_id": [None]}))
        w.data_as_of = EMPTY_AS_OF
    return path


def app_for(monkeypatch, db: Path, userdata: Path | None = None) -> AppTest:
    """An AppTest of the whole app (navigation included) reading `db`."""
    monkeypatch.setenv("RETROSCOPE_DB", str(db))
    if userdata is not None:
        monkeypatch.setenv("RETROSCOPE_USERDATA", str(userdata))
    else:
        monkeypatch.delenv("RETROSCOPE_USERDATA", raising=False)
    monkeypatch.delenv("RETROSCOPE_CONFIG", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[FOLD_ALL] = True   # no browser to scroll: every block below the fold drawn at once
    return at


def open_page(at: AppTest, slug: str) -> AppTest:
    at.run()
    at.switch_page(f"app_pages/{slug}.py")
    at.run()
    return at


def unfold(at: AppTest, *forms: str) -> AppTest:
    """Open the folded entry forms with these keys (dashboard.forms.folded), as a click on
    each one's expander does, and rerun."""
    for form in forms:
        at.session_state[f"{form}_open"] = True
    at.run()
    return at


def fingerprint(at: AppTest) -> str:
    """Everything figure-like on the page: metric values, chart specs, table contents."""
    parts = [[m.label, m.value, m.delta] for m in at.metric]
    parts += [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    parts += [d.value.to_csv() if hasattr(d.value, "to_csv") else str(d.value) for d in at.dataframe]
    parts += [m.value for m in at.markdown]
    return json.dumps(parts, default=str, sort_keys=True)


def problems(at: AppTest) -> list[str]:
    """Exceptions and error boxes on the page."""
    return [e.message for e in at.exception] + [e.value for e in at.error]
