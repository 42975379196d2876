"""The tech-health figures: six KPIs for a period, the previous period, a chart series,
the sprint list and the latest retro's open actions and agreements.

Pure analysis (no UI, no IO beyond the connection): every figure is read from the public
queries the pages use (`sprint_facts`, `issue_facts`, `work_mix`, `estimate_calibration`,
`flow_weekly`) through `queries.registry.run_public`, and only aggregated here over the
period (sums, ratios, the same continuous quantile the SQL uses). A query that has not
landed or returns nothing makes its KPI say "no data"; nothing fails for missing data.

Period: the last N sprints closed by `as_of` (per board; all boards when no board is
given), from the first one's start day to the last one's end day; without closed sprints,
the last N x 14 days ending on the `as_of` day. The previous period is the same number of
days just before it. Dates are days in the reporting timezone (cfg `timezone`).

Used by `dashboard.slides.build_tech_health` (the slide) and the Tech health page.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

import queries
from queries import registry
from queries.errors import QueryError, RetroscopeError

KPI_KEYS = ("debt_share", "cycle_time_p85", "rework_rate", "escaped_bugs", "hit_rate", "carryover")
STATUSES = ("good", "watch", "bad", "no data")
SPRINT_DAYS = 14

DEFINITIONS = {
    "debt_share": "Tech-debt share = completed points of debt work / all completed points (issues if no points)",
    "cycle_time_p85": "p85 cycle time = 85th percentile of start→done days of issues completed in the period",
    "rework_rate": "Rework rate = share of completed issues that went backward (QA bounce, reopen) first",
    "escaped_bugs": "Escaped bugs = bugs created in the period with a production/escaped label",
    "hit_rate": "Hit rate = share of range-estimated issues done within best ≤ actual ≤ worst",
    "carryover": "Carry-over = issues still open in a sprint when it closed",
}
LABELS = {
    "debt_share": "Tech-debt share",
    "cycle_time_p85": "Cycle time p85",
    "rework_rate": "Rework rate",
    "escaped_bugs": "Escaped bugs",
    "hit_rate": "Estimate hit rate",
    "carryover": "Carry-over",
}


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
    - hit rate: good at or above target − hit_rate_watch_margin; watch down to
      target − hit_rate_bad_margin; bad below.
    - carry-over (share of sprint-end scope, points; issues when no points):
      good ≤ carryover_watch < watch ≤ carryover_bad < bad.
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
    carryover_watch: float = 0.10
    carryover_bad: float = 0.20

    @classmethod
    def from_mapping(cls, values: Mapping[str, object] | None, where: str = "retroscope.toml") -> Thresholds:
        """Thresholds from a `[slide.thresholds]` table; unknown keys and non-numbers are
        user errors naming the key."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise RetroscopeError(f"{where}: [slide.thresholds] has unknown key {unknown[0]!r} "
                                  f"(expected one of {', '.join(sorted(known))})")
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
                 ("hit_rate_watch_margin", "hit_rate_bad_margin"), ("carryover_watch", "carryover_bad")]
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
    detail: str = ""              # a short second line, e.g. "9 pts · 7 % of sprint-end scope"
    source: str = ""              # the public query the figure comes from

    @property
    def label(self) -> str:
        return LABELS[self.key]

    @property
    def definition(self) -> str:
        return DEFINITIONS[self.key]

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    # ---- text (shared by the slide and the page, so both show the same strings)
    def value_text(self) -> str:
        """The headline figure, e.g. '18 %', '6.2 d', '4', 'no data'."""
        return format_value(self.value, self.unit)

    def delta_text(self) -> str:
        """Change vs the previous period, e.g. '▲ +4 pp vs 14 %', '▼ −2.1 d (−34 %) vs 6.1 d',
        '= same as 3', 'no previous data'."""
        if self.value is None:
            return ""
        if self.previous is None:
            return "no previous data"
        d = self.delta
        prev = format_value(self.previous, self.unit)
        if self.unit == "share":
            shown, suffix = f"{abs(d) * 100:.0f}", " pp"
        elif self.unit == "days":
            shown, suffix = _num(abs(d)), " d"
            if self.previous:
                suffix += f" ({_sign(d)}{abs(d / self.previous) * 100:.0f} %)"
        else:
            shown, suffix = f"{abs(d):.0f}", ""
        if float(shown) == 0:
            return f"= same as {prev}"
        return f"{'▲' if d > 0 else '▼'} {_sign(d)}{shown}{suffix} vs {prev}"

    def unit_word(self) -> str:
        """The word after a count ('issues', 'bugs'); empty for shares and days."""
        if self.value is None or self.unit != "count":
            return ""
        one = round(self.value) == 1
        return {"carryover": "issue" if one else "issues", "escaped_bugs": "bug" if one else "bugs"}.get(self.key, "")

    def target_text(self) -> str:
        return f"target {format_value(self.target, 'share')}" if self.target is not None else ""


