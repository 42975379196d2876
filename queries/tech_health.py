"""The tech-health figures: six KPIs for a period, the previous period, a chart series,
the sprint list and the latest retro's open actions and agreements.

Pure analysis (no UI, no IO beyond the connection): the six figures come from the
`tech_health__kpis` report (the same one the Tech health page shows) for the period this
module chooses; the sprint list and carry-over detail from the public `sprint_facts`, the
chart from the public `work_mix` (else `flow_weekly`). Nothing is recomputed here; a
figure the data cannot give (no estimates, no sprints) is "no data", never an error.

Period: the last N sprints closed by `as_of` (per board; all boards when no board is
given), from the first one's start day to the last one's end day; without closed sprints,
the last N x 14 days ending on the `as_of` day. The previous period is the same number of
days just before it. Dates are days in the reporting timezone (cfg `timezone`).

Used by `dashboard.slides.build_tech_health` (the slide) and the Tech health page; how the
figures are written (labels, rounding, changes, the period in words) is `tech_health_text`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

import queries
from queries import registry
from queries import tech_health_text as text
from queries.dates import day_words, local_days, local_times
from queries.errors import RetroscopeError, did_you_mean
from queries.retro_text import retro_title
from queries.tech_health_text import DEFINITIONS, LABELS, format_value

KPI_KEYS = ("debt_share", "cycle_time_p85", "rework_rate", "escaped_bugs", "range_hit_rate", "carry_over")
DEFAULT_UNITS = {"debt_share": "share", "cycle_time_p85": "days", "rework_rate": "share",
                 "escaped_bugs": "count", "range_hit_rate": "share", "carry_over": "share"}
STATUSES = ("good", "watch", "bad", "no data")
SPRINT_DAYS = 14
CHART_TEAMS = 4      # at most this many teams' sprints drawn apart on the slide's chart
RETRO_TEAMS = 6      # at most this many teams' latest retros listed (the most recently held)
MIN_PREVIOUS_SPRINTS = 3   # a previous period with fewer closed sprints is too short to compare


# --------------------------------------------------------------------------- thresholds
@dataclass(frozen=True)
class Thresholds:
    """Traffic-light limits (`[slide.thresholds]` in retroscope.toml). Shares are 0..1.

    - debt share: good at or above target; watch down to target − debt_share_watch_margin;
      bad below that.
    - p85 cycle time: vs the previous period, good up to +cycle_time_watch_increase
      (relative), watch up to +cycle_time_bad_increase, bad above. Without a previous
      value: absolute days (good ≤ cycle_time_watch_days < watch ≤ cycle_time_bad_days < bad).
    - rework rate: good ≤ rework_rate_watch < watch ≤ rework_rate_bad < bad.
    - escaped bugs (count in the period): good ≤ escaped_bugs_watch < watch ≤ escaped_bugs_bad < bad.
    - hit rate: a calibrated team hits about its target, so the distance to the target
      counts both ways: good within ± hit_rate_watch_margin, watch within
      ± hit_rate_bad_margin, bad beyond (too low: ranges too narrow; too high: too wide).
    - carry-over (share of the sprints' scope carried over):
      good ≤ carry_over_watch < watch ≤ carry_over_bad < bad.
    """

    debt_share_watch_margin: float = 0.05
    cycle_time_watch_increase: float = 0.10
    cycle_time_bad_increase: float = 0.25
    cycle_time_watch_days: float = 10.0
    cycle_time_bad_days: float = 20.0
    rework_rate_watch: float = 0.15
    rework_rate_bad: float = 0.25
    escaped_bugs_watch: float = 1
    escaped_bugs_bad: float = 3
    hit_rate_watch_margin: float = 0.05
    hit_rate_bad_margin: float = 0.15
    carry_over_watch: float = 0.10
    carry_over_bad: float = 0.20

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None, where: str = "retroscope.toml") -> Thresholds:
        """Thresholds from a `[slide.thresholds]` table; unknown keys and non-numbers are
        user errors naming the key."""
        if values is not None and not isinstance(values, Mapping):
            raise RetroscopeError(f"{where}: [slide.thresholds] is {type(values).__name__} {values!r:.40} (expected "
                                  "a table [slide.thresholds] of numbers)")
        values = dict(values or {})
        known = sorted(f.name for f in fields(cls))
        unknown = sorted(set(values) - set(known))
        if unknown:
            hint = did_you_mean(str(unknown[0]), known) or f"known keys here: {', '.join(known)}"
            raise RetroscopeError(f"{where}: [slide.thresholds.{unknown[0]}] unknown key; {hint}")
        out = {}
        for k, v in values.items():
            if isinstance(v, bool) or not isinstance(v, int | float) or v < 0 or math.isnan(v):
                raise RetroscopeError(f"{where}: [slide.thresholds] {k} = {v!r} (expected a number ≥ 0, "
                                      f"e.g. {getattr(cls, k)})")
            out[k] = float(v)
        th = cls(**out)
        pairs = [("cycle_time_watch_increase", "cycle_time_bad_increase"),
                 ("cycle_time_watch_days", "cycle_time_bad_days"),
                 ("rework_rate_watch", "rework_rate_bad"), ("escaped_bugs_watch", "escaped_bugs_bad"),
                 ("hit_rate_watch_margin", "hit_rate_bad_margin"), ("carry_over_watch", "carry_over_bad")]
        for a, b in pairs:
            if getattr(th, a) > getattr(th, b):
                raise RetroscopeError(f"{where}: [slide.thresholds] {a} = {getattr(th, a)} is above {b} = "
                                      f"{getattr(th, b)} (the watch limit must not exceed the bad limit)")
        return th


def _status_low_is_good(value: float | None, watch: float, bad: float) -> str:
    if value is None:
        return "no data"
    return "good" if value <= watch + 1e-12 else "watch" if value <= bad + 1e-12 else "bad"


def _status_high_is_good(value: float | None, good_from: float, watch_from: float) -> str:
    if value is None:
        return "no data"
    return "good" if value >= good_from - 1e-12 else "watch" if value >= watch_from - 1e-12 else "bad"


# --------------------------------------------------------------------------- result types
@dataclass(frozen=True)
class KPI:
    """One tile. `value`/`previous` are shares (0..1), days or counts (see `unit`)."""

    key: str
    value: float | None
    previous: float | None = None
    target: float | None = None
    status: str = "no data"
    unit: str = "share"           # share | days | count
    n: int | None = None          # issues (or sprints) behind the value
    detail: str = ""              # a short second line, e.g. "9 pt · 7 % of sprint-end scope"
    source: str = ""              # the public query the figure comes from
    previous_n: int | None = None  # issues (or sprints) behind the previous value
    comparable: bool = True       # False: the previous period is too short to compare (no change shown)

    @property
    def label(self) -> str:
        return LABELS[self.key]

    @property
    def definition(self) -> str:
        return DEFINITIONS[self.key]

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None or not self.comparable:
            return None
        return self.value - self.previous

    # ---- text (shared by the slide and the page, so both show the same strings)
    def value_text(self) -> str:
        """The headline figure, e.g. '18 %', '6.2 d', '4', 'no data'."""
        return format_value(self.value, self.unit)

    def delta_text(self) -> str:
        """Change vs the previous period, e.g. '▲ +4 pp vs 14 %' (see tech_health_text)."""
        return text.delta_text(self.value, self.previous, self.unit, self.comparable)

    def unit_word(self) -> str:
        """The word after a count ('bugs'); empty for shares and days."""
        return text.unit_word(self.key, self.value, self.unit)

    def target_text(self) -> str:
        return text.target_text(self.target)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    kind: str = "bar"             # bar | line


@dataclass(frozen=True)
class Chart:
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    number_format: str            # Excel number format of the values, e.g. '0%' or '0.0'
    axis_title: str
    source: str                   # the public query the values come from
    groups: tuple[str, ...] = ()  # the team of each category when several teams are shown (drawn apart)


@dataclass(frozen=True)
class SprintRow:
    sprint_id: str
    name: str
    board_id: str | None
    start_on: date
    end_on: date
    committed_points: float
    completed_points: float
    carryover_issues: int
    carryover_points: float
    say_do_ratio: float | None


@dataclass(frozen=True)
class RetroItems:
    """The latest retro of the team (held on or before as_of) and what it left open."""

    retro_id: str
    title: str
    held_on: date
    open_actions: tuple[tuple[str, date | None, str | None], ...]  # (text, due_on, carried from: retro title)
    agreements: tuple[tuple[str, date, date, str | None], ...]    # (text, start_on, review_on, metric)
    team: str = ""                                                 # whose retro it is (several teams shown)


@dataclass(frozen=True)
class TechHealth:
    team: str
    board_id: str | None
    as_of: datetime
    data_as_of: datetime | None   # freshness of the loaded data (latest load)
    sources: tuple[str, ...]      # where the data came from ('demo', 'jira:https://…')
    basis: str                    # 'sprints' | 'days'
    period_start: date
    period_end: date
    previous_start: date
    previous_end: date
    kpis: tuple[KPI, ...]
    chart: Chart | None
    sprints: tuple[SprintRow, ...] = ()
    previous_sprints: tuple[SprintRow, ...] = ()
    retro: RetroItems | None = None              # the latest retro of any team shown
    notes: tuple[str, ...] = field(default=())   # caveats to show with the figures (none at present)
    sprints_per_team: int | None = None          # N asked for (the period is each team's last N)
    teams: tuple[str, ...] = ()                  # the teams whose closed sprints are in the period
    # as_of and data_as_of as printed: the reporting timezone's wall clock and zone (dates.local_times)
    as_of_label: str = ""
    data_as_of_label: str | None = None
    sprint_boards: tuple[str, ...] = ()          # board ids and their team names (for period_words)
    sprint_teams: tuple[str, ...] = ()
    retros: tuple[RetroItems, ...] = ()          # each team's latest retro (by team; at most RETRO_TEAMS)
    retro_teams_left_out: int = 0                # teams with a retro beyond RETRO_TEAMS, not listed
    issues: int | None = None                    # issues completed in the period
    previous_issues: int | None = None           # ... in the previous period
    previous_comparable: bool = True             # see previous_comparable()

    def kpi(self, key: str) -> KPI:
        return next(k for k in self.kpis if k.key == key)

    def period_words(self) -> str:
        """Which sprints the period holds, in words (see tech_health_text.period_words)."""
        return text.period_words(self, CHART_TEAMS)

    def previous_words(self) -> str:
        """What the previous period holds, e.g. '11 sprints' or '1 sprint: too short to compare'."""
        return text.previous_words(self)

    def team_of(self, board_id: str | None) -> str:
        """The team (board name) of a sprint's board."""
        return dict(zip(self.sprint_boards, self.sprint_teams, strict=True)).get(board_id, str(board_id))

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1


# --------------------------------------------------------------------------- helpers
def _public(con, name: str, **params) -> pd.DataFrame:
    """A query's frame (public ones through the registry); a missing query raises."""
    if name in registry.REGISTRY:
        return registry.run_public(con, name, **params)
    # a non-public report (tech_health__kpis): the common filters, NULL = no filter
    return queries.run(con, name, **{"project": None, "date_from": None, "date_to": None, **params})


def _cfg(con) -> dict[str, str]:
    df = con.table("cfg_param").df()
    return dict(zip(df["key"], df["value"], strict=True))


def _f(v) -> float | None:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return None
    return float(v)


# the day instants fall on in the reporting timezone (queries.dates.local_days over a connection)
LocalDays = Callable[[Iterable], list[date | None]]


_SPRINT_ROW_COLUMNS = ["sprint_id", "sprint_name", "board_id", "committed_points", "completed_points",
                       "carryover_issues", "carryover_points", "say_do_ratio"]


def _sprint_rows(df: pd.DataFrame, days: LocalDays) -> tuple[SprintRow, ...]:
    # (only the columns a row reads: a tuple of all of sprint_facts' columns per sprint took a
    # fifth of the figures' time under All teams at 100k issues)
    return tuple(
        SprintRow(str(r.sprint_id), str(r.sprint_name), None if pd.isna(r.board_id) else str(r.board_id),
                  start_on, end_on, float(r.committed_points),
                  float(r.completed_points), int(r.carryover_issues), float(r.carryover_points),
                  _f(r.say_do_ratio))
        for r, start_on, end_on in zip(df[_SPRINT_ROW_COLUMNS].itertuples(index=False), days(df["start_at"]),
                                       days(df["end_at"]), strict=True)
    )


def _int(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _closed(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["state"] == "closed"].sort_values(["start_at", "sprint_id"]) if len(df) else df


# --------------------------------------------------------------------------- the figures
_UNITS = {"share": "share", "days": "days", "bugs": "count"}


def _status(key: str, value: float | None, previous: float | None, target: float | None,
            th: Thresholds) -> str:
    if value is None:
        return "no data"
    if key == "debt_share":
        t = 0.2 if target is None else target
        return _status_high_is_good(value, t, t - th.debt_share_watch_margin)
    if key == "cycle_time_p85":
        if previous:
            change = value / previous - 1
            return _status_low_is_good(change, th.cycle_time_watch_increase, th.cycle_time_bad_increase)
        return _status_low_is_good(value, th.cycle_time_watch_days, th.cycle_time_bad_days)
    if key == "rework_rate":
        return _status_low_is_good(value, th.rework_rate_watch, th.rework_rate_bad)
    if key == "escaped_bugs":
        return _status_low_is_good(value, th.escaped_bugs_watch, th.escaped_bugs_bad)
    if key == "range_hit_rate":
        t = 0.8 if target is None else target
        return _status_low_is_good(abs(value - t), th.hit_rate_watch_margin, th.hit_rate_bad_margin)
    if key == "carry_over":
        return _status_low_is_good(value, th.carry_over_watch, th.carry_over_bad)
    raise ValueError(key)


def previous_comparable(basis: str, sprints: int, previous_sprints: int, issues: int | None,
                        previous_issues: int | None) -> bool:
    """Whether the previous period holds enough to compare with (docs/metrics.md "Tech-health
    figures"). Basis 'sprints': at least half as many closed sprints as the period, and at
    least MIN_PREVIOUS_SPRINTS (or as many as the period when it has fewer). Basis 'days'
    (no closed sprints): at least half as many completed issues as the period."""
    if basis == "sprints":
        return previous_sprints >= min(MIN_PREVIOUS_SPRINTS, sprints) and 2 * previous_sprints >= sprints
    return 2 * (previous_issues or 0) >= (issues or 0)


def team_rows(sprints: pd.DataFrame) -> pd.DataFrame:
    """Per team, from a frame of its sprints (team, sprint, start, end, committed_points,
    completed_points, carryover_issues): how many, the first start and last end, points
    committed and completed, say/do over them and carried-over issues; by team name. Say/do is
    completed ÷ committed points of the sprints that committed any, as a sprint's own is
    defined (docs/pages.md, "Tech health")."""
    said = sprints["committed_points"].fillna(0.0)
    s = sprints.assign(said=said, done_of_said=sprints["completed_points"].where(said > 0, 0.0))
    per = s.groupby("team", sort=True).agg(
        sprints=("sprint", "size"), start=("start", "min"), end=("end", "max"),
        committed_points=("committed_points", "sum"), completed_points=("completed_points", "sum"),
        said=("said", "sum"), done_of_said=("done_of_said", "sum"), carryover_issues=("carryover_issues", "sum"))
    per["say_do_ratio"] = (per["done_of_said"] / per["said"]).where(per["said"] > 0)
    return per.reset_index()[["team", "sprints", "start", "end", "committed_points", "completed_points",
                              "say_do_ratio", "carryover_issues"]]


def choose_period(sprint_facts: pd.DataFrame, *, as_of: datetime, sprints: int, days: LocalDays
                  ) -> tuple[str, date, date]:
    """(basis, first day, last day) of the reporting period. Basis 'sprints': the last
    `sprints` sprints closed by as_of of each board, from the first one's start day to the
    day before the next sprint started (or the last one's end day, whichever is later), so
    the previous period of the same length holds the sprints just before. Basis 'days':
    the `sprints` × 14 days ending on the as_of day."""
    closed = _closed(sprint_facts)
    if not len(closed):
        end = days([as_of])[0]
        return "days", end - timedelta(days=sprints * SPRINT_DAYS - 1), end
    # per board at once (thousands of boards under All teams); the local day of an instant
    # grows with it, so the earliest start and latest end are taken on instants
    chosen = closed.groupby("board_id", dropna=False, sort=False).tail(sprints)
    per_board = chosen.groupby("board_id", dropna=False, sort=False).agg(
        first_start=("start_at", "first"), last_start=("start_at", "last"), last_end=("end_at", "last"))
    later = sprint_facts[["board_id", "start_at"]].merge(per_board["last_start"].reset_index(), on="board_id",
                                                         how="inner")
    next_start = later.loc[later["start_at"] > later["last_start"], "start_at"]
    first, end, following = days([per_board["first_start"].min(), per_board["last_end"].max(),
                                  next_start.max() if len(next_start) else None])
    if following is not None:   # the day before the next sprint started, when that is later
        end = max(end, following - timedelta(days=1))
    return "sprints", first, end


def kpis(con: duckdb.DuckDBPyConnection, *, board_id: str | None = None, as_of=None, sprints: int = 6,
         thresholds: Thresholds | None = None, team: str | None = None) -> TechHealth:
    """The tech-health figures for a board (None = all boards) as of an instant (None = the
    data's freshness) over the last `sprints` closed sprints (or sprints × 14 days), with
    the previous period of the same length. Figures: `tech_health__kpis`; sprint list and
    carry-over detail: `sprint_facts`; chart: `work_mix` (else `flow_weekly`)."""
    if sprints < 1:
        raise RetroscopeError(f"--sprints {sprints}: expected a whole number ≥ 1, e.g. --sprints 6")
    th = thresholds or Thresholds()
    common = registry.resolve_params(con, "sprint_facts", {"as_of": as_of, "board_id": board_id})
    as_of, board_id = common["as_of"], common["board_id"]
    cfg = _cfg(con)
    days: LocalDays = functools.partial(local_days, con)
    debt_target = float(cfg.get("debt_share_target", 0.2))

    boards = registry.check_board(con, board_id, "--board")
    board_name = (str(boards.loc[boards["board_id"].astype(str) == board_id, "name"].iloc[0])
                  if board_id is not None else None)

    fresh = queries.run(con, "status_freshness")
    data_as_of = (pd.Timestamp(fresh["data_as_of"].max()).to_pydatetime()
                  if len(fresh) and fresh["data_as_of"].notna().any() else None)
    sources = tuple(str(s) for s in fresh["source"]) if len(fresh) else ()

    # ---- the period and the previous one
    all_sprints = registry.run_public(con, "sprint_facts", as_of=as_of, board_id=board_id)
    basis, period_start, period_end = choose_period(all_sprints, as_of=as_of, sprints=sprints, days=days)
    length = (period_end - period_start).days + 1
    previous_end = period_start - timedelta(days=1)
    previous_start = previous_end - timedelta(days=length - 1)
    periods = {"cur": (period_start, period_end), "prev": (previous_start, previous_end)}

    def q(name, period=None, **extra):
        p = {"as_of": as_of, "board_id": board_id, **extra}
        if period:
            p["date_from"], p["date_to"] = periods[period]
        return _public(con, name, **p)

    notes: list[str] = []
    # the sprints of a period: those closed in it (as tech_health__kpis counts carry-over)
    closed = _closed(all_sprints)
    end_days = pd.Series(days(closed["end_at"]), index=closed.index, dtype=object) if len(closed) else pd.Series(dtype=object)
    sp = {k: closed[end_days.between(a, b)] if len(closed) else closed for k, (a, b) in periods.items()}
    names = dict(zip(boards["board_id"].astype(str), boards["name"].astype(str), strict=True))
    teams = tuple(sorted({names.get(str(b), str(b)) for b in sp["cur"]["board_id"]})) if len(sp["cur"]) else ()
    if len(teams) > 1:   # several teams: each team's sprints together (drawn apart), never interleaved
        for k in ("cur", "prev"):
            order = sp[k]["board_id"].astype(str).map(names)
            sp[k] = sp[k].assign(_team=order).sort_values(["_team", "start_at", "sprint_id"]).drop(columns="_team")

    # ---- the six figures: one row per KPI from tech_health__kpis (current + previous)
    rows = q("tech_health__kpis", "cur")
    by_key = {r["kpi"]: r for _, r in rows.iterrows()}
    done = _int(by_key["debt_share"]["n"]) if "debt_share" in by_key else None           # issues completed
    done_before = _int(by_key["debt_share"]["previous_n"]) if "debt_share" in by_key else None
    comparable = previous_comparable(basis, len(sp["cur"]), len(sp["prev"]), done, done_before)
    nothing_done = all(_f(by_key[k]["value"]) is None if k in by_key else True
                       for k in ("debt_share", "cycle_time_p85", "rework_rate"))
    out: list[KPI] = []
    for key in KPI_KEYS:
        r = by_key.get(key)
        value = _f(r["value"]) if r is not None else None
        previous = _f(r["previous_value"]) if r is not None else None
        target = _f(r["target"]) if r is not None else None
        n = _int(r["n"]) if r is not None else None
        previous_n = _int(r["previous_n"]) if r is not None else None
        unit = _UNITS.get(str(r["unit"]), "count") if r is not None else DEFAULT_UNITS[key]
        if key == "escaped_bugs" and nothing_done and not value:
            value = previous = None      # an empty period proves nothing: no data, not "0 ✔"
        if value is None:
            detail = ""
        elif key == "carry_over":
            cur = sp["cur"]
            issues = int(cur["carryover_issues"].sum()) if len(cur) else 0
            pts = float(cur["carryover_points"].sum()) if len(cur) else 0.0
            detail = text.carry_over_detail(issues, pts, n, previous_n)
        elif key == "escaped_bugs":
            detail = "bugs found in production"
        else:
            detail = text.n_text(n, previous_n)
        status = _status(key, value, previous if comparable else None, target, th)
        out.append(KPI(key, value, previous, target, status, unit, n, detail, "tech_health__kpis",
                       previous_n, comparable))

    # ---- chart: debt share per sprint + target (work_mix), else p85 per week (flow_weekly)
    chart = None
    many = len(teams) > CHART_TEAMS   # too many teams to draw apart on one slide: the weekly chart instead
    if many:
        notes.append(f"{len(teams):,} teams: the per-sprint chart needs one team (pick it in the sidebar, or export "
                     "with --team NAME)")
    wm = q("work_mix") if basis == "sprints" and not many else None
    if wm is not None and len(sp["cur"]):
        labels, shares, groups = [], [], []
        for r in sp["cur"].itertuples():
            rows_ = wm[wm["sprint_id"].astype(str) == str(r.sprint_id)]
            labels.append(str(r.sprint_name))
            groups.append(names.get(str(r.board_id), str(r.board_id)))
            d = rows_[rows_["work_type"] == "debt"]
            shares.append(_f(d["share"].iloc[0]) if len(d) else (0.0 if len(rows_) else None))
        if any(s is not None for s in shares):
            chart = Chart("Tech-debt share per sprint" + (", per team" if len(teams) > 1 else ""), tuple(labels),
                          (Series("Debt share", tuple(shares), "bar"),
                           Series(f"Target {debt_target * 100:.0f} %", tuple(debt_target for _ in labels), "line")),
                          "0%", "share of completed points", "work_mix",
                          groups=tuple(groups) if len(teams) > 1 else ())
    if chart is None:
        fw = q("flow_weekly", "cur")
        if len(fw) and fw["cycle_time_p85"].notna().any():
            chart = Chart("Cycle time p85 per week",
                          tuple(day_words(w, year=False) for w in fw["week"]),
                          (Series("p85 cycle time (days)", tuple(_f(x) for x in fw["cycle_time_p85"]), "bar"),),
                          "0.0", "days", "flow_weekly")

    retros, left_out, latest = _latest_retros(con, board_id, days([as_of])[0])
    labels = local_times(con, [as_of, data_as_of])
    return TechHealth(
        team=team or board_name or "All teams", board_id=board_id, as_of=as_of, data_as_of=data_as_of,
        as_of_label=labels[0], data_as_of_label=labels[1],
        sources=sources, basis=basis,
        period_start=period_start, period_end=period_end, previous_start=previous_start, previous_end=previous_end,
        kpis=tuple(out), chart=chart,
        sprints=_sprint_rows(sp["cur"], days) if len(sp["cur"]) else (),
        previous_sprints=_sprint_rows(sp["prev"], days) if len(sp["prev"]) else (),
        retro=latest,
        notes=tuple(notes), sprints_per_team=sprints, teams=teams,
        sprint_boards=tuple(names), sprint_teams=tuple(names.values()),
        retros=retros, retro_teams_left_out=left_out, issues=done, previous_issues=done_before,
        previous_comparable=comparable,
    )


def latest_retro(con, board_id: str | None, on: date) -> RetroItems | None:
    """The latest retro held on or before `on` by the teams of `board_id` (every team when
    None) with its open action items (its own, then those carried into it from earlier retros,
    each once; open at `on`: still open, or done after it) and its agreements. Owners are left
    out: the slide reports the team, not people."""
    retros = queries.run(con, "tech_health__retros", on=on, board_id=board_id)
    latest = retros[retros["recent"] == 1]
    return _retro_items(con, latest.iloc[0], on) if len(latest) else None


def latest_retros(con, board_id: str | None, on: date, limit: int = RETRO_TEAMS
                  ) -> tuple[tuple[RetroItems, ...], int]:
    """Each team's latest retro held on or before `on`, for the teams of `board_id` (every team
    when None), in team order; at most `limit` of them (the most recently held), and how many
    teams with a retro were left out (reports/tech_health__retros.sql: the team rules of the
    pages, retro_team_in_scope and team_key)."""
    items, left_out, _ = _latest_retros(con, board_id, on, limit)
    return items, left_out


def _latest_retros(con, board_id: str | None, on: date, limit: int = RETRO_TEAMS
                   ) -> tuple[tuple[RetroItems, ...], int, RetroItems | None]:
    """latest_retros, and the most recently held of them (the SQL's order: held_on, then
    created_at, then id, as latest_retro and the Sprint retro page pick it), None without any."""
    retros = queries.run(con, "tech_health__retros", on=on, board_id=board_id)
    shown = retros[retros["recent"] <= limit]
    items = tuple(_retro_items(con, r, on) for _, r in shown.iterrows())
    latest = next((it for it, recent in zip(items, shown["recent"], strict=True) if recent == 1), None)
    return items, len(retros) - len(shown), latest


def _retro_items(con, r, on: date) -> RetroItems:
    """One retro's open action items on `on` (its own, then those carried into it:
    reports/tech_health__open_actions.sql) and agreements."""
    actions = queries.run(con, "tech_health__open_actions", retro_id=str(r["retro_id"]), on=on)
    agreements = con.table("agreements").df()
    agreements = agreements[agreements["retro_id"] == r["retro_id"]]

    def d(v):
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    def text(v, default: str) -> str:   # a missing text is NaN in a frame, and NaN is truthy
        return default if v is None or pd.isna(v) or not str(v) else str(v)

    return RetroItems(
        retro_id=str(r["retro_id"]), title=retro_title(r["title"], r["kind"], r["held_on"]), held_on=d(r["held_on"]),
        team=text(r["team"], ""),
        open_actions=tuple((str(a.text), d(a.due_on), None if a.from_retro is None or pd.isna(a.from_retro)
                            else str(a.from_retro)) for a in actions.itertuples()),
        agreements=tuple((str(g.text), d(g.start_on), d(g.review_on), None if pd.isna(g.metric) else str(g.metric))
                         for g in agreements.sort_values("agreement_id").itertuples()),
    )
