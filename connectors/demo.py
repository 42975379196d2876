"""The demo: a realistic, seeded warehouse that tells the product's story (README "Who it is for").

Two teams (Atlas, Borealis), 13 two-week sprints each (the last one running on the demo
day), Jira-like workflow To Do → In Progress → In Review → QA → Done with QA bounces,
reopens, carry-over, issues added and removed mid-sprint, estimates changed mid-sprint
and sub-tasks. Range estimates (best / likely / worst) are adopted after the sprint-6
retros and get better calibrated; Borealis under-estimates integration and migration
work; Atlas's tech-debt share sits below 20 % until a working agreement reserves 20 %.
A year of daily product metrics with weekly seasonality and AR(1) noise, six shipped
epics (two moved their metric, two did not, two shipped close together on revenue —
confounded, the later one too recent to judge), and retros of three kinds with anonymous
cards, action items (some late, some never done) and working agreements. Borealis's recent
payments and integration work was flagged in Jira while the payment provider's sandbox was
down (a blocked stretch, 27-29 Oct); each sprint retro was started with the team's open actions carried in,
one of them (with a Jira key) across three retros; an agreement names the action it came from.

Everything is loaded through `connectors.load.staged_load` into the same raw tables a
Jira sync writes (never into marts); retros go to the user-input store with ids prefixed
`demo-` (other rows there are never touched). Same seed → identical warehouse.
`scale=N` adds generic teams until there are about N issues, for benchmarks: the first
POOL_TEAMS generic teams are generated like the story teams, every further one is a copy of
a pool team with its own ids, project, board and sprints, made in DuckDB (so 1M issues take
seconds to generate and little memory; the statistics repeat every POOL_TEAMS teams).
"""

from __future__ import annotations

import math
import random
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

import queries
from connectors import two_stores
from connectors.load import staged_load

SOURCE = "demo"
# The demo's "today": the last load describes this instant; sprint 13 of each team runs.
AS_OF = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)
DAY = 86400.0
HOUR = 3600.0

TODO, IN_PROGRESS, IN_REVIEW, QA, DONE, WONT_DO = "10000", "3", "10001", "10002", "10003", "10004"
STATUSES = [
    (TODO, "To Do", "new"),
    (IN_PROGRESS, "In Progress", "indeterminate"),
    (IN_REVIEW, "In Review", "indeterminate"),
    (QA, "QA", "indeterminate"),
    (DONE, "Done", "done"),
    (WONT_DO, "Won't Do", "done"),
]
STATUS_NAME = {sid: name for sid, name, _ in STATUSES}
# "In Review" was called "Code Review" until this instant: old histories keep the old
# name (as Jira's fromString/toString do); the status id never changed.
REVIEW_RENAMED_AT = datetime(2026, 7, 1, tzinfo=UTC).timestamp()
COLUMNS = [("To Do", [TODO]), ("In Progress", [IN_PROGRESS]), ("In Review", [IN_REVIEW]),
           ("QA", [QA]), ("Done", [DONE, WONT_DO])]
SPRINTS_PER_TEAM = 13
SPRINT_DAYS = 14
RANGES_FROM_SPRINT = 6          # range estimates adopted after the sprint-6 retro (0-based sprint 6 on)
DEBT_AGREEMENT_SPRINT = 6       # Atlas reserves 20 % for engineering work from sprint 7 on
ESTIMATE_FIELD = "customfield_10016"
FLAGGED_FIELD = "customfield_10021"     # Jira's "Flagged" (a custom field; the sync keeps its changelog)
BLOCKED_TEAM = 1                        # Borealis: its payments / integration work was flagged ...
BLOCKED_FROM = datetime(2026, 10, 27, 10, 0, tzinfo=UTC)   # ... while the provider's sandbox was down
BLOCKED_TO = datetime(2026, 10, 29, 16, 0, tzinfo=UTC)

METRIC_DEFS = [
    ("active_users", "users", True, "Distinct users active per day"),
    ("conversion_rate", "%", True, "Share of sessions that end in a purchase"),
    ("retention_d30", "%", True, "Share of users active again 30 days after sign-up"),
    ("revenue", "EUR", True, "Revenue per day"),
    ("nps", "score", True, "Net Promoter Score, 14-day rolling"),
]

# The six shipped epics: key, name, team index, ship date, metric, true relative effect,
# min meaningful change. Effects are what the generator injects; the impact analysis has
# to find them (or say it can't).
EPICS = [
    ("ATL-E1", "One-click checkout", 0, date(2026, 7, 20), "conversion_rate", 0.10, 0.02),
    ("BOR-E1", "Onboarding tour", 1, date(2026, 8, 10), "active_users", 0.12, 0.02),
    ("ATL-E2", "Saved carts", 0, date(2026, 8, 31), "conversion_rate", 0.0, 0.02),
    ("BOR-E2", "Dark mode", 1, date(2026, 9, 14), "retention_d30", 0.0, 0.01),
    ("ATL-E3", "Smart recommendations", 0, date(2026, 10, 5), "revenue", 0.06, 0.02),
    ("BOR-E3", "Price display revamp", 1, date(2026, 10, 26), "revenue", 0.03, 0.02),
]


def _ts(dt: datetime | date) -> float:
    if isinstance(dt, datetime):
        return dt.timestamp()
    return datetime(dt.year, dt.month, dt.day, tzinfo=UTC).timestamp()


class _Columns:
    """Column-wise row buffers (fast to append, cheap to turn into a DataFrame)."""

    def __init__(self, *names: str) -> None:
        self.names = names
        self.cols: dict[str, list] = {n: [] for n in names}

    def add(self, *values) -> None:
        for n, v in zip(self.names, values, strict=True):
            self.cols[n].append(v)

    def __len__(self) -> int:
        return len(self.cols[self.names[0]])

    def frame(self, times: tuple[str, ...] = ()) -> pd.DataFrame:
        df = pd.DataFrame(self.cols)
        for c in times:
            df[c] = pd.to_datetime(pd.Series(df[c], dtype="float64") * 1e6, unit="us", utc=True)
        return df