def _sign(v: float) -> str:
    return "+" if v > 0 else "−"   # a real minus sign, same width as the plus


def _num(v: float) -> str:
    """Days: one decimal under 10, whole numbers from 10 (so 3-digit values stay short)."""
    return f"{v:.1f}" if abs(v) < 9.95 else f"{v:.0f}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "share":
        return f"{value * 100:.0f} %"
    if unit == "days":
        return f"{_num(value)} d"
    return f"{value:.0f}"


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
    open_actions: tuple[tuple[str, date | None], ...]             # (text, due_on)
    agreements: tuple[tuple[str, date, date, str | None], ...]    # (text, start_on, review_on, metric)


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
    retro: RetroItems | None = None
    notes: tuple[str, ...] = field(default=())   # caveats (e.g. a query not available yet)

    def kpi(self, key: str) -> KPI:
        return next(k for k in self.kpis if k.key == key)

    @property
    def period_days(self) -> int:
        return (self.period_end - self.period_start).days + 1


# --------------------------------------------------------------------------- helpers
def _available(name: str) -> bool:
    try:
        queries.sql_text(name)
        return True
    except QueryError:
        return name in registry.REGISTRY and registry.REGISTRY[name].func is not None


def _public(con, name: str, **params) -> pd.DataFrame | None:
    """A public query's frame, or None when the query has not landed yet."""
    if not _available(name):
        return None
    return registry.run_public(con, name, **params)


def _cfg(con) -> dict[str, str]:
    df = con.table("cfg_param").df()
    return dict(zip(df["key"], df["value"], strict=True))


def _local_day(ts, tz: str) -> date | None:
    if ts is None or pd.isna(ts):
        return None
    t = pd.Timestamp(ts)
    if t.tzinfo is None:
        t = t.tz_localize("UTC")
    return t.tz_convert(tz).date()


def _days(series: pd.Series, tz: str) -> pd.Series:
    s = pd.to_datetime(series, utc=True)
    return s.dt.tz_convert(tz).dt.date


def _f(v) -> float | None:
    if v is None:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        return None
    return float(v)


def p85(values) -> float | None:
    """Continuous 85th percentile (linear interpolation, as DuckDB's quantile_cont)."""
    arr = np.asarray([v for v in values if v is not None and not pd.isna(v)], dtype=float)
    if arr.size == 0:
        return None
    return float(np.quantile(arr, 0.85, method="linear"))


def _sprint_rows(df: pd.DataFrame, tz: str) -> tuple[SprintRow, ...]:
    return tuple(
        SprintRow(str(r.sprint_id), str(r.sprint_name), None if pd.isna(r.board_id) else str(r.board_id),
                  _local_day(r.start_at, tz), _local_day(r.end_at, tz), float(r.committed_points),
                  float(r.completed_points), int(r.carryover_issues), float(r.carryover_points),
                  _f(r.say_do_ratio))
        for r in df.itertuples()
    )


def _closed(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["state"] == "closed"].sort_values(["start_at", "sprint_id"]) if len(df) else df


