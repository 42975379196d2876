"""Page blocks built from the queries: sprint tiles and lists, calibration and forecast panels,
impact cards, flow detail, retro follow-up. Each reads through `dashboard.data` and draws with
the widgets of `dashboard.components`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data, filters, forecast_view, present
from dashboard.components import chart, empty_state, fmt_num, fmt_pct, how, missing, table, tile_columns
from dashboard.safe_text import md
from queries.dates import day_words
from queries.forecast import BEYOND_HORIZON
from queries.retro_text import retro_title
from queries.tech_health import CHART_TEAMS, team_rows
from queries.tech_health_text import plural


def retro_follow_up(f, key: str, board_id: str | None = None, team: str | None = None) -> None:
    """The team's last retro (actions and agreements with status), earlier open actions and
    agreement verdicts: what the next retro starts with. `board_id` / `team`: the team whose
    retros these are, when not the sidebar's (Sprint retro under All teams: the chosen sprint's
    team, not whichever team held the latest retro)."""
    p = f.params() if board_id is None else {**f.params(), "board_id": board_id}
    last = data.run_query("sprint_retro__last_retro", **p)
    if last.empty:
        empty_state(f"No retro has been recorded for {md(team) if team else 'this team'} yet.",
                    "Record one on the Retro log page, or: retroscope import retro retros.json")
        return
    r = last.iloc[0]
    st.markdown(f"**{md(retro_title(r.title, r.kind, r.held_on))}** · {md(r.team)} · held {day_words(r.held_on)}")
    open_actions = data.run_query("retro__open_actions", **p)
    # the last retro's own and carried actions show their lateness in its table, not twice
    listed = open_actions["action_id"].isin(last["action_id"].dropna())
    shown = last.merge(open_actions.loc[listed, ["action_id", "days_overdue", "times_carried", "effective_due_on"]],
                       on="action_id", how="left")
    # an open action with no due date is due at the team's next retro: the day it is late from
    shown["due_or_review_on"] = shown["due_or_review_on"].where(shown["due_or_review_on"].notna(),
                                                                shown.pop("effective_due_on"))
    units = data.run_query("outcomes_page__metrics", **p)[["metric", "unit"]]   # product metrics' own units
    shown = shown.drop(columns=["retro_id", "held_on", "team", "kind", "title", "action_id"])
    shown = present.in_metric_units(shown.merge(units, on="metric", how="left"), cols=("target",), unit_col="unit")
    table(shown.drop(columns="unit").assign(metric=shown["metric"].map(present.metric_name)),
          key=f"{key}_last_retro", keep_blank=("days_overdue",))
    how("Action status as recorded in the Retro log; a 'carried action' was left open by an earlier retro and "
        "reviewed at this one; agreements are 'running' until their review date (their verdict meanwhile: "
        "'too early'). Days overdue and times carried are shown for actions still open (days overdue blank: not "
        "yet due); an open action with no due date is due at the team's next retro, the day shown.")
    open_actions = open_actions[~listed]
    if not open_actions.empty:
        st.markdown("**Still open from earlier retros**")
        open_actions_table(open_actions, key=f"{key}_open_actions", one_team=True)
    evaluation = data.run_query("retro__agreement_evaluation", **p)
    if not evaluation.empty:
        st.markdown("**Working agreements: did they work?**")
        agreements_table(evaluation.merge(units, on="metric", how="left"), key=f"{key}_agreements", unit_col="unit")
        how("Each agreement's linked metric over [start, review] vs the same-length window before the start: "
            "met / not met / too early / not measurable.")


def open_actions_table(open_actions: pd.DataFrame, key: str, one_team: bool = False) -> None:
    """Action items still open from earlier retros: when due (its due date, else one retro
    cycle after the retro) and how late. Where the due dates come from is a column only when
    it differs between the rows (a column saying the same on every row is noise; the page's
    how-line gives the rule); so is the team when the rows are one team's (`one_team`: a team
    chosen in the sidebar, or the retro's own team), as on the Data page."""
    same_source = open_actions["due_from"].nunique(dropna=False) <= 1
    table(open_actions, key=key, first=("days_overdue", "team", "text", "owner", "effective_due_on", "due_from",
                                        "held_on", "retro_title"),
          hide=("due_on", "is_overdue", "older_than_one_cycle", "retros_since", "age_days")
          + (("due_from",) if same_source else ()) + (("team",) if one_team else ()),
          keep_blank=("days_overdue",))   # blank: not yet due (the how-line says so)


