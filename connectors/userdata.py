"""Writing user input (retros, anonymous cards, action items and their reviews at later
retros, working agreements, hypotheses, settings; the recorded forecasts, restored from a
backup) to the user-input store — the API the Retro-log page and
`retroscope import retro` share.

- Every call validates its input and raises `RetroscopeError` (one line: which record,
  which column, what is wrong, what is expected) before anything is written.
- Every call is one transaction on a short-lived connection (`queries.open_userdata`), so
  the app and the CLI can share the store; a sync never opens it.
- Ids are generated when absent. Writes go through `queries.write_frame` (upsert by id);
  forecasts through `connectors.forecast_records.insert_new` (new ids only: the first record counts).
- Cards have no author: the store has no column for one, and imports drop such columns.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

import queries
from connectors import bounds, files, forecast_records
from connectors.messages import quote_value as _show
from queries import transactions
from queries.dates import utc_instant
from queries.errors import RetroscopeError
from queries.forecast_accounts import STORE_COLUMNS as FORECAST_COLUMNS

KINDS = ("scrum", "product", "pm-eng")
KIND_ALIASES = {"scrum": "scrum", "sprint": "scrum", "product": "product", "pm-eng": "pm-eng", "pm/eng": "pm-eng",
                "pm-engineering": "pm-eng", "pm/engineering": "pm-eng", "pm_eng": "pm-eng", "pmeng": "pm-eng"}
STATUSES = ("open", "done", "dropped")
DIRECTIONS = ("up", "down")
# A Jira issue key: the project key (a capital letter, then capitals, digits or _), a dash,
# the issue number (docs/retro-outcomes.md "Jira keys").
JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,49}-[1-9][0-9]{0,9}")

# kind -> (table, id column, columns in store order)
TABLES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "retro": ("retros", "retro_id", ("retro_id", "held_on", "team", "kind", "title", "created_at")),
    "card": ("retro_cards", "card_id", ("card_id", "retro_id", "column_name", "text", "theme", "votes")),
    "action": ("action_items", "action_id",
               ("action_id", "retro_id", "text", "owner", "due_on", "status", "done_on", "jira_key")),
    "review": ("action_reviews", "review_id", ("review_id", "action_id", "retro_id", "reviewed_on", "status_then")),
    "agreement": ("agreements", "agreement_id",
                  ("agreement_id", "retro_id", "text", "start_on", "review_on", "metric", "target", "direction",
                   "action_id")),
    "hypothesis": ("hypotheses", "hypothesis_id",
                   ("hypothesis_id", "retro_id", "item_key", "metric", "direction", "min_change", "action_id")),
    "setting": ("settings", "key", ("key", "value")),
    # recorded by the pages (connectors.forecast_records); here so that a backup keeps them
    "forecast": ("forecasts", "forecast_id", tuple(FORECAST_COLUMNS)),
}
ALIASES: dict[str, dict[str, str]] = {
    "retro": {"id": "retro_id", "date": "held_on", "held": "held_on", "type": "kind"},
    "card": {"id": "card_id", "column": "column_name", "prompt": "column_name"},
    "action": {"id": "action_id", "due": "due_on", "done": "done_on", "jira": "jira_key", "jira_issue": "jira_key"},
    "review": {"id": "review_id", "action": "action_id", "retro": "retro_id", "reviewed": "reviewed_on",
               "status": "status_then"},
    "agreement": {"id": "agreement_id", "start": "start_on", "review": "review_on", "action": "action_id"},
    "hypothesis": {"id": "hypothesis_id", "item": "item_key", "action": "action_id"},
    "setting": {},
    "forecast": {"id": "forecast_id"},
}
ORDER = ("retro", "card", "action", "review", "agreement", "hypothesis", "setting", "forecast")
FORECAST_KINDS = ("when", "how_many")
FORECAST_SOURCES = ("page", "export", "backtest")
# forecast columns: dates, whole numbers, instants
FORECAST_DATES = ("target_on", "p50_on", "p85_on", "p95_on", "window_from", "window_to")
FORECAST_COUNTS = ("items", "p50_items", "p85_items", "p95_items", "runs")
FORECAST_INSTANTS = ("made_at", "as_of")

Problem = tuple[str, str, str]    # (column, problem, expected)


# --------------------------------------------------------------------------- value checks
def _missing(v: object) -> bool:
    return (v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))
            or (isinstance(v, str) and v.strip() == ""))


def _date(v: object) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, pd.Timestamp):
        return v.date()
    try:
        return date.fromisoformat(str(v).strip()[:10]) if len(str(v).strip()) == 10 else None
    except ValueError:
        return None


def jira_key(v: object) -> tuple[str | None, Problem | None]:
    """A Jira issue key from what was typed: `ABC-123` (lower case is raised) or a link to the
    issue (`…/browse/ABC-123`); empty = None. Returns (key, problem)."""
    if _missing(v):
        return None, None
    t = str(v).strip()
    if "/browse/" in t:
        t = t.split("/browse/", 1)[1].split("?", 1)[0].split("#", 1)[0].strip("/")
    t = t.upper()
    if not JIRA_KEY.fullmatch(t):
        return None, ("jira_key", f"{_show(v)} is not a Jira issue key",
                      "a key like ABC-123 (project key, dash, issue number), or empty")
    return t, None


def clean(kind: str, rec: dict, *, as_of: date | None = None, known_metrics: set[str] | None = None,
          retro_ids: set[str] | None = None, action_ids: set[str] | None = None) -> tuple[dict, list[Problem]]:
    """Validate one record of `kind`; returns the row in store columns and its problems.
    retro_ids: the retros a card/action/agreement/hypothesis/review may belong to (None = no check).
    action_ids: the actions a review, agreement or hypothesis may name (None = no check).
    known_metrics: product metrics a hypothesis may name (None = no check)."""
    if kind not in TABLES:
        raise RetroscopeError(f"unknown record kind {kind!r} (expected one of {', '.join(TABLES)})")
    _, id_col, cols = TABLES[kind]
    al = ALIASES[kind]
    r: dict = {}
    probs: list[Problem] = []
    for k, v in rec.items():
        if k.startswith("__"):
            continue
        key = al.get(k, k)
        if key not in cols:
            probs.append((k, "unknown column", f"only {', '.join(c for c in cols if c != 'created_at')}"))
            continue
        if bounds.nested(v):
            probs.append((k, f"{bounds.nested(v)}, not a value", "text, a number or a date"))
            continue
        if isinstance(v, str) and len(v.strip()) > bounds.MAX_TEXT:   # a form's paste or a file's: the same bound
            probs.append((k, f"{len(v.strip()):,} characters", f"at most {bounds.MAX_TEXT:,}"))
            continue
        r[key] = None if _missing(v) else (v.strip() if isinstance(v, str) else v)

    def need_text(col: str, what: str) -> None:
        if r.get(col) is None:
            probs.append((col, "empty", what))
        else:
            r[col] = str(r[col])

    def need_date(col: str, required: bool, future_ok: bool = True) -> None:
        v = r.get(col)
        if v is None:
            if required:
                probs.append((col, "missing", "a date YYYY-MM-DD"))
            return
        d = _date(v)
        if d is None:
            probs.append((col, f"{_show(v)} is not a date", "YYYY-MM-DD, e.g. 2026-03-31"))
        elif bounds.date_out_of_range(d):
            probs.append((col, f"{bounds.date_out_of_range(d)}, outside the plausible range", bounds.DATE_RANGE_TEXT))
        elif not future_ok and as_of is not None and d > as_of:
            probs.append((col, f"{d.isoformat()} is after as_of {as_of.isoformat()}",
                          "a day on or before as_of; pass --as-of YYYY-MM-DD if the file is right"))
        r[col] = d

    def need_retro() -> None:
        need_text("retro_id", "the id of the retro it belongs to")
        if r.get("retro_id") is not None and retro_ids is not None and r["retro_id"] not in retro_ids:
            probs.append(("retro_id", f"no retro {_show(r['retro_id'])}", "the id of a retro in this file or the store"))

    def link_action(required: bool) -> None:
        v = r.get("action_id")
        if v is None:
            if required:
                probs.append(("action_id", "empty", "the id of the action item"))
            return
        r["action_id"] = str(v)
        if action_ids is not None and r["action_id"] not in action_ids:
            probs.append(("action_id", f"no action item {_show(v)}", "the id of an action item in this file or the store"))

    def direction(col: str, default: str | None) -> None:
        v = r.get(col)
        if v is None:
            r[col] = default
            return
        t = str(v).strip().lower()
        if t not in DIRECTIONS:
            probs.append((col, f"{_show(v)} is not a direction", "up or down"))
        r[col] = t

    if kind == "retro":
        need_date("held_on", True, future_ok=False)
        need_text("team", "the team's name (the board name links its figures)")
        k = r.get("kind")
        if k is None:
            probs.append(("kind", "missing", "scrum, product or pm-eng"))
        elif str(k).strip().lower() not in KIND_ALIASES:
            probs.append(("kind", f"unknown kind {_show(k)}", "scrum, product or pm-eng"))
        else:
            r["kind"] = KIND_ALIASES[str(k).strip().lower()]
        if r.get("title") is not None:
            r["title"] = str(r["title"])
    elif kind == "card":
        need_retro()
        need_text("column_name", "the column / prompt the card was written under")
        need_text("text", "the card's text")
        if r.get("theme") is not None:
            r["theme"] = str(r["theme"])
        v = r.get("votes")
        if v is None:
            r["votes"] = 0
        else:
            n = files.number(v)
            if n is None or n < 0 or n > bounds.MAX_VOTES or n != int(n):
                probs.append(("votes", f"{_show(v)} is not a vote count", f"a whole number from 0 to {bounds.MAX_VOTES:,}"))
            else:
                r["votes"] = int(n)
    elif kind == "action":
        need_retro()
        need_text("text", "what will be done")
        if r.get("owner") is not None:
            r["owner"] = str(r["owner"])
        need_date("due_on", False)
        need_date("done_on", False, future_ok=False)
        s = r.get("status")
        if s is None:
            r["status"] = "done" if r.get("done_on") is not None else "open"
        elif str(s).strip().lower() not in STATUSES:
            probs.append(("status", f"unknown status {_show(s)}", "open, done or dropped"))
        else:
            r["status"] = str(s).strip().lower()
        if r.get("status") in ("open", "dropped") and isinstance(r.get("done_on"), date) and r["status"] == "open":
            probs.append(("done_on", "set on an open action", "status done, or no done_on"))
        r["jira_key"], p = jira_key(r.get("jira_key"))
        if p:
            probs.append(p)
    elif kind == "review":
        need_retro()
        link_action(True)
        need_date("reviewed_on", True)
        s = r.get("status_then")
        if s is None:
            r["status_then"] = "open"
        elif str(s).strip().lower() not in STATUSES:
            probs.append(("status_then", f"unknown status {_show(s)}", "open, done or dropped"))
        else:
            r["status_then"] = str(s).strip().lower()
        if r.get("action_id") is not None and r.get("retro_id") is not None:
            want = review_id(r["action_id"], r["retro_id"])
            if r.get("review_id") not in (None, want):
                probs.append(("review_id", f"{_show(r['review_id'])} does not match its action and retro",
                              f"{want} (or no review_id)"))
            r["review_id"] = want
    elif kind == "agreement":
        need_retro()
        need_text("text", "the agreement, observable and time-boxed")
        need_date("start_on", True)
        need_date("review_on", True)
        s, rv = r.get("start_on"), r.get("review_on")
        if isinstance(s, date) and isinstance(rv, date) and rv < s:
            probs.append(("review_on", f"review {rv.isoformat()} is before the start {s.isoformat()}",
                          "a review date on or after start_on"))
        if r.get("metric") is not None:
            r["metric"] = str(r["metric"])
        t = r.get("target")
        if t is not None:
            n = files.number(t)
            if n is None:
                probs.append(("target", f"{_show(t)} is not a number", "a number in the metric's unit"))
            r["target"] = n
        direction("direction", None)
        if r.get("metric") is None and (r.get("target") is not None or r.get("direction") is not None):
            probs.append(("metric", "empty while target/direction are set", "the metric the target is about"))
        link_action(False)
    elif kind == "hypothesis":
        need_retro()
        need_text("item_key", "the shipped item's key, e.g. ATL-E1")
        need_text("metric", "the product metric it should move")
        m = r.get("metric")
        if m is not None and known_metrics is not None and m not in known_metrics:
            probs.append(("metric", *files.unknown_metric(m, known_metrics)))
        direction("direction", "up")
        v = r.get("min_change")
        if v is None:
            r["min_change"] = 0.0
        else:
            n = files.number(v)
            if n is None or not 0 <= n < 10:
                probs.append(("min_change", f"{_show(v)} is not a relative change", "a share like 0.02 or 2%"))
            r["min_change"] = n
        link_action(False)
    elif kind == "setting":
        need_text("key", "the setting's name")
        r["value"] = None if r.get("value") is None else str(r["value"])
    elif kind == "forecast":
        _clean_forecast(r, probs, need_text, need_date)
    if r.get(id_col) is not None:
        r[id_col] = str(r[id_col])
    return {c: r.get(c) for c in cols}, probs


def _clean_forecast(r: dict, probs: list[Problem], need_text: Callable, need_date: Callable) -> None:
    """A recorded forecast as `export retro` writes it: every column of the store, checked."""
    need_text("forecast_id", "the forecast's id, as exported")
    need_text("method", "the forecasting method, e.g. monte_carlo")
    for col in FORECAST_INSTANTS:
        v = r.get(col)
        ts = None
        if isinstance(v, datetime):   # (pd.Timestamp is one)
            ts = pd.Timestamp(v)
        elif isinstance(v, str):      # ISO 8601 only: not "now", not a number of seconds
            with contextlib.suppress(ValueError):
                ts = pd.Timestamp(datetime.fromisoformat(v.strip()))
        if v is None or ts is None or ts is pd.NaT or bounds.date_out_of_range(ts.date()):
            probs.append((col, "missing" if v is None else f"{_show(v)} is not an instant",
                          "an ISO 8601 instant, e.g. 2026-03-31T17:00:00+00:00"))
            r[col] = None
        else:
            r[col] = utc_instant(ts).tz_convert("UTC").to_pydatetime()
    for col, allowed in (("kind", FORECAST_KINDS), ("source", FORECAST_SOURCES)):
        v = r.get(col)
        if v is None or str(v).strip().lower() not in allowed:
            probs.append((col, "missing" if v is None else f"{_show(v)} is not a forecast {col}", " or ".join(allowed)))
        else:
            r[col] = str(v).strip().lower()
    for col in ("board_id", "project"):
        r[col] = None if r.get(col) is None else str(r[col])
    for col in FORECAST_DATES:
        need_date(col, False)
    for col in FORECAST_COUNTS:
        v = r.get(col)
        if v is None:
            continue
        n = files.number(v)
        if n is None or n < 0 or n != int(n) or n > 2**31 - 1:
            probs.append((col, f"{_show(v)} is not a count", "a whole number of 0 or more"))
            r[col] = None
        else:
            r[col] = int(n)
    if r.get("kind") == "when" and r.get("items") is None:
        probs.append(("items", "empty on a 'when' forecast", "the number of items it forecast"))
    if r.get("kind") == "how_many" and r.get("target_on") is None:
        probs.append(("target_on", "empty on a 'how_many' forecast", "the date it forecast for"))


def _raise_one(kind: str, probs: list[Problem]) -> None:
    if probs:
        col, problem, expected = probs[0]
        more = f" (and {len(probs) - 1} more problem{'s' if len(probs) > 2 else ''})" if len(probs) > 1 else ""
        raise RetroscopeError(f"{kind}: column {col}: {problem} (expected {expected}){more}")


# --------------------------------------------------------------------------- store access
def _read(con, table: str) -> pd.DataFrame:
    return con.table(table).df()


def _write(con, kind: str, rows: list[dict]) -> int:
    table, id_col, cols = TABLES[kind]
    if not rows:
        return 0
    df = pd.DataFrame(rows, columns=list(cols))
    for c in cols:
        if c.endswith("_on"):
            df[c] = pd.to_datetime(df[c]).dt.date.astype(object).where(df[c].notna(), None)
    if kind == "card":
        df["votes"] = df["votes"].astype("int64")
    if kind == "forecast":   # the first record of a forecast is kept
        for c in FORECAST_DATES:
            df[c] = pd.to_datetime(df[c]).dt.date.astype(object).where(df[c].notna(), None)
        for c in FORECAST_COUNTS:
            df[c] = df[c].astype("Int64")
        for c in FORECAST_INSTANTS:
            df[c] = pd.to_datetime(df[c], utc=True)
        return forecast_records.insert_new(con, df)
    for c in ("target", "min_change"):
        if c in df.columns:
            df[c] = df[c].astype("float64")
    return queries.write_frame(con, table, df, [id_col])


def _transaction(path: str | Path, fn: Callable):
    if queries.lake.is_lake(path):   # on a lake another writer may commit first: validate and write again
        from connectors.lake import with_retries

        return with_retries("saving user input", lambda: _transaction_once(path, fn))
    return _transaction_once(path, fn)


def _transaction_once(path: str | Path, fn: Callable):
    con = queries.open_userdata(path)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            out = fn(con)
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):   # a refused COMMIT has already ended the transaction
                con.execute("ROLLBACK")
            raise
        return out
    finally:
        con.close()


def _retro_ids(con) -> set[str]:
    return set(_read(con, "retros")["retro_id"])


def _action_ids(con) -> set[str]:
    return set(_read(con, "action_items")["action_id"])


def review_id(action_id: str, retro_id: str) -> str:
    """The id of an action's review at a retro: one per (action, retro)."""
    return f"{action_id}@{retro_id}"


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _add(path, kind: str, rec: dict, *, known_metrics=None, as_of=None, now: datetime | None = None) -> str:
    _, id_col, _ = TABLES[kind]

    def go(con):
        row, probs = clean(kind, rec, as_of=as_of, known_metrics=known_metrics,
                           retro_ids=None if kind in ("retro", "setting") else _retro_ids(con),
                           action_ids=_action_ids(con) if kind in ("review", "agreement", "hypothesis") else None)
        _raise_one(kind, probs)
        if row[id_col] is None:
            row[id_col] = _new_id(kind[0] if kind != "hypothesis" else "h")
        if kind == "retro" and now is not None:
            row["created_at"] = now
        _write(con, kind, [row])
        return row[id_col]

    return _transaction(path, go)


