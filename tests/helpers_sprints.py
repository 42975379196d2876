"""Tiny warehouses for the sprint and retro tests, written through the real load path
(`connectors.load.staged_load`). A scenario is built in Python with readable timestamps
("2026-01-05 09:00", UTC) and small helpers, then loaded into a throwaway DuckDB file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

import queries
from connectors.load import staged_load

SOURCE = "test"
TODO, IN_PROGRESS, REVIEW, QA, DONE, WONT_DO = "10000", "3", "10001", "10002", "10003", "10004"
STATUSES = [
    (TODO, "To Do", "new"),
    (IN_PROGRESS, "In Progress", "indeterminate"),
    (REVIEW, "In Review", "indeterminate"),
    (QA, "QA", "indeterminate"),
    (DONE, "Done", "done"),
    (WONT_DO, "Won't Do", "done"),
]


def ts(text: str) -> datetime:
    """'2026-01-05 09:00' -> aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class Scenario:
    statuses: list = field(default_factory=lambda: list(STATUSES))
    boards: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    sprints: list = field(default_factory=list)
    issues: list = field(default_factory=list)
    status_changes: list = field(default_factory=list)
    field_changes: list = field(default_factory=list)
    metric_definitions: list = field(default_factory=list)
    metric_points: list = field(default_factory=list)
    _hist: int = 0

    # ------------------------------------------------------------------ building
    def board(self, board_id: str, name: str, project_key: str = "P",
              columns: list[tuple[str, list[str]]] | None = None) -> Scenario:
        self.boards.append(dict(source=SOURCE, board_id=board_id, name=name, board_type="scrum",
                                project_key=project_key, estimation_field_id="customfield_10016"))
        for pos, (col, ids) in enumerate(columns or []):
            for sid in ids:
                self.columns.append(dict(source=SOURCE, board_id=board_id, position=pos,
                                         column_name=col, status_id=sid))
        return self

    def sprint(self, sprint_id: str, board_id: str, start: str | None, end: str | None,
               complete: str | None = None, state: str | None = None,
               activated: str | None = None, name: str | None = None) -> Scenario:
        st = state or ("closed" if complete else "active")
        self.sprints.append(dict(
            source=SOURCE, sprint_id=sprint_id, board_id=board_id, name=name or f"Sprint {sprint_id}",
            state=st, goal=None, start_at=ts(start) if start else None, end_at=ts(end) if end else None,
            complete_at=ts(complete) if complete else None, activated_at=ts(activated) if activated else None))
        return self

    def issue(self, issue_id: str, created: str, status: str = TODO, sprints: list[str] | None = None,
              points: float | None = None, project: str = "P", issue_type: str = "Story",
              summary: str | None = None, is_subtask: bool = False, labels: list[str] | None = None,
              is_deleted: bool = False, best: float | None = None, likely: float | None = None,
              worst: float | None = None) -> Scenario:
        self.issues.append(dict(
            source=SOURCE, issue_id=issue_id, issue_key=f"{project}-{issue_id}", project_key=project,
            issue_type=issue_type, is_subtask=is_subtask, parent_id=None, epic_id=None,
            summary=summary or f"issue {issue_id}", status_id=status, resolution=None,
            labels=labels or [], components=[], fix_versions=[], sprint_ids=sprints or [],
            story_points=points, estimate_best=best, estimate_likely=likely, estimate_worst=worst,
            original_estimate_seconds=None, time_spent_seconds=None, created_at=ts(created),
            updated_at=ts(created), resolved_at=None, is_deleted=is_deleted))
        return self

    def product_metric(self, metric: str) -> Scenario:
        self.metric_definitions.append(dict(source=SOURCE, metric=metric, unit=None, higher_is_better=True,
                                            description=None))
        return self

    def product_values(self, metric: str, first_day: str, values: list[float]) -> Scenario:
        """Daily values (all users) of a product metric from first_day on."""
        d0 = date.fromisoformat(first_day)
        for i, v in enumerate(values):
            self.metric_points.append(dict(source=SOURCE, metric=metric, day=date.fromordinal(d0.toordinal() + i),
                                           segment="", value=float(v)))
        return self

    def _next_hist(self) -> str:
        self._hist += 1
        return str(self._hist)

    def move(self, issue_id: str, at: str, frm: str | None, to: str) -> Scenario:
        self.status_changes.append(dict(
            source=SOURCE, issue_id=issue_id, history_id=self._next_hist(), item_seq=0, changed_at=ts(at),
            from_status_id=frm, from_status_name=None, to_status_id=to, to_status_name=None))
        return self

    def change(self, issue_id: str, at: str, field_key: str, frm: str | None, to: str | None,
               *, as_string: bool = False) -> Scenario:
        """A field change; `as_string` puts the values in from_string/to_string only (as Jira
        does for number fields)."""
        v = dict(from_value=None, from_string=frm, to_value=None, to_string=to) if as_string else \
            dict(from_value=frm, from_string=frm, to_value=to, to_string=to)
        self.field_changes.append(dict(
            source=SOURCE, issue_id=issue_id, history_id=self._next_hist(), item_seq=0, changed_at=ts(at),
            field_key=field_key, field=field_key, field_id=None, **v))
        return self

    def sprint_change(self, issue_id: str, at: str, frm: str, to: str) -> Scenario:
        return self.change(issue_id, at, "sprint", frm, to)

    def points_change(self, issue_id: str, at: str, frm: str | None, to: str | None) -> Scenario:
        return self.change(issue_id, at, "story_points", frm, to)

    # ------------------------------------------------------------------ loading
    def load(self, db: Path, data_as_of: datetime | None = None) -> Path:
        frames = {
            "raw_statuses": pd.DataFrame([dict(source=SOURCE, status_id=i, name=n, category_key=c)
                                          for i, n, c in self.statuses]),
            "raw_boards": pd.DataFrame(self.boards),
            "raw_board_columns": pd.DataFrame(self.columns),
            "raw_sprints": pd.DataFrame(self.sprints),
            "raw_issues": pd.DataFrame(self.issues),
            "raw_status_changes": pd.DataFrame(self.status_changes),
            "raw_field_changes": pd.DataFrame(self.field_changes),
            "raw_metric_definitions": pd.DataFrame(self.metric_definitions),
            "raw_metric_points": pd.DataFrame(self.metric_points),
        }
        with staged_load(db, SOURCE, "import") as w:
            for table, df in frames.items():
                if not df.empty:
                    w.write(table, df)
            w.data_as_of = data_as_of
        return db


