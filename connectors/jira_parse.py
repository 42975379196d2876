"""Pure parsing of Jira JSON into raw-table rows (no IO, no `jira` import).

Handles the shapes that differ between Jira Cloud and Data Center:
- timestamps such as `2021-03-05T16:04:01.164+0800` (no colon in the offset), `…Z`, `…+08:00`;
- the sprint field: a list of objects on Cloud, a list of
  `com.atlassian.greenhopper.service.sprint.Sprint@…[id=…,name=a, b,…]` strings on DC
  (names and goals may contain commas, so values are split on the known `key=` tokens);
- changelog items, mapped to `raw_status_changes` rows (by status **id**) and to
  `raw_field_changes` rows with a canonical `field_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from queries.dates import aware
from queries.limits import DATE_RANGE_TEXT, date_out_of_range

# --------------------------------------------------------------------------- timestamps
_TS = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NULLS = ("", "<null>", "null", "None")


def parse_ts(value: Any) -> datetime | None:
    """A Jira timestamp as an aware UTC datetime; None for empty / `<null>`.
    Accepts `+0800`, `+08:00`, `+08`, `Z`, optional fractions; a value without an offset
    is taken as UTC. Raises ValueError on anything else, and on an implausible instant
    (outside the dates queries.limits allows: a typo such as year 1 or 9999 would break
    every later analysis)."""
    dt = _parse_ts(value)
    if dt is not None:
        problem = date_out_of_range(dt.date())
        if problem:
            raise ValueError(f"timestamp {value!r}: {problem} (expected {DATE_RANGE_TEXT})")
    return dt


def _sprint_ts(value: Any) -> datetime | None:
    """A sprint date typed by a person (start, end): an implausible one counts as not set, so
    one mistyped sprint does not stop the sync (the sprint then has no such date)."""
    try:
        return parse_ts(value)
    except ValueError:
        if _parse_ts_or_none(value) is not None:   # well formed but implausible
            return None
        raise


def _parse_ts_or_none(value: Any) -> datetime | None:
    try:
        return _parse_ts(value)
    except (ValueError, OverflowError):
        return None


def _parse_ts(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return aware(value).astimezone(UTC)
    if isinstance(value, int | float):   # epoch milliseconds (some agile payloads)
        return datetime.fromtimestamp(value / 1000, UTC)
    s = str(value).strip()
    if s in _NULLS:
        return None
    if len(s) > 10 and s[4] == "-" and s[10] in "T ":
        try:   # fast path: Python 3.11 reads +0800, +08:00 and Z
            dt = datetime.fromisoformat(s)
            return aware(dt).astimezone(UTC)
        except ValueError:
            pass
    m = _TS.match(s)
    if not m:
        raise ValueError(f"not a Jira timestamp: {s!r}")
    y, mo, d, hh, mi, ss, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    offset = timedelta(0)
    if tz and tz != "Z":
        sign = -1 if tz[0] == "-" else 1
        digits = tz[1:].replace(":", "")
        offset = sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
    dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0), micro,
                  tzinfo=timezone(offset))
    return dt.astimezone(UTC)


def parse_date(value: Any) -> date | None:
    """A Jira date (`2026-03-05`, or a timestamp whose date part is taken) or None."""
    if value is None or str(value).strip() in _NULLS:
        return None
    s = str(value).strip()
    try:
        return date.fromisoformat(s[:10])
    except ValueError:
        raise ValueError(f"not a Jira date: {s!r}") from None


def parse_number(value: Any) -> float | None:
    """Estimates arrive as numbers or strings ("3", "5.0", ""); None when absent."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    s = str(value).strip()
    if s in _NULLS:
        return None
    try:
        return float(s)
    except ValueError:
        return None


# --------------------------------------------------------------------------- sprints
SPRINT_KEYS = ("id", "rapidViewId", "state", "name", "goal", "startDate", "endDate", "completeDate",
               "activatedDate", "sequence", "autoStartStop", "synced", "incompleteIssuesDestinationId")
_SPRINT_BODY = re.compile(r"\[(.*)\]\s*$", re.DOTALL)
_SPRINT_KEY = re.compile(r"(?:^|,)(" + "|".join(SPRINT_KEYS) + r")=")


def parse_sprint_string(text: str) -> dict[str, str | None]:
    """Split a DC `Sprint@…[id=1,name=a, b,…]` string into {key: value}. Values run from
    one known `key=` token to the next, so commas inside names and goals survive."""
    m = _SPRINT_BODY.search(text)
    if not m:
        raise ValueError(f"not a Jira sprint value: {text[:80]!r}")
    body = m.group(1)
    marks = list(_SPRINT_KEY.finditer(body))
    out: dict[str, str | None] = {}
    for i, mk in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(body)
        key = mk.group(1)
        if key in out:            # a later "key=" inside a name: keep the first, anchored one
            continue
        raw = body[mk.end():end]
        out[key] = None if raw in ("<null>",) else raw
    if "id" not in out:
        raise ValueError(f"sprint value without id: {text[:80]!r}")
    return out