# --------------------------------------------------------------------------- public API
def create_retro(path, *, held_on, team: str, kind: str, title: str | None = None, retro_id: str | None = None,
                 as_of: date | None = None, now: datetime | None = None) -> str:
    """Create (or update, same id) a retro; returns its id. `as_of` rejects future dates."""
    return _add(path, "retro", {"retro_id": retro_id, "held_on": held_on, "team": team, "kind": kind,
                                "title": title}, as_of=as_of, now=now)


def start_retro(path, *, held_on, team: str, kind: str, title: str | None = None, retro_id: str | None = None,
                as_of: date | None = None, now: datetime | None = None) -> tuple[str, int]:
    """Create a retro and carry in the team's open actions, in one transaction: every action
    still open from the team's earlier retros (held on or before this one; team names
    compared ignoring case and surrounding spaces) gets a review row at the new retro
    (status_then 'open'). The action itself is not copied: it keeps its id, retro and due
    date. Returns (retro id, number of actions carried in)."""
    def go(con):
        row, probs = clean("retro", {"retro_id": retro_id, "held_on": held_on, "team": team, "kind": kind,
                                     "title": title}, as_of=as_of)
        _raise_one("retro", probs)
        if row["retro_id"] is None:
            row["retro_id"] = _new_id("r")
        if now is not None:
            row["created_at"] = now
        _write(con, "retro", [row])
        rid = row["retro_id"]
        # the team's earlier retros, by the rule the analyses tell teams apart by (marts/team_key.sql)
        con.execute(queries.derived_ddl("team_key", queries.sql_text("team_key", "marts")))
        carried = con.execute(
            """SELECT a.action_id FROM action_items AS a JOIN retros AS r USING (retro_id)
               WHERE a.status = 'open' AND team_key(r.team) = team_key($team)
                 AND r.held_on <= $held AND r.retro_id <> $rid
               ORDER BY r.held_on, a.action_id""",
            {"team": row["team"], "held": row["held_on"], "rid": rid}).fetchall()
        _write(con, "review", [{"review_id": review_id(a, rid), "action_id": a, "retro_id": rid,
                                "reviewed_on": row["held_on"], "status_then": "open"} for (a,) in carried])
        return rid, len(carried)

    return _transaction(path, go)