class _Team:
    def __init__(self, index: int, first_issue_seq: int) -> None:
        self.index = index
        self.story = index < 2
        self.name = ["Atlas", "Borealis"][index] if self.story else f"Team {index + 1:04d}"
        self.project = ["ATL", "BOR"][index] if self.story else f"T{index + 1:04d}"
        self.board_id = str(index + 1)
        self.seq = first_issue_seq
        # Borealis runs a week behind Atlas.
        offset = 7 if index % 2 else 0
        last_start = datetime(2026, 11, 16, 9, 0, tzinfo=UTC) - timedelta(days=offset)
        self.sprint_starts = [_ts(last_start - timedelta(days=SPRINT_DAYS * (SPRINTS_PER_TEAM - 1 - k)))
                              for k in range(SPRINTS_PER_TEAM)]
        self.sprint_ids = [str(1000 * (index + 1) + k + 1) for k in range(SPRINTS_PER_TEAM)]

    def sprint_end(self, k: int) -> float:
        return self.sprint_starts[k] + 11 * DAY + 7 * HOUR   # Monday 09:00 + 11 days = Friday 16:00


class DemoBuilder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = AS_OF.timestamp()
        self.next_issue_id = 10000
        self.issues = _Columns(
            "source", "issue_id", "issue_key", "project_key", "issue_type", "is_subtask", "parent_id",
            "epic_id", "summary", "status_id", "resolution", "labels", "components", "fix_versions",
            "sprint_ids", "story_points", "estimate_best", "estimate_likely", "estimate_worst",
            "original_estimate_seconds", "time_spent_seconds", "created_at", "updated_at", "resolved_at",
            "is_deleted")
        self.status_changes = _Columns(
            "source", "issue_id", "history_id", "item_seq", "changed_at", "from_status_id",
            "from_status_name", "to_status_id", "to_status_name")
        self.field_changes = _Columns(
            "source", "issue_id", "history_id", "item_seq", "changed_at", "field_key", "field", "field_id",
            "from_value", "from_string", "to_value", "to_string")
        self.sprints: list[dict] = []
        self.history_counter = 0
        self.n_rows = {"issues": 0, "status_changes": 0, "field_changes": 0}   # rows already flushed

    # ------------------------------------------------------------------ helpers
    def _hid(self) -> str:
        self.history_counter += 1
        return str(self.history_counter)

    def _status(self, issue_id: str, at: float, frm: str | None, to: str) -> None:
        def name(sid: str | None) -> str | None:
            if sid is None:
                return None
            if sid == IN_REVIEW and at < REVIEW_RENAMED_AT:
                return "Code Review"
            return STATUS_NAME[sid]
        self.status_changes.add(SOURCE, issue_id, self._hid(), 0, at, frm, name(frm), to, name(to))

    def _field(self, issue_id: str, at: float, key: str, field: str, field_id: str | None,
               frm: str | None, to: str | None, frm_s: str | None = None, to_s: str | None = None) -> None:
        self.field_changes.add(SOURCE, issue_id, self._hid(), 0, at, key, field, field_id, frm,
                               frm_s if frm_s is not None else frm, to, to_s if to_s is not None else to)

    def _sprint_change(self, issue_id: str, at: float, before: list[str], after: list[str], team: _Team) -> None:
        names = {sid: f"{team.project} Sprint {k + 1}" for k, sid in enumerate(team.sprint_ids)}
        self._field(issue_id, at, "sprint", "Sprint", "customfield_10020",
                    ", ".join(before), ", ".join(after),
                    ", ".join(names[s] for s in before), ", ".join(names[s] for s in after))

    def extent(self) -> dict[str, int]:
        """Ids and rows generated so far (a team's share is the difference before/after it)."""
        return {"issue_id": self.next_issue_id, "history_id": self.history_counter,
                "raw_sprints": len(self.sprints), "raw_issues": self.n_rows["issues"] + len(self.issues),
                "raw_status_changes": self.n_rows["status_changes"] + len(self.status_changes),
                "raw_field_changes": self.n_rows["field_changes"] + len(self.field_changes)}

    def _new_issue_id(self) -> str:
        self.next_issue_id += 1
        return str(self.next_issue_id)

    # ------------------------------------------------------------------ one issue's life
    def _walk(self, issue_id: str, start: float, cycle: float, bounces: int, reopen: bool,
              now: float) -> tuple[str, float | None]:
        """Write the status history of one piece of work starting at `start` that takes
        `cycle` days of flow; returns (status at now, completion time or None)."""
        rng = self.rng
        t = start
        status = TODO
        events: list[tuple[float, str]] = []
        share = cycle / (1 + 0.35 * bounces)
        events.append((t, IN_PROGRESS))
        t += share * 0.55 * DAY
        events.append((t, IN_REVIEW))
        t += share * 0.2 * DAY
        events.append((t, QA))
        for _ in range(bounces):
            t += share * 0.1 * DAY
            events.append((t, IN_PROGRESS))          # QA bounce
            t += share * 0.2 * DAY
            events.append((t, IN_REVIEW))
            t += share * 0.1 * DAY
            events.append((t, QA))
        t += share * 0.25 * DAY
        events.append((t, DONE))
        if reopen:
            t += rng.uniform(1, 4) * DAY
            events.append((t, IN_PROGRESS))          # reopened
            t += rng.uniform(0.5, 2.5) * DAY
            events.append((t, DONE))
        completed = None
        for at, to in events:
            if at > now:
                break
            self._status(issue_id, at, status, to)
            status = to
            if to == DONE:
                completed = at
        if status != DONE:
            completed = None
        return status, completed

    # ------------------------------------------------------------------ teams
    def build_team(self, team: _Team) -> int:
        rng = self.rng
        story = team.story
        count = 0
        epics = [e for e in EPICS if e[2] == team.index] if story else []
        epic_rows = []
        for key, name, _, shipped, *_ in epics:
            eid = self._new_issue_id()
            epic_rows.append((eid, key, name, shipped))
        backlog_carry: list[dict] = []    # issues removed from a sprint, re-planned later
        first_change = len(self.status_changes)
        for k in range(SPRINTS_PER_TEAM):
            t_start = team.sprint_starts[k]
            t_end = team.sprint_end(k)
            active = t_end > self.now
            self.sprints.append({
                "source": SOURCE, "sprint_id": team.sprint_ids[k], "board_id": team.board_id,
                "name": f"{team.project} Sprint {k + 1}", "state": "active" if active else "closed",
                "goal": _goal(rng), "start_at": t_start - rng.choice((0, 0, 0, 2 * HOUR)),
                "end_at": team.sprint_end(k),
                "complete_at": None if active else t_end, "activated_at": t_start,
            })
            n_committed = rng.randint(8, 11)
            n_added = rng.choice((0, 1, 1, 2, 2, 3))
            planned = [("committed", None) for _ in range(n_committed)] + [("added", None) for _ in range(n_added)]
            for item in backlog_carry:
                planned.append(("replanned", item))
            backlog_carry = []
            for kind, prev in planned:
                count += self._sprint_issue(team, k, kind, prev, epic_rows, backlog_carry)
        for eid, key, name, shipped in epic_rows:
            self._epic(team, eid, key, name, shipped)
            count += 1
        if story and team.index == BLOCKED_TEAM:
            self._blocked_stretch(first_change)
        return count

    def _blocked_stretch(self, first_change: int) -> None:
        """The payment provider's sandbox was down from BLOCKED_FROM to BLOCKED_TO: every
        payments or integration issue of this team in progress then was flagged in Jira
        (the Flagged field's changelog, as the sync stores it) for the overlap. Reads the
        histories just written and draws nothing from the generator's random stream, so
        every other figure of the demo stays as it was."""
        c = self.issues.cols
        hit = {iid for iid, comps, labels, kind in zip(c["issue_id"], c["components"], c["labels"], c["issue_type"],
                                                       strict=True)
               if kind != "Epic" and ("payments" in comps or {"integration", "migration"} & set(labels))}
        spans: dict[str, list[float]] = {}
        sc = self.status_changes.cols
        for iid, at, to in zip(sc["issue_id"][first_change:], sc["changed_at"][first_change:],
                               sc["to_status_id"][first_change:], strict=True):
            if iid not in hit:
                continue
            if to == IN_PROGRESS and iid not in spans:
                spans[iid] = [at, self.now]
            elif to == DONE and iid in spans:
                spans[iid][1] = at
        lo, hi = _ts(BLOCKED_FROM), _ts(BLOCKED_TO)
        for iid in sorted(spans, key=int):
            start, end = spans[iid]
            on, off = max(start, lo), min(end, hi)
            if off - on < HOUR:
                continue
            self._field(iid, on, "other", "Flagged", FLAGGED_FIELD, None, "[10019]", None, "Impediment")
            self._field(iid, off, "other", "Flagged", FLAGGED_FIELD, "[10019]", None, "Impediment", None)

    def _sprint_issue(self, team: _Team, k: int, kind: str, prev: dict | None, epic_rows: list,
                      backlog_carry: list) -> int:
        rng = self.rng
        story = team.story
        t_start = team.sprint_starts[k]
        now = self.now
        if prev is None:
            issue_id = self._new_issue_id()
            team.seq += 1
            key = f"{team.project}-{team.seq}"
            r = rng.random()
            issue_type = "Story" if r < 0.66 else ("Bug" if r < 0.86 else "Task")
            labels: list[str] = []
            # Atlas starves debt work until its sprint-6 retro reserves 20 %; from sprint 7 on it
            # plans nearly half of its non-bug work as debt (≈ 25-35 % of completed points).
            debt_p = 0.07 if (story and team.index == 0) else 0.11
            if story and team.index == 0 and k >= DEBT_AGREEMENT_SPRINT:
                debt_p = 0.45
            elif story and team.index == 1 and k >= DEBT_AGREEMENT_SPRINT:
                debt_p = 0.2
            if issue_type != "Bug" and rng.random() < debt_p:
                labels.append(rng.choice(("tech-debt", "tech-debt", "refactor", "maintenance")))
            integration = (issue_type == "Story" and rng.random() < 0.25)
            if integration:
                labels.append(rng.choice(("integration", "migration")))
            if issue_type == "Bug" and rng.random() < 0.3:
                labels.append(rng.choice(("production", "escaped")))
            component = rng.choice(("web", "api", "payments", "mobile"))
            points = rng.choices((1, 2, 3, 5, 8, 13), weights=(10, 22, 28, 24, 12, 4))[0]
            if issue_type == "Bug":
                points = rng.choices((1, 2, 3, 5), weights=(35, 35, 20, 10))[0]
            if rng.random() < 0.06:
                points = None                     # unestimated
            base = 1.4 * (points or 3) ** 0.8
            likely = round(max(0.5, base * rng.lognormvariate(0, 0.22)) * 2) / 2
            under = 1.8 if (integration and (team.index == 1 or not story)) else 1.0
            cycle = max(0.3, likely * under * rng.lognormvariate(0, 0.42))
            has_range = k >= RANGES_FROM_SPRINT and rng.random() < 0.85 and issue_type != "Bug"
            if has_range:
                early = k < RANGES_FROM_SPRINT + 3
                lo, hi = (0.8, 1.3) if early else (0.55, 2.1)
                best, worst = round(likely * lo * 2) / 2, round(likely * hi * 2) / 2 + 0.5
                best = min(best, likely)
            else:
                best = worst = None
                likely_v = None
            likely_v = likely if has_range else None
            epic = rng.choice(epic_rows)[0] if (epic_rows and issue_type == "Story" and rng.random() < 0.5) else None
            created = t_start - rng.uniform(1, 25) * DAY
            if kind == "added":
                created = t_start + rng.uniform(0.5, 9) * DAY
            info = {"issue_id": issue_id, "key": key, "type": issue_type, "labels": labels,
                    "components": [component], "points": points, "best": best, "likely": likely_v,
                    "worst": worst, "cycle": cycle, "created": created, "epic": epic,
                    "sprints": [], "bounces": 0, "summary": _summary(rng, issue_type, labels)}
            estimate_set_late = points is not None and rng.random() < 0.35
            if estimate_set_late:
                at = min(created + rng.uniform(0.1, 2) * DAY, t_start - 0.5 * HOUR) if kind != "added" else created + HOUR
                info["points_initial"] = None
                self._field(issue_id, at, "story_points", "Story point estimate", ESTIMATE_FIELD,
                            None, _num(points))
            else:
                info["points_initial"] = points
        else:
            info = prev
            issue_id = info["issue_id"]
        rng_bounce = rng.random()
        info["bounces"] = 2 if rng_bounce < 0.05 else (1 if rng_bounce < 0.2 else 0)
        reopen = rng.random() < 0.05
        # ---- sprint membership
        before = list(info["sprints"])
        sid = team.sprint_ids[k]
        if kind == "added":
            join = max(info["created"], t_start + rng.uniform(0.3, 8) * DAY)
            if join == info["created"] and prev is None:
                # created straight into the running sprint: no history item, the field's
                # first value is set at creation (the replay uses the current value)
                join = info["created"] + 60
            work_start = join + rng.uniform(0.1, 1.5) * DAY
        else:
            join = t_start - rng.uniform(0.05, 2) * DAY
            join = max(join, info["created"] + 60)
            work_start = t_start + rng.uniform(0, 8) * DAY
        info["sprints"] = before + [sid]
        self._sprint_change(issue_id, join, before, info["sprints"], team)
        # ---- mid-sprint estimate change
        if info["points"] is not None and rng.random() < 0.1 and work_start < now:
            at = t_start + rng.uniform(0.5, 5) * DAY
            if at < now and at > join:
                new = {1: 2, 2: 3, 3: 5, 5: 8, 8: 13, 13: 8}[info["points"]]
                self._field(issue_id, at, "story_points", "Story point estimate", ESTIMATE_FIELD,
                            _num(info["points"]), _num(new))
                info["points"] = new
                info["cycle"] *= 1.3
        # ---- removed mid-sprint (goes back to the backlog, re-planned next sprint)
        if kind == "committed" and rng.random() < 0.06 and k < SPRINTS_PER_TEAM - 1:
            at = t_start + rng.uniform(1, 8) * DAY
            if at < now:
                after = [s for s in info["sprints"] if s != sid]
                self._sprint_change(issue_id, at, info["sprints"], after, team)
                info["sprints"] = after
                backlog_carry.append(info)
                return 0
        # ---- work it; carry over while not done at sprint end
        status, completed = self._walk(issue_id, work_start, info["cycle"], info["bounces"], reopen, now)
        kk = k
        while kk < SPRINTS_PER_TEAM - 1:
            end = team.sprint_end(kk)
            if end > now or (completed is not None and completed <= end):
                break
            nxt = team.sprint_ids[kk + 1]
            after = info["sprints"] + [nxt]
            self._sprint_change(issue_id, end + 60, info["sprints"], after, team)
            info["sprints"] = after
            kk += 1
        self._issue_row(team, info, status, completed)
        count = 1
        if info["type"] == "Story" and rng.random() < 0.3:
            count += self._subtasks(team, info, work_start, completed)
        return count

    def _issue_row(self, team: _Team, info: dict, status: str, completed: float | None) -> None:
        spent = info["cycle"] * 6 * HOUR if completed else None
        orig = info["likely"] * 6 * HOUR if info["likely"] else None
        self.issues.add(
            SOURCE, info["issue_id"], info["key"], team.project, info["type"], False, None, info["epic"],
            info["summary"], status, "Done" if status == DONE else None, info["labels"], info["components"],
            [], info["sprints"], _f(info["points"]), _f(info["best"]), _f(info["likely"]), _f(info["worst"]),
            orig, spent, info["created"], completed or info["created"], completed, False)

    def _subtasks(self, team: _Team, parent: dict, start: float, completed: float | None) -> int:
        n = 2
        for i in range(n):
            sub_id = self._new_issue_id()
            team.seq += 1
            created = parent["created"] + 3600 * (i + 1)
            s0 = start + i * 0.3 * DAY
            end = (completed - 0.2 * DAY) if completed else s0 + parent["cycle"] * 0.5 * DAY
            status = TODO
            if s0 < self.now:
                self._status(sub_id, s0, TODO, IN_PROGRESS)
                status = IN_PROGRESS
                if end < self.now and end > s0:
                    self._status(sub_id, end, IN_PROGRESS, DONE)
                    status = DONE
            self.issues.add(
                SOURCE, sub_id, f"{team.project}-{team.seq}", team.project, "Sub-task", True, parent["issue_id"],
                None, f"{['Implement', 'Test'][i]}: {parent['summary']}", status,
                "Done" if status == DONE else None, [], parent["components"], [], parent["sprints"], None,
                None, None, None, None, None, created, created, end if status == DONE else None, False)
        return n

    def _epic(self, team: _Team, eid: str, key: str, name: str, shipped: date) -> None:
        created = team.sprint_starts[0] - 10 * DAY
        start = team.sprint_starts[0] + self.rng.uniform(1, 5) * DAY
        done = _ts(shipped) + 15 * HOUR
        self._status(eid, start, TODO, IN_PROGRESS)
        status = IN_PROGRESS
        if done <= self.now:
            self._status(eid, done, IN_PROGRESS, DONE)
            status = DONE
        self.issues.add(
            SOURCE, eid, key, team.project, "Epic", False, None, None, name, status,
            "Done" if status == DONE else None, ["epic"], [], [], [], None, None, None, None, None, None,
            created, done, done if status == DONE else None, False)

    # ------------------------------------------------------------------ product metrics
    def metrics(self) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        days = pd.date_range(AS_OF.date() - timedelta(days=365), AS_OF.date() - timedelta(days=1), freq="D")
        n = len(days)
        t = np.arange(n)
        dow = days.day_of_week.to_numpy()
        frames = []

        def ar1(sd: float, phi: float = 0.5) -> np.ndarray:
            e = rng.normal(0, sd * math.sqrt(1 - phi ** 2), n)
            out = np.empty(n)
            out[0] = rng.normal(0, sd)
            for i in range(1, n):
                out[i] = phi * out[i - 1] + e[i]
            return out

        def steps(metric: str) -> np.ndarray:
            mult = np.ones(n)
            for _, _, _, shipped, m, effect, _ in EPICS:
                if m == metric and effect:
                    mult *= np.where(days.date >= shipped, 1 + effect, 1.0)
            return mult

        weekend = np.isin(dow, (5, 6))
        series = {
            "active_users": 12000 * (1 + 0.0006 * t) * np.where(weekend, 0.78, 1.0) * steps("active_users") * (1 + ar1(0.015)),
            "retention_d30": 41 * (1 + 0.0001 * t) * steps("retention_d30") * (1 + ar1(0.012)),
            "revenue": 48000 * (1 + 0.0004 * t) * np.where(weekend, 1.18, 1.0) * steps("revenue") * (1 + ar1(0.03)),
            "nps": 31 + 0.01 * t + ar1(1.2, 0.8),
        }
        for metric, values in series.items():
            frames.append(pd.DataFrame({"metric": metric, "day": days.date, "segment": "", "value": np.round(values, 3)}))
        # conversion: web got one-click checkout, mobile did not (a control segment)
        conv = {}
        for seg, base in (("web", 3.4), ("mobile", 2.6)):
            mult = steps("conversion_rate") if seg == "web" else np.ones(n)
            conv[seg] = base * (1 + 0.0002 * t) * np.where(weekend, 1.06, 1.0) * mult * (1 + ar1(0.03))
            frames.append(pd.DataFrame({"metric": "conversion_rate", "day": days.date, "segment": seg,
                                        "value": np.round(conv[seg], 4)}))
        total = 0.6 * conv["web"] + 0.4 * conv["mobile"]
        frames.append(pd.DataFrame({"metric": "conversion_rate", "day": days.date, "segment": "",
                                    "value": np.round(total, 4)}))
        df = pd.concat(frames, ignore_index=True)
        df.insert(0, "source", SOURCE)
        df["day"] = pd.to_datetime(df["day"]).dt.date
        return df


