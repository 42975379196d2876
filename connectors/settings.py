"""Settings: `retroscope.toml` (cwd or --config) + environment. Secrets come only from
the environment and are never stored on the Settings object's repr, logs or the DB."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors import config_check
from connectors.bounds import wide_encoding
from queries import lake, userdata_path_for
from queries.config import DEFAULT_WORK_TYPE_RULES, AnalysisConfig, WorkTypeRule
from queries.errors import RetroscopeError

DEFAULT_DB = Path("data") / "retroscope.duckdb"
CONFIG_NAME = "retroscope.toml"


@dataclass(frozen=True)
class JiraSettings:
    url: str | None = None
    projects: tuple[str, ...] = ()
    boards: tuple[str, ...] = ()
    jql: str | None = None
    overlap_minutes: int = 10
    timeout_seconds: float = 30.0
    max_retries: int = 5
    metadata_max_age_hours: float = 24.0    # fields, statuses, boards, board configuration: refetched after this
    reconcile_days: float = 7.0             # list every issue id (catch deletions) at least this often
    # field overrides: story_points, sprint, estimate_best, estimate_likely, estimate_worst
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    db_path: Path | lake.Lake = DEFAULT_DB     # a file, or a DuckLake warehouse (queries/lake.py)
    userdata_path: Path | None = None
    config_path: Path | None = None
    analysis: AnalysisConfig = field(default_factory=AnalysisConfig)
    jira: JiraSettings = field(default_factory=JiraSettings)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)   # the whole TOML, for sections owned elsewhere

    @property
    def userdata(self) -> Path:
        """The user-input store (retros, actions, agreements, hypotheses); on a lake, the
        lake's `userdata` schema."""
        if lake.is_lake(self.db_path):
            return userdata_path_for(self.db_path)
        return self.userdata_path or userdata_path_for(self.db_path)

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, dict) else {}


def _err(path: Path, key: str, problem: str, expected: str) -> RetroscopeError:
    return RetroscopeError(f"{path}: [{key}] {problem} (expected {expected})")


def _analysis(doc: dict[str, Any], path: Path) -> AnalysisConfig:
    wf = doc.get("workflow", {})
    targets = doc.get("targets", {})
    est = doc.get("estimates", {})
    quality = doc.get("quality", {})
    outcomes = doc.get("outcomes", {})
    kwargs: dict[str, Any] = {}
    if "timezone" in doc:
        kwargs["timezone"] = str(doc["timezone"])
    # "10001" = "done" for that id in every source; a table named by a source (as the Data
    # sources page shows it) for that source's statuses only
    overrides, every, per_source = wf.get("category_overrides", {}), {}, {}
    for k, v in overrides.items():
        for sid, cat in (v.items() if isinstance(v, dict) else [(k, v)]):
            if cat not in ("todo", "in_progress", "done"):
                where = f"status {sid} of source {k}" if isinstance(v, dict) else f"status {sid}"
                raise _err(path, "workflow.category_overrides", f"{where} = {cat!r}", "todo, in_progress or done")
            (per_source.setdefault(str(k), {}) if isinstance(v, dict) else every)[str(sid)] = str(cat)
    kwargs["status_category_overrides"] = every
    kwargs["source_category_overrides"] = per_source
    if "stages" in wf:
        stages = wf["stages"]
        if not isinstance(stages, list) or not all(isinstance(s, list) for s in stages):
            raise _err(path, "workflow.stages", "not a list of lists", 'stages = [["To Do"], ["In Progress"], ["QA"], ["Done"]]')
        kwargs["stages"] = tuple(tuple(str(x) for x in s) for s in stages)
    for key in ("review_pattern", "waiting_pattern", "blocked_pattern", "use_board_done_column"):
        if key in wf:
            kwargs[key] = wf[key]
    if "work_types" in doc:
        rules = []
        for i, r in enumerate(doc["work_types"]):
            try:
                rules.append(WorkTypeRule(str(r["work_type"]), str(r["field"]), str(r["pattern"])))
            except (KeyError, TypeError):
                raise _err(path, f"work_types[{i}]", "rule incomplete",
                           'work_type = "debt", field = "label", pattern = "debt"') from None
            if rules[-1].field not in ("issue_type", "label", "component"):
                raise _err(path, f"work_types[{i}].field", repr(rules[-1].field), "issue_type, label or component")
        kwargs["work_type_rules"] = tuple(rules) or DEFAULT_WORK_TYPE_RULES
    for key, name in (("debt_share", "debt_share_target"), ("hit_rate", "hit_rate_target")):
        if key in targets:
            v = targets[key]
            if not isinstance(v, int | float) or not 0 <= v <= 1:
                raise _err(path, f"targets.{key}", repr(v), "a share between 0 and 1, e.g. 0.2")
            kwargs[name] = float(v)
    if "unit" in est:
        if est["unit"] not in ("days", "hours"):
            raise _err(path, "estimates.unit", repr(est["unit"]), "days or hours")
        kwargs["estimate_unit"] = est["unit"]
    if "actual" in est:
        if est["actual"] not in ("cycle_time", "time_spent"):
            raise _err(path, "estimates.actual", repr(est["actual"]), "cycle_time or time_spent")
        kwargs["range_actual"] = est["actual"]
    if "small_group" in est:
        kwargs["small_group"] = int(est["small_group"])
    if "escaped_bug_labels" in quality:
        kwargs["escaped_bug_labels"] = tuple(str(x) for x in quality["escaped_bug_labels"])
    for key in ("shipped_from_epics", "shipped_from_versions"):
        if key in outcomes:
            kwargs[key] = bool(outcomes[key])
    return AnalysisConfig(**kwargs)