def review_action(path, action_id: str, retro_id: str, *, status: str, done_on=None,
                  as_of: date | None = None) -> None:
    """Close (or reopen) an action at a retro it was carried into: sets the action's status
    (done_on for done; defaults to the retro's day, when the team confirmed it) and the
    review's status_then, in one transaction. At the action's own retro only the action
    changes."""
    if status not in STATUSES:
        raise RetroscopeError(f"action {action_id}: unknown status {status!r} (expected open, done or dropped)")

    def go(con):
        held = next(iter(con.execute("SELECT held_on FROM retros WHERE retro_id = $r", {"r": retro_id}).fetchall()),
                    None)
        if held is None:
            raise RetroscopeError(f"review: no retro {retro_id!r} (expected the id of an existing retro)")
        rev = next(iter(con.execute("SELECT review_id FROM action_reviews WHERE action_id = $a AND retro_id = $r",
                                    {"a": action_id, "r": retro_id}).fetchall()), None)
        day = done_on if done_on is not None else held[0]
        _update_action(con, action_id, as_of, {"status": status, **({"done_on": day} if status == "done" else {})})
        if rev is not None:
            row, probs = clean("review", {"action_id": action_id, "retro_id": retro_id, "reviewed_on": held[0],
                                          "status_then": status})
            _raise_one("review", probs)
            _write(con, "review", [row])

    _transaction(path, go)