# --------------------------------------------------------------------------- the figures
def kpis(con: duckdb.DuckDBPyConnection, *, board_id: str | None = None, as_of=None, sprints: int = 6,
         thresholds: Thresholds | None = None, team: str | None = None) -> TechHealth:
    """The tech-health figures for a board (None = all boards) as of an instant (None = the
    data's freshness) over the last `sprints` closed sprints (or sprints × 14 days)."""
    if sprints < 1:
        raise RetroscopeError(f"--sprints {sprints}: expected a whole number ≥ 1, e.g. --sprints 6")
    th = thresholds or Thresholds()
    common = registry.resolve_params(con, "sprint_facts", {"as_of": as_of, "board_id": board_id})
    as_of = common["as_of"]
    board_id = common["board_id"]
    cfg = _cfg(con)
    tz = cfg.get("timezone") or "UTC"
    debt_target = float(cfg.get("debt_share_target", 0.2))
    hit_target = float(cfg.get("hit_rate_target", 0.8))

    boards = queries.run(con, "dim_boards")
    if board_id is not None and board_id not in set(boards["board_id"].astype(str)):
        known = ", ".join(f"{r.board_id} ({r.name})" for r in boards.itertuples()) or "none loaded"
        raise RetroscopeError(f"board {board_id!r} not found in the warehouse; boards: {known}")
    board_name = (boards.loc[boards["board_id"].astype(str) == board_id, "name"].iloc[0]
                  if board_id is not None else None)
    team_name = team or board_name or "All teams"

    fresh = queries.run(con, "status_freshness")
    data_as_of = pd.Timestamp(fresh["data_as_of"].max()).to_pydatetime() if len(fresh) and fresh["data_as_of"].notna().any() else None
    sources = tuple(str(s) for s in fresh["source"]) if len(fresh) else ()

    # ---- the period: last N closed sprints per board, else N x 14 days
    all_sprints = _closed(registry.run_public(con, "sprint_facts", as_of=as_of, board_id=board_id))
    if len(all_sprints):
        chosen = all_sprints.groupby("board_id", dropna=False, group_keys=False).tail(sprints)
        period_start = min(_local_day(t, tz) for t in chosen["start_at"])
        period_end = max(_local_day(t, tz) for t in chosen["end_at"])
        basis = "sprints"
    else:
        period_end = _local_day(as_of, tz)
        period_start = period_end - timedelta(days=sprints * SPRINT_DAYS - 1)
        basis = "days"
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
    # sprints of each period: closed sprints starting in it (sprint_facts filters on start day)
    sp = {k: (_closed(q("sprint_facts", k)) if basis == "sprints" else pd.DataFrame()) for k in periods}

    # issue_facts over both periods; bucketed by completion day / creation day
    facts = q("issue_facts", date_from=previous_start, date_to=period_end)
    if facts is not None and len(facts):
        facts = facts.copy()
        facts["completed_on_local"] = _days(facts["completed_at"], tz)
        facts["created_on_local"] = _days(facts["created_at"], tz)

    def completed_in(k):
        if facts is None or not len(facts):
            return None
        a, b = periods[k]
        m = facts["completed_at"].notna() & facts["completed_on_local"].between(a, b)
        return facts[m]

    def created_in(k):
        if facts is None or not len(facts):
            return None
        a, b = periods[k]
        return facts[facts["created_on_local"].between(a, b)]

    out: list[KPI] = []

    # 1. debt share
    wm = q("work_mix") if basis == "sprints" else None
    if wm is None and basis == "sprints":
        notes.append("work_mix is not available yet: debt share computed from issue_facts by completion day")

    def debt_share(k) -> tuple[float | None, int | None, str]:
        if basis == "sprints" and wm is not None:
            ids = set(sp[k]["sprint_id"].astype(str)) if len(sp[k]) else set()
            rows = wm[wm["sprint_id"].astype(str).isin(ids)] if len(wm) else wm
            if not len(rows):
                return None, None, "work_mix"
            pts = rows["completed_points"].fillna(0)
            total = float(pts.sum())
            if total > 0:
                return float(pts[rows["work_type"] == "debt"].sum()) / total, int(rows["completed_issues"].sum()), "work_mix"
            total = float(rows["completed_issues"].sum())
            return (float(rows.loc[rows["work_type"] == "debt", "completed_issues"].sum()) / total if total else None,
                    int(total), "work_mix")
        done = completed_in(k)
        if done is None or not len(done):
            return None, None, "issue_facts"
        pts = done["story_points"].fillna(0)
        if pts.sum() > 0:
            return float(pts[done["work_type"] == "debt"].sum() / pts.sum()), len(done), "issue_facts"
        return float((done["work_type"] == "debt").mean()), len(done), "issue_facts"

    v, n, src = debt_share("cur")
    pv, _, _ = debt_share("prev")
    out.append(KPI("debt_share", v, pv, debt_target,
                   _status_high_is_good(v, debt_target, debt_target - th.debt_share_watch_margin),
                   "share", n, f"{n} issues done" if n is not None else "", src))

    # 2. p85 cycle time
    def ct(k):
        done = completed_in(k)
        if done is None:
            return None, 0
        vals = done["cycle_time_days"].dropna()
        return p85(vals), len(vals)

    v, n = ct("cur")
    pv, _ = ct("prev")
    if v is None:
        st = "no data"
    elif pv:
        change = v / pv - 1
        st = "good" if change <= th.cycle_time_watch_increase + 1e-12 else "watch" if change <= th.cycle_time_bad_increase + 1e-12 else "bad"
    else:
        st = _status_low_is_good(v, th.cycle_time_watch_days, th.cycle_time_bad_days)
    out.append(KPI("cycle_time_p85", v, pv, None, st, "days", n, f"{n} issues done" if v is not None else "", "issue_facts"))

    # 3. rework rate
    def rework(k):
        done = completed_in(k)
        if done is None or not len(done):
            return None, 0
        return float((done["backward_transitions"].fillna(0) >= 1).mean()), len(done)

    v, n = rework("cur")
    pv, _ = rework("prev")
    out.append(KPI("rework_rate", v, pv, None, _status_low_is_good(v, th.rework_rate_watch, th.rework_rate_bad),
                   "share", n, f"of {n} issues done" if v is not None else "", "issue_facts"))

    # 4. escaped bugs (created in the period)
    def escaped(k):
        made = created_in(k)
        if made is None or "is_escaped_bug" not in made.columns:
            return None
        return float(made["is_escaped_bug"].fillna(False).astype(bool).sum())

    v = escaped("cur")
    pv = escaped("prev")
    bugs = created_in("cur")
    nb = int((bugs["work_type"] == "bug").sum()) if bugs is not None and len(bugs) else None
    out.append(KPI("escaped_bugs", v, pv, None, _status_low_is_good(v, th.escaped_bugs_watch, th.escaped_bugs_bad),
                   "count", nb, f"of {nb} bugs created" if v is not None and nb is not None else "", "issue_facts"))

    # 5. range-estimate hit rate
    def hit(k):
        cal = q("estimate_calibration", k)
        if cal is None or not len(cal):
            return None, 0
        row = cal[cal["group_by"] == "overall"]
        if not len(row):
            return None, 0
        n_ = int(row["n"].iloc[0]) if not pd.isna(row["n"].iloc[0]) else 0
        return (_f(row["hit_rate"].iloc[0]) if n_ else None), n_

    if not _available("estimate_calibration"):
        notes.append("estimate_calibration is not available yet: hit rate shows no data")
    v, n = hit("cur")
    pv, _ = hit("prev")
    out.append(KPI("hit_rate", v, pv, hit_target,
                   _status_high_is_good(v, hit_target - th.hit_rate_watch_margin, hit_target - th.hit_rate_bad_margin),
                   "share", n, f"{n} range estimates" if v is not None else "", "estimate_calibration"))

    # 6. carry-over
    def carry(k):
        rows = sp[k]
        if not len(rows):
            return None, None, None
        issues = float(rows["carryover_issues"].sum())
        pts = float(rows["carryover_points"].sum())
        end_pts = pts + float(rows["completed_points"].sum())
        end_issues = issues + float(rows["completed_issues"].sum())
        share = pts / end_pts if end_pts > 0 else (issues / end_issues if end_issues > 0 else None)
        return issues, pts, share

    v, pts, share = carry("cur")
    pv, _, _ = carry("prev")
    st = "no data" if v is None else _status_low_is_good(share if share is not None else 0.0, th.carryover_watch, th.carryover_bad)
    detail = ""
    if v is not None:
        detail = f"{_pts(pts)} pts · {share * 100:.0f} % of sprint-end scope" if share is not None else f"{_pts(pts)} pts"
    out.append(KPI("carryover", v, pv, None, st, "count", len(sp["cur"]) if v is not None else None, detail, "sprint_facts"))

    # ---- chart: debt share per sprint + target (work_mix), else p85 per week (flow_weekly)
    chart = None
    if basis == "sprints" and wm is not None and len(sp["cur"]):
        names, shares = [], []
        for r in sp["cur"].itertuples():
            rows = wm[wm["sprint_id"].astype(str) == str(r.sprint_id)]
            names.append(str(r.sprint_name))
            if not len(rows):
                shares.append(None)
            else:
                d = rows[rows["work_type"] == "debt"]
                shares.append(_f(d["share"].iloc[0]) if len(d) else 0.0)
        if any(s is not None for s in shares):
            chart = Chart("Tech-debt share per sprint", tuple(names),
                          (Series("Debt share", tuple(shares), "bar"),
                           Series(f"Target {debt_target * 100:.0f} %", tuple(debt_target for _ in names), "line")),
                          "0%", "share of completed points", "work_mix")
    if chart is None:
        fw = q("flow_weekly", "cur")
        if fw is not None and len(fw) and fw["cycle_time_p85"].notna().any():
            chart = Chart("Cycle time p85 per week", tuple(pd.Timestamp(w).strftime("%d %b") for w in fw["week"]),
                          (Series("p85 cycle time (days)", tuple(_f(x) for x in fw["cycle_time_p85"]), "bar"),),
                          "0.0", "days", "flow_weekly")

    return TechHealth(
        team=team_name, board_id=board_id, as_of=as_of, data_as_of=data_as_of, sources=sources, basis=basis,
        period_start=period_start, period_end=period_end, previous_start=previous_start, previous_end=previous_end,
        kpis=tuple(out), chart=chart,
        sprints=_sprint_rows(sp["cur"], tz) if len(sp["cur"]) else (),
        previous_sprints=_sprint_rows(sp["prev"], tz) if len(sp["prev"]) else (),
        retro=latest_retro(con, [board_name] if board_id is not None else list(boards["name"].astype(str)),
                           _local_day(as_of, tz)),
        notes=tuple(notes),
    )


