"""How figures are presented, in one place (no Streamlit, no plotly): team-qualified sprint
labels, running sprints, the recent-sprints window of sprint-indexed charts, and the
report-table rules (plain headers with units, rounding, blanks, no internal columns).

The conventions are documented in docs/pages.md ("Reading a page honestly")."""

from __future__ import annotations

import math
import re

import pandas as pd

from queries.dates import day_words
from queries.tech_health_text import LABELS as METRIC_LABELS

RECENT_SPRINTS = 13          # sprint-indexed charts: the last N sprints of each team
TEAM_PANELS = 6              # ... for at most this many teams (the most recently active); the rest are counted
TILE_TEAMS = 3               # a tile names each team's figure up to this many teams; beyond, their spread
TABLE_ROWS = 100             # a table on a page shows at most this many rows; its CSV has them all
RUNNING = "running"          # the one word for a sprint that has started and not closed


# --------------------------------------------------------------------------- dates
def date_span(a, b) -> str:
    """Two days as a span, each written as every sentence on the pages and the slide writes a day
    (queries.dates.day_words), the year once when both ends share it ("3 Jul – 1 Dec 2026") and
    on each end when they do not ("3 Jul 2025 – 1 Jan 2026": a period across New Year)."""
    a, b = pd.Timestamp(a), pd.Timestamp(b)
    return f"{day_words(a, year=a.year != b.year)} – {day_words(b)}"


# --------------------------------------------------------------------------- sprints
def running(sprints: pd.DataFrame) -> pd.Series:
    """True for the rows of a sprint that has not closed (sprint_facts.is_running, else state)."""
    if "is_running" in sprints.columns:
        return sprints["is_running"].fillna(False).astype(bool)
    return sprints["state"].ne("closed")


def sprint_label(name: str, team: str | None = None, is_running: bool = False) -> str:
    """'Atlas · ATL Sprint 12' (team first unless the name already starts with it), plus
    ' (running)' for a sprint that has not closed."""
    label = str(name)
    if team and not label.casefold().startswith(str(team).casefold()):
        label = f"{team} · {label}"
    return label + (f" ({RUNNING})" if is_running else "")


def honest_sprints(sprints: pd.DataFrame, teams: dict | None = None) -> pd.DataFrame:
    """sprint_facts rows ready to show: a `team` column (board name), a `label` with the
    running marker, and no say/do or carry-over for a running sprint (its figures are only
    'so far': 0 % say/do two days in is not a failure, open work is not carried over yet)."""
    s = sprints.copy()
    teams = teams or {}
    s["team"] = s["board_id"].map(lambda b: teams.get(b, teams.get(str(b), str(b))))
    run = running(s)
    s["is_running"] = run
    s["label"] = [sprint_label(n, None, r) for n, r in zip(s["sprint_name"], run, strict=True)]
    if "carryover_issues" in s.columns:
        s["carryover_issues_so_far"] = s["carryover_issues"]
    for col in ("say_do_ratio", "say_do_ratio_issues", "carryover_points", "carryover_issues"):
        if col in s.columns:
            s[col] = s[col].astype("float64").where(~run)
    return s


def recent_per_team(sprints: pd.DataFrame, n: int = RECENT_SPRINTS,
                    teams: int = TEAM_PANELS) -> tuple[pd.DataFrame, int, int]:
    """The last `n` sprints of each board (by start) for the `teams` boards whose latest
    sprint started most recently; returns them, how many older sprints of those boards
    were left out, and how many boards were left out."""
    if sprints.empty:
        return sprints, 0, 0
    s = sprints.sort_values(["board_id", "start_at", "sprint_id"])
    latest = s.groupby("board_id")["start_at"].max().sort_values(ascending=False, kind="stable")
    shown = set(latest.index[:teams])
    s = s[s["board_id"].isin(shown)]
    kept = s.groupby("board_id", sort=False).tail(n)
    return kept, len(s) - len(kept), len(latest) - len(shown)