@dataclass
class SprintInfo:
    sprint_id: str
    name: str | None = None
    state: str | None = None
    board_id: str | None = None
    goal: str | None = None
    start_at: datetime | None = None
    end_at: datetime | None = None
    complete_at: datetime | None = None
    activated_at: datetime | None = None

    def merge(self, other: SprintInfo) -> None:
        """Fill what this one lacks from `other` (board data wins over issue data)."""
        for f in ("name", "state", "board_id", "goal", "start_at", "end_at", "complete_at", "activated_at"):
            if getattr(self, f) is None and getattr(other, f) is not None:
                setattr(self, f, getattr(other, f))


def _state(v: Any) -> str | None:
    return str(v).lower() if v not in (None, "") else None


def sprint_from_agile(obj: dict[str, Any], board_id: str | None = None) -> SprintInfo:
    """A sprint object from /rest/agile/1.0/board/{id}/sprint (or a Cloud sprint-field entry)."""
    origin = obj.get("originBoardId", obj.get("boardId", obj.get("rapidViewId", board_id)))
    return SprintInfo(
        sprint_id=str(obj["id"]),
        name=obj.get("name"),
        state=_state(obj.get("state")),
        board_id=str(origin) if origin is not None else None,
        goal=obj.get("goal") or None,
        start_at=_sprint_ts(obj.get("startDate")),
        end_at=_sprint_ts(obj.get("endDate")),
        complete_at=_sprint_ts(obj.get("completeDate")),
        activated_at=_sprint_ts(obj.get("activatedDate")),
    )


def parse_sprint_value(value: Any) -> list[SprintInfo]:
    """The sprint field of an issue, either shape, as SprintInfo (in the order given)."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[SprintInfo] = []
    for it in items:
        if it is None:
            continue
        if isinstance(it, dict):
            out.append(sprint_from_agile(it))
        elif isinstance(it, int):
            out.append(SprintInfo(sprint_id=str(it)))
        else:
            out.append(replace(_sprint_from_string(str(it))))   # a copy: callers merge into it
    return out


@lru_cache(maxsize=4096)
def _sprint_from_string(text: str) -> SprintInfo:
    """Many issues carry the same DC sprint strings; parse each once."""
    return sprint_from_agile(parse_sprint_string(text))


# --------------------------------------------------------------------------- changelog
# Canonical field keys for changelog items (see queries/schema/warehouse.sql).
_BY_FIELD_ID = {
    "status": "status", "issuetype": "issue_type", "labels": "labels", "components": "components",
    "fixVersions": "fix_versions", "key": "key", "project": "project", "parent": "parent",
    "IssueParentAssociation": "parent", "resolution": "resolution",
    "timeoriginalestimate": "original_estimate", "timespent": "time_spent",
}
_BY_NAME = {
    "status": "status", "issuetype": "issue_type", "issue type": "issue_type", "labels": "labels",
    "component": "components", "components": "components", "fix version": "fix_versions",
    "fixversions": "fix_versions", "fix version/s": "fix_versions", "key": "key", "project": "project",
    "parent": "parent", "parent issue": "parent", "issueparentassociation": "parent",
    "resolution": "resolution", "timeoriginalestimate": "original_estimate",
    "original estimate": "original_estimate", "timespent": "time_spent", "time spent": "time_spent",
}
ESTIMATE_KEYS = ("story_points", "estimate_best", "estimate_likely", "estimate_worst")


@dataclass
class FieldMap:
    """Which Jira custom fields carry sprint / estimates for one project. `names` maps the
    fields' display names (lower case) for changelog items that lack a fieldId (DC)."""

    ids: dict[str, str] = field(default_factory=dict)     # field id -> canonical key
    names: dict[str, str] = field(default_factory=dict)   # lower-case name -> canonical key

    def key_for(self, item: dict[str, Any]) -> str:
        fid = item.get("fieldId")
        if fid:
            if fid in self.ids:
                return self.ids[fid]
            if fid in _BY_FIELD_ID:
                return _BY_FIELD_ID[fid]
            if fid.startswith("customfield_"):
                return "other"
        name = str(item.get("field") or "").strip().lower()
        if fid is None and name in self.names:
            return self.names[name]
        return _BY_NAME.get(name, "other")


@dataclass
class HistoryRows:
    status: list[dict[str, Any]] = field(default_factory=list)
    fields: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0


def _s(v: Any) -> str | None:
    return None if v is None else str(v)