def write_userdata(path: Path, retros: list[tuple] = (), actions: list[tuple] = (),
                   agreements: list[tuple] = ()) -> Path:
    """The user-input store with retros (retro_id, held_on, team[, kind]), action items
    (action_id, retro_id, due_on, status, done_on) and agreements (agreement_id, retro_id,
    start_on, review_on, metric, target, direction); dates as 'YYYY-MM-DD' or None."""
    def d(v):
        return None if v is None else date.fromisoformat(v)

    frames = {
        "retros": pd.DataFrame([dict(retro_id=r[0], held_on=d(r[1]), team=r[2],
                                     kind=r[3] if len(r) > 3 else "scrum", title=f"retro {r[0]}",
                                     created_at=None) for r in retros]),
        "action_items": pd.DataFrame([dict(action_id=a[0], retro_id=a[1], text=f"action {a[0]}", owner=None,
                                           due_on=d(a[2]), status=a[3], done_on=d(a[4])) for a in actions]),
        "agreements": pd.DataFrame([dict(agreement_id=g[0], retro_id=g[1], text=f"agreement {g[0]}",
                                         start_on=d(g[2]), review_on=d(g[3]), metric=g[4], target=g[5],
                                         direction=g[6]) for g in agreements]),
    }
    con = queries.open_userdata(path)
    try:
        for table, df in frames.items():
            if not df.empty:
                queries.write_frame(con, table, df, [df.columns[0]])
    finally:
        con.close()
    return path