# ---------------------------------------------------------------------- text helpers
_FEATURE_WORDS = ("checkout", "cart", "search", "onboarding", "invoice", "profile", "notifications",
                  "recommendations", "pricing", "billing", "export", "dashboard")


def _summary(rng: random.Random, issue_type: str, labels: list[str]) -> str:
    thing = rng.choice(_FEATURE_WORDS)
    if issue_type == "Bug":
        return rng.choice(("Fix crash in {}", "Wrong totals in {}", "Timeout when loading {}",
                           "{} shows stale data")).format(thing)
    if any(lb in ("integration", "migration") for lb in labels):
        return rng.choice(("Integrate {} with the payment provider", "Migrate {} to the new API",
                           "Sync {} with the CRM", "Migrate {} data to the new schema")).format(thing)
    if any(lb in ("tech-debt", "refactor", "maintenance") for lb in labels):
        return rng.choice(("Refactor {} module", "Remove dead code in {}", "Upgrade {} dependencies",
                           "Add tests around {}")).format(thing)
    return rng.choice(("Add filters to {}", "Improve {} layout", "Let users share {}",
                       "Show history in {}", "Speed up {}")).format(thing)


def _goal(rng: random.Random) -> str:
    return rng.choice(("Ship the checkout improvements", "Stabilise payments, reduce QA bounces",
                       "Finish the onboarding flow", "Pay down debt in billing", "Launch recommendations"))


