"""`retroscope init jira` and `retroscope doctor`: look at a Jira site (and the loaded data)
and propose or check the `[jira]` / `[workflow]` configuration.

- `discover()` checks the credentials, lists projects and boards, finds the story-point,
  sprint and best/likely/worst fields with sample values read from real issues, lists each
  status with its category and proposed stage, and previews what a first sync would bring.
  About a dozen requests plus two per board in scope (configuration, sprints; at most
  `MAX_BOARDS` boards are inspected).
- `render_config()` turns a discovery into `retroscope.toml` text (never a secret);
  `merge_config()` puts it into an existing file, replacing only its `[jira…]` tables.
- `doctor()` re-checks a configuration against the site and the warehouse.
All talking goes through `connectors.jira_client.JiraClient` (the one module importing `jira`).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import queries
from connectors import two_stores
from connectors.jira_client import JiraClient, answers_read
from connectors.jira_fields import (
    NONE_VALUES,
    SPRINT_CUSTOM,
    _lookup,
    resolve_fields,
    sp_candidates,
)
from connectors.jira_parse import parse_ts
from connectors.jira_transport import JiraAuth
from connectors.settings import JiraSettings, Settings
from queries.config import AnalysisConfig
from queries.errors import RetroscopeError

MAX_BOARDS = 20           # boards whose configuration and sprints init/doctor read
SAMPLE = 100              # recently updated issues read for sample values
RANGE_NAMES = {           # best / likely / worst field names (case-insensitive regex)
    "estimate_best": r"\b(best|optimistic|minimum)\b",
    "estimate_likely": r"\b(likely|most likely|expected|realistic)\b",
    "estimate_worst": r"\b(worst|pessimistic|maximum)\b",
}
CATEGORY = {"new": "todo", "indeterminate": "in_progress", "done": "done"}


@dataclass
class FieldChoice:
    kind: str                       # story_points | sprint | estimate_best | …
    field_id: str
    name: str
    why: str                        # how it was found
    filled: int = 0                 # sampled issues with a value
    sampled: int = 0
    samples: list[str] = field(default_factory=list)


@dataclass
class StatusRow:
    status_id: str
    name: str
    category: str                   # todo | in_progress | done
    stage: int                      # proposed stage rank
    column: str | None              # the board column it sits in, if any


@dataclass
class Discovery:
    url: str
    deployment: str
    user: str
    projects: list[dict[str, Any]]                  # every project the account can browse
    boards: list[dict[str, Any]]                    # every board it can see
    chosen: list[str]                               # projects proposed for the sync
    scoped_boards: list[dict[str, Any]]             # boards of the chosen projects (with config)
    fields: dict[str, list[FieldChoice]]            # kind -> candidates, best first
    story_points: dict[str, FieldChoice | None]     # project -> its story-point field
    statuses: list[StatusRow]
    stages: list[list[str]] | None                  # proposed [workflow] stages (None: defaults fit)
    issues: int | None
    sprints: int
    first_created: datetime | None
    last_updated: datetime | None
    first_sync_requests: int
    notes: list[str] = field(default_factory=list)


def _value_text(v: Any) -> str | None:
    if v in (None, "", []):
        return None
    if isinstance(v, list):
        parts = [_value_text(x) for x in v]
        return ", ".join(p for p in parts if p) or None
    if isinstance(v, dict):
        return str(v.get("name") or v.get("value") or v.get("id") or "") or None
    if isinstance(v, str) and "[" in v and "name=" in v:        # DC Sprint@…[…,name=…,…]
        m = re.search(r"name=(.*?),(?:startDate|endDate|goal|state|rapidViewId)=", v)
        return m.group(1) if m else v[:40]
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _fill(choice: FieldChoice, issues: list[dict[str, Any]]) -> FieldChoice:
    choice.sampled = len(issues)
    seen: list[str] = []
    for iss in issues:
        t = _value_text((iss.get("fields") or {}).get(choice.field_id))
        if t is not None:
            choice.filled += 1
            t = t if len(t) <= 30 else t[:29] + "…"
            if t not in seen and len(seen) < 3:
                seen.append(t)
    choice.samples = seen
    return choice


def _is_number(f: dict[str, Any]) -> bool:
    return (f.get("schema") or {}).get("type") == "number"


def default_stage(category: str, name: str, review_pattern: str) -> int:
    """The stage rank the metrics use when no [workflow] stages are configured (the rule of
    queries/staging/stg_statuses.sql, shown here only to preview it)."""
    if category == "todo":
        return 0
    if category == "done":
        return 3
    return 2 if re.search(review_pattern, name, re.IGNORECASE) else 1


def _search(client: JiraClient, jql: str, fields: list[str], n: int) -> list[dict[str, Any]]:
    page = client.search_cloud(jql, fields, None, n) if client.cloud else client.search_dc(jql, fields, 0, n, None)
    return page.get("issues") or []


def discover(url: str, auth: JiraAuth, settings: JiraSettings | None = None, *,
             projects: list[str] | None = None, analysis: AnalysisConfig | None = None) -> Discovery:
    with answers_read(url, "; nothing was written"):
        return _discover(url, auth, settings, projects=projects, analysis=analysis)


def _discover(url: str, auth: JiraAuth, settings: JiraSettings | None, *,
              projects: list[str] | None, analysis: AnalysisConfig | None) -> Discovery:
    settings = settings or JiraSettings()
    analysis = analysis or AnalysisConfig()
    c = JiraClient(url, auth, settings)
    info = c.detect()
    me = c.myself()       # the credentials check: a 401 is one clear line naming the variables to set
    site_projects = c.projects()
    boards = c.boards()
    by_key = {str(p["key"]).upper(): p for p in site_projects}
    notes: list[str] = []
    if projects:
        unknown = [p for p in projects if p.upper() not in by_key]
        if unknown:
            raise RetroscopeError(f"project {unknown[0]} is not among the {len(by_key)} projects the account can "
                                  f"browse at {c.url} ({', '.join(sorted(by_key)[:12]) or 'none'}); check --project")
        chosen = [p.upper() for p in projects]
    else:
        with_boards = sorted({(b.get("location") or {}).get("projectKey") for b in boards} & set(by_key))
        chosen = with_boards or sorted(by_key)
    if not site_projects:
        raise RetroscopeError(f"the account sees no projects at {c.url}; it needs the Browse projects permission "
                              "on the projects to analyse")
    if not boards:
        notes.append("no boards on this site (or none the account can see): sprint figures need a scrum board; "
                     "flow, rework and estimate figures still work from the issues' history")
    scoped = [b for b in boards if (b.get("location") or {}).get("projectKey") in chosen]
    if len(scoped) > MAX_BOARDS:
        notes.append(f"{len(scoped)} boards in these projects; only the first {MAX_BOARDS} were inspected")
    configs: dict[str, dict[str, Any] | None] = {}
    sprint_ids: set[str] = set()
    for b in scoped[:MAX_BOARDS]:
        bid = str(b["id"])
        configs[bid] = c.board_configuration(bid)
        if str(b.get("type", "scrum")).lower() != "kanban":
            sprints = c.sprints(bid)
            sprint_ids.update(str(s["id"]) for s in sprints)
            if not sprints:
                notes.append(f"board {bid} ({b.get('name')}) has no sprints")
        b["_config"] = configs[bid]
    fields = c.fields()
    statuses = c.statuses()

    # candidates, sampled on recently updated issues of the chosen projects
    base = "project in (" + ", ".join(f'"{p}"' for p in chosen) + ")"
    sp = sp_candidates(fields)
    board_est: dict[str, list[str]] = defaultdict(list)
    for b in scoped:
        cfg = configs.get(str(b["id"])) or {}
        est = cfg.get("estimation") or {}
        fid = (est.get("field") or {}).get("fieldId") if est.get("type") == "field" else None
        if fid:
            board_est[(b.get("location") or {}).get("projectKey")].append(fid)
    by_id = {f["id"]: f for f in fields}
    sp_ids = [f["id"] for f in sp] + [e for es in board_est.values() for e in es if e not in [f["id"] for f in sp]]
    sprint_fields = [f for f in fields if (f.get("schema") or {}).get("custom") == SPRINT_CUSTOM]
    range_fields = {k: [f for f in fields if _is_number(f) and re.search(rx, str(f.get("name", "")), re.IGNORECASE)]
                    for k, rx in RANGE_NAMES.items()}
    wanted = sorted(set(sp_ids) | {f["id"] for f in sprint_fields}
                    | {f["id"] for fs in range_fields.values() for f in fs}) + ["project", "created", "updated"]
    sample = _search(c, base + " ORDER BY updated DESC", wanted, SAMPLE)
    per_project: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for iss in sample:
        per_project[((iss.get("fields") or {}).get("project") or {}).get("key") or
                    str(iss.get("key", "")).rsplit("-", 1)[0]].append(iss)

    def choice(kind: str, fid: str, why: str, issues: list[dict[str, Any]]) -> FieldChoice:
        return _fill(FieldChoice(kind, fid, str(by_id.get(fid, {}).get("name") or fid), why), issues)

    cands: dict[str, list[FieldChoice]] = {}
    cands["story_points"] = sorted((choice("story_points", fid, "board estimation field" if any(
        fid in es for es in board_est.values()) else "story-point field", sample) for fid in sp_ids),
        key=lambda x: -x.filled)
    cands["sprint"] = sorted((choice("sprint", f["id"], "sprint field (gh-sprint)", sample) for f in sprint_fields),
                             key=lambda x: -x.filled)
    for k, fs in range_fields.items():
        cands[k] = sorted((choice(k, f["id"], "number field named like it", sample) for f in fs),
                          key=lambda x: -x.filled)

    story_points: dict[str, FieldChoice | None] = {}
    for p in chosen:
        est = sorted(set(board_est.get(p, [])))
        issues = per_project.get(p, [])
        if len(est) == 1:
            story_points[p] = choice("story_points", est[0], "the estimation field of its board", issues)
        else:
            opts = sorted((choice("story_points", fid, "most filled in its issues", issues)
                           for fid in (est or [f["id"] for f in sp])), key=lambda x: -x.filled)
            story_points[p] = opts[0] if opts and (opts[0].filled or len(opts) == 1) else None
            if len(opts) > 1 and opts[0].filled == opts[1].filled:
                notes.append(f"project {p}: story-point fields {opts[0].field_id} and {opts[1].field_id} are "
                             "equally filled; check the choice")

    # statuses: category, board column, proposed stage
    columns: dict[str, tuple[int, str]] = {}
    for b in scoped:
        for pos, col in enumerate(((b.get("_config") or {}).get("columnConfig") or {}).get("columns") or []):
            for st in col.get("statuses") or []:
                columns.setdefault(str(st["id"]), (pos, str(col.get("name") or f"column {pos + 1}")))
    rows: list[StatusRow] = []
    for s in statuses:
        sid = str(s["id"])
        cat = CATEGORY.get(((s.get("statusCategory") or {}).get("key") or "indeterminate"), "in_progress")
        col = columns.get(sid)
        rows.append(StatusRow(sid, str(s.get("name") or sid), cat, -1, col[1] if col else None))
    stages = _propose_stages(rows, columns, analysis.review_pattern)

    # preview
    n_issues = c.count(base)
    first = _search(c, base + " ORDER BY created ASC", ["created"], 1)
    first_created = parse_ts((first[0].get("fields") or {}).get("created")) if first else None
    last_updated = parse_ts((sample[0].get("fields") or {}).get("updated")) if sample else None
    n_scrum = sum(1 for b in scoped if str(b.get("type", "scrum")).lower() != "kanban")
    n = n_issues or 0
    est_requests = (5 + max(1, math.ceil(len(boards) / 50)) + len(scoped) + n_scrum + max(1, math.ceil(n / 100))
                    + (math.ceil(n / 1000) if c.cloud else 0))
    return Discovery(
        url=c.url, deployment="Cloud" if c.cloud else f"Data Center {info.get('version', '')}".strip(),
        user=str(me.get("displayName") or me.get("name") or "?"), projects=site_projects, boards=boards,
        chosen=chosen, scoped_boards=scoped, fields=cands, story_points=story_points, statuses=rows, stages=stages,
        issues=n_issues, sprints=len(sprint_ids), first_created=first_created, last_updated=last_updated,
        first_sync_requests=est_requests, notes=notes)


def _propose_stages(rows: list[StatusRow], columns: dict[str, tuple[int, str]],
                    review_pattern: str) -> list[list[str]] | None:
    """Stage ranks: by board column when the boards place statuses in columns (statuses on no
    column go first if todo, last if done, else after the last in-progress column); without
    columns, the metrics' defaults. Returns the [workflow] stages to write, or None when the
    defaults already give the same order."""
    for r in rows:
        r.stage = default_stage(r.category, r.name, review_pattern)
    if not columns:
        return None
    n_cols = max(p for p, _ in columns.values()) + 1
    for r in rows:
        if r.status_id in columns:
            r.stage = columns[r.status_id][0]
        else:
            r.stage = 0 if r.category == "todo" else (n_cols - 1 if r.category == "done" else max(0, n_cols - 2))
    default = {r.status_id: default_stage(r.category, r.name, review_pattern) for r in rows}
    same = all((default[a.status_id] < default[b.status_id]) == (a.stage < b.stage)
               for a in rows for b in rows)
    if same:
        return None
    stages: list[list[str]] = [[] for _ in range(n_cols)]
    for r in sorted(rows, key=lambda r: (r.stage, r.name)):
        stages[r.stage].append(r.name)
    return [s for s in stages if s]


# --------------------------------------------------------------------------- config text
def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(d: Discovery) -> str:
    """The [jira] (and, when the boards call for it, [workflow]) sections for retroscope.toml.
    Credentials are never written: they stay in the environment."""
    out = ["# Written by `retroscope init jira`. Credentials stay in the environment",
           "# (JIRA_EMAIL + JIRA_API_TOKEN for Cloud, JIRA_PAT for Data Center).",
           "[jira]", f"url = {_q(d.url)}", "projects = [" + ", ".join(_q(p) for p in d.chosen) + "]", ""]
    sp = {p: c for p, c in d.story_points.items()}
    ids = {c.field_id if c else "none" for c in sp.values()}
    site: list[str] = []
    per: dict[str, list[str]] = {}
    if len(ids) == 1 and sp:
        c = next(iter(sp.values()))
        site.append(f"story_points = {_q(c.field_id if c else 'none')}"
                    + (f"   # {c.name}: {c.filled} of {c.sampled} sampled issues have a value" if c else ""))
    else:
        for p, c in sp.items():
            per[p] = [f"story_points = {_q(c.field_id if c else 'none')}"
                      + (f"   # {c.name}: {c.filled} of {c.sampled} sampled issues have a value" if c else "")]
    if d.fields.get("sprint"):
        c = d.fields["sprint"][0]
        site.append(f"sprint = {_q(c.field_id)}   # {c.name}")
    for k in RANGE_NAMES:
        if d.fields.get(k):
            c = d.fields[k][0]
            site.append(f"{k} = {_q(c.field_id)}   # {c.name}: {c.filled} of {c.sampled} sampled issues have a value")
    if site:
        out += ["[jira.fields]", *site, ""]
    for p, lines in per.items():
        out += [f"[jira.fields.{p}]", *lines, ""]
    if d.stages:
        out += ["[workflow]", "# stage order from the boards' columns (rank = position)",
                "stages = [" + ", ".join("[" + ", ".join(_q(n) for n in s) + "]" for s in d.stages) + "]", ""]
    return "\n".join(out)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def merge_config(existing: str, new: str) -> str:
    """`existing` with its [jira] / [jira.*] tables replaced by `new`'s (other tables kept);
    a [workflow] table in `new` is added only when `existing` has none."""
    def tables(text: str) -> list[tuple[str | None, list[str]]]:
        blocks: list[tuple[str | None, list[str]]] = [(None, [])]
        for line in text.splitlines():
            m = _HEADER.match(line)
            if m:
                blocks.append((m.group(1), [line]))
            else:
                blocks[-1][1].append(line)
        return blocks

    old = tables(existing)
    has_workflow = any(n == "workflow" or (n or "").startswith("workflow.") for n, _ in old)
    kept = [lines for n, lines in old if not (n == "jira" or (n or "").startswith("jira."))]
    add = [lines for n, lines in tables(new) if not (n == "workflow" and has_workflow)]
    text = "\n".join("\n".join(b) for b in kept if any(x.strip() for x in b)).rstrip()
    return (text + "\n\n" if text else "") + "\n".join("\n".join(b) for b in add if b).strip() + "\n"


def write_config(path: Path, text: str) -> Path | None:
    """Write (or merge into) the config file; the previous file is kept as <name>.bak."""
    backup = None
    if path.exists():
        backup = path.with_name(path.name + ".bak")
        backup.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        text = merge_config(path.read_text(encoding="utf-8"), text)
    path.write_text(text, encoding="utf-8")
    return backup


# --------------------------------------------------------------------------- doctor
@dataclass
class Finding:
    ok: bool
    what: str
    advice: str = ""


def doctor(settings: Settings, auth: JiraAuth, url: str) -> list[Finding]:
    """Check the configuration against the site, then the loaded data. Every problem says
    what to change."""
    with answers_read(url):
        out, site = _doctor_site(settings, auth, url)
    return out + _doctor_data(settings, source=f"jira:{site}", where="this site") + _stores_match(settings)


def _stores_match(settings: Settings) -> list[Finding]:
    """A demo or migrate stopped between the warehouse and its retro records (connectors/two_stores.py)."""
    return [Finding(False, what, advice) for what, advice in two_stores.stopped_between(settings.db_path)]


def _doctor_site(settings: Settings, auth: JiraAuth, url: str) -> tuple[list[Finding], str]:
    """doctor's checks of the configuration against the site (its answers read), and the site's URL."""
    js = settings.jira
    out: list[Finding] = []
    c = JiraClient(url, auth, js)
    c.detect()
    me = c.myself()
    out.append(Finding(True, f"credentials accepted by {c.url} ({'Cloud' if c.cloud else 'Data Center'}, "
                             f"as {me.get('displayName') or '?'})"))
    site_projects = {str(p["key"]).upper() for p in c.projects()}
    boards = {str(b["id"]): b for b in c.boards()}
    projects = [p.upper() for p in js.projects]
    for b in js.boards:
        if str(b) not in boards:
            out.append(Finding(False, f"board {b} is not among the {len(boards)} boards the account can see",
                               "remove it from [jira] boards, or share the board's filter with the account"))
        else:
            loc = (boards[str(b)].get("location") or {}).get("projectKey")
            if loc and loc not in projects:
                projects.append(loc)
    unknown = [p for p in projects if p not in site_projects]
    for p in unknown:
        out.append(Finding(False, f"project {p} is not among the {len(site_projects)} projects the account can "
                                  "browse", "fix [jira] projects, or grant the account Browse projects on it"))
    projects = [p for p in projects if p not in unknown]
    if not projects and not js.jql:
        out.append(Finding(False, "no projects to sync", "set [jira] projects = [\"KEY\"] (`retroscope init jira` "
                                                         "proposes them)"))
    fields = c.fields()
    good_config = dict(js.fields)
    for key, ref in sorted(js.fields.items()):
        kind = key.rsplit(".", 1)[-1]
        if ref.lower() in NONE_VALUES:
            continue
        try:
            _lookup(fields, ref, kind.replace("_", " "), kind)
        except RetroscopeError as e:
            out.append(Finding(False, f"[jira.fields] {key} = \"{ref}\": unknown field", str(e)))
            del good_config[key]
    scoped = [b for b in boards.values() if (b.get("location") or {}).get("projectKey") in projects]
    if js.boards:
        scoped = [boards[str(b)] for b in js.boards if str(b) in boards]
    est: dict[str, list[str]] = defaultdict(list)
    for b in scoped[:MAX_BOARDS]:
        cfg = c.board_configuration(str(b["id"])) or {}
        e = cfg.get("estimation") or {}
        if e.get("type") == "field" and (e.get("field") or {}).get("fieldId"):
            est[(b.get("location") or {}).get("projectKey")].append(e["field"]["fieldId"])
    try:
        resolved = resolve_fields(fields, projects, est, good_config)
        for w in resolved.warnings:
            out.append(Finding(False, w.split(";")[0], w.split(";", 1)[-1].strip()))
        if not resolved.warnings:
            sp = {p: resolved.per_project[p].story_points for p in projects if p in resolved.per_project}
            out.append(Finding(True, "fields resolve: " + (", ".join(f"{p} story points {v or 'none'}"
                                                                      for p, v in sp.items()) or "site-wide")))
    except RetroscopeError as e:
        out.append(Finding(False, "story-point field is ambiguous", str(e)))
    statuses = c.statuses()
    names = {str(s["id"]): str(s.get("name")) for s in statuses}
    stage_refs = {ref.lower() for stage in settings.analysis.stages for ref in stage}
    if stage_refs:
        known = {n.lower() for n in names.values()} | set(names)
        for ref in sorted(stage_refs - known):
            out.append(Finding(False, f"[workflow] stages names \"{ref}\", which is no status on this site",
                               "fix the name or remove it from [workflow] stages"))
        missing = [f"{n} ({i})" for i, n in sorted(names.items())
                   if i not in stage_refs and n.lower() not in stage_refs]
        if missing:
            out.append(Finding(False, f"{len(missing)} site status(es) in no [workflow] stage: "
                                      + ", ".join(missing[:8]), "add them to [workflow] stages (by name or id), or "
                                                                "they rank by category"))
    return out, c.url


def doctor_loaded(settings: Settings) -> list[Finding]:
    """Without a Jira site to check against (no [jira] url): the loaded data of every source in
    the warehouse that holds issues (the demo's, another site's), by the checks doctor runs on a
    site's data."""
    db = settings.db_path
    if not queries.store_exists(db):
        return [Finding(False, f"no warehouse at {db}", "point --db at the warehouse to check (`make run`'s demo is "
                                                        "data/demo.duckdb), or load one: `retroscope init jira --url "
                                                        "URL` then `retroscope sync jira`")]
    out: list[Finding] = _stores_match(settings)
    sources = _loaded_sources(settings)
    for source in sources:
        # (a finding about the config as a whole, such as an override no source has, once)
        out += [f for f in _doctor_data(settings, source=source, where=source, required=False) if f not in out]
    if out:
        return out
    # a source that brings issues (a Jira site, the demo) and brought none: a sync to look at
    from connectors.demo import SOURCE as DEMO_SOURCE

    empty = [s for s in sources if s.startswith("jira:") or s == DEMO_SOURCE]
    if empty:
        return [Finding(False, f"no issues from {s} in {db}",
                        f"run `retroscope --db {queries.lake.db_arg(db)} demo` again" if s == DEMO_SOURCE else
                        "run `retroscope sync jira` (its JQL, projects and boards decide which issues come)")
                for s in empty]
    if sources:   # product metrics, shipped items: a PM's warehouse without Jira, nothing to fix
        return [Finding(True, f"no Jira issues in {db}, only data from {', '.join(sources)}",
                        "fine without Jira; the delivery pages (Sprint retro, Estimate calibration, Tech health) "
                        "stay empty until you load issues: `retroscope init jira --url URL` then "
                        "`retroscope sync jira`")]
    return [Finding(False, f"nothing loaded in {db}", "load your data: `retroscope init jira --url URL` then "
                                                      "`retroscope sync jira`, or `retroscope import metrics FILE`")]