def mark_partial_week(weekly: pd.DataFrame, as_of, col: str = "week") -> pd.DataFrame:
    """A weekly frame (`col`: each ISO week's Monday) with `partial`: True for a week that had not
    ended by the as-of instant (its figures are the week so far: a third of a week's throughput
    is not a drop). Compared in UTC: a reporting timezone moves a week's end by hours, a shade
    by nothing a reader would see. docs/pages.md, "Reading a page honestly"."""
    if weekly.empty or col not in weekly.columns:
        return weekly
    at = pd.Timestamp(as_of)
    at = at.tz_convert("UTC").tz_localize(None) if at.tzinfo is not None else at
    ends = pd.to_datetime(weekly[col]) + pd.Timedelta(days=7)
    return weekly.assign(partial=(ends > at + pd.Timedelta(seconds=1)).to_numpy())


def pickable_sprints(sprints: pd.DataFrame) -> pd.DataFrame:
    """The sprints a sprint picker lists: the last 2 × RECENT_SPRINTS of each of the most
    recently active teams, so the list stays short at any warehouse size."""
    return recent_per_team(sprints, n=2 * RECENT_SPRINTS)[0]


def default_sprint(sprints: pd.DataFrame):
    """The row of the sprint a sprint picker starts on: the latest closed one (by start),
    else the latest; None for no sprints."""
    if sprints.empty:
        return None
    s = sprints.sort_values(["start_at", "sprint_id"])
    closed = s[s["state"] == "closed"]
    return (closed if len(closed) else s).iloc[-1]


def last_closed_per_team(sprints: pd.DataFrame) -> pd.DataFrame:
    """Each board's latest closed sprint."""
    closed = sprints[~running(sprints)].sort_values(["start_at", "sprint_id"])
    return closed.groupby("board_id", as_index=False).tail(1)


def team_spread(values: pd.Series) -> tuple[float, float, float, int] | None:
    """(median, first quartile, third quartile, how many) of one figure per team (NaN left
    out), or None when no team has one: what a tile shows when there are too many teams to
    name each (TILE_TEAMS). Each team counts once, whatever its size; quartiles by linear
    interpolation between the sorted values (DuckDB's quantile_cont, as every median and
    percentile on the pages). docs/pages.md, "Overview"."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return None
    q1, med, q3 = (float(x) for x in v.quantile([0.25, 0.5, 0.75], interpolation="linear"))
    return med, q1, q3, len(v)


# --------------------------------------------------------------------------- changes
# Which direction is good for each figure: an arrow's colour says whether the change is
# good news (green) or bad news (red); "target" figures (hit rate) are good near a target,
# so their change is grey.
BETTER = {"debt_share": "up", "cycle_time_p85": "down", "rework_rate": "down", "escaped_bugs": "down",
          "range_hit_rate": "target", "carry_over": "down", "say_do": "up"}


def change_style(delta: float | None, better: str | None) -> tuple[str, str]:
    """(arrow, colour) for a change: arrow by its sign ('off' when none), colour by whether
    that direction is good for the figure."""
    if delta is None or pd.isna(delta) or abs(delta) < 1e-12:
        return "off", "gray"
    up = delta > 0
    if better not in ("up", "down"):
        return ("up" if up else "down"), "gray"
    return ("up" if up else "down"), ("green" if up == (better == "up") else "red")


# --------------------------------------------------------------------------- metric values
# Delivery metrics that are shares (0..1) and those in days; anything else (product
# metrics) is shown in its own unit as a plain number.
SHARE_METRICS = {"debt_share", "hit_rate", "range_hit_rate", "rework_rate", "scope_change", "say_do",
                 "carry_over", "follow_through"}
DAY_METRICS = {"cycle_time_p85", "cycle_time_p50", "lead_time_p85"}


def metric_name(metric: str | None) -> str:
    """A metric as a reader names it: delivery metrics by their label ('Cycle time p85', one
    list in queries/tech_health_text.py), product metrics by their name in words
    ('conversion_rate' -> 'conversion rate'; the data holds no other display name)."""
    if metric is None or (not isinstance(metric, str) and pd.isna(metric)):
        return ""
    return METRIC_LABELS.get(metric, str(metric).replace("_", " ").strip())


def named_items(keys: str | None, names: dict) -> str:
    """Shipped items given by key ('BOR-E3, ATL-E2', as the impact analysis lists confounders)
    by name with the key after it ('Price display revamp (BOR-E3), …'); a key with no name known
    stays as it is."""
    if not isinstance(keys, str) or not keys.strip():
        return ""
    return ", ".join(f"{names[k]} ({k})" if isinstance(names.get(k), str) and names[k] not in ("", k) else k
                     for k in (k.strip() for k in keys.split(",")) if k)


def metric_value(v, metric: str | None, unit: str | None = None) -> str:
    """A value of `metric` in that metric's own unit: '70 %', '8.0 d', '1,234.5 ms'."""
    if v is None or pd.isna(v):
        return ""
    if metric in SHARE_METRICS:
        return f"{v * 100:,.0f} %"
    if metric in DAY_METRICS:
        return f"{v:,.1f} d"
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".") if v != int(v) else f"{v:,.0f}"
    return f"{text} {unit}".strip() if unit and unit not in ("count", "") else text