def connect(db: Path, userdata: Path | None = None, **kw):
    return queries.connect(db, userdata_path=userdata or db.with_name("none.userdata.duckdb"), **kw)


def sprint_facts(con, as_of: str, **params) -> pd.DataFrame:
    base = dict(as_of=ts(as_of), board_id=None, project=None, date_from=None, date_to=None)
    base.update(params)
    return queries.run(con, "sprint_facts", **base)


def members(con, as_of: str) -> pd.DataFrame:
    return con.execute("SELECT * FROM fct_sprint_members($a) ORDER BY sprint_id, issue_id",
                       {"a": ts(as_of)}).df()


def row(df: pd.DataFrame, **match) -> dict:
    sel = df
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"expected one row for {match}, got {len(sel)}"
    return sel.iloc[0].to_dict()


def assert_identity(df: pd.DataFrame) -> None:
    """committed + added = completed + carry-over + removed (issues), and with estimate
    changes for points, for every sprint."""
    for _, r in df.iterrows():
        lhs_i = r.committed_issues + r.added_issues
        rhs_i = r.completed_issues + r.carryover_issues + r.removed_issues
        assert lhs_i == rhs_i, f"sprint {r.sprint_id}: issues {lhs_i} != {rhs_i}"
        lhs_p = r.committed_points + r.added_points + r.estimate_change_points
        rhs_p = r.completed_points + r.carryover_points + r.removed_points
        assert abs(lhs_p - rhs_p) < 1e-9, f"sprint {r.sprint_id}: points {lhs_p} != {rhs_p}"


def day(text: str) -> date:
    return date.fromisoformat(text)


# --------------------------------------------------------------------------- the burnup sprint
BURNUP_COLUMNS = [("To Do", [TODO]), ("Doing", [IN_PROGRESS]), ("Done", [DONE])]
BURNUP_START, BURNUP_END = "2026-01-05 09:00", "2026-01-19 10:00"


def burnup_scenario(goal: str | None = None) -> Scenario:
    """One two-week sprint with commitments, an addition, a removal, a re-estimate, an issue
    done before the start and one done, reopened and done again (tests/test_sprints_burnup.py
    works its burnup out by hand)."""
    s = Scenario().board("1", "Atlas", columns=BURNUP_COLUMNS)
    s.sprint("1", "1", BURNUP_START, "2026-01-19 09:00", complete=BURNUP_END, name="ATL Sprint 1")
    s.sprints[-1]["goal"] = goal
    # A 5 pts committed, done 01-08 10:00.
    s.issue("A", "2026-01-01 10:00", status=DONE, sprints=["1"], points=5)
    s.sprint_change("A", "2026-01-02 10:00", "", "1")
    s.move("A", "2026-01-08 10:00", TODO, DONE)
    # B 3 pts committed, re-estimated to 5 on 01-09 12:00, never done (carried over).
    s.issue("B", "2026-01-01 10:00", status=IN_PROGRESS, sprints=["1"], points=5)
    s.sprint_change("B", "2026-01-02 10:00", "", "1")
    s.points_change("B", "2026-01-09 12:00", "3", "5")
    s.move("B", "2026-01-06 10:00", TODO, IN_PROGRESS)
    # C 2 pts created and added on 01-07 09:00, done 01-12 09:00.
    s.issue("C", "2026-01-07 08:00", status=DONE, sprints=["1"], points=2)
    s.sprint_change("C", "2026-01-07 09:00", "", "1")
    s.move("C", "2026-01-12 09:00", TODO, DONE)
    # D 8 pts committed, removed 01-10 09:00.
    s.issue("D", "2026-01-01 10:00", status=TODO, sprints=[], points=8)
    s.sprint_change("D", "2026-01-02 10:00", "", "1")
    s.sprint_change("D", "2026-01-10 09:00", "1", "")
    # E 5 pts in the sprint but done before it started: in no bucket, never in scope.
    s.issue("E", "2026-01-01 10:00", status=DONE, sprints=["1"], points=5)
    s.sprint_change("E", "2026-01-02 10:00", "", "1")
    s.move("E", "2026-01-04 10:00", TODO, DONE)
    # F 1 pt committed, done 01-06 10:00, reopened 01-07 10:00, done again 01-13 09:00:
    # counted done from its final done stay (01-13 09:00) only.
    s.issue("F", "2026-01-01 10:00", status=DONE, sprints=["1"], points=1)
    s.sprint_change("F", "2026-01-02 10:00", "", "1")
    s.move("F", "2026-01-06 10:00", TODO, DONE)
    s.move("F", "2026-01-07 10:00", DONE, IN_PROGRESS)
    s.move("F", "2026-01-13 09:00", IN_PROGRESS, DONE)
    return s


