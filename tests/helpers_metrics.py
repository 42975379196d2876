"""Tiny warehouses for metric tests, written through the real load path
(`connectors.load.staged_load`). A scenario is plain data: statuses, issues with their
status history as (instant, from_id, to_id) tuples, sprints, boards, field changes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

import queries
from connectors.load import staged_load

SOURCE = "t"
DATA = Path(__file__).parent / "data" / "metrics"

# id, name, Jira statusCategory.key — the default workflow of the fixtures.
STATUSES = [
    ("1", "To Do", "new"),
    ("3", "In Progress", "indeterminate"),
    ("4", "In Review", "indeterminate"),
    ("5", "QA", "indeterminate"),
    ("6", "Done", "done"),
    ("7", "Closed", "done"),
]


def ts(s: str | None) -> datetime | None:
    """'2026-01-05 09:00' (UTC) -> aware datetime."""
    if s is None:
        return None
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def _issue_row(i: dict) -> dict:
    return {
        "source": SOURCE,
        "issue_id": str(i["id"]),
        "issue_key": i.get("key", f"P-{i['id']}"),
        "project_key": i.get("project", "P"),
        "issue_type": i.get("type", "Story"),
        "is_subtask": i.get("subtask", False),
        "parent_id": i.get("parent"),
        "epic_id": i.get("epic"),
        "summary": i.get("summary", f"issue {i['id']}"),
        "status_id": i.get("status") or (i["history"][-1][2] if i.get("history") else "1"),
        "resolution": None,
        "labels": i.get("labels", []),
        "components": i.get("components", []),
        "fix_versions": [],
        "sprint_ids": i.get("sprints", []),
        "story_points": i.get("points"),
        "estimate_best": i.get("best"),
        "estimate_likely": i.get("likely"),
        "estimate_worst": i.get("worst"),
        "original_estimate_seconds": i.get("original_estimate"),
        "time_spent_seconds": i.get("time_spent"),
        "created_at": ts(i.get("created", "2026-01-05 09:00")),
        "updated_at": None,
        "resolved_at": ts(i.get("resolved")),
        "is_deleted": False,
    }


def build(tmp_path: Path, scenario: dict, name: str = "w.duckdb") -> Path:
    """Write a scenario into a fresh warehouse under tmp_path and return its path."""
    path = Path(tmp_path) / name
    statuses = scenario.get("statuses", STATUSES)
    names = {s[0]: s[1] for s in statuses}
    issues = scenario.get("issues", [])
    status_rows, field_rows = [], []
    for i in issues:
        for n, h in enumerate(i.get("history", [])):
            at, frm, to = h[0], h[1], h[2]
            status_rows.append({
                "source": SOURCE, "issue_id": str(i["id"]), "history_id": str(100 + n), "item_seq": 0,
                "changed_at": ts(at), "from_status_id": frm, "from_status_name": names.get(frm, frm),
                "to_status_id": to, "to_status_name": h[3] if len(h) > 3 else names.get(to, to),
            })
        for n, f in enumerate(i.get("fields", [])):
            at, key, frm, to = f
            field_rows.append({
                "source": SOURCE, "issue_id": str(i["id"]), "history_id": str(500 + n), "item_seq": 0,
                "changed_at": ts(at), "field_key": key, "field": key, "field_id": None,
                "from_value": frm, "from_string": frm, "to_value": to, "to_string": to,
            })
    with staged_load(path, SOURCE, "test") as w:
        w.data_as_of = ts(scenario.get("as_of", "2026-03-01 00:00"))
        w.write("raw_statuses", pd.DataFrame(
            [{"source": SOURCE, "status_id": s[0], "name": s[1], "category_key": s[2]} for s in statuses]))
        if issues:
            w.write("raw_issues", pd.DataFrame([_issue_row(i) for i in issues]))
        if status_rows:
            w.write("raw_status_changes", pd.DataFrame(status_rows))
        if field_rows:
            w.write("raw_field_changes", pd.DataFrame(field_rows))
        if scenario.get("boards"):
            w.write("raw_boards", pd.DataFrame([
                {"source": SOURCE, "board_id": str(b["id"]), "name": b.get("name", f"board {b['id']}"),
                 "board_type": "scrum", "project_key": b.get("project"), "estimation_field_id": None}
                for b in scenario["boards"]]))
        if scenario.get("sprints"):
            w.write("raw_sprints", pd.DataFrame([
                {"source": SOURCE, "sprint_id": str(s["id"]), "board_id": s.get("board"),
                 "name": s.get("name", f"Sprint {s['id']}"), "state": s.get("state", "closed"), "goal": None,
                 "start_at": ts(s.get("start")), "end_at": ts(s.get("end")),
                 "complete_at": ts(s.get("complete")), "activated_at": None}
                for s in scenario["sprints"]]))
    return path


def load_json(name: str) -> dict:
    """A scenario stored as tests/data/metrics/<name>.json."""
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def connect(path: Path, config: queries.AnalysisConfig | None = None):
    return queries.connect(path, config=config)


def facts(con, as_of: str = "2026-03-01 00:00") -> pd.DataFrame:
    """fct_issue_facts as of an instant, indexed by issue key."""
    df = con.execute("SELECT * FROM fct_issue_facts($as_of) ORDER BY issue_key", {"as_of": ts(as_of)}).df()
    return df.set_index("issue_key")


def done_issue(n: int, start: str, cycle_days: float, key: str | None = None, **fields) -> dict:
    """A fixture issue created at `start` - 1 day, started at `start` and done
    `cycle_days` later (To Do -> In Progress -> Done)."""
    from datetime import timedelta
    s = ts(start)
    created = (s - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    end = (s + timedelta(days=cycle_days)).strftime("%Y-%m-%d %H:%M")
    return {"id": n, "key": key or f"P-{n}", "created": created,
            "history": [(start, "1", "3"), (end, "3", "6")], **fields}


def run(con, name: str, as_of: str = "2026-06-30 00:00", **params) -> pd.DataFrame:
    """A packaged query with the common filters unset unless given."""
    base = {"as_of": ts(as_of), "board_id": None, "project": None, "date_from": None, "date_to": None}
    base.update(params)
    return queries.run(con, name, **base)