def history_rows(source: str, issue_id: str, histories: list[dict[str, Any]], fmap: FieldMap,
                 out: HistoryRows | None = None) -> HistoryRows:
    """Every item of every history as a row. No author is kept (team-level metrics only).
    Estimate items whose `from`/`to` are empty (Jira puts numbers in the strings) get the
    string copied into the value so consumers read one column."""
    out = out or HistoryRows()
    for h in histories:
        hid = str(h["id"])
        at = parse_ts(h.get("created"))
        if at is None:
            out.skipped += len(h.get("items") or [])
            continue
        for seq, item in enumerate(h.get("items") or []):
            key = fmap.key_for(item)
            if key == "status":
                if item.get("to") in (None, ""):
                    out.skipped += 1
                    continue
                out.status.append({
                    "source": source, "issue_id": issue_id, "history_id": hid, "item_seq": seq,
                    "changed_at": at, "from_status_id": _s(item.get("from")) or None,
                    "from_status_name": item.get("fromString"), "to_status_id": str(item["to"]),
                    "to_status_name": item.get("toString"),
                })
                continue
            fv, tv = _s(item.get("from")), _s(item.get("to"))
            if key in ESTIMATE_KEYS:
                fv = fv if fv not in (None, "") else item.get("fromString")
                tv = tv if tv not in (None, "") else item.get("toString")
            out.fields.append({
                "source": source, "issue_id": issue_id, "history_id": hid, "item_seq": seq,
                "changed_at": at, "field_key": key, "field": item.get("field"),
                "field_id": item.get("fieldId"), "from_value": fv, "from_string": item.get("fromString"),
                "to_value": tv, "to_string": item.get("toString"),
            })
    return out


# --------------------------------------------------------------------------- issues
@dataclass
class IssueFields:
    """The field ids that carry sprint/estimates/epic link for one project."""

    sprint: str | None = None
    story_points: str | None = None
    estimate_best: str | None = None
    estimate_likely: str | None = None
    estimate_worst: str | None = None
    epic_link: str | None = None


def _names(values: Any, attr: str = "name") -> list[str]:
    out = []
    for v in values or []:
        if isinstance(v, dict):
            if v.get(attr) is not None:
                out.append(str(v[attr]))
        elif v is not None:
            out.append(str(v))
    return out


def issue_row(source: str, issue: dict[str, Any], ff: IssueFields) -> tuple[dict[str, Any], list[SprintInfo], str | None]:
    """(raw_issues row, sprints seen in the sprint field, epic key to resolve or None)."""
    f = issue.get("fields") or {}
    itype = f.get("issuetype") or {}
    status = f.get("status") or {}
    project = f.get("project") or {}
    parent = f.get("parent") or None
    key = str(issue["key"])
    sprints = parse_sprint_value(f.get(ff.sprint)) if ff.sprint else []
    parent_id = str(parent["id"]) if parent and parent.get("id") is not None else None
    epic_id = None
    epic_key = None
    if parent:
        ptype = ((parent.get("fields") or {}).get("issuetype") or {})
        if ptype.get("hierarchyLevel") == 1 or str(ptype.get("name", "")).lower() == "epic":
            epic_id = parent_id
    if epic_id is None and ff.epic_link and f.get(ff.epic_link):
        epic_key = str(f.get(ff.epic_link))
    res = f.get("resolution")
    row = {
        "source": source,
        "issue_id": str(issue["id"]),
        "issue_key": key,
        "project_key": str(project.get("key") or key.rsplit("-", 1)[0]),
        "issue_type": str(itype.get("name") or "Unknown"),
        "is_subtask": bool(itype.get("subtask", False)),
        "parent_id": parent_id,
        "epic_id": epic_id,
        "summary": f.get("summary"),
        "status_id": str(status.get("id") or ""),
        "resolution": res.get("name") if isinstance(res, dict) else res,
        "labels": [str(x) for x in f.get("labels") or []],
        "components": _names(f.get("components")),
        "fix_versions": _names(f.get("fixVersions")),
        "sprint_ids": [s.sprint_id for s in sprints],
        "story_points": parse_number(f.get(ff.story_points)) if ff.story_points else None,
        "estimate_best": parse_number(f.get(ff.estimate_best)) if ff.estimate_best else None,
        "estimate_likely": parse_number(f.get(ff.estimate_likely)) if ff.estimate_likely else None,
        "estimate_worst": parse_number(f.get(ff.estimate_worst)) if ff.estimate_worst else None,
        "original_estimate_seconds": parse_number(f.get("timeoriginalestimate")),
        "time_spent_seconds": parse_number(f.get("timespent")),
        "created_at": parse_ts(f.get("created")),
        "updated_at": parse_ts(f.get("updated")),
        "resolved_at": parse_ts(f.get("resolutiondate")),
        "is_deleted": False,
    }
    return row, sprints, epic_key
