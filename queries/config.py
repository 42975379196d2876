"""Analysis settings that shape the numbers (workflow model, work-type rules, targets).

Plain data, no IO: `connectors.settings` reads them from retroscope.toml and passes them
in; `queries.connect` turns them into `cfg_*` temp tables that the SQL joins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class WorkTypeRule:
    """First matching rule wins. `field` is issue_type | label | component; `pattern` is a
    case-insensitive regular expression matched against that field (any label/component)."""

    work_type: str
    field: str
    pattern: str


DEFAULT_WORK_TYPE_RULES: tuple[WorkTypeRule, ...] = (
    WorkTypeRule("bug", "issue_type", r"^bug$"),
    WorkTypeRule("debt", "label", r"debt|refactor|chore|maintenance"),
    WorkTypeRule("debt", "issue_type", r"debt|refactor|chore|maintenance"),
)


@dataclass(frozen=True)
class AnalysisConfig:
    timezone: str = "UTC"
    # status id -> todo | in_progress | done (overrides Jira's statusCategory), in every source
    status_category_overrides: dict[str, str] = field(default_factory=dict)
    # the same for one source's statuses (source -> status id -> category); wins over the above
    source_category_overrides: dict[str, dict[str, str]] = field(default_factory=dict)
    # explicit stage order: a list of stages, each a list of status ids or names; rank = index
    stages: tuple[tuple[str, ...], ...] = ()
    # the regex that marks in-progress statuses as review/QA (rank 2)
    review_pattern: str = r"review|qa|test|verif|accept|approv"
    # in-progress statuses where work waits (not active time in flow efficiency)
    waiting_pattern: str = r"wait|block|hold|pending|queue|imped|ready for"
    # in-progress statuses that count as blocked (besides Jira's Flagged field)
    blocked_pattern: str = r"block|imped|on hold"
    use_board_done_column: bool = True
    work_type_rules: tuple[WorkTypeRule, ...] = DEFAULT_WORK_TYPE_RULES
    default_work_type: str = "feature"
    escaped_bug_labels: tuple[str, ...] = ("production", "escaped")
    debt_share_target: float = 0.20
    hit_rate_target: float = 0.80
    estimate_unit: str = "days"           # days | hours: unit of best/likely/worst
    range_actual: str = "cycle_time"      # cycle_time | time_spent
    small_group: int = 5                  # groups with fewer issues are flagged too small
    shipped_from_epics: bool = True       # derive shipped items from completed epics
    shipped_from_versions: bool = False   # derive shipped items from released fix versions

    def tables(self) -> dict[str, pd.DataFrame]:
        """The cfg_* tables the SQL reads."""
        overrides = pd.DataFrame(
            [(None, sid, cat) for sid, cat in self.status_category_overrides.items()]
            + [(src, sid, cat) for src, ids in self.source_category_overrides.items() for sid, cat in ids.items()],
            columns=["source", "status_id", "category"], dtype="string",
        )
        stages = pd.DataFrame(
            [(ref, rank) for rank, stage in enumerate(self.stages) for ref in stage],
            columns=["status_ref", "stage_rank"],
        ).astype({"status_ref": "string", "stage_rank": "int32"})
        rules = pd.DataFrame(
            [(i, r.work_type, r.field, r.pattern) for i, r in enumerate(self.work_type_rules)],
            columns=["position", "work_type", "field", "pattern"],
        ).astype({"position": "int32", "work_type": "string", "field": "string", "pattern": "string"})
        params = pd.DataFrame(
            {
                "key": [
                    "timezone", "review_pattern", "use_board_done_column", "default_work_type",
                    "escaped_bug_labels", "debt_share_target", "hit_rate_target", "estimate_unit",
                    "range_actual", "small_group", "shipped_from_epics", "shipped_from_versions",
                    "waiting_pattern", "blocked_pattern",
                ],
                "value": [
                    self.timezone, self.review_pattern, str(self.use_board_done_column).lower(),
                    self.default_work_type, ",".join(self.escaped_bug_labels), str(self.debt_share_target),
                    str(self.hit_rate_target), self.estimate_unit, self.range_actual, str(self.small_group),
                    str(self.shipped_from_epics).lower(), str(self.shipped_from_versions).lower(),
                    self.waiting_pattern, self.blocked_pattern,
                ],
            },
            dtype="string",
        )
        return {
            "cfg_status_override": overrides,
            "cfg_stage": stages,
            "cfg_work_type_rule": rules,
            "cfg_param": params,
        }