def _num(v: float | None) -> str | None:
    if v is None:
        return None
    return str(int(v)) if float(v).is_integer() else str(v)


def _f(v) -> float | None:
    return None if v is None else float(v)


# ---------------------------------------------------------------------- retros (user input)
RETRO_CARDS = {
    "scrum": (("Went well", ("Pairing on the payment bugs paid off", "Demo went smoothly",
                             "Review turnaround was fast this sprint", "Good focus on the sprint goal",
                             "New CI pipeline saves us time")),
              ("Didn't go well", ("Stories bounced back from QA twice", "Too much work added mid-sprint",
                                  "Integration with the provider took far longer than estimated",
                                  "Carried over three stories again", "Unclear acceptance criteria",
                                  "Flaky tests blocked merges")),
              ("To improve", ("Refine integration stories with a spike first", "Limit work in review",
                              "Agree acceptance criteria before the sprint starts",
                              "Reserve time for tech debt", "Estimate with ranges, not single numbers"))),
    "product": (("What moved", ("Checkout conversion is up since one-click", "Onboarding tour lifted activation")),
                ("What didn't", ("Saved carts did not change conversion", "Dark mode had no visible retention effect")),
                ("What we learn", ("Name the target metric before kickoff", "Ship one change per metric at a time",
                                   "Wait for the full post window before calling it"))),
    "pm-eng": (("Product perspective", ("Requirements changed late on recommendations",
                                        "We need earlier estimates for roadmap planning")),
               ("Engineering perspective", ("Debt in billing slows every feature",
                                            "Scope was added after planning twice")),
               ("Collaboration improvements", ("PM joins refinement every sprint",
                                               "Bilateral working agreements with review dates"))),
}
THEMES = {"QA": "quality", "integration": "estimates", "Integration": "estimates", "estimat": "estimates",
          "debt": "tech debt", "Debt": "tech debt", "added": "scope", "Scope": "scope", "review": "flow",
          "Review": "flow", "metric": "outcomes", "conversion": "outcomes", "Requirements": "requirements"}