def _flat_fields(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """[jira.fields] overrides; a per-project table [jira.fields.ATL] becomes keys 'ATL.story_points'."""
    out: dict[str, str] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat_fields(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)
    return out


def load_settings(config: str | Path | None = None, db: str | Path | None = None) -> Settings:
    """Read settings. Precedence for the warehouse path: --db, RETROSCOPE_DB, [warehouse].db,
    data/retroscope.duckdb; a `ducklake:postgres:…` URL names a lake, whose data folder is
    RETROSCOPE_LAKE_DATA or [warehouse].lake_data. The config file is --config, RETROSCOPE_CONFIG or ./retroscope.toml
    (optional unless named explicitly)."""
    explicit = config or os.environ.get("RETROSCOPE_CONFIG")
    path = Path(explicit) if explicit else Path(CONFIG_NAME)
    doc: dict[str, Any] = {}
    if path.exists():
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise RetroscopeError(f"{path}: not valid TOML: {e}; fix the file or pass another with --config") from None
        except OSError as e:
            raise RetroscopeError(f"{path}: cannot read ({e.strerror}); check the path or pass another with --config") from None
        except UnicodeDecodeError:
            wide = wide_encoding(path.read_bytes())
            raise RetroscopeError(f"{path}: not UTF-8 text{f' (the file is {wide}-encoded)' if wide else ''}; "
                                  "save it as UTF-8") from None
        config_check.check(doc, path)
        # [metrics] and its sources, and the slide's thresholds, checked by every command, not only
        # those that use them (a mistake there was refused by `status` after its report, or only
        # by `export tech-health`, or by nothing: a misspelt [metrics] key was ignored)
        from connectors.metric_sources import parse_sources
        from queries.tech_health import Thresholds

        parse_sources(doc, path)
        Thresholds.from_mapping((doc.get("slide") or {}).get("thresholds"), where=str(path))
    elif explicit:
        named = "--config" if config else "RETROSCOPE_CONFIG"
        raise RetroscopeError(f"config file {path} not found; create it (see README, Configuration) or drop {named}")
    wh = doc.get("warehouse", {})
    if isinstance(db, str) and not db.strip():   # `--db "$UNSET"`: never quietly the default warehouse
        raise RetroscopeError("--db is empty; give the warehouse file (e.g. --db data/retroscope.duckdb) or leave "
                              "--db out for the default")
    db_path = lake.parse(db or os.environ.get("RETROSCOPE_DB") or wh.get("db") or DEFAULT_DB,
                         data_path=os.environ.get(lake.DATA_ENV) or wh.get("lake_data"))
    ud = os.environ.get("RETROSCOPE_USERDATA") or wh.get("userdata")
    j = doc.get("jira", {})
    jira = JiraSettings(
        url=os.environ.get("JIRA_URL") or j.get("url"),
        projects=tuple(str(p) for p in j.get("projects", [])),
        boards=tuple(str(b) for b in j.get("boards", [])),
        jql=j.get("jql"),
        overlap_minutes=int(j.get("overlap_minutes", 10)),
        timeout_seconds=float(j.get("timeout_seconds", 30)),
        max_retries=int(j.get("max_retries", 5)),
        metadata_max_age_hours=float(j.get("metadata_max_age_hours", 24)),
        reconcile_days=float(j.get("reconcile_days", 7)),
        fields=_flat_fields(j.get("fields", {})),
    )
    return Settings(
        db_path=db_path,
        userdata_path=Path(ud) if ud else None,
        config_path=path if path.exists() else None,
        analysis=_analysis(doc, path),
        jira=jira,
        raw=doc,
    )
