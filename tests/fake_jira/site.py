"""The data a fake Jira site serves, independent of the JSON shape (Cloud or DC).

`small_site()` is the readable fixture most tests use; `generated_site(n)` builds a large
one for the benchmark. Times are aware datetimes; the server renders them the way Jira
does (`2026-03-02T09:15:00.000+0800` on issues and histories).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8))      # the issues' authors work in UTC+8


def at(day: str, hm: str = "09:00") -> datetime:
    """A UTC+8 wall-clock time, e.g. at("2026-03-02", "09:15")."""
    return datetime.fromisoformat(f"{day}T{hm}:00").replace(tzinfo=CST)


@dataclass
class History:
    id: str
    created: datetime
    items: list[dict[str, Any]]


@dataclass
class Issue:
    id: str
    key: str
    project: str
    type: str
    status: str
    created: datetime
    updated: datetime
    summary: str = ""
    subtask: bool = False
    parent: str | None = None                  # issue id
    resolution: str | None = None
    resolved: datetime | None = None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    fix_versions: list[str] = field(default_factory=list)   # version ids
    sprints: list[int] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)    # custom field id -> value
    histories: list[History] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Sprint:
    id: int
    board: int
    name: str
    state: str                                 # future | active | closed
    goal: str = ""
    start: datetime | None = None
    end: datetime | None = None
    complete: datetime | None = None
    activated: datetime | None = None


@dataclass
class Board:
    id: int
    name: str
    project: str
    columns: list[tuple[str, list[str]]]
    estimation: str | None
    type: str = "scrum"


def _field(fid: str, name: str, custom: str | None = None, ftype: str = "number") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": ftype}
    if custom:
        schema["custom"] = custom
        schema["customId"] = int(fid.split("_")[1])
    else:
        schema["system"] = fid
    clause = [f"cf[{fid.split('_')[1]}]", name] if custom else [fid]
    return {"id": fid, "key": fid, "name": name, "custom": bool(custom), "schema": schema, "clauseNames": clause}


SPRINT_FIELD = "customfield_10020"
SPE_FIELD = "customfield_10016"     # "Story point estimate" (jsw-story-points), used by ATL
SP_FIELD = "customfield_10026"      # "Story Points" (float), used by BOR
EPIC_LINK = "customfield_10014"
BEST, LIKELY, WORST = "customfield_10030", "customfield_10031", "customfield_10032"

BASE_FIELDS = [
    _field("summary", "Summary", ftype="string"), _field("status", "Status", ftype="status"),
    _field("issuetype", "Issue Type", ftype="issuetype"), _field("created", "Created", ftype="datetime"),
    _field("updated", "Updated", ftype="datetime"), _field("labels", "Labels", ftype="array"),
    _field(SPRINT_FIELD, "Sprint", "com.pyxis.greenhopper.jira:gh-sprint", "array"),
    _field(EPIC_LINK, "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link", "any"),
    _field(SPE_FIELD, "Story point estimate", "com.pyxis.greenhopper.jira:jsw-story-points"),
    _field(SP_FIELD, "Story Points", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    _field(BEST, "Best case", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    _field(LIKELY, "Likely", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    _field(WORST, "Worst case", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
]

STATUSES = {   # id -> (name, category key)
    "10000": ("To Do", "new"), "3": ("In Progress", "indeterminate"), "10001": ("In Review", "indeterminate"),
    "10003": ("Done", "done"), "10004": ("Won't Do", "done"),
}
COLUMNS = [("To Do", ["10000"]), ("In Progress", ["3"]), ("Review", ["10001"]), ("Done", ["10003", "10004"])]


def item(field_name: str, field_id: str | None, frm: Any, frm_s: Any, to: Any, to_s: Any,
         fieldtype: str = "jira") -> dict[str, Any]:
    d = {"field": field_name, "fieldtype": fieldtype, "from": frm, "fromString": frm_s, "to": to, "toString": to_s}
    if field_id:
        d["fieldId"] = field_id
    return d


def status_item(frm: str, to: str, frm_name: str | None = None, to_name: str | None = None) -> dict[str, Any]:
    return item("status", "status", frm, frm_name or STATUSES[frm][0], to, to_name or STATUSES[to][0])


def sprint_item(frm: str, to: str, frm_s: str = "", to_s: str = "") -> dict[str, Any]:
    return item("Sprint", SPRINT_FIELD, frm or None, frm_s, to, to_s, "custom")


def points_item(field_id: str, frm: Any, to: Any) -> dict[str, Any]:
    name = "Story point estimate" if field_id == SPE_FIELD else "Story Points"
    # Jira puts number-field values in the strings only.
    return item(name, field_id, None, None if frm is None else str(frm), None, str(to), "custom")


@dataclass
class Site:
    projects: dict[str, tuple[str, str]]                  # key -> (id, name)
    boards: list[Board]
    sprints: list[Sprint]
    issues: dict[str, Issue]
    versions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(STATUSES))
    fields: list[dict[str, Any]] = field(default_factory=lambda: [dict(f) for f in BASE_FIELDS])
    user_tz: str = "America/Los_Angeles"    # west of UTC: a JQL literal written in UTC would miss updates
    email: str = "sync-bot@example.com"
    token: str = "tok-cloud-SECRET-1234567890"
    pat: str = "pat-dc-SECRET-0987654321"
    _next_history: int = 900000

    # -- mutations tests use between syncs
    def add_history(self, issue_id: str, when: datetime, items: list[dict[str, Any]]) -> History:
        self._next_history += 1
        h = History(str(self._next_history), when, items)
        iss = self.issues[issue_id]
        iss.histories.append(h)
        iss.updated = max(iss.updated, when)
        return h

    def transition(self, issue_id: str, to: str, when: datetime) -> None:
        iss = self.issues[issue_id]
        self.add_history(issue_id, when, [status_item(iss.status, to)])
        iss.status = to

    def move(self, issue_id: str, new_project: str, new_key: str, when: datetime) -> None:
        iss = self.issues[issue_id]
        pid_old, pid_new = self.projects[iss.project][0], self.projects[new_project][0]
        self.add_history(issue_id, when, [
            item("Key", "key", None, iss.key, None, new_key),
            item("project", "project", pid_old, self.projects[iss.project][1], pid_new, self.projects[new_project][1]),
        ])
        iss.key, iss.project = new_key, new_project

    def delete(self, issue_id: str) -> None:
        self.issues[issue_id].deleted = True

    def rename_status(self, status_id: str, name: str) -> None:
        self.statuses[status_id] = (name, self.statuses[status_id][1])

    def live(self) -> list[Issue]:
        return [i for i in self.issues.values() if not i.deleted]

    def key_to_id(self, key: str) -> str | None:
        return next((i.id for i in self.issues.values() if i.key == key), None)


def small_site() -> Site:
    """Two projects, two boards estimating with different story-point fields, three sprints
    (names and goals with commas), seven issues. Hand-checkable numbers:
    ATL-2: 5 points (history 3 -> 5), sprints 11 then 11+12; ATL-3: 2 points, done; ATL-5: seven
    histories (for truncation and paging); BOR-1: 8 points in "Story Points" (it also carries a
    stray 1 in "Story point estimate", which must be ignored for BOR)."""
    sprints = [
        Sprint(11, 1, "ATL Sprint 1", "closed", "Login, then signup", at("2026-03-02"), at("2026-03-16"),
               at("2026-03-16", "17:00"), at("2026-03-02", "09:30")),
        Sprint(12, 1, "ATL Sprint 2, the big one", "active", "", at("2026-03-16"), at("2026-03-30"), None,
               at("2026-03-16", "10:00")),
        Sprint(21, 2, "BOR sprint, with commas, 1", "closed", "Ship it, finally", at("2026-03-03"),
               at("2026-03-17"), at("2026-03-17", "12:00"), at("2026-03-03", "11:00")),
    ]
    boards = [Board(1, "Atlas board", "ATL", COLUMNS, SPE_FIELD), Board(2, "Borealis board", "BOR", COLUMNS, SP_FIELD)]
    issues: dict[str, Issue] = {}

    def add(i: Issue) -> Issue:
        issues[i.id] = i
        return i

    add(Issue("10001", "ATL-1", "ATL", "Epic", "10003", at("2026-02-20"), at("2026-03-20", "16:00"),
              summary="Onboarding", resolution="Done", resolved=at("2026-03-20", "16:00"),
              histories=[History("5001", at("2026-03-20", "16:00"), [status_item("10000", "10003")])]))
    add(Issue("10002", "ATL-2", "ATL", "Story", "3", at("2026-02-25"), at("2026-03-16", "10:05"),
              summary="Signup form", parent="10001", sprints=[11, 12], labels=["frontend"],
              values={SPE_FIELD: 5.0, BEST: 1.0, LIKELY: 2.0, WORST: 4.0}, fix_versions=["30001"],
              histories=[
                  History("5101", at("2026-02-27", "11:00"), [sprint_item("", "11", "", "ATL Sprint 1"),
                                                              points_item(SPE_FIELD, None, 3)]),
                  History("5102", at("2026-03-03", "10:00"), [status_item("10000", "3")]),
                  History("5103", at("2026-03-10", "15:30"), [points_item(SPE_FIELD, 3, 5)]),
                  History("5104", at("2026-03-16", "10:05"), [sprint_item("11", "11, 12", "ATL Sprint 1",
                                                                          "ATL Sprint 1, ATL Sprint 2, the big one")]),
              ]))
    # ATL-3: the first history names status 3 by its old name "Doing"; it was renamed "In Progress".
    add(Issue("10003", "ATL-3", "ATL", "Bug", "10003", at("2026-02-26"), at("2026-03-12", "18:00"),
              summary="Crash on login, sometimes", sprints=[11], values={SPE_FIELD: 2.0}, labels=["production"],
              resolution="Done", resolved=at("2026-03-12", "18:00"), components=["auth"],
              histories=[
                  History("5201", at("2026-03-04", "09:00"), [status_item("10000", "3", to_name="Doing")]),
                  History("5202", at("2026-03-09", "14:00"), [status_item("3", "10001", frm_name="In Progress")]),
                  History("5203", at("2026-03-12", "18:00"), [status_item("10001", "10003"),
                                                              item("resolution", "resolution", None, None,
                                                                   "10000", "Done")]),
              ]))
    add(Issue("10004", "ATL-4", "ATL", "Sub-task", "10003", at("2026-03-04"), at("2026-03-08"),
              summary="Validate email", subtask=True, parent="10002", sprints=[11],
              resolution="Done", resolved=at("2026-03-08"),
              histories=[History("5301", at("2026-03-05"), [status_item("10000", "3")]),
                         History("5302", at("2026-03-08"), [status_item("3", "10003")])]))
    atl5 = add(Issue("10005", "ATL-5", "ATL", "Story", "10001", at("2026-02-27"), at("2026-03-13", "12:00"),
                     summary="Payment integration", sprints=[11], values={SPE_FIELD: 3.0}))
    # seven histories: back and forth through review (QA bounces)
    flow = [("10000", "3"), ("3", "10001"), ("10001", "3"), ("3", "10001"), ("10001", "3"), ("3", "10001")]
    atl5.histories.append(History("5401", at("2026-03-02", "10:00"), [sprint_item("", "11", "", "ATL Sprint 1")]))
    for n, (a, b) in enumerate(flow):
        atl5.histories.append(History(f"54{n + 2:02d}", at(f"2026-03-{3 + n * 2:02d}", "12:00"), [status_item(a, b)]))
    add(Issue("20001", "BOR-1", "BOR", "Story", "10003", at("2026-02-28"), at("2026-03-14", "10:00"),
              summary="Export, CSV and JSON", sprints=[21], values={SP_FIELD: 8.0, SPE_FIELD: 1.0},
              resolution="Done", resolved=at("2026-03-14", "10:00"),
              histories=[
                  History("6001", at("2026-03-03", "11:30"), [sprint_item("", "21", "", "BOR sprint, with commas, 1"),
                                                              points_item(SP_FIELD, 5, 8)]),
                  History("6002", at("2026-03-05", "09:00"), [status_item("10000", "3")]),
                  History("6003", at("2026-03-14", "10:00"), [status_item("3", "10003")]),
              ]))
    add(Issue("20002", "BOR-2", "BOR", "Task", "10000", at("2026-03-01"), at("2026-03-01"),
              summary="Tidy up, refactor", labels=["debt"]))
    return Site(
        projects={"ATL": ("10100", "Atlas"), "BOR": ("10200", "Borealis")},
        boards=boards, sprints=sprints, issues=issues,
        versions={"ATL": [{"id": "30001", "name": "1.0", "released": True, "releaseDate": "2026-03-20"}],
                  "BOR": []},
    )


def generated_site(n: int, seed: int = 1) -> Site:
    """n issues over two projects, ~8 histories each, 2-week sprints (benchmark)."""
    rng = random.Random(seed)
    site = small_site()
    site.issues = {}
    site.sprints = []
    t0 = at("2025-01-06")
    for b in (1, 2):
        for s in range(26):
            start = t0 + timedelta(days=14 * s)
            closed = s < 25
            site.sprints.append(Sprint(b * 1000 + s, b, f"{'ATL' if b == 1 else 'BOR'} Sprint {s + 1}",
                                       "closed" if closed else "active", "", start, start + timedelta(days=14),
                                       start + timedelta(days=14) if closed else None, start))
    hid = 1_000_000
    for k in range(n):
        proj = "ATL" if k % 2 == 0 else "BOR"
        sp_field = SPE_FIELD if proj == "ATL" else SP_FIELD
        created = t0 + timedelta(hours=k * 8760 / max(n, 1) * 0.9)
        sprint_no = min(25, int((created - t0).days / 14))
        sid = (1 if proj == "ATL" else 2) * 1000 + sprint_no
        iid = str(100000 + k)
        pts = rng.choice([1, 2, 3, 5, 8])
        iss = Issue(iid, f"{proj}-{k // 2 + 1}", proj, rng.choice(["Story", "Story", "Bug", "Task"]), "10000",
                    created, created, summary=f"Generated issue {k}", sprints=[sid], values={sp_field: float(pts)})
        when = created
        hist = []
        for a, b in [("10000", "3"), ("3", "10001"), ("10001", "3"), ("3", "10001"), ("10001", "10003")]:
            when = when + timedelta(hours=rng.randint(2, 60))
            hid += 1
            hist.append(History(str(hid), when, [status_item(a, b)]))
        hid += 1
        hist.insert(0, History(str(hid), created + timedelta(minutes=5), [sprint_item("", str(sid)),
                                                                          points_item(sp_field, None, pts)]))
        hid += 1
        hist.append(History(str(hid), when + timedelta(minutes=1), [item("labels", "labels", None, "", None, "x")]))
        hid += 1
        hist.append(History(str(hid), when + timedelta(minutes=2), [points_item(sp_field, pts, pts)]))
        iss.histories = hist
        iss.status = "10003"
        iss.updated = when + timedelta(minutes=2)
        iss.resolution, iss.resolved = "Done", when
        site.issues[iid] = iss
    return site


NOW = datetime(2026, 4, 1, tzinfo=UTC)