def signed_metric_value(v, metric: str | None, unit: str | None = None) -> str:
    """A change in the metric's own unit with its sign: '+1,504 users', '−0.04 %'."""
    if v is None or pd.isna(v):
        return ""
    sign = "+" if v > 0 else "−" if v < 0 else ""
    return sign + metric_value(abs(v), metric, "pp" if unit == "%" else unit)   # a change of a % is in points


def in_metric_units(df: pd.DataFrame, cols=("target", "before_value", "during_value"), metric_col: str = "metric",
                    unit_col: str | None = None, signed: bool = False) -> pd.DataFrame:
    """Rows whose values are in different metrics' units (agreements): each value as text in
    its own metric's unit, so a 0.7 target is never shown next to percentages."""
    out = df.copy()
    fmt = signed_metric_value if signed else metric_value
    for c in cols:
        if c in out.columns:
            out[c] = [fmt(v, m, (u if unit_col and isinstance(u, str) else None))
                      for v, m, u in zip(out[c], out[metric_col],
                                         out[unit_col] if unit_col else [None] * len(out), strict=True)]
    return out


# --------------------------------------------------------------------------- percentages
def pct(v, digits: int = 0) -> str:
    """A share as a page writes it, the one spelling: '80 %' (a space before the sign); a share
    above nothing that rounds to nothing is '<1 %' (with `digits` 1, '<0.1 %'), not '0 %' beside
    the issues it counts."""
    if v is None or pd.isna(v):
        return "–"
    return f"{rounded(v * 100, digits)} %"


def rounded(v: float, digits: int) -> str:
    """A figure to `digits` decimals, with thousands separators; one that is not 0 but rounds to
    0 is '<0.1' (or '>−0.1'), never '0.0' beside what it counts: the one rule for tables and
    shares alike."""
    shown = f"{v:,.{digits}f}"
    if v != 0 and float(shown.replace(",", "")) == 0:
        return f"<{10.0 ** -digits:.{digits}f}" if v > 0 else f">−{10.0 ** -digits:.{digits}f}"
    return shown


def pct_span(values) -> str:
    """Several shares as one tile value: the lowest and the highest, '70–85 %' (short enough
    for a tile at any screen; the tile's caption names each); '85 %' when they agree, '–' when
    there is none."""
    v = pd.Series(values, dtype="float64").dropna()
    if v.empty:
        return "–"
    lo, hi = pct(v.min()), pct(v.max())
    return hi if lo == hi else f"{lo.removesuffix(' %')}–{hi}"


# A relative effect (and its interval) is one figure on an Outcomes card and in a table:
# one decimal with its sign, minus as '−' ('+8.5 %', '−1.1 %').
SIGNED_PCT_COLUMNS = ("effect_rel", "ci_low_rel", "ci_high_rel")


def signed_pct(v) -> str:
    if v is None or pd.isna(v):
        return ""
    return f"{v * 100:+.1f} %".replace("-", "−")


