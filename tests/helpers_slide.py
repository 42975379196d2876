"""Helpers for the tech-health slide tests: a tiny hand-worked warehouse written through
the real load path (`connectors.load.staged_load`), and readers for the .pptx."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pptx import Presentation

from connectors.load import staged_load

SOURCE = "t"
TODO, IN_PROGRESS, QA, DONE = "10000", "3", "10002", "10003"
STATUSES = [(TODO, "To Do", "new"), (IN_PROGRESS, "In Progress", "indeterminate"),
            (QA, "QA", "indeterminate"), (DONE, "Done", "done")]
AS_OF = "2026-03-01 12:00"


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text).replace(tzinfo=UTC)


def _issue(iid: str, created: str, status: str, *, sprints=(), points=None, issue_type="Story", labels=()):
    return dict(source=SOURCE, issue_id=iid, issue_key=f"P-{iid}", project_key="P", issue_type=issue_type,
                is_subtask=False, parent_id=None, epic_id=None, summary=f"issue {iid}", status_id=status,
                resolution=None, labels=list(labels), components=[], fix_versions=[], sprint_ids=list(sprints),
                story_points=points, estimate_best=None, estimate_likely=None, estimate_worst=None,
                original_estimate_seconds=None, time_spent_seconds=None, created_at=ts(created),
                updated_at=ts(created), resolved_at=None, is_deleted=False)


def tiny_scenario(with_sprints: bool = True) -> dict[str, pd.DataFrame]:
    """Board 1 "Tiny" (project P), sprints S1 = 2 Feb 09:00 – 13 Feb 16:00 and
    S2 = 16 Feb 09:00 – 27 Feb 16:00 2026 (both closed), five issues:
      A  Story 5 pts, S1, In Progress 3 Feb 09:00 → Done 5 Feb 09:00      (cycle 2 d)
      B  Story 3 pts, label debt, S1, 4 Feb 09:00 → Done 10 Feb 09:00      (cycle 6 d)
      C  Story 2 pts, S1, In Progress 5 Feb 09:00, never done              (carry-over in S1)
      D  Chore 2 pts (work type debt), S2, 17 Feb → QA 18 Feb → back to In Progress
         19 Feb → Done 20 Feb 09:00                                         (cycle 3 d, rework)
      E  Bug 1 pt, label production, created 16 Feb 09:00 into the running S2 (added),
         17 Feb → Done 18 Feb 09:00                                         (cycle 1 d, escaped)
    Without sprints: the same issues and history, no sprint at all."""
    s1, s2 = ["101"], ["102"]
    if not with_sprints:
        s1 = s2 = []
    issues = [
        _issue("1", "2026-01-26 09:00", DONE, sprints=s1, points=5),
        _issue("2", "2026-01-26 09:00", DONE, sprints=s1, points=3, labels=["debt"]),
        _issue("3", "2026-01-26 09:00", IN_PROGRESS, sprints=s1, points=2),
        _issue("4", "2026-01-26 09:00", DONE, sprints=s2, points=2, issue_type="Chore"),
        _issue("5", "2026-02-16 09:00", DONE, sprints=s2, points=1, issue_type="Bug", labels=["production"]),
    ]
    moves = [
        ("1", "2026-02-03 09:00", TODO, IN_PROGRESS), ("1", "2026-02-05 09:00", IN_PROGRESS, DONE),
        ("2", "2026-02-04 09:00", TODO, IN_PROGRESS), ("2", "2026-02-10 09:00", IN_PROGRESS, DONE),
        ("3", "2026-02-05 09:00", TODO, IN_PROGRESS),
        ("4", "2026-02-17 09:00", TODO, IN_PROGRESS), ("4", "2026-02-18 09:00", IN_PROGRESS, QA),
        ("4", "2026-02-19 09:00", QA, IN_PROGRESS), ("4", "2026-02-20 09:00", IN_PROGRESS, DONE),
        ("5", "2026-02-17 09:00", TODO, IN_PROGRESS), ("5", "2026-02-18 09:00", IN_PROGRESS, DONE),
    ]
    names = {s[0]: s[1] for s in STATUSES}
    frames = {
        "raw_statuses": pd.DataFrame([dict(source=SOURCE, status_id=i, name=n, category_key=c) for i, n, c in STATUSES]),
        "raw_boards": pd.DataFrame([dict(source=SOURCE, board_id="1", name="Tiny", board_type="scrum",
                                         project_key="P", estimation_field_id="customfield_10016")]),
        "raw_issues": pd.DataFrame(issues),
        "raw_status_changes": pd.DataFrame([
            dict(source=SOURCE, issue_id=i, history_id=f"h{n}", item_seq=0, changed_at=ts(at),
                 from_status_id=a, from_status_name=names[a], to_status_id=b, to_status_name=names[b])
            for n, (i, at, a, b) in enumerate(moves)]),
    }
    if with_sprints:
        frames["raw_sprints"] = pd.DataFrame([
            dict(source=SOURCE, sprint_id="101", board_id="1", name="Tiny 1", state="closed", goal=None,
                 start_at=ts("2026-02-02 09:00"), end_at=ts("2026-02-13 16:00"),
                 complete_at=ts("2026-02-13 16:00"), activated_at=None),
            dict(source=SOURCE, sprint_id="102", board_id="1", name="Tiny 2", state="closed", goal=None,
                 start_at=ts("2026-02-16 09:00"), end_at=ts("2026-02-27 16:00"),
                 complete_at=ts("2026-02-27 16:00"), activated_at=None),
        ])
    return frames


def build_tiny(tmp_path: Path, *, with_sprints: bool = True, name: str = "tiny.duckdb") -> Path:
    path = Path(tmp_path) / name
    with staged_load(path, SOURCE, "test") as w:
        w.data_as_of = ts(AS_OF)
        for table, df in tiny_scenario(with_sprints).items():
            w.write(table, df)
    return path


def build_empty(tmp_path: Path, name: str = "empty.duckdb") -> Path:
    path = Path(tmp_path) / name
    with staged_load(path, SOURCE, "test") as w:
        w.data_as_of = ts(AS_OF)
        w.write("raw_statuses", tiny_scenario()["raw_statuses"])
    return path


# --------------------------------------------------------------------------- reading slides
def open_slide(data: bytes | Path):
    prs = Presentation(io.BytesIO(data) if isinstance(data, bytes | bytearray) else str(data))
    return prs, prs.slides[0]


def shape(slide, name: str):
    found = [s for s in slide.shapes if s.name == name]
    assert len(found) == 1, f"expected one shape named {name!r}, found {len(found)}"
    return found[0]


def text(slide, name: str) -> str:
    return shape(slide, name).text_frame.text


def tile(slide, key: str) -> dict[str, str]:
    return {part: text(slide, f"{part} {key}") for part in ("Label", "Value", "Status", "Delta", "Detail")}


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def pdf_pages(pdf: Path) -> int:
    """Pages of a PDF (counts page objects; pdfinfo when available)."""
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        m = re.search(r"^Pages:\s+(\d+)", out, re.MULTILINE)
        if m:
            return int(m.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))