ACTIONS = ("Add a spike before every integration story", "Write acceptance criteria in refinement",
           "Set a WIP limit of 3 on In Review", "Fix the flaky checkout tests",
           "Review the QA bounce list at stand-up", "Timebox refinement to one hour")
OWNERS = ("Tech lead", "Scrum master", "PM", "QA lead", "Team")


def _theme(text: str) -> str:
    for needle, theme in THEMES.items():
        if needle in text:
            return theme
    return "team"


def demo_userdata(seed: int, teams: list[_Team]) -> dict[str, pd.DataFrame]:
    """Retros of three kinds for the two story teams, with ids prefixed 'demo-'."""
    rng = random.Random(seed * 31 + 1)
    retros, cards, actions, agreements, hypotheses = [], [], [], [], []
    as_of_day = AS_OF.date()

    def retro(rid: str, held: date, team: str, kind: str, title: str) -> None:
        retros.append({"retro_id": rid, "held_on": held, "team": team, "kind": kind, "title": title,
                       "created_at": datetime.combine(held, datetime.min.time(), UTC) + timedelta(hours=15)})
        for column, texts in RETRO_CARDS[kind]:
            for text in rng.sample(texts, k=min(len(texts), rng.randint(1, 3))):
                cards.append({"card_id": f"{rid}-c{len(cards) + 1}", "retro_id": rid, "column_name": column,
                              "text": text, "theme": _theme(text), "votes": rng.randint(0, 6)})

    for team in teams[:2]:
        for k in range(SPRINTS_PER_TEAM - 1):
            held = datetime.fromtimestamp(team.sprint_end(k), UTC).date()
            rid = f"demo-{team.project.lower()}-s{k + 1}"
            retro(rid, held, team.name, "scrum", f"{team.project} Sprint {k + 1} retro")
            next_held = held + timedelta(days=SPRINT_DAYS)
            for j, text in enumerate(rng.sample(ACTIONS, k=rng.randint(1, 2))):
                due = next_held
                r = rng.random()
                if due > as_of_day:
                    status, done_on = "open", None
                elif r < 0.55:
                    status, done_on = "done", due - timedelta(days=rng.randint(0, 9))
                elif r < 0.75:
                    status, done_on = "done", due + timedelta(days=rng.randint(2, 12))
                elif r < 0.95:
                    status, done_on = "open", None
                else:
                    status, done_on = "dropped", None
                if done_on and done_on > as_of_day:
                    status, done_on = "open", None
                actions.append({"action_id": f"{rid}-a{j + 1}", "retro_id": rid, "text": text,
                                "owner": rng.choice(OWNERS), "due_on": due, "status": status, "done_on": done_on})
            if k == DEBT_AGREEMENT_SPRINT - 1:
                start = datetime.fromtimestamp(team.sprint_starts[k + 1], UTC).date()
                agreements.append({"agreement_id": f"{rid}-g1", "retro_id": rid,
                                   "text": "Estimate every story as best / likely / worst days",
                                   "start_on": start, "review_on": start + timedelta(days=70),
                                   "metric": "hit_rate", "target": 0.7, "direction": "up"})
                if team.index == 0:
                    agreements.append({"agreement_id": f"{rid}-g2", "retro_id": rid,
                                       "text": "Reserve 20 % of every sprint for engineering-chosen work",
                                       "start_on": start, "review_on": start + timedelta(days=56),
                                       "metric": "debt_share", "target": 0.2, "direction": "up"})
            if k == 9 and team.index == 1:
                start = held + timedelta(days=3)
                agreements.append({"agreement_id": f"{rid}-g1", "retro_id": rid,
                                   "text": "Split integration work into a spike and a build story",
                                   "start_on": start, "review_on": start + timedelta(days=42),
                                   "metric": "cycle_time_p85", "target": 8.0, "direction": "down"})
            if k == 3 and team.index == 0:
                start = held + timedelta(days=3)
                agreements.append({"agreement_id": f"{rid}-g1", "retro_id": rid,
                                   "text": "Limit In Review to 3 items; reviewers before new work",
                                   "start_on": start, "review_on": start + timedelta(days=42),
                                   "metric": "cycle_time_p85", "target": 6.0, "direction": "down"})
    # product retros after each shipped epic's post window, and PM/engineering retros
    for i, (key, name, _, shipped, metric, _, min_change) in enumerate(EPICS):
        held = shipped + timedelta(days=30)
        rid = f"demo-product-{i + 1}"
        if held > as_of_day:
            held = as_of_day - timedelta(days=1)
        retro(rid, held, "Product", "product", f"Product retro: {name}")
        direction = "up"
        hypotheses.append({"hypothesis_id": f"{rid}-h1", "retro_id": rid, "item_key": key, "metric": metric,
                           "direction": direction, "min_change": min_change})
    for i, held in enumerate((date(2026, 7, 3), date(2026, 9, 25))):
        rid = f"demo-pmeng-{i + 1}"
        retro(rid, held, "Atlas", "pm-eng", f"PM / engineering retro {i + 1}")
        agreements.append({"agreement_id": f"{rid}-g1", "retro_id": rid,
                           "text": "PM joins refinement every sprint; every epic names its target metric",
                           "start_on": held + timedelta(days=3), "review_on": held + timedelta(days=45),
                           "metric": None, "target": None, "direction": None})
    agreements.append({"agreement_id": "demo-product-1-g1", "retro_id": "demo-product-1",
                       "text": "Keep conversion above 3.4 % while we iterate on checkout",
                       "start_on": date(2026, 8, 24), "review_on": date(2026, 10, 19),
                       "metric": "conversion_rate", "target": 3.4, "direction": "up"})
    reviews = _retro_loop(retros, actions, agreements)
    return {
        "retros": pd.DataFrame(retros), "retro_cards": pd.DataFrame(cards),
        "action_items": pd.DataFrame(actions), "action_reviews": pd.DataFrame(reviews),
        "agreements": pd.DataFrame(agreements), "hypotheses": pd.DataFrame(hypotheses),
        "forecasts": _demo_forecasts(seed, teams),
    }