# --------------------------------------------------------------------------- coded values
# Values that are codes in the data, in words on a page (the CSV keeps the codes).
VALUE_WORDS = {
    "check": {"done_without_start": "done without being started", "no_estimate": "no estimate",
              "partial_range": "range estimate incomplete", "range_out_of_order": "range out of order",
              "unknown_status": "unknown status", "transition_before_creation": "status change before creation",
              "sprint_without_dates": "sprint without dates"},
    "due_from": {"due date": "its due date", "next retro": "the next retro"},
}


def in_words(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with its coded values (VALUE_WORDS) in words; other codes with underscores as words."""
    out = df
    for col, words in VALUE_WORDS.items():
        if col in df.columns:
            out = out.copy() if out is df else out
            out[col] = [words.get(v, v.replace("_", " ") if isinstance(v, str) else v) for v in df[col]]
    return out


# --------------------------------------------------------------------------- tables
# Plain headers for columns the pages show (units in brackets); anything else is made
# readable by `header()`. Columns in HIDDEN are ids a reader does not need.
HEADERS = {
    "issue_key": "issue", "sprint_name": "sprint", "days_into_sprint": "day of sprint",
    "changed_at": "changed", "points": "points", "times_carried": "times carried",
    "first_carried_from": "first carried from", "due_on": "due", "done_on": "done on",
    "effective_due_on": "due", "due_from": "due date from", "due_or_review_on": "due / review", "days_overdue": "days overdue",
    "held_on": "retro held", "retro_title": "retro", "start_on": "start", "review_on": "review",
    "before_value": "before", "during_value": "during", "min_change": "minimum change",
    "item_key": "item", "item_name": "item name", "shipped_on": "shipped", "effect_abs": "effect",
    "effect_rel": "effect (%)", "ci_low_rel": "95 % low (%)", "ci_high_rel": "95 % high (%)",
    "ci_low": "95 % low", "ci_high": "95 % high", "confounded_by": "confounded by",
    # (the loads' instants are shown in UTC, as `retroscope status` prints the load times)
    "last_finished_at": "last sync / import (UTC)", "data_as_of": "data as of (UTC)", "started_at": "started (UTC)",
    "finished_at": "finished (UTC)", "duration_s": "duration (s)", "row_count": "rows", "table_name": "table",
    "holds": "what it holds",
    "cycle_time_days": "cycle time (days)", "lead_time_days": "lead time (days)", "age_days": "age (days)",
    "likely": "likely", "actual": "actual", "work_type": "work type",
    "say_do_ratio": "say/do (%)", "committed_points": "committed (pt)", "completed_points": "completed (pt)",
    "carryover_issues": "carried over (issues)", "carryover_points": "carried over (pt)",
    "story_points": "story points", "issue_type": "type", "created_at": "created", "completed_at": "completed",
    "column_name": "column", "n_issues": "issues", "loads": "loads", "kind": "kind",
    "ratio": "actual ÷ likely (×)", "miss_relative": "outside range (× likely)",
    "efficiency": "flow efficiency (%)",
}
# What each table counted on the Data page holds, in words (the table's name stays beside it, for
# whoever queries the file). A table missing here is shown by its name.
TABLE_HOLDS = {
    "raw_projects": "Jira projects", "raw_boards": "team boards", "raw_board_columns": "board columns × statuses",
    "raw_statuses": "workflow statuses", "raw_sprints": "sprints", "raw_issues": "issues",
    "raw_status_changes": "status changes", "raw_field_changes": "other field changes (estimates, sprints, …)",
    "raw_versions": "releases (fix versions)", "raw_metric_points": "product metric values",
    "raw_metric_definitions": "product metrics", "raw_shipped_items": "shipped items (imported)",
    "raw_loads": "loads (syncs, imports, demo)", "raw_sync_state": "sync checkpoints",
    "retros": "retros", "retro_cards": "retro cards (anonymous)", "action_items": "action items",
    "action_reviews": "actions reviewed at a later retro", "agreements": "working agreements",
    "hypotheses": "hypotheses", "forecasts": "forecasts shown or exported",
}


def table_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Row counts (table_name, row_count) as a report: what each table holds first, then its rows
    and its name."""
    holds = counts["table_name"].map(lambda t: TABLE_HOLDS.get(t, t))
    return pd.DataFrame({"holds": holds, "row_count": counts["row_count"], "table_name": counts["table_name"]})


HIDDEN = ("sprint_id", "retro_id", "action_id", "agreement_id", "hypothesis_id", "card_id", "issue_id",
          "board_id", "source_id", "row_counts", "created_at_utc")
PCT_WORDS = ("share", "rate", "ratio", "pct", "follow_through", "min_change", "hit_rate", "pred25", "effect_rel",
             "ci_low_rel", "ci_high_rel", "scope_change", "efficiency")


def header(col: str) -> str:
    """A readable header: a known plain name, else words with the unit spelled out."""
    if col in HEADERS:
        return HEADERS[col]
    name = str(col)
    for suffix, unit in (("_days", " (days)"), ("_points", " (pt)"), ("_pct", " (%)")):
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " ") + unit
    if is_pct(name):
        return name.replace("_", " ") + " (%)"
    name = re.sub(r"_(on|at)$", "", name)
    return name.replace("_", " ")