def agreements_table(evaluation: pd.DataFrame, key: str, unit_col: str | None = None) -> None:
    """Working agreements with their verdict first and values in each metric's own unit."""
    shown = present.in_metric_units(evaluation, unit_col=unit_col)
    table(shown.assign(metric=shown["metric"].map(present.metric_name)), key=key,
          first=("verdict", "team", "text", "metric", "target", "direction", "before_value", "during_value",
                 "start_on", "review_on", "reason"),
          hide=("before_n", "during_n", "before_from_on", "before_to_on", "metric_kind", "held_on", "unit"))


CALIBRATION_COLUMNS = {
    "group_by": "by", "group": "group", "n": "n (ranges)", "hit_rate": "hit rate", "overrun_rate": "overrun",
    "underrun_rate": "underrun", "bias": "bias ×", "mdmre": "MdMRE", "pred25": "PRED(25)",
    "bias_pert": "bias × (PERT)", "pred25_pert": "PRED(25) PERT", "relative_width": "rel. width",
    "n_points": "n (points)", "ordering_accuracy": "ordering acc.", "spearman_rho": "Spearman ρ",
}


def calibration_grey(cal: pd.DataFrame, columns: list[str]) -> list[list[bool]]:
    """Per row and shown column of estimate_calibration, whether it is greyed as too few to judge:
    each group of scores by its own count, the range scores by n (ranges) (`too_small`), the point
    scores by n (points) (`points_too_small`); the group's name when neither can be judged. A group
    with no ranges but 48 pointed issues keeps its ordering scores in black."""
    small = cal["too_small"].fillna(True).to_numpy() if "too_small" in cal.columns else [False] * len(cal)
    small_points = (cal["points_too_small"].fillna(True).to_numpy() if "points_too_small" in cal.columns
                    else small)
    point_cols = {CALIBRATION_COLUMNS[c] for c in ("n_points", "ordering_accuracy", "spearman_rho")}
    return [[bool(small[i] and small_points[i]) if c in ("by", "group")
             else bool((small_points if c in point_cols else small)[i]) for c in columns] for i in range(len(cal))]


def calibration_table(cal: pd.DataFrame, key: str) -> None:
    """estimate_calibration as a table; groups too small to judge are greyed."""
    cols = [c for c in CALIBRATION_COLUMNS if c in cal.columns]
    shown = cal[cols].rename(columns=CALIBRATION_COLUMNS)
    pct = [CALIBRATION_COLUMNS[c] for c in ("hit_rate", "overrun_rate", "underrun_rate", "mdmre", "pred25",
                                            "pred25_pert", "ordering_accuracy") if c in cols]
    shown = shown.copy().reset_index(drop=True)
    if "by" in shown.columns:   # 'work type', not the query's 'work_type'
        shown["by"] = shown["by"].astype("string").str.replace("_", " ")
    for c in shown.columns:   # text as a report shows it: whole percentages, 2-decimal ratios, blanks
        if c in pct:
            shown[c] = [fmt_pct(v) if pd.notna(v) else "" for v in shown[c]]
        elif shown[c].dtype.kind in "fiu":
            shown[c] = [("" if pd.isna(v) else f"{v:,.0f}" if float(v).is_integer() and c.startswith("n ")
                         else f"{v:,.2f}") for v in shown[c]]
        else:
            shown[c] = shown[c].astype("string").fillna("")
    grey = calibration_grey(cal, list(shown.columns))
    styler = shown.style.apply(lambda r: ["color: #9aa3ad" if g else "" for g in grey[r.name]], axis=1)
    st.dataframe(styler, hide_index=True, width="stretch", key=key)
    st.download_button("CSV", data=cal[cols].rename(columns=CALIBRATION_COLUMNS).to_csv(index=False).encode("utf-8"),
                       file_name=present.csv_name("estimate calibration scores"), mime="text/csv", key=f"{key}_csv",
                       icon=":material/download:", on_click="ignore", type="tertiary",
                       help="These rows as CSV (full precision)")
    how("Grey figures rest on fewer issues than the small-group limit ([estimates] small_group, default 5): too "
        "few to judge; the range scores count n (ranges), the point scores n (points). n (ranges) = issues with "
        "a best/likely/worst range, scored by the columns up to rel. width; n (points) = issues with story points, scored by ordering acc. and Spearman ρ. bias × = median actual ÷ "
        "likely (1.00 unbiased); MdMRE = median |actual − likely| ÷ actual; PRED(25) = share within 25 % of "
        "likely; PERT = (best + 4·likely + worst) ÷ 6; rel. width = median (worst − best) ÷ likely (1.60: ranges "
        "160 % as wide as likely); ordering acc. = share of issue pairs with different points where the bigger "
        "estimate took longer (50 % = points say nothing, 100 % = perfectly ordered).")