def _demo_forecasts(seed: int, teams: list[_Team]) -> pd.DataFrame:
    """A forecast history (docs/metrics.md "Forecasts held to account"): at each sprint
    planning from sprint 6 on (Monday 09:00), each story team looked at the Calibration page
    for its board, and Atlas's planner for both boards together. Their answers are real Monte
    Carlo runs (`queries.forecast`'s simulation and quantiles), resampled from a 90-day sample
    a little more optimistic than the teams turn out to be, as early samples often are; the
    page scores them against the demo's issues, so the story has hits and misses."""
    import numpy as np

    from queries import forecast as fc
    from queries import forecast_accounts as fa

    rng = np.random.default_rng(seed * 53 + 5)
    frames = []
    scopes = [(t.board_id, t, 0.95) for t in teams[:2]] + [(None, teams[0], 1.9)]
    for board_id, team, rate in scopes:
        for k in range(5, SPRINTS_PER_TEAM):
            at = datetime.fromtimestamp(team.sprint_starts[k], UTC)
            sample = rng.poisson(rate, size=90)
            items = 8 if board_id else 16
            target = datetime.fromtimestamp(team.sprint_end(k), UTC).date()
            runs = 2000
            sim = np.random.default_rng(seed + k)
            when = fc.simulate_when(sample, items, runs, sim)
            many = fc.simulate_how_many(sample, (target - at.date()).days, runs, sim)
            rows = [{"question": "when", "confidence": c, "value": fc._q(when, c),
                     "on_date": at.date() + timedelta(days=int(fc._q(when, c)))} for c in fc.CONFIDENCES]
            rows += [{"question": "how_many", "confidence": c,
                      "value": float(np.quantile(many, 1 - c, method="inverted_cdf")), "on_date": target}
                     for c in fc.CONFIDENCES]
            rec = fa.records(pd.DataFrame(rows), as_of=at, as_of_day=at.date(), board_id=board_id, project=None,
                             items=items, target_date=target, runs=runs, seed=seed, window_from=at.date() - timedelta(days=89),
                             window_to=at.date(), made_at=at + timedelta(minutes=20), source="page")
            rec["forecast_id"] = "demo-" + rec["forecast_id"]
            frames.append(rec)
    return pd.concat(frames, ignore_index=True)