def is_pct(col: str) -> bool:
    if col in ("ratio", "miss_relative"):   # multiples of likely, not shares
        return False
    return any(w in str(col) for w in PCT_WORDS) and not str(col).endswith(("_basis", "_issues", "_points"))


def decimals(values, col: str) -> int:
    """The decimals of a column of figures: one, or two when every value is below 1 (a ratio of
    0.58 beside one of 18.2 read as more precise than it; days always one)."""
    v = pd.to_numeric(pd.Series(values), errors="coerce").dropna()
    return 1 if "days" in col or v.empty or (v.abs() >= 1).any() else 2


def fmt_cell(v, col: str, digits: int | None = None) -> str:
    """One value as a report shows it: blanks for missing, days one decimal, percentages
    whole (`pct`), counts with thousands separators, other figures with `digits` decimals (by
    default as `decimals` gives for the value alone), negatives with a minus sign (−), dates
    as YYYY-MM-DD."""
    if v is None or (not isinstance(v, str | list | tuple | dict) and pd.isna(v)):
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}" if (v.hour, v.minute, v.second) == (0, 0, 0) and not col.endswith("_at") \
            else f"{v:%Y-%m-%d %H:%M}"
    if hasattr(v, "isoformat") and not isinstance(v, str):
        return v.isoformat()[:16].replace("T", " ")
    if isinstance(v, int | float) and not isinstance(v, bool):
        if col in SIGNED_PCT_COLUMNS:
            return signed_pct(v)
        if is_pct(col):
            text = pct(v)
        elif float(v).is_integer():
            text = f"{v:,.0f}"
        else:   # (a figure that is not 0 never reads 0.0: rounded)
            text = rounded(v, decimals([v], col) if digits is None else digits)
        return text.replace("-", "−")   # the minus sign, as in every signed figure on the pages
    return str(v)


def blank_columns(df: pd.DataFrame, keep: tuple[str, ...] = ()) -> list[str]:
    """The columns of `df` with no value in any row (missing or empty text), judged on every row,
    not only those a table shows; `keep` and an empty frame's columns are never among them."""
    if df.empty:
        return []

    def holds_a_value(s: pd.Series) -> bool:   # stops at the first value: a column is rarely blank
        return any(not (isinstance(v, str) and not v.strip()) for v in s.dropna())

    return [c for c in df.columns if c not in keep and not holds_a_value(df[c])]