def forecast_panel(f, key: str) -> None:
    """One forecast panel: the throughput Monte Carlo ('items left' defaults to the open
    items in scope) drawn with its 50/85/95 % lines, then the range-based plan check as a
    separate, labelled answer about the same open items."""
    from queries.errors import QueryError
    from queries.limits import INT_RANGES, target_date_range

    p = f.params()
    defaults = data.forecast_panel_defaults(p)     # the default question (the one held to account)
    # inputs typed for another scope, as-of or period go back to this one's defaults (a keyed
    # widget keeps its value when its default changes)
    drawn_for = f"{key}_defaults"
    if st.session_state.get(drawn_for) != defaults:
        for k in (f"{key}_items", f"{key}_by"):
            st.session_state.pop(k, None)
        st.session_state[drawn_for] = defaults
    open_items = data.analysis("queries.forecast:remaining_items", **p)
    c = st.columns(3)
    lo_items, hi_items = INT_RANGES["items"]      # the bounds the query enforces (queries/limits.py)
    items = c[0].number_input("Items left", min_value=max(lo_items, 1), max_value=hi_items,
                              value=min(int(defaults["items"]), hi_items),
                              key=f"{key}_items", help=f"Default: the {open_items:,} issues in scope not done at the "
                              "as-of date (the plan check's open items)")
    # from the as-of day in the reporting timezone, the day the forecast counts from
    first, last = target_date_range(data.local_day(p["as_of"]),
                                    forecast_view.PAGE_RUNS)
    by_key = f"{key}_by"
    picked = st.session_state.get(by_key)
    if by_key in st.session_state and not (picked is not None and first <= picked <= last):
        del st.session_state[by_key]              # picked for another as-of date: back to the default
    target_date = c[1].date_input("How many by", value=defaults["target_date"], min_value=first, max_value=last,
                                  key=by_key, help=f"A day from the as-of date to {(last - first).days} days after it")
    # the forecast and its chart from one simulation (the public query 'forecast' and its runs)
    try:
        fc, hist = data.analysis(data.FORECAST_PANEL, items=int(items), target_date=target_date, **p)
    except QueryError as e:                        # a value the pickers let through: advice, not a traceback
        st.warning(f"No forecast for these inputs: {e}")
        return
    forecast_summary(fc, c[2], int(items))
    # held to account: the default question over the sidebar's default period (its throughput
    # window), not a period someone picked for a look (docs/metrics.md)
    if filters.is_default_period(p) and forecast_view.held_to_account(p, int(items), target_date, defaults):
        forecast_view.record_shown(fc, p, int(items), target_date)   # held to account (docs/pages.md)
    if (int(items), target_date) == (int(defaults["items"]), defaults["target_date"]):
        c[2].caption("The default question: recorded once per scope and as-of day and scored when its dates pass.")
    else:
        c[2].caption("A what-if: shown, not recorded. Only the default question (the open items; how many by "
                     "as-of + 28 days) is held to account.")
    chart(charts.forecast_distribution, (hist, fc, int(items)),
          f"10,000 runs resampling the team's daily throughput (issues completed per day over "
          f"{present.date_span(p['date_from'], p['date_to'])}, the period picked in the sidebar); each bar "
          "is the share of runs that finished on that day. The dashed lines are the 50/85/95 % dates: 85 % of "
          "runs finished by the orange one.", key=f"{key}_when")
    st.markdown("**Plan check — a separate answer:** when does the open *range-estimated* work finish, going by "
                "its estimates?")
    chart(charts.plan_check, (fc,), "Sum of likely estimates ÷ the team's capacity (work-days delivered per day), "
          "then each estimate multiplied by actual ÷ likely ratios resampled from the team's history (50/85/95 %). "
          "It counts estimated work, not items, and leaves out unestimated issues, so its dates can differ "
          "from the throughput forecast above.", key=f"{key}_plan")


def forecast_summary(fc: pd.DataFrame, where, items: int | None = None) -> None:
    """The two Monte Carlo answers in words (85 % confidence). 'How many' is about the pace
    (any completed items), not the `items` left, and says so."""
    def pick(question: str, conf: float):
        r = fc[(fc["question"] == question) & (fc["confidence"].round(2) == conf)]
        return r.iloc[0] if len(r) else None

    when, many = pick("when", 0.85), pick("how_many", 0.85)
    lines = []
    if when is not None and when.value == when.value:
        lines.append(f"**When:** done by **{day_words(when.on_date)}** (85 % of runs; 50 %: "
                     f"{day_words(pick('when', 0.5).on_date)})")
    elif when is not None and str(when.detail).startswith(BEYOND_HORIZON):   # more items than the runs reach
        lines.append(f"**When:** {when.detail}" + (f" for {items:,} items" if items else ""))
    if many is not None and many.value == many.value:
        these = f", not only these {items:,}" if items else ""
        lines.append(f"**How many:** at the current pace, at least **{many.value:,.0f}** items (any items{these}) "
                     f"by {day_words(many.on_date)} (85 %)")
    where.markdown("  \n".join(lines) or "Not enough completed work in the window to forecast.")