def _pts(v: float | None) -> str:
    if v is None:
        return "0"
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def latest_retro(con, teams: list[str], on: date) -> RetroItems | None:
    """The latest retro held on or before `on` by one of `teams` (a retro's team matched to a
    board name, case-insensitive; with no board names, any team) with its open action items
    and its agreements. Owners are left out: the slide reports the team, not people."""
    retros = con.table("retros").df()
    if not len(retros):
        return None
    retros = retros[pd.to_datetime(retros["held_on"]).dt.date <= on]
    if teams:
        retros = retros[retros["team"].str.casefold().isin({t.casefold() for t in teams})]
    if not len(retros):
        return None
    r = retros.sort_values(["held_on", "retro_id"]).iloc[-1]
    actions = con.table("action_items").df()
    actions = actions[(actions["retro_id"] == r["retro_id"]) & (actions["status"] == "open")]
    agreements = con.table("agreements").df()
    agreements = agreements[agreements["retro_id"] == r["retro_id"]]

    def d(v):
        return None if v is None or pd.isna(v) else pd.Timestamp(v).date()

    return RetroItems(
        retro_id=str(r["retro_id"]), title=str(r["title"] or r["retro_id"]), held_on=d(r["held_on"]),
        open_actions=tuple((str(a.text), d(a.due_on)) for a in actions.sort_values("action_id").itertuples()),
        agreements=tuple((str(g.text), d(g.start_on), d(g.review_on), None if pd.isna(g.metric) else str(g.metric))
                         for g in agreements.sort_values("agreement_id").itertuples()),
    )