def _loaded_sources(settings: Settings) -> list[str]:
    con = queries.connect(settings.db_path, config=settings.analysis, userdata_path=settings.userdata)
    try:
        return [str(s) for s in queries.run(con, "status_freshness").source]
    finally:
        con.close()


def _doctor_data(settings: Settings, *, source: str, where: str, required: bool = True) -> list[Finding]:
    """The checks of one source's loaded data (`where` names it in the findings). `required`: a
    source with no issues is a problem (the site doctor checks); else it is skipped (a metric
    source, say)."""
    db = settings.db_path
    if not queries.store_exists(db):
        return [Finding(False, f"no warehouse at {db}", "run `retroscope sync jira` to load the data")]
    con = queries.connect(db, config=settings.analysis, userdata_path=settings.userdata)
    try:
        found = queries.run(con, "jira_doctor", source=source)
    finally:
        con.close()
    loaded = found[found["check"] == "loaded_issues"]
    n = int(loaded.subject.iloc[0]) if len(loaded) else 0
    found = found[found["check"] != "loaded_issues"]
    if not n:
        return [Finding(False, f"no issues from {where} in {db}", "run `retroscope sync jira`")] if required else []
    out = [Finding(True, f"{n:,} issues from {where} in {db}")]
    advice = {
        "board_without_sprints": ("scrum boards without sprints: {items}",
                                  "sprint figures are empty for them; if the team works in sprints, check the board's "
                                  "filter, else set [jira] boards to the boards that run sprints"),
        "history_cut_short": ("{n} issue(s) whose history does not reach their current status (changelogs cut short), "
                              "e.g. {items}", "run `retroscope sync jira --full`; if it persists, the account may lack "
                                             "permission to see the whole history"),
        "unmapped_status": ("statuses in the data but in no [workflow] stage: {items}",
                            "add them to [workflow] stages (by name or id)"),
        "override_unknown": ("[workflow.category_overrides] entries that change nothing: {items}",
                             "fix the status id, or name the table after a source as `retroscope status` lists "
                             "it (e.g. [workflow.category_overrides.\"jira:https://acme.atlassian.net\"])"),
    }
    for check, group in found.groupby("check", sort=True):
        items = ", ".join(f"{s} {d}" if check != "history_cut_short" else f"{s} ({d})"
                          for s, d in zip(group.subject[:5], group.detail[:5], strict=False))
        what, fix = advice[str(check)]
        out.append(Finding(False, what.format(n=len(group), items=items), fix))
    if found.empty:
        out.append(Finding(True, "loaded data: every scrum board has sprints, histories reach the current statuses"))
    return out