def last_closed_sprints(sprints: pd.DataFrame) -> pd.DataFrame:
    """The latest closed sprint of each board."""
    return present.last_closed_per_team(sprints)


def team_names() -> dict:
    boards = data.run_query("dim_boards")
    return dict(zip(boards["board_id"], boards["name"], strict=True))


def sprints_for(p: dict) -> pd.DataFrame:
    """sprint_facts for the filters, ready to show (present.honest_sprints: team, label,
    nothing 'failed' or 'carried over' in a running sprint)."""
    return present.honest_sprints(data.run_query("sprint_facts", **p), team_names())


def recent_sprints(sprints: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The sprints a sprint-indexed chart draws (the last RECENT_SPRINTS of each team) and a
    note saying how many older ones the period holds."""
    recent, hidden, teams = present.recent_per_team(sprints)
    notes = []
    if hidden:
        notes.append(f"last {present.RECENT_SPRINTS} sprints per team ({hidden:,} older: narrow the period)")
    if teams:
        notes.append(f"{present.TEAM_PANELS} most recently active teams ({teams:,} more: pick one in the sidebar)")
    return recent, "; ".join(notes)


def sprint_tiles(s) -> None:
    """The Sprint retro tiles for one sprint (a present.honest_sprints row): a running
    sprint shows its figures so far and no say/do or carry-over."""
    c = tile_columns(6)
    so_far = " so far" if s.is_running else ""
    c[0].metric("Committed", fmt_num(s.committed_points, 0, " pt"))
    c[0].caption(plural(int(s.committed_issues), "issue"))
    c[1].metric("Completed" + so_far, fmt_num(s.completed_points, 0, " pt"))
    c[1].caption(plural(int(s.completed_issues), "issue"))
    c[2].metric("Say/do", fmt_pct(s.say_do_ratio))
    c[2].caption("when the sprint closes" if s.is_running else "completed ÷ committed points")
    c[3].metric("Scope change" + so_far, fmt_pct(s.scope_change))
    # re-estimates while a member close the points' balance (committed + added + re-estimated =
    # completed + carried over + removed): shown, or the tiles would not add up
    moved = float(getattr(s, "estimate_change_points", 0) or 0)
    c[3].caption(f"+{s.added_points:g} / −{s.removed_points:g} pt"
                 + (f" · re-estimated {'+' if moved > 0 else '−'}{abs(moved):g} pt" if moved else ""))
    c[4].metric("Carried over", fmt_num(s.carryover_points, 0, " pt"))
    c[4].caption("none before the sprint closes" if s.is_running else plural(int(s.carryover_issues), "issue"))
    c[5].metric("State", present.RUNNING if s.is_running else "closed")
    # the sprint's first and last day where the team reports, as the Tech health page gives them
    first, last = (data.local_day(pd.Timestamp(t)) for t in (s.start_at, s.end_at))
    c[5].caption(f"{day_words(first, year=False)} – {day_words(last, year=False)}" + (" (as of)" if s.is_running else ""))
    how("Rebuilt from history: committed = in the sprint and not done when it started; completed = in it and "
        "done when it ended; say/do = completed ÷ committed points; scope change = (added + removed) ÷ committed "
        "points. The points balance: committed + added + re-estimated (estimate changes while in the sprint) = "
        "completed + carried over + removed. A running sprint is judged when it closes.")


def picker_sprints(sprints: pd.DataFrame) -> pd.DataFrame:
    """The sprints the Sprint retro picker lists: the last 26 of the most recently active
    teams (plus the one in the URL), so the list stays short at any warehouse size."""
    recent = present.pickable_sprints(sprints)
    want = sprints[sprints["sprint_id"] == st.query_params.get("sprint")]
    return pd.concat([recent, want]).drop_duplicates("sprint_id") if len(want) else recent


def say_do_tile(where, sprints: pd.DataFrame) -> None:
    """'Last sprint say/do': each team's latest closed sprint, the team named (never one
    team's figure passed off as everyone's); with more teams than a tile can name
    (present.TILE_TEAMS), the median over the teams and their middle half, said so."""
    last = last_closed_sprints(sprints).sort_values("team")
    if last.empty:
        # the period picks sprints by their start: one that began before it is not among them
        where.metric("Last sprint say/do", "–", help="each team's last closed sprint among the sprints that "
                     "started in the period; none of those has closed")
        where.caption("no sprint that started in the period has closed")
        return
    if len(last) == 1:
        r = last.iloc[0]
        where.metric("Last sprint say/do", fmt_pct(r.say_do_ratio), help="completed ÷ committed points")
        where.caption(f"{present.sprint_label(r.sprint_name, r.team)} (closed)")
        return
    if len(last) <= present.TILE_TEAMS:
        where.metric("Last sprint say/do", present.pct_span(last["say_do_ratio"]),
                     help="the lowest and the highest of completed ÷ committed points over each team's last "
                          "closed sprint; each team's own figure is below")
        where.caption(" · ".join(f"{r.team}: {fmt_pct(r.say_do_ratio)} ({r.sprint_name})" for r in last.itertuples()))
        return
    # more teams than a tile can name (hundreds at scale): their spread, each team once, labelled as such
    spread = present.team_spread(last["say_do_ratio"])
    none = len(last) - (spread[3] if spread else 0)
    nothing = f"; {none:,} with nothing committed" if none else ""
    if spread is None:
        where.metric("Last sprint say/do", "–", help="no team's last closed sprint had points committed")
        where.caption(f"{len(last):,} teams' last closed sprints{nothing}")
        return
    med, q1, q3, n = spread
    where.metric("Last sprint say/do", fmt_pct(med),
                 help="the median over the teams of completed ÷ committed points of each team's last closed "
                      "sprint (each team counts once); pick a team in the sidebar for its own")
    where.caption(f"median of {n:,} teams' last closed sprints, middle half {fmt_pct(q1)} – {fmt_pct(q3)}{nothing}")


def follow_through(ft: pd.DataFrame) -> tuple[float | None, int]:
    """Action items done by their due date / action items due, over the retros listed."""
    due = int(ft["actions_due"].fillna(0).sum()) if not ft.empty else 0
    return (ft["actions_done_on_time"].fillna(0).sum() / due if due else None), due


def sprint_rows(rows, teams: dict | None = None) -> pd.DataFrame:
    """queries.tech_health.SprintRow tuples as a table (team first when several are shown);
    with more teams than the slide draws apart (CHART_TEAMS), one row per team instead
    (queries.tech_health.team_rows): 3,250 sprint rows of 500 teams read as a dump, the first
    100 of them as one team's."""
    teams = teams or {}
    cols = ["team", "sprint", "start", "end", "committed_points", "completed_points", "say_do_ratio",
            "carryover_issues"]
    df = pd.DataFrame([{"team": teams.get(r.board_id, r.board_id), "sprint": r.name, "start": r.start_on,
                        "end": r.end_on, "committed_points": r.committed_points,
                        "completed_points": r.completed_points, "say_do_ratio": r.say_do_ratio,
                        "carryover_issues": r.carryover_issues} for r in rows], columns=cols)
    if df.empty or df["team"].nunique() <= 1:
        return df.drop(columns="team")
    return team_rows(df) if df["team"].nunique() > CHART_TEAMS else df


