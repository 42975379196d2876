"""Field discovery for the Jira connector (pure: works on /field and board-configuration JSON).

Story points are resolved per project, because one site can carry both "Story Points"
(classic float field) and "Story point estimate" (`jsw-story-points`) used by different
projects. Order, per project:
1. config: `[jira.fields.<PROJECT>] story_points = …`, else `[jira.fields] story_points = …`
   (a field id such as customfield_10016, or a field name; "none" = do not read points);
2. the estimation field of the project's boards (what Jira's velocity chart uses);
3. /field: a `jsw-story-points` field, else a float field named "Story Points" or
   "Story point estimate" (case-insensitive), when exactly one exists;
4. several candidates → an error that lists them and the config line to add;
   none → no points (a warning), since kanban teams may not estimate at all.
The sprint field (`gh-sprint`) and epic link (`gh-epic-link`) are site-wide; best /
likely / worst come only from config (ids or names).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.jira_parse import FieldMap, IssueFields
from queries.errors import RetroscopeError

SP_CUSTOM = "com.pyxis.greenhopper.jira:jsw-story-points"
SPRINT_CUSTOM = "com.pyxis.greenhopper.jira:gh-sprint"
EPIC_LINK_CUSTOM = "com.pyxis.greenhopper.jira:gh-epic-link"
FLOAT_CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:float"
SP_NAMES = ("story points", "story point estimate")
CONFIG_KEYS = ("story_points", "sprint", "estimate_best", "estimate_likely", "estimate_worst")
NONE_VALUES = ("none", "off", "")


@dataclass
class ResolvedFields:
    per_project: dict[str, IssueFields] = field(default_factory=dict)
    field_maps: dict[str, FieldMap] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    default: IssueFields = field(default_factory=IssueFields)
    default_map: FieldMap = field(default_factory=FieldMap)

    def for_project(self, key: str) -> tuple[IssueFields, FieldMap]:
        return self.per_project.get(key, self.default), self.field_maps.get(key, self.default_map)

    def all_field_ids(self) -> list[str]:
        ids: set[str] = set()
        for ff in [self.default, *self.per_project.values()]:
            ids.update(v for v in vars(ff).values() if v)
        return sorted(ids)


def _custom(f: dict[str, Any]) -> str:
    return str((f.get("schema") or {}).get("custom") or "")


def _describe(f: dict[str, Any]) -> str:
    return f'{f["id"]} "{f.get("name")}"'


def _lookup(fields: list[dict[str, Any]], ref: str, what: str, config_key: str) -> dict[str, Any]:
    """A configured field reference (id or name) → the field, or a clear error."""
    for f in fields:
        if f.get("id") == ref or f.get("key") == ref:
            return f
    by_name = [f for f in fields if str(f.get("name", "")).lower() == ref.lower()]
    if len(by_name) == 1:
        return by_name[0]
    numeric = [f for f in fields if (f.get("schema") or {}).get("type") == "number"]
    cands = ", ".join(_describe(f) for f in (by_name or numeric)[:12]) or "none"
    problem = "matches several fields" if by_name else "is not a field on this site"
    raise RetroscopeError(
        f"retroscope.toml [jira.fields] {config_key} = \"{ref}\" {problem} ({what}); "
        f"candidates: {cands}; set it to one field id, e.g. {config_key} = \"{(by_name or numeric or [{'id': 'customfield_10016'}])[0]['id']}\"")


def sp_candidates(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    jsw = [f for f in fields if _custom(f) == SP_CUSTOM]
    named = [f for f in fields if f not in jsw and str(f.get("name", "")).lower() in SP_NAMES
             and ((f.get("schema") or {}).get("type") == "number" or _custom(f) == FLOAT_CUSTOM)]
    return jsw + named


def resolve_fields(fields: list[dict[str, Any]], projects: list[str],
                   board_estimation: dict[str, list[str]], config: dict[str, str]) -> ResolvedFields:
    """Resolve the custom fields per project.

    board_estimation: project key -> estimation field ids of that project's boards.
    config: JiraSettings.fields (keys `story_points`, …, or `<PROJECT>.story_points`)."""
    by_id = {f["id"]: f for f in fields if "id" in f}
    out = ResolvedFields()

    def configured(key: str, project: str | None) -> str | None:
        if project and f"{project}.{key}" in config:
            return config[f"{project}.{key}"]
        return config.get(key)

    # site-wide: sprint, epic link, best/likely/worst
    sprint_ref = configured("sprint", None)
    if sprint_ref:
        sprint_id = _lookup(fields, sprint_ref, "the sprint field", "sprint")["id"]
    else:
        sprints = [f for f in fields if _custom(f) == SPRINT_CUSTOM]
        if len(sprints) > 1:
            named = [f for f in sprints if str(f.get("name", "")).lower() == "sprint"]
            sprints = named if len(named) == 1 else sprints
        if len(sprints) > 1:
            raise RetroscopeError(
                "several sprint fields on this Jira site (" + ", ".join(_describe(f) for f in sprints)
                + f"); add to retroscope.toml under [jira.fields]: sprint = \"{sprints[0]['id']}\"")
        sprint_id = sprints[0]["id"] if sprints else None
        if sprint_id is None:
            out.warnings.append("no sprint field (gh-sprint) on this site: sprint membership will be empty; "
                                "set [jira.fields] sprint = \"customfield_…\" if your site has one")
    epics = [f for f in fields if _custom(f) == EPIC_LINK_CUSTOM]
    epic_id = epics[0]["id"] if len(epics) == 1 else None

    def resolve_range(key: str, project: str | None) -> str | None:
        ref = configured(key, project)
        if not ref or ref.lower() in NONE_VALUES:
            return None
        return _lookup(fields, ref, f"the {key.replace('_', ' ')} field", key)["id"]

    cands = sp_candidates(fields)

    def resolve_sp(project: str | None) -> str | None:
        ref = configured("story_points", project)
        if ref is not None:
            if ref.lower() in NONE_VALUES:
                return None
            return _lookup(fields, ref, "story points", "story_points")["id"]
        est = sorted({e for e in board_estimation.get(project or "", []) if e and e.startswith("customfield_")})
        if len(est) == 1:
            return est[0]
        if len(est) > 1:
            raise RetroscopeError(
                f"project {project}: its boards estimate with different fields ("
                + ", ".join(_describe(by_id.get(e, {"id": e, "name": "?"})) for e in est)
                + f"); choose one in retroscope.toml: [jira.fields.{project}] story_points = \"{est[0]}\"")
        if len(cands) == 1:
            return cands[0]["id"]
        if len(cands) > 1:
            where = f"[jira.fields.{project}]" if project else "[jira.fields]"
            raise RetroscopeError(
                f"project {project or '(all)'}: several story-point fields and no board tells which one "
                f"it uses (candidates: {', '.join(_describe(f) for f in cands)}); add to retroscope.toml: "
                f"{where} story_points = \"{cands[0]['id']}\" (or the other id)")
        out.warnings.append(
            f"project {project or '(all)'}: no story-point field found (no board estimation field, no "
            "\"Story Points\"/\"Story point estimate\" field); points will be empty. If you have one, add "
            "[jira.fields] story_points = \"customfield_…\" to retroscope.toml")
        return None

    def build(project: str | None) -> tuple[IssueFields, FieldMap]:
        ff = IssueFields(sprint=sprint_id, story_points=resolve_sp(project),
                         estimate_best=resolve_range("estimate_best", project),
                         estimate_likely=resolve_range("estimate_likely", project),
                         estimate_worst=resolve_range("estimate_worst", project), epic_link=epic_id)
        fmap = FieldMap()
        for key in ("sprint", "story_points", "estimate_best", "estimate_likely", "estimate_worst"):
            fid = getattr(ff, key)
            if fid:
                fmap.ids[fid] = key
                name = by_id.get(fid, {}).get("name")
                if name:
                    fmap.names[str(name).lower()] = key
        return ff, fmap

    for p in projects:
        out.per_project[p], out.field_maps[p] = build(p)
    if not projects:
        out.default, out.default_map = build(None)
    else:
        # issues of projects outside the list (e.g. a jql-only scope) use the site-wide choice when it
        # is unambiguous; otherwise they get no points rather than a guess.
        n = len(out.warnings)
        try:
            out.default, out.default_map = build(None)
        except RetroscopeError:
            out.default = IssueFields(sprint=sprint_id, epic_link=epic_id)
            out.default_map = FieldMap(ids={sprint_id: "sprint"} if sprint_id else {})
        del out.warnings[n:]
    return out
