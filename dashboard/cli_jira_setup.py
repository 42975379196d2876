"""`retroscope init jira` (a first-run wizard that writes retroscope.toml) and `retroscope doctor`
(re-check a config against the site and the loaded data). Credentials come from the
environment, as for `sync jira`; nothing secret is ever written."""

from __future__ import annotations

import sys
from pathlib import Path

from connectors.settings import CONFIG_NAME, Settings
from queries.errors import RetroscopeError


def _table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells)


def _url(args, settings: Settings) -> str:
    url = getattr(args, "url", None) or settings.jira.url
    if not url:
        raise RetroscopeError("no Jira URL: pass --url https://your-site.atlassian.net (or set url in the [jira] "
                              "section of retroscope.toml, or JIRA_URL)")
    return url


def init(args, settings: Settings) -> int:
    from connectors import jira_issues, jira_setup

    if getattr(args, "source", "jira") != "jira":
        raise RetroscopeError(f"unknown init source {args.source!r}; available: jira")
    url = _url(args, settings)
    auth = jira_issues.auth_from_env()
    d = jira_setup.discover(url, auth, settings.jira, projects=args.project or None, analysis=settings.analysis)
    p = print
    p(f"Jira at {d.url}: {d.deployment}, signed in as {d.user} ({auth.env_names} accepted)")
    p(f"\nProjects ({len(d.projects)}; proposed for the sync: {', '.join(d.chosen)})")
    p(_table(["key", "name", "boards", "sync"], [
        [x.get("key"), x.get("name"), sum(1 for b in d.boards if (b.get("location") or {}).get("projectKey")
                                          == x.get("key")), "yes" if str(x.get("key")).upper() in d.chosen else ""]
        for x in d.projects[:40]]))
    if len(d.projects) > 40:
        p(f"  … and {len(d.projects) - 40} more (choose with --project KEY)")
    p(f"\nBoards ({len(d.boards)}; {len(d.scoped_boards)} in the proposed projects)")
    if d.boards:
        p(_table(["id", "name", "type", "project"], [
            [b.get("id"), b.get("name"), b.get("type"), (b.get("location") or {}).get("projectKey")]
            for b in d.scoped_boards[:40]]))
    p("\nFields (sample values from the most recently updated issues)")
    rows = []
    for kind, cands in d.fields.items():
        for c in cands[:3]:
            rows.append([kind.replace("_", " "), c.field_id, c.name, f"{c.filled} of {c.sampled}",
                         ", ".join(c.samples), c.why])
    p(_table(["role", "field id", "name", "issues with a value", "e.g.", "found as"], rows) if rows
      else "  no story-point, sprint or best/likely/worst field found")
    p("  story points per project: " + ", ".join(
        f"{k} {v.field_id} ({v.why})" if v else f"{k} none" for k, v in d.story_points.items()))
    p("\nStatuses (stage rank: the order the flow and rework figures use)")
    p(_table(["id", "name", "category", "board column", "stage rank"],
             [[s.status_id, s.name, s.category.replace("_", " "), s.column or "-", s.stage]
              for s in sorted(d.statuses, key=lambda s: (s.stage, s.name))]))
    first = f"{d.first_created:%Y-%m-%d}" if d.first_created else "?"
    last = f"{d.last_updated:%Y-%m-%d}" if d.last_updated else "?"
    p(f"\nA first sync would bring about {d.issues if d.issues is not None else '?'} issues (created {first} to "
      f"last updated {last}) and {d.sprints} sprints, in about {d.first_sync_requests} requests.")
    for n in d.notes:
        p(f"  note: {n}")
    text = jira_setup.render_config(d)
    path = Path(args.config) if getattr(args, "config", None) else (settings.config_path or Path(CONFIG_NAME))
    p(f"\nProposed configuration for {path}:\n")
    p(text)
    if not args.yes:
        try:
            answer = input(f"Write it to {path}? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            p("Nothing written. Rerun with --yes to write it, or copy the lines above.")
            return 0
    backup = jira_setup.write_config(path, text)
    p(f"Wrote {path}" + (f" (the previous file is {backup}; only its [jira] tables were replaced)" if backup else "")
      + ". Next: retroscope sync jira")
    return 0


def doctor(args, settings: Settings) -> int:
    from connectors import jira_issues, jira_setup

    site = getattr(args, "url", None) or settings.jira.url
    if site:
        findings = jira_setup.doctor(settings, jira_issues.auth_from_env(), site)
    else:   # no site to check the config against: the loaded data alone (the demo's, say)
        findings = jira_setup.doctor_loaded(settings)
    problems = [f for f in findings if not f.ok]
    for f in findings:
        print(f"{'ok ' if f.ok else 'FIX'}  {f.what}")
        if f.advice:
            print(f"     → {f.advice}")
    print(f"\n{len(problems)} problem{'s' if len(problems) != 1 else ''} found"
          + ("" if site else "; no Jira site is configured, so only the loaded data was checked (pass --url or set "
                             "url in the [jira] section to check the Jira configuration too)"), file=sys.stderr)
    return 1 if problems else 0