LOOP_ACTION = "demo-atl-s9-loop"     # carried across three retros, with a Jira key, done at the third


def _retro_loop(retros: list[dict], actions: list[dict], agreements: list[dict]) -> list[dict]:
    """The retro loop (docs/retro-outcomes.md "Carried-in actions"): every retro of a team was
    started with the team's open actions carried in, so each action open on a later retro's
    day gets a review row there ('done' at the retro whose day it was closed on; a dropped
    action is dropped at the next retro). Adds Atlas's release-checklist action (Jira key
    ATL-204, no due date) that stayed open through the sprint-10 and -11 retros and was
    done at the sprint-12 one, and Borealis's spike action that the sprint-10 agreement on
    cycle time came out of. Deterministic: draws nothing from the retros' random stream."""
    held = {r["retro_id"]: (r["held_on"], r["team"].strip(" ").lower()) for r in retros}   # team_key's rule
    actions.append({"action_id": LOOP_ACTION, "retro_id": "demo-atl-s9", "text": "Automate the release checklist",
                    "owner": "Tech lead", "due_on": None, "status": "done", "done_on": held["demo-atl-s12"][0],
                    "jira_key": "ATL-204"})
    spike_on = held["demo-bor-s10"][0]
    actions.append({"action_id": "demo-bor-s10-spike", "retro_id": "demo-bor-s10",
                    "text": "Trial a spike + build split on the next two integration stories", "owner": "Tech lead",
                    "due_on": spike_on + timedelta(days=3), "status": "done", "done_on": spike_on + timedelta(days=2),
                    "jira_key": None})
    for g in agreements:
        if g["agreement_id"] == "demo-bor-s10-g1":
            g["action_id"] = "demo-bor-s10-spike"
    reviews = []
    for a in actions:
        day, team = held[a["retro_id"]]
        later = sorted((d, rid) for rid, (d, t) in held.items() if t == team and d > day)
        for d, rid in later:
            if a["status"] == "done" and a["done_on"] < d:
                break
            status = "open"
            if a["status"] == "done" and a["done_on"] == d:
                status = "done"
            elif a["status"] == "dropped":
                status = "dropped"
            reviews.append({"review_id": f"{a['action_id']}@{rid}", "action_id": a["action_id"], "retro_id": rid,
                            "reviewed_on": d, "status_then": status})
            if status != "open":
                break
    return reviews


# ---------------------------------------------------------------------- build
ISSUES_PER_TEAM = 200
# At scale, the generic teams after the story teams are generated row by row only up to this
# many (the pool, ~10k issues); every further team is a copy of a pool team with its own ids,
# made inside DuckDB (queries/statements/demo_replicate_teams.sql). Same seed, same warehouse;
# up to 2 + POOL_TEAMS teams the warehouse is exactly what generating every team gives.
POOL_TEAMS = 50
SCALE_MEMORY_LIMIT = "1GB"