def add_card(path, *, retro_id: str, column: str, text: str, theme: str | None = None, votes: int = 0,
             card_id: str | None = None) -> str:
    """Add an anonymous card (there is no author field) to a retro; returns its id."""
    return _add(path, "card", {"card_id": card_id, "retro_id": retro_id, "column_name": column, "text": text,
                               "theme": theme, "votes": votes})


def add_action(path, *, retro_id: str, text: str, owner: str | None = None, due_on=None, status: str = "open",
               done_on=None, action_id: str | None = None, as_of: date | None = None,
               jira_key: str | None = None) -> str:
    """An action item; jira_key (optional) names the Jira issue that tracks it (`ABC-123`)."""
    return _add(path, "action", {"action_id": action_id, "retro_id": retro_id, "text": text, "owner": owner,
                                 "due_on": due_on, "status": status, "done_on": done_on, "jira_key": jira_key},
                as_of=as_of)


ACTION_FIELDS = ("text", "owner", "due_on", "status", "done_on", "jira_key")


def _update_action(con, action_id: str, as_of: date | None, changes: dict) -> None:
    bad = sorted(set(changes) - set(ACTION_FIELDS))
    if bad:
        raise RetroscopeError(f"action {action_id}: cannot change {', '.join(bad)} "
                              f"(expected only {', '.join(sorted(ACTION_FIELDS))})")
    cur = _read(con, "action_items")
    hit = cur[cur["action_id"] == action_id]
    if hit.empty:
        raise RetroscopeError(f"action: no action item {action_id!r} (expected the id of an existing action item)")
    rec = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in hit.iloc[0].to_dict().items()}
    rec = {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in rec.items()}
    rec.update(changes)
    if changes.get("status") in ("open", "dropped") and "done_on" not in changes:
        rec["done_on"] = None
    row, probs = clean("action", rec, as_of=as_of, retro_ids=None)
    _raise_one("action", probs)
    _write(con, "action", [row])