def retro_items(retro) -> None:
    """The latest retro's open actions and agreements (queries.tech_health.RetroItems)."""
    if retro is None:
        st.caption("No retro recorded on or before the as-of date.")
        return
    st.markdown(f"**{md(retro.title)}** · {md(retro.team) + ' · ' if retro.team else ''}held {day_words(retro.held_on)}")
    for text, due, carried in retro.open_actions:
        st.markdown(f"- :material/radio_button_unchecked: {md(text)}" + (f" _(due {day_words(due, year=False)})_" if due else "")
                    + (f" _(carried from {md(carried)})_" if carried else ""))
    for text, start, review, metric in retro.agreements:
        st.markdown(f"- :material/handshake: {md(text)} _({day_words(start, year=False)} → review {day_words(review, year=False)}"
                    + (f", metric {md(present.metric_name(metric))}" if metric else "") + ")_")
    if not retro.open_actions and not retro.agreements:
        st.caption("Nothing left open.")


VERDICT_BADGES = {"moved": ":green-badge[:material/trending_up: moved]",
                  "moved the wrong way": ":red-badge[:material/trending_down: moved the wrong way]",
                  "no detectable change": ":gray-badge[:material/trending_flat: no detectable change]",
                  "too early": ":orange-badge[:material/schedule: too early]",
                  "not enough data": ":gray-badge[:material/help: not enough data]"}