# --------------------------------------------------------------------------- the flow-detail issues
BLOCKED, WAITING_QA = "10005", "10006"


def flag(s: Scenario, issue_id: str, at: str, frm: str | None, to: str | None) -> None:
    """A change of Jira's Flagged field (a custom field: kept with field_key 'other')."""
    s.field_changes.append(dict(
        source=SOURCE, issue_id=issue_id, history_id=s._next_hist(), item_seq=0, changed_at=ts(at),
        field_key="other", field="Flagged", field_id="customfield_10021", from_value=None, from_string=frm,
        to_value=None, to_string=to))


def flow_scenario() -> Scenario:
    """Three issues completed in January 2026 through waiting, blocked and flagged stretches
    and one still in progress, with a sprint so the Sprint retro page opens
    (tests/test_metrics_flow_detail.py works the figures out by hand)."""
    s = Scenario().board("1", "Atlas")
    s.statuses += [(BLOCKED, "Blocked", "indeterminate"), (WAITING_QA, "Waiting for QA", "indeterminate")]
    # X: created 01-01; In Progress 01-02, Blocked 01-04, In Progress 01-05, Waiting for QA
    # 01-06, QA 01-07, Done 01-08 (lead 7 d, cycle 6 d); flagged 01-03 00:00 - 01-04 12:00.
    s.issue("X", "2026-01-01 00:00", status=DONE)
    for at, a, b in (("01-02", TODO, IN_PROGRESS), ("01-04", IN_PROGRESS, BLOCKED), ("01-05", BLOCKED, IN_PROGRESS),
                     ("01-06", IN_PROGRESS, WAITING_QA), ("01-07", WAITING_QA, QA), ("01-08", QA, DONE)):
        s.move("X", f"2026-{at} 00:00", a, b)
    flag(s, "X", "2026-01-03 00:00", None, "Impediment")
    flag(s, "X", "2026-01-04 12:00", "Impediment", None)
    # Y: created 01-01 already flagged (the first change's `from`), flag cleared 01-03;
    # In Progress 01-02, Done 01-04 (lead 3 d).
    s.issue("Y", "2026-01-01 00:00", status=DONE)
    s.move("Y", "2026-01-02 00:00", TODO, IN_PROGRESS)
    s.move("Y", "2026-01-04 00:00", IN_PROGRESS, DONE)
    flag(s, "Y", "2026-01-03 00:00", "Impediment", "")
    # W: never flagged; In Progress 01-02, Done 01-06 (lead 5 d, active 4 d).
    s.issue("W", "2026-01-01 00:00", status=DONE)
    s.move("W", "2026-01-02 00:00", TODO, IN_PROGRESS)
    s.move("W", "2026-01-06 00:00", IN_PROGRESS, DONE)
    # Z: still in progress (not completed): in no figure.
    s.issue("Z", "2026-01-01 00:00", status=IN_PROGRESS)
    s.move("Z", "2026-01-02 00:00", TODO, IN_PROGRESS)
    s.sprint("1", "1", "2026-01-01 00:00", "2026-01-14 00:00", complete="2026-01-14 00:00")
    return s


def temp_tables(con) -> set[str]:
    """The connection's temporary tables (the as_of cache lives in them)."""
    return {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