def update_action(path, action_id: str, *, as_of: date | None = None, **changes) -> None:
    """Change fields of an action item (text, owner, due_on, status, done_on, jira_key).
    Marking it done without a done_on sets none: pass done_on explicitly (the clock is the
    caller's)."""
    _transaction(path, lambda con: _update_action(con, action_id, as_of, changes))


def add_agreement(path, *, retro_id: str, text: str, start_on, review_on, metric: str | None = None,
                  target: float | None = None, direction: str | None = None, agreement_id: str | None = None,
                  action_id: str | None = None) -> str:
    """A working agreement; action_id (optional) = the action item it came out of."""
    return _add(path, "agreement", {"agreement_id": agreement_id, "retro_id": retro_id, "text": text,
                                    "start_on": start_on, "review_on": review_on, "metric": metric,
                                    "target": target, "direction": direction, "action_id": action_id})


def add_hypothesis(path, *, retro_id: str, item_key: str, metric: str, direction: str = "up",
                   min_change: float = 0.0, hypothesis_id: str | None = None,
                   known_metrics: set[str] | None = None, action_id: str | None = None) -> str:
    """A hypothesis: shipping `item_key` moves `metric` in `direction` by at least
    `min_change` (relative). known_metrics (from the warehouse) rejects unknown metrics;
    action_id (optional) = the action item it came out of."""
    return _add(path, "hypothesis", {"hypothesis_id": hypothesis_id, "retro_id": retro_id, "item_key": item_key,
                                     "metric": metric, "direction": direction, "min_change": min_change,
                                     "action_id": action_id},
                known_metrics=known_metrics)