def report_frame(df: pd.DataFrame, first: tuple[str, ...] = (), hide: tuple[str, ...] = (),
                 keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """A frame as a report shows it: `first` columns lead (the verdict first when there is
    one), ids and `hide` columns left out, values formatted as text (`fmt_cell`), plain
    headers (`header`). Columns named in `keep` are passed through unformatted (e.g. a
    link column)."""
    df = in_words(df)
    lead = [c for c in (("verdict",) if "verdict" in df.columns else ()) + tuple(first) if c in df.columns]
    lead = list(dict.fromkeys(lead))
    cols = lead + [c for c in df.columns if c not in lead and c not in hide and c not in HIDDEN]
    out = pd.DataFrame(index=df.index)
    for c in cols:
        if c in keep:
            out[c] = df[c]
            continue
        values = df[c].tolist()
        # one number of decimals per column of figures ('0.6' beside '18.2', not '0.58')
        digits = decimals(values, str(c)) if pd.api.types.is_float_dtype(df[c]) else None
        out[c] = [fmt_cell(v, str(c), digits) for v in values]
    names = {c: (c if c in keep else header(c)) for c in cols}
    seen: dict[str, int] = {}
    for c, n in names.items():           # two columns with one plain name: keep both apart
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[c] = f"{n} ({seen[n]})"
    return out.rename(columns=names).reset_index(drop=True)


# Streamlit sizes each table column to its header and cells, and a table wider than its block
# scrolls sideways with no sign that columns lie beyond the edge (the column at the edge looks
# like the last). `table_px` scores a table's width from its text; over WIDE_TABLE the table
# gets a caption saying so. Calibrated on the demo's tables in the main block beside the
# sidebar at 1280 px: the ones that scrolled scored 1,117-2,037, the ones that fit 199-1,068.
# The caption says how wide a window the table needs: in Chromium the main block is the
# window less 460 px (the sidebar and its margins, measured at 1,024-1,920 px), 820 px at
# 1280, so a score s needs about s x 820 / WIDE_TABLE + 460 px (the demo's open actions:
# score 1,222, 899 px of columns, scrolling at 1280 and fitting at 1440).
WIDE_TABLE = 1090
BESIDE_MAIN_BLOCK = 460
MAIN_BLOCK_AT_1280 = 1280 - BESIDE_MAIN_BLOCK


def fits_window(score: int) -> int:
    """The window width in px, rounded up to 100, that a table of width score `score`
    (table_px) fits beside the sidebar."""
    return math.ceil((score * MAIN_BLOCK_AT_1280 / WIDE_TABLE + BESIDE_MAIN_BLOCK) / 100) * 100


def table_px(shown: pd.DataFrame) -> int:
    """A width score of a report_frame table (~7.5 px a character of its wider cells and
    header, plus padding, per column); compare with WIDE_TABLE."""
    total = 0
    for c in shown.columns:
        cells = shown[c].astype("string").fillna("").str.len()
        chars = max(len(str(c)) + 2, int(cells.quantile(0.9)) if len(cells) else 0)
        total += int(min(7.5 * chars + 32, 460))
    return total


def csv_name(*parts: str) -> str:
    """A readable download name: 'sprint-retro-carried-over-atlas-2026-11-18.csv'."""
    words = "-".join(p for p in parts if p)
    return re.sub(r"[^a-z0-9]+", "-", words.casefold()).strip("-") + ".csv"


# --------------------------------------------------------------------------- errors
KIND_WORDS = {"action": "action item", "card": "card", "agreement": "working agreement", "retro": "retro",
              "hypothesis": "hypothesis"}
FIELD_WORDS = {"text": "text", "due_on": "due date", "done_on": "done date", "start_on": "start date",
               "review_on": "review date", "held_on": "date", "column_name": "column", "item_key": "shipped item",
               "min_change": "minimum change", "retro_id": "retro", "jira_key": "Jira key"}
_STORE_ERROR = re.compile(r"^(\w+): column (\w+): (.+?) \(expected (.+)\)(.*)$")


def plain_error(message: str) -> str:
    """A validation message from the user-input store in plain words:
    'action: column text: empty (expected …)' -> "The action item's text is empty: write …"."""
    m = _STORE_ERROR.match(str(message))
    if not m:
        return str(message)
    kind, col, problem, expected, more = m.groups()
    what = KIND_WORDS.get(kind, kind)
    field = FIELD_WORDS.get(col, col.replace("_", " "))
    if " is not " in problem or " does not " in problem:   # a sentence about the value given
        return f"The {what}'s {field} {problem}: expected {expected}.{more}"
    return f"The {what}'s {field} is {problem}: expected {expected}.{more}"