VERDICT_COLUMN = {"verdict": st.column_config.TextColumn("verdict", help="moved / no detectable change / moved the "
                                                         "wrong way / too early / not enough data; met / not met")}


NO_IMPACT = pd.DataFrame(columns=["item_key", "item_name", "metric", "verdict", "shipped_on", "effect_rel"])


def metric_label(metrics: pd.DataFrame, metric: str) -> str:
    r = metrics[metrics["metric"] == metric].iloc[0]
    return str(r.description or r.unit or "")


def detectable_text(r) -> str:
    """What the analysis can see: the minimum detectable effect and where the interval's width comes from."""
    days = (pd.Timestamp(r.shipped_on) - pd.Timestamp(r.pre_start)).days
    how = (f"interval calibrated on {int(r.placebo_days)} earlier days without a launch"
           if r.calibration == "placebo-in-time" else "model-based interval (too little history to calibrate)")
    if r.verdict == "too early":
        return f"Once its {days} days are in, only changes above ±{r.mde_rel * 100:.0f} % can be told from noise · {how}"
    return f"Only changes above ±{r.mde_rel * 100:.0f} % can be told from noise in {days} days · {how}"


def with_units(df: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """Absolute effects and their interval as text in each metric's own unit, signed, with
    thousands separators (never '+1.5e+03')."""
    units = dict(zip(metrics["metric"], metrics["unit"], strict=True))
    out = present.in_metric_units(df.assign(_unit=df["metric"].map(units)), cols=("effect_abs", "ci_low", "ci_high"),
                                  unit_col="_unit", signed=True)
    return out.drop(columns="_unit")


def _signed_pct(v: float) -> str:
    """A relative change with its sign, minus as '−' like every other signed figure: '−1.1 %'
    (present.signed_pct, the same text as the tables)."""
    return present.signed_pct(v)


def impact_cards(impact: pd.DataFrame, key: str, units: dict | None = None, names: dict | None = None) -> None:
    """One card per shipped item × metric: effect with its interval, verdict badge, confounders
    (by name: `names`, item key -> name, else the names `impact` holds)."""
    names = names or dict(zip(impact["item_key"], impact["item_name"], strict=True))
    cols = st.columns(3)
    for i, r in enumerate(impact.itertuples()):
        with cols[i % 3].container(border=True, key=f"{key}_{i}"):
            st.markdown(f"**{md(r.item_name)}** {md(r.item_key)}  \nshipped {day_words(pd.Timestamp(r.shipped_on))} · "
                        f"metric **{md(present.metric_name(r.metric))}**")
            st.markdown(VERDICT_BADGES.get(r.verdict, r.verdict))
            if pd.notna(r.effect_rel):
                st.markdown(f"Effect **{_signed_pct(r.effect_rel)}** "
                            f"(95 % interval {_signed_pct(r.ci_low_rel)} to {_signed_pct(r.ci_high_rel)}) · "
                            f"absolute {present.signed_metric_value(r.effect_abs, r.metric, (units or {}).get(r.metric))}")
            elif isinstance(getattr(r, "note", None), str) and r.note:
                st.caption(r.note)
            if pd.notna(getattr(r, "mde_rel", None)):
                st.caption(detectable_text(r))
            if isinstance(r.confounded_by, str) and r.confounded_by:
                st.caption(f":material/warning: confounded: {md(present.named_items(r.confounded_by, names))} "
                           "shipped within the same window")


def sprint_window(s, sprints: pd.DataFrame) -> tuple[tuple, tuple]:
    """The chosen sprint's window for the date-axis charts (start, end, name) and the starts of
    its team's other sprints in the period (dotted boundaries), as hashable tuples."""
    team = sprints[(sprints["board_id"] == s.board_id) & (sprints["sprint_id"] != s.sprint_id)]
    starts = tuple(pd.to_datetime(team["start_at"], utc=True).sort_values().tolist())
    return (pd.Timestamp(s.start_at), pd.Timestamp(s.end_at), str(s.sprint_name)), starts


SPRINT_LISTS = (   # tab, outcome filter, columns shown (the sprint report's lists)
    ("Completed", lambda m: m["outcome"] == "completed",
     ["issue_key", "completed_at", "points", "added_at", "status", "work_type", "summary"]),
    ("Not completed", lambda m: m["outcome"] == "not completed",
     ["issue_key", "status", "points", "added_at", "work_type", "summary"]),
    ("Removed", lambda m: m["outcome"] == "removed",
     ["issue_key", "removed_at", "points", "added_at", "status", "work_type", "summary"]),
    ("Added after the start", lambda m: m["added"].fillna(False).astype(bool),
     ["issue_key", "added_at", "entry_points", "outcome", "points", "work_type", "summary"]),
)


def sprint_issue_lists(members: pd.DataFrame, s, carry: pd.DataFrame, key: str) -> None:
    """The sprint report's lists (sprint__issues) in tabs with counts and points: completed,
    not completed (carried over at the close, with how often each has been carried over
    (sprint__carryover); still open so far when running), removed, added after the start;
    instants in UTC, issue keys linked to Jira when the source is a Jira site."""
    so_far = " so far" if s.is_running else ""
    parts = [(name, members[keep(members)], cols) for name, keep, cols in SPRINT_LISTS]
    if not s.is_running and not carry.empty:
        name, df, cols = parts[1]
        df = df.merge(carry[["issue_key", "times_carried", "first_carried_from"]], on="issue_key", how="left")
        parts[1] = (name, df, cols[:3] + ["times_carried", "first_carried_from"] + cols[3:])
    tabs = st.tabs([f"{name}{so_far if name == 'Not completed' else ''} ({len(df):,})" for name, df, _ in parts])
    for tab, (name, df, cols) in zip(tabs, parts, strict=True):
        with tab:
            if df.empty:
                st.caption(f"None{so_far}." if name != "Added after the start" else "No issue was added after the start.")
                continue
            shown = df[cols + ["source"]].rename(columns={"entry_points": "points_when_added",
                                                          "points": "points_when_removed" if name == "Removed"
                                                          else "points_now" if s.is_running
                                                          else "points_at_end"})
            table(shown, key=f"{key}_{name.split()[0].lower()}", board_id=s.board_id,
                  download=f"{name} {s.sprint_name}")
            pts = df["entry_points" if name.startswith("Added") else "points"].fillna(0).sum()
            st.caption(f"{plural(len(df), 'issue')}, {pts:,.0f} pt. Times are UTC.")


def flow_detail(eff: pd.DataFrame, tis: pd.DataFrame, board_id: str | None, key: str) -> None:
    """Flow efficiency, waiting and blocked time of the issues completed in the period
    (flow__efficiency) as tiles, time in each status (flow__time_in_status) as a chart, and
    the most blocked issues (docs/metrics.md §2)."""
    if eff.empty:
        missing("No issues with a cycle time were completed in this period.", "widen the period")
        return
    lead = eff["lead_time_days"].sum()
    c = st.columns(4)
    c[0].metric("Flow efficiency", fmt_pct(eff["active_days"].sum() / lead))
    c[0].caption(f"active ÷ lead time, {len(eff):,} issues; median per issue {fmt_pct(eff['efficiency'].median())}")
    any_waiting = not tis.empty and bool(tis["is_waiting"].fillna(False).astype(bool).any())
    waits = any_waiting or eff["waiting_days"].sum() > 0
    # no waiting status at all: not "0 %" (which reads as measured), but unknown until one is named
    c[1].metric("Waiting", fmt_pct(eff["waiting_days"].sum() / lead) if waits else "–")
    c[1].caption("of lead time in waiting statuses" if waits else
                 "no status of these issues is a waiting one: name yours in [workflow] waiting_pattern")
    c[2].metric("Blocked", fmt_pct(eff["blocked_days"].sum() / lead))
    blocked = eff[eff["blocked_days"] > 0]
    c[2].caption(f"of lead time flagged or in a blocked status; {len(blocked):,} issues were blocked")
    flagged = eff["flagged_days"].sum()
    # no Flagged history at all: unknown, not a measured 0.0 d (as Waiting with no waiting status)
    c[3].metric("Flagged", fmt_num(flagged, 1, " d") if flagged > 0 else "–")
    c[3].caption(f"{(eff['flagged_days'] > 0).sum():,} issues flagged in Jira" if flagged > 0
                 else "no Flagged history in the data")
    how("Lead time = creation to completion, so it also holds the time in to-do statuses before and between the "
        "work, which no tile counts. Active = time in in-progress statuses that are neither waiting nor "
        "blocked ([workflow] waiting_pattern / blocked_pattern), less flagged time. Figures pool all issues "
        "(Σ active ÷ Σ lead time).")
    left, right = st.columns(2)
    with left:
        chart(charts.time_in_status, (tis,), "Median and p85 days per issue in each status, over the issues "
              "completed in the period (n = how many were ever in it)"
              + ("; orange = waiting statuses." if any_waiting else "."), key=f"{key}_tis")
    with right:
        st.markdown("**Most blocked issues**")
        if blocked.empty:
            st.caption("No issue completed in the period was flagged or in a blocked status.")
        else:
            table(blocked.sort_values(["blocked_days", "issue_key"], ascending=[False, True])[
                ["issue_key", "blocked_days", "flagged_days", "lead_time_days", "efficiency", "work_type", "summary",
                 "source"]], key=f"{key}_blocked", board_id=board_id, download="most blocked issues")


def item_picker(impact: pd.DataFrame, key: str) -> str | None:
    """Pick one shipped item to open (or none). The choice is kept in the URL (`item=`), so
    the view can be linked and reloaded; a key the period's shipped items do not hold gets a
    one-line warning and the page carries on without it."""
    keys = list(dict.fromkeys(impact["item_key"]))
    names = dict(zip(impact["item_key"], impact["item_name"], strict=True))
    want = st.query_params.get("item")
    if key not in st.session_state or st.session_state[key] not in [None, *keys]:
        st.session_state[key] = want if want in keys else None
    choice = st.selectbox("Open one shipped item", [None, *keys], key=key, placeholder="Choose an item",
                          format_func=lambda k: "— none —" if k is None else f"{k} · {names[k]}",
                          help="Its metric with the counterfactual it was judged against; the link keeps it")
    if choice is not None and want != choice:
        st.query_params["item"] = choice
    elif choice is None and want in keys:
        del st.query_params["item"]
    elif choice is None and want:
        st.warning(f"No shipped item {md(str(want)[:40])} in this view (team and period in the sidebar); "
                   "pick one from the list or widen the period.", icon=":material/link_off:")
    return choice


def shipped_item(item_key: str, p: dict, metrics: pd.DataFrame, key: str) -> None:
    """One shipped item (queries.impact_view): verdict, why in one sentence, the effect in the
    metric's unit and in %, and its metric against the counterfactual the verdict was judged on."""
    from types import SimpleNamespace

    from queries.impact_text import overlap_note, pct, verdict_reason

    view = data.analysis("queries.impact_view:item_view", item_key=item_key, metric=None, **p)
    if view is None:
        st.warning(f"No shipped item {md(item_key)} in this view.", icon=":material/link_off:")
        return
    if len(view.metrics) > 1:
        metric = st.selectbox(f"Metric {item_key} targets", view.metrics, key=f"{key}_metric",
                              format_func=present.metric_name)
        if metric != view.row["metric"]:
            view = data.analysis("queries.impact_view:item_view", item_key=item_key, metric=metric, **p)
    r = view.row
    units = dict(zip(metrics["metric"], metrics["unit"], strict=True))
    unit = units.get(r["metric"])
    with st.container(border=True, key=f"{key}_box"):
        st.markdown(f"**{md(r['item_name'])}** {md(r['item_key'])} · shipped {day_words(pd.Timestamp(r['shipped_on']))} "
                    f"· metric **{md(present.metric_name(r['metric']))}** · expected {'up' if r['direction'] == 'up' else 'down'}  \n"
                    f"{VERDICT_BADGES.get(r['verdict'], r['verdict'])}")
        # the as-of day in the reporting timezone: the day the verdict counts to (queries/impact_view.py)
        as_of_day = data.local_day(p["as_of"])
        st.markdown(md(verdict_reason(r, unit, as_of=as_of_day)))
        if pd.notna(r["effect_abs"]):
            effect = present.signed_metric_value(r["effect_abs"], r["metric"], unit)
            ci = (f"{present.signed_metric_value(r['ci_low'], r['metric'], unit)} to "
                  f"{present.signed_metric_value(r['ci_high'], r['metric'], unit)}")
            rel, ci_rel = ((f" ({pct(r['effect_rel'])})", f" ({pct(r['ci_low_rel'])} to {pct(r['ci_high_rel'])})")
                           if pd.notna(r["effect_rel"]) else ("", ""))
            st.markdown(f"Effect **{effect}**{rel}, 95 % interval {ci}{ci_rel} · post-window mean "
                        f"{present.metric_value(r['post_mean'], r['metric'], unit)} vs counterfactual "
                        f"{present.metric_value(r['counterfactual_mean'], r['metric'], unit)}")
        note = overlap_note(r["item_key"], view.overlaps["item_key"])
        if note:
            st.caption(f":material/warning: {md(note)}")
        if pd.notna(r.get("mde_rel")):
            st.caption(detectable_text(SimpleNamespace(**r)))
    chart(charts.item_counterfactual, (view.curve, view.overlaps, r, unit),
          "Dashed = what the metric would have done without the launch (level and trend fitted on the pre-launch "
          "window with its weekday pattern, shown averaged over the week), projected over the post-launch window; "
          "grey band = that line ± the effect's 95 % interval: a verdict needs the post-window mean (diamond) outside "
          "it. Purple = other launches on this metric, from their ship day.",
          key=f"{key}_chart")