def set_setting(path, key: str, value: str | None) -> None:
    _add(path, "setting", {"key": key, "value": value})


def save_records(path, rows: dict[str, list[dict]]) -> dict[str, int]:
    """Write already-validated rows (kind -> rows in store columns, ids set) in ONE
    transaction: all or nothing. Returns rows written per table."""
    def go(con):
        counts = {}
        for kind in ORDER:
            if rows.get(kind):
                counts[TABLES[kind][0]] = _write(con, kind, rows[kind])
        return counts

    return _transaction(path, go)


def save_tables(path, tables: dict[str, pd.DataFrame], *, as_of: date | None = None,
                known_metrics: set[str] | None = None) -> dict[str, int]:
    """Validate and write whole tables (keys: table names `retros`, `retro_cards`,
    `action_items`, `agreements`, `hypotheses`, `settings`, or kinds `retro`, `card`, ...)
    in ONE transaction, e.g. for generators such as the demo. Every row needs its id.
    Raises one RetroscopeError listing the first problems (`table[i]: column X: ...`)."""
    by_table = {TABLES[k][0]: k for k in TABLES}
    rows: dict[str, list[dict]] = {}
    problems: list[str] = []
    known_retros = retro_ids(path)
    known_actions = action_ids(path)
    for name, df in tables.items():
        kind = by_table.get(name, name if name in TABLES else None)
        if kind is None:
            raise RetroscopeError(f"save_tables: unknown table {name!r} (expected {', '.join(by_table)})")
        if kind == "retro":
            known_retros |= {str(v) for v in df.get("retro_id", [])}
        if kind == "action":
            known_actions |= {str(v) for v in df.get("action_id", [])}
    for name, df in tables.items():
        kind = by_table.get(name, name)
        _, id_col, _ = TABLES[kind]
        for i, rec in enumerate(df.to_dict("records")):
            rec = {k: (None if not isinstance(v, list | tuple) and pd.isna(v) else v) for k, v in rec.items()}
            row, probs = clean(kind, rec, as_of=as_of, known_metrics=known_metrics,
                               retro_ids=None if kind in ("retro", "setting") else known_retros,
                               action_ids=known_actions if kind in ("review", "agreement", "hypothesis") else None)
            if row.get(id_col) is None:
                probs.append((id_col, "missing", "an id for every row"))
            problems += [f"{name}[{i}]: column {c}: {p} (expected {e})" for c, p, e in probs]
            rows.setdefault(kind, []).append(row)
    if problems:
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise RetroscopeError(f"{len(problems)} problem(s) in the records; nothing was saved:\n"
                              + "\n".join(problems[:20]) + more)
    return save_records(path, rows)