def build(db_path: str | Path, *, seed: int = 7, scale: int | None = None,
          userdata_path: str | Path | None = None,
          progress: queries.Progress | None = None) -> dict:
    """Generate the demo and load it (replacing earlier demo rows). Returns a summary."""
    t0 = time.perf_counter()
    progress = progress or (lambda *a: None)
    n_teams = 2 if not scale else max(2, math.ceil(scale / ISSUES_PER_TEAM))
    b = DemoBuilder(seed)
    teams: list[_Team] = []
    issues_done = 0
    # The issue count is known only once every team is generated (how many a sprint holds is
    # drawn from the seed): the bar counts issues without a total while generating and ends at
    # the count written, the number the summary reports (not an estimate such as 400 for 427).
    progress("generating", 0, None)
    with staged_load(db_path, SOURCE, "demo", detail=f"seed={seed} scale={scale or 'default'}") as w:
        w.delete_source()
        w.data_as_of = AS_OF
        w.progress = progress   # the facts build at the end
        if n_teams > 2 + POOL_TEAMS:
            # DuckDB's share of memory for this load (copies, the facts build): it spills to
            # disk beyond, which keeps `demo --scale 1000000` under 2 GB with Python's share
            w.con.execute(f"SET memory_limit = '{SCALE_MEMORY_LIMIT}'")
        w.write("raw_statuses", pd.DataFrame(
            [{"source": SOURCE, "status_id": s, "name": n, "category_key": c} for s, n, c in STATUSES]))
        n_built = min(n_teams, 2 + POOL_TEAMS)
        pool: list[dict] = []   # per generated team: its id ranges and row counts (copied at scale)
        for i in range(n_teams):
            team = _Team(i, first_issue_seq=0)
            teams.append(team)
            if i >= n_built:
                continue
            before = b.extent()
            issues_done += b.build_team(team)
            pool.append({k: (before[k], v) for k, v in b.extent().items()})
            progress("generating", issues_done, None)
            if len(b.status_changes) > 2_000_000 or i == n_built - 1:
                _flush(w, b)
        sprints = pd.DataFrame(b.sprints)
        for c in ("start_at", "end_at", "complete_at", "activated_at"):
            sprints[c] = pd.to_datetime(sprints[c].astype("float64") * 1e6, unit="us", utc=True)
        w.write("raw_sprints", sprints, replace=False)
        if n_teams > n_built:
            _replicate(w, teams, pool, n_built)
        written = w.counts.get("raw_issues", 0)
        progress("generating", written, written)
        boards, columns, projects = [], [], []
        for team in teams:
            boards.append({"source": SOURCE, "board_id": team.board_id, "name": team.name, "board_type": "scrum",
                           "project_key": team.project, "estimation_field_id": ESTIMATE_FIELD})
            projects.append({"source": SOURCE, "project_id": str(20000 + team.index), "project_key": team.project,
                             "name": f"{team.name} product"})
            for pos, (col, ids) in enumerate(COLUMNS):
                for sid in ids:
                    columns.append({"source": SOURCE, "board_id": team.board_id, "position": pos,
                                    "column_name": col, "status_id": sid})
        w.write("raw_boards", pd.DataFrame(boards), replace=False)
        w.write("raw_board_columns", pd.DataFrame(columns), replace=False)
        w.write("raw_projects", pd.DataFrame(projects), replace=False)
        progress("metrics", 0, 1)
        metrics = b.metrics()
        w.write("raw_metric_points", metrics)
        w.write("raw_metric_definitions", pd.DataFrame(
            [{"source": SOURCE, "metric": m, "unit": u, "higher_is_better": h, "description": d}
             for m, u, h, d in METRIC_DEFS]))
        w.write("raw_shipped_items", pd.DataFrame(
            [{"source": SOURCE, "item_key": key, "name": name, "shipped_on": shipped, "epic_key": key,
              "metrics": [metric], "expected_direction": "up", "min_change": mc, "origin": "import"}
             for key, name, _, shipped, metric, _, mc in EPICS]))
        progress("metrics", 1, 1)
        counts = dict(w.counts)
        ud = userdata_path or queries.userdata_path_for(db_path)
        user_tables = demo_userdata(seed, teams)
        # The warehouse swap and the user-store write are two files: a marker between the two
        # (connectors/two_stores.py) tells `status` and `doctor` when a kill fell between them
        pending = two_stores.begin(db_path, "demo", f"seed={seed}")
        w.on_failure.append(lambda: two_stores.end(pending))   # not swapped in: the stores still match
    _write_demo_userdata(ud, user_tables)
    two_stores.end(pending)
    return {
        "issues": counts.get("raw_issues", 0),
        "histories": counts.get("raw_status_changes", 0) + counts.get("raw_field_changes", 0),
        "sprints": counts.get("raw_sprints", 0),
        "metric_points": counts.get("raw_metric_points", 0),
        "seconds": time.perf_counter() - t0,
    }




def _flush(w, b: DemoBuilder) -> None:
    w.write("raw_issues", b.issues.frame(times=("created_at", "updated_at", "resolved_at")), replace=False)
    w.write("raw_status_changes", b.status_changes.frame(times=("changed_at",)), replace=False)
    w.write("raw_field_changes", b.field_changes.frame(times=("changed_at",)), replace=False)
    for name in b.n_rows:
        b.n_rows[name] += len(getattr(b, name))
    b.issues = _Columns(*b.issues.names)
    b.status_changes = _Columns(*b.status_changes.names)
    b.field_changes = _Columns(*b.field_changes.names)


def _replicate(w, teams: list[_Team], pool: list[dict], n_built: int) -> None:
    """Teams n_built.. as copies of the pool teams (2..n_built-1), in the staged load: team i
    copies pool team q = 2 + (i - 2) % P, its issue and history ids shifted by whole spans of
    the pool's id ranges (so that no two teams share one), its sprint ids in the
    1000 * (team + 1) + sprint scheme, its own project and board."""
    n_pool = n_built - 2
    id_span = pool[-1]["issue_id"][1] - pool[2]["issue_id"][0]
    hid_span = pool[-1]["history_id"][1] - pool[2]["history_id"][0]
    rows = []
    for team in teams[n_built:]:
        block, q = divmod(team.index - 2, n_pool)      # block >= 1: the pool itself is block 0
        src = teams[2 + q]
        rows.append({"team": team.index, "pool_project": src.project, "pool_board": src.board_id,
                     "project": team.project, "board_id": team.board_id, "d_id": block * id_span,
                     "d_hid": block * hid_span, "d_sprint": 1000 * (team.index - src.index)})
        for table in ("raw_sprints", "raw_issues", "raw_status_changes", "raw_field_changes"):
            lo, hi = pool[2 + q][table]
            w.counts[table] = w.counts.get(table, 0) + hi - lo
    w.con.register("_demo_replicas", pd.DataFrame(rows))
    try:
        queries.execute(w.con, "demo_replicate_teams")
    finally:
        w.con.unregister("_demo_replicas")


def _write_demo_userdata(path: str | Path, tables: dict[str, pd.DataFrame]) -> None:
    """Replace the demo's own rows (ids 'demo-…') in the user-input store; nothing else."""
    con = queries.open_userdata(path)
    try:
        con.execute("BEGIN TRANSACTION")
        queries.execute(con, "userdata_delete_demo_rows")
        for table, df in tables.items():
            if not df.empty:
                queries.write_frame(con, table, df, [df.columns[0]], replace=False)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
