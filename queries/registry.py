"""The public queries: the names `retroscope query`, the pages, the slide and the CSV
downloads use. Tests and docs loop over this registry, so a query added here is tested
and documented without anyone remembering to.

A public query is either a SQL report (`queries/reports/<name>.sql`) or a pure-Python
analysis (`module:function`, called as `func(con, **params) -> DataFrame`) where SQL is
the wrong tool (resampling, interval estimation).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import pandas as pd

import queries
from queries import limits
from queries.dates import aware, local_day, local_day_end, local_days
from queries.errors import QueryError


@dataclass(frozen=True)
class Param:
    name: str
    kind: str                 # timestamp | date | str | int | float
    help: str
    default: object = None    # None = not set (filters: no filter)


# Filters every public query accepts (bound parameters; NULL = no filter).
COMMON: tuple[Param, ...] = (
    Param("as_of", "timestamp", "the instant figures are computed for (a bare date: the end of that day in the "
          "reporting timezone; default: the data's freshness)"),
    Param("board_id", "str", "team board id (default: all boards)"),
    Param("project", "str", "project key (default: all projects)"),
    Param("date_from", "date", "first day of the reporting period (inclusive)"),
    Param("date_to", "date", "last day of the reporting period (inclusive)"),
)


@dataclass(frozen=True)
class PublicQuery:
    name: str
    description: str
    columns: tuple[str, ...]
    params: tuple[Param, ...] = field(default=COMMON)
    func: str | None = None   # "module:function" for Python-backed queries

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def _q(name, description, columns, extra=(), func=None) -> PublicQuery:
    return PublicQuery(name, description, tuple(columns.split()), COMMON + tuple(extra), func)


# one row per recorded (or backtested) forecast and confidence, scored: the same columns for both
SCORED_FORECAST_COLUMNS = ("forecast_id made_at as_of as_of_day source kind items target_on confidence forecast_on "
                           "forecast_items outcome actual_on actual_items runs window_from window_to")

REGISTRY: dict[str, PublicQuery] = {q.name: q for q in [
    _q("issue_facts", "One row per issue (sub-tasks excluded): start, completion, cycle and lead time, "
       "estimates, rework.",
       "issue_id issue_key issue_type work_type status created_at start_at completed_at "
       "cycle_time_days lead_time_days story_points estimate_best estimate_likely estimate_worst "
       "backward_transitions qa_bounces reopens rework_days project_key status_category "
       "original_estimate_seconds time_spent_seconds labels components is_escaped_bug is_epic "
       "epic_id parent_id"),
    _q("sprint_facts", "One row per sprint, rebuilt from history: committed, added, removed, completed, "
       "carry-over (issues and points), say/do ratio, scope change.",
       "sprint_id sprint_name board_id state start_at end_at is_running committed_issues "
       "committed_points added_issues added_points removed_issues removed_points completed_issues "
       "completed_points carryover_issues carryover_points say_do_ratio scope_change "
       "estimate_change_points say_do_ratio_issues planned_start_at planned_end_at goal source"),
    _q("flow_weekly", "One row per ISO week: throughput, cycle-time percentiles of issues completed that "
       "week, WIP at the end of the week.",
       "week throughput cycle_time_p50 cycle_time_p85 cycle_time_p95 wip_end_of_week"),
    _q("estimate_calibration", "Estimate scores overall and by work type, issue type, quarter, label, component "
       "and size: range-estimate hit, over- and underrun rates (with a 95 % interval), bias (with a 95 % "
       "interval), MdMRE, PRED(25), ordering accuracy of story points.",
       "group_by group n hit_rate overrun_rate underrun_rate bias mdmre pred25 ordering_accuracy "
       "bias_pert mdmre_pert pred25_pert relative_width bias_ci_low bias_ci_high overrun_ci_low overrun_ci_high "
       "n_points ordered_pairs spearman_rho time_n "
       "time_bias time_mdmre time_pred25 too_small points_too_small hit_rate_target"),
    _q("sprint__scope_changes", "Issues added to or removed from each sprint after its start: when (and how "
       "many days into the sprint), with the estimate then; sums match sprint_facts' added and removed points.",
       "sprint_id sprint_name board_id state issue_id issue_key summary issue_type work_type direction "
       "changed_at days_into_sprint points source"),
    _q("sprint__velocity", "Velocity per sprint: committed vs completed points and issues, with the mean "
       "completed points of the board's last three closed sprints (a running sprint has none).",
       "sprint_id sprint_name board_id state start_at end_at is_running committed_points "
       "completed_points committed_issues completed_issues rolling_velocity_points source"),
    _q("calibration__points_distribution", "Per story-point value: how many completed issues and their "
       "cycle-time quartiles, p85, min and max (do bigger estimates take longer?).",
       "story_points n cycle_time_p25 cycle_time_p50 cycle_time_p75 cycle_time_p85 cycle_time_min "
       "cycle_time_max too_small"),
    _q("work_mix", "Completed work per sprint by work type (feature, bug, debt) and its share.",
       "sprint_id work_type completed_points completed_issues share share_basis sprint_name "
       "board_id sprint_start_at is_running"),
    _q("quality__bug_inflow", "Bugs created per ISO week and how many were escaped bugs (the configured "
       "\"found in production\" labels); weeks without bugs are 0.",
       "week bugs_created escaped_bugs"),
    _q("retro_follow_through", "Per retro: action items, how many were due, done on time, follow-through; "
       "agreements and how many were met.",
       "retro_id held_on actions actions_due actions_done_on_time follow_through agreements "
       "agreements_met team kind title actions_done_late actions_not_done actions_dropped "
       "actions_not_yet_due agreements_not_met agreements_too_early agreements_product "
       "agreements_not_measurable"),
    _q("cfd_daily", "Cumulative flow: issues per day by status category and status (one band per status name "
                    "and category, across sources; status_id lists the band's ids, comma-separated).",
       "day category status issues level status_id"),
    _q("time_in_status", "Total days each issue spent in each status.",
       "issue_id issue_key status status_id category stays days"),
    _q("data_quality", "Data problems that distort the figures, one row per finding, with the team it belongs to "
       "(the names of the issue's boards, or the sprint's board) and why it matters.",
       "check team issue_key detail why_it_matters"),
    _q("forecast", "Monte Carlo forecast from resampled daily throughput: when N items will be done and "
       "how many by a date, at 50/85/95 % confidence.",
       "question confidence value on_date basis detail",
       extra=(Param("items", "int", "items left to finish (for 'when')", 20),
              Param("target_date", "date", "date for 'how many by' (default: as_of + 28 days)"),
              Param("window_days", "int", "days of throughput history to resample", 90),
              Param("runs", "int", "simulation runs", 10000),
              Param("seed", "int", "random seed (same seed, same answer)", 42)),
       func="queries.forecast:forecast"),
    _q("forecast_history", "Every forecast recorded for this scope (the page's default forecast, or exported), each "
       "confidence's claim scored once its day has passed: came true / missed / pending / not scorable.",
       SCORED_FORECAST_COLUMNS,
       func="queries.forecast_accounts:history"),
    _q("forecast_backtest", "The last N weeks re-forecast from the data before each of them (how many items "
       "in the next 7 days; when a week's worth is done) and scored like recorded forecasts.",
       SCORED_FORECAST_COLUMNS,
       extra=(Param("weeks", "int", "weeks to re-forecast", 8),
              Param("window_days", "int", "days of throughput history to resample", 90),
              Param("runs", "int", "simulation runs per forecast", 2000),
              Param("seed", "int", "random seed (same seed, same answer)", 42)),
       func="queries.forecast_accounts:backtest"),
    _q("impact", "Per shipped item and targeted metric: effect with a 95 % interval (calibrated on the metric's "
       "history where it is long enough), a verdict and the minimum detectable effect.",
       "item_key item_name shipped_on metric effect_abs effect_rel ci_low ci_high verdict "
       "confounded_by ci_low_rel ci_high_rel mde_rel calibration direction min_change origin "
       "counterfactual_mean post_mean pre_days post_days pre_start post_end method note mde_abs "
       "placebo_days",
       extra=(Param("window", "int", "days in the pre and post windows", 28),
              Param("lag", "int", "days between shipping and the post window", 0),
              Param("seed", "int", "random seed for the interval", 7),
              Param("segment", "str", "metric segment to analyse ('' = all users)", ""),
              Param("control_segment", "str", "segment of the same metric to use as control "
                    "(difference-in-differences; default: none)")),
       func="queries.impact:impact_table"),
    _q("outcomes__hypotheses", "Hypotheses from retros (shipped item + metric + direction) with the item's "
       "impact verdict on that metric.",
       "hypothesis_id retro_id held_on team item_key item_name shipped_on metric direction "
       "min_change verdict effect_abs effect_rel ci_low ci_high confounded_by note",
       extra=(Param("window", "int", "days in the pre and post windows", 28),
              Param("lag", "int", "days between shipping and the post window", 0),
              Param("seed", "int", "random seed for the interval", 7)),
       func="queries.impact:hypotheses_table"),
    _q("outcomes__agreement_evaluation", "Working agreements on a product metric: daily mean during "
       "[start, review] vs the same-length window before; met / not met / too early / not measurable.",
       "team text metric target direction start_on review_on before_value during_value verdict "
       "reason before_n during_n before_from_on before_to_on metric_kind held_on agreement_id "
       "retro_id"),
]}


def _coerce(p: Param, value: object) -> object:
    """A parameter's value as its kind. A timestamp given as a bare date stays a `date`: it means
    the end of that day in the reporting timezone, which only a connection knows
    (`_day_ends` turns it into that instant). A missing value (None, blank text, or pandas' and
    numpy's NaT, NaN and NA) is None: the parameter's default."""
    if value is None or (isinstance(value, str) and value.strip() == "") or (
            not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    try:
        if p.kind == "timestamp":
            if isinstance(value, datetime):
                ts = value
            elif isinstance(value, date):
                return value
            else:
                s = str(value).strip()
                ts = datetime.fromisoformat(s)
                if not any(ch in s for ch in "T :"):   # a bare date (2026-03-31, 20260331): the end of that day (_day_ends)
                    return ts.date()
            return aware(ts)
        if p.kind == "date":
            return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])
        if p.kind == "int":
            if isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            return int(value)
        if p.kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError, OverflowError):
        example = {"timestamp": "2026-03-31 or 2026-03-31T17:00:00+00:00", "date": "2026-03-31",
                   "int": "a whole number", "float": "a number", "str": "text"}[p.kind]
        raise QueryError(f"parameter {p.name}={value!r} is not a valid {p.kind} (expected {example})") from None


def freshness(con: duckdb.DuckDBPyConnection) -> datetime | None:
    """The data's freshness: the latest `data_as_of` of the loads (None: nothing loaded)."""
    df = queries.run(con, "default_as_of")
    v = df.iloc[0, 0] if len(df) else None
    return None if v is None or pd.isna(v) else pd.Timestamp(v).to_pydatetime()


def default_as_of(con: duckdb.DuckDBPyConnection) -> datetime:
    """The data's freshness, else now (UTC)."""
    return freshness(con) or datetime.now(UTC)


def resolve_params(con: duckdb.DuckDBPyConnection, name: str, params: dict) -> dict:
    """Validate and type the parameters of a public query, filling defaults."""
    q = REGISTRY.get(name)
    if q is None:
        raise QueryError(f"unknown query '{name}'; public queries: {', '.join(sorted(REGISTRY))}")
    unknown = [k for k in params if q.param(k) is None]
    if unknown:
        raise QueryError(f"query '{name}' has no parameter {', '.join(unknown)}; "
                         f"it takes {', '.join(p.name for p in q.params)}")
    out = _day_ends(con, {p.name: _coerce(p, params.get(p.name, p.default)) for p in q.params}, q.params)
    if out["as_of"] is None:
        out["as_of"] = default_as_of(con)
    # a target date counts from as_of's day in the reporting timezone, as the forecast does
    # (an implausible as_of is refused by the check before the target is looked at)
    day = (local_day(con, out["as_of"]) if out.get("target_date") is not None
           and not limits.out_of_range(out["as_of"]) else None)
    return limits.check(out, as_of_day=day)


def _day_ends(con: duckdb.DuckDBPyConnection, values: dict, params) -> dict:
    """Timestamp parameters given as a bare date, as the last second of that day in the
    reporting timezone (queries.dates.local_day_end)."""
    for p in params:
        v = values.get(p.name)
        if p.kind == "timestamp" and isinstance(v, date) and not isinstance(v, datetime):
            if problem := limits.date_out_of_range(v):   # a day is judged as the day asked for
                raise QueryError(f"parameter {p.name}: {problem} (expected {limits.DATE_RANGE_TEXT})")
            values[p.name] = local_day_end(con, v)
    return values


def as_of_instant(con: duckdb.DuckDBPyConnection, value) -> datetime:
    """An as_of given as an instant, a bare date (the end of that day in the reporting
    timezone) or their text, as the instant."""
    return _day_ends(con, {"as_of": _coerce(COMMON[0], value)}, COMMON[:1])["as_of"]


def as_of_option(value: str, flag: str = "--as-of") -> datetime | date:
    """A command's --as-of as the instant it names, or the day (a bare date: the end of that day
    in the reporting timezone, which `resolve_params` / `as_of_instant` give once a connection
    is open), or one line naming the option (not the query parameter behind it)."""
    try:
        return _coerce(COMMON[0], value)   # the common as_of parameter
    except QueryError:
        raise QueryError(f"{flag} {value}: not a date (expected e.g. 2026-03-31, or 2026-03-31T17:00:00+00:00 "
                         "for an instant)") from None


def starts_after(con: duckdb.DuckDBPyConnection, as_of) -> datetime | None:
    """The instant the warehouse's data starts (reports/data_start.sql) when `as_of` is before
    it, so that every figure at as_of is empty; else None."""
    v = queries.run(con, "data_start").iloc[0, 0]
    if v is None or pd.isna(v) or as_of is None:
        return None
    start = pd.Timestamp(v)
    at = pd.Timestamp(as_of_instant(con, as_of))
    return start.to_pydatetime() if at < start else None


def beyond_freshness(con: duckdb.DuckDBPyConnection, as_of) -> datetime | None:
    """The data's freshness (the latest load's data_as_of, reports/default_as_of.sql) when
    `as_of` falls on a later day (in the reporting timezone), so that its figures stop short of
    it (nothing later is loaded; a sprint still running then is drawn as running to as_of);
    else None. The freshness's own day is not later: that day is as far as the data goes."""
    fresh = freshness(con) if as_of is not None else None
    if fresh is None:
        return None
    asked, known = local_days(con, [as_of_instant(con, as_of), fresh])
    return fresh if asked > known else None


def check_board(con: duckdb.DuckDBPyConnection, board_id: str | None, option: str) -> pd.DataFrame:
    """The warehouse's boards (dim_boards); a board id none of them has is one line of advice
    naming the command's `option` and the ids there are (a typo would otherwise answer 'no
    rows', as if the team had done nothing)."""
    boards = queries.run(con, "dim_boards")
    if board_id is not None and boards.empty:
        raise QueryError(f"board {str(board_id)!r} not found: the warehouse holds no boards yet; load them with "
                         f"`retroscope sync jira`, or leave {option} out")
    if board_id is not None and str(board_id) not in set(boards["board_id"].astype(str)):
        known = boards_hint(boards, str(board_id), by="board_id", entry=lambda name, b: f"{b} ({name})")
        raise QueryError(f"board {str(board_id)!r} not found in the warehouse; use {option} with {known}")
    return boards


NAMED_BOARDS = 10   # a message about a board that is not there lists every board up to this many


def boards_hint(boards: pd.DataFrame, asked: str, *, by: str, entry) -> str:
    """The boards to offer in a one-line message after `asked` named none of them (dim_boards
    rows; `entry(name, board_id)` writes one): "one of: A, B" up to NAMED_BOARDS boards;
    beyond (thousands at scale), how many there are and the up to five closest to `asked` by
    `by` ('name' or 'board_id'; difflib, case-insensitive), not every one of them."""
    if boards.empty:
        return "once boards are loaded (`retroscope sync jira`): none is yet"
    rows = list(zip(boards["name"].astype(str), boards["board_id"].astype(str), strict=True))
    if len(rows) <= NAMED_BOARDS:
        return "one of: " + ", ".join(entry(n, b) for n, b in rows)
    key = {(n if by == "name" else b).casefold(): (n, b) for n, b in rows}
    close = difflib.get_close_matches(asked.strip().casefold(), list(key), n=5, cutoff=0.5)
    near = (", the closest: " + ", ".join(entry(*key[c]) for c in close)) if close else ""
    return f"one of {len(rows):,} boards (the dashboard's team picker lists them){near}"


def run_public(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run a public query by name with validated parameters."""
    q = REGISTRY.get(name)
    bound = resolve_params(con, name, params)
    if q.func:
        mod, fn = q.func.split(":")
        return getattr(importlib.import_module(mod), fn)(con, **bound)
    return queries.run(con, name, arrow=True, **bound)   # the same frame as .df(), faster (queries/frames.py)


def markdown() -> str:
    """docs/queries.md, generated from the registry (a test keeps the file in step)."""
    lines = ["# Public queries", "",
             "Generated from `queries/registry.py` by `python -m queries.registry > docs/queries.md`; "
             "a test fails when this file and the registry disagree, and another when a query returns other "
             "columns than the registry lists (the column lists below are exactly what each query returns, "
             "in order).", "",
             "Run any of them with `retroscope query NAME [--board ID] [--param k=v]... [--as-of DATE] "
             "[--format table|csv|json]` (`--board ID` is `--param board_id=ID`). Every query takes the "
             "common filters; NULL (not given) means no filter.", "",
             "## Common parameters", "", "| parameter | type | meaning |", "|---|---|---|"]
    lines += [f"| `{p.name}` | {p.kind} | {p.help} |" for p in COMMON]
    for q in REGISTRY.values():
        lines += ["", f"## `{q.name}`", "", q.description, "", "Columns: " + ", ".join(f"`{c}`" for c in q.columns)]
        extra = [p for p in q.params if p not in COMMON]
        if extra:
            lines += ["", "| extra parameter | type | default | meaning |", "|---|---|---|---|"]
            lines += [f"| `{p.name}` | {p.kind} | {'' if p.default is None else p.default} | {p.help} |" for p in extra]
    lines += ["", limits.markdown()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