def _ids(path, read: Callable) -> set[str]:
    """`read(con)` on the store at `path` (a file or a lake), or nothing when it does not exist yet."""
    con = queries.open_userdata_if_exists(path)
    if con is None:
        return set()
    try:
        return read(con)
    finally:
        con.close()


def retro_ids(path) -> set[str]:
    return _ids(path, _retro_ids)


def action_ids(path) -> set[str]:
    return _ids(path, _action_ids)


def load_records(path) -> dict[str, pd.DataFrame]:
    """Every record of the store, per table (empty frames when the store does not exist)."""
    out = {}
    con = queries.open_userdata_if_exists(path)
    if con is None:
        return {TABLES[k][0]: pd.DataFrame(columns=list(TABLES[k][2])) for k in ORDER}
    try:
        try:
            with transactions.one_transaction(con):   # one snapshot of every table (one catalog read on a lake)
                present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() "
                                                     "WHERE database_name = current_database()").fetchall()}
                frames = {k: _read(con, TABLES[k][0]) for k in ORDER if TABLES[k][0] in present}
        except duckdb.IOException as e:   # a store that opens, then fails on a block it lacks (cut short)
            raise queries.damaged_userdata(path, e) from None
        for k in ORDER:
            table, id_col, cols = TABLES[k]
            # a store written by an older Retroscope (not yet migrated) lacks newer tables and columns
            df = frames[k] if k in frames else pd.DataFrame(columns=list(cols))
            for c in cols:
                if c not in df.columns:
                    df[c] = pd.Series([None] * len(df), dtype=object, index=df.index)
            df = df[list(cols)].sort_values(id_col, kind="stable").reset_index(drop=True)
            for c in cols:
                if c.endswith("_on") or c in FORECAST_DATES:   # DATE columns as python dates (None when empty)
                    df[c] = pd.Series([None if pd.isna(v) else pd.Timestamp(v).date() for v in df[c]],
                                      dtype=object, index=df.index)
            out[table] = df
    finally:
        con.close()
    return out


def _jsonable(v: object) -> object:
    if v is None or v is pd.NaT or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, datetime | date):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def export_json(path, out: str | Path, *, exported_at: datetime | None = None) -> dict[str, int]:
    """Write every record to `out` as JSON that `import retro` reads back (atomic write)."""
    tables = load_records(path)
    doc: dict[str, object] = {"format": "retroscope-retro/1"}
    if exported_at is not None:
        doc["exported_at"] = exported_at.isoformat()
    counts = {}
    for k in ORDER:
        table, _, cols = TABLES[k]
        df = tables[table]
        recs = [{c: _jsonable(v) for c, v in zip(cols, row, strict=True)} for row in df[list(cols)].itertuples(index=False)]
        doc[files.SECTIONS[k]] = recs
        counts[files.SECTIONS[k]] = len(recs)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + f".tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RetroscopeError(f"cannot write {out} ({e.strerror}); choose a writable --out path") from None
    return counts


