"""Estimate calibration (tech lead): how good are our estimates, where are we off, and
what does that mean for the plan?"""

import streamlit as st

from dashboard import blocks, charts, components, data, empty, forecast_view
from dashboard.filters import sidebar

f = sidebar()
p = f.params()
components.page_header("Estimate calibration", f, "How good are our estimates, and where are we off?")

cal = data.run_query("estimate_calibration", **p)
overall = cal[cal["group_by"] == "overall"]
if overall.empty or (overall["n"].fillna(0).sum() == 0 and overall["n_points"].fillna(0).sum() == 0):
    def estimated(q: dict):
        issues = data.run_query("issue_facts", **q)
        done = issues[issues["completed_at"].notna() & (issues["story_points"].notna()
                                                        | issues["estimate_likely"].notna())]
        return empty.span(done["completed_at"])

    empty.filtered("estimated issues", "completed", f, *empty.held(p, estimated),
                   fill=empty.sync_command() + "\n# story points and best/likely/worst fields: [jira.fields] in "
                   "retroscope.toml")
    st.stop()
o = overall.iloc[0]
target = data.settings().analysis.hit_rate_target
if o.ordering_accuracy == o.ordering_accuracy:   # not NaN
    st.markdown(f"### A bigger estimate took longer **{components.fmt_pct(o.ordering_accuracy)}** of the time")
    components.how(f"Across {o.ordered_pairs:,.0f} pairs of completed issues with different story points "
                   f"({o.n_points:,.0f} issues): concordant ÷ (concordant + discordant), ties in time ignored. "
                   f"50 % = points say nothing about duration. Spearman ρ = {o.spearman_rho:.2f}.")

c = components.tile_columns(6)
c[0].metric("Range hit rate", components.fmt_pct(o.hit_rate), help=f"target {components.fmt_pct(target)}")
c[1].metric("Overruns", components.fmt_pct(o.overrun_rate), help="actual > worst")
c[2].metric("Underruns", components.fmt_pct(o.underrun_rate), help="actual < best")
c[3].metric("Bias", components.fmt_num(o.bias, 2, "×"), help="median actual ÷ likely")
c[4].metric("PRED(25)", components.fmt_pct(o.pred25), help="share with |actual − likely| ≤ 25 % of actual")
c[5].metric("Range-estimated", f"{o.n:,}", help="completed issues")
components.window_captions(c, [f"target {components.fmt_pct(target)}", "actual > worst", "actual < best", "median actual ÷ likely",
                               "within 25 % of actual", "issues"], f)
components.how("Range estimates scored on completed issues: hit = best ≤ actual cycle time ≤ worst; bias 1.0 = "
               "unbiased, 1.5 = took 50 % longer than likely; PRED(25) = share with |actual − likely| ≤ 25 % of actual.")


def where_off() -> None:
    """Where the estimates are off, and the hit rate by quarter and by work type."""
    st.subheader("Where are we off")
    components.chart(charts.where_off, (cal,), "Per work type, label, component and size (story points): bias = "
                     "median actual ÷ likely (1.0× = on the likely estimate; red = longer, blue = shorter) and overrun "
                     "rate = share finishing above worst, each with its 95 % interval (bias: order-statistic interval "
                     "of the median; overrun: Wilson score). Most over at the top; grey = fewer issues than the "
                     "small-group limit, too few to judge.", key="calibration_where_off")
    st.subheader("Hit rate by quarter and by work type")
    components.chart(charts.calibration_panels, ((("by quarter", cal[cal["group_by"] == "quarter"]),
                                                  ("by work type", cal[cal["group_by"] == "work_type"])),
                                                 "hit_rate", target),
                     "Share of range-estimated issues completed that quarter (left) or of that work type (right, "
                     "config rules: bug, debt, feature) with best ≤ actual ≤ worst; grey = fewer issues than the "
                     "small-group limit.", key="calibration_hit_rate")


def sizes_and_ranges() -> None:
    """Every completed issue: its story points against its cycle time, its range against its actual."""
    left, right = st.columns(2)
    with left:
        st.subheader("Story points vs cycle time")
        components.chart(charts.points_vs_cycle, (data.run_query("flow__cycle_time_scatter", **p),),
                         "Cycle time of each completed issue by its story points (box = p25–p75, line = median); "
                         "overlapping boxes mean the sizes don't separate.", key="calibration_points")
    with right:
        st.subheader("Likely estimate vs actual")
        scored = data.run_query("calibration__worst_misses", **{**p, "limit": 10**9})   # every scored range
        components.chart(charts.actual_vs_likely, (scored,),
                         "Each completed range-estimated issue: likely (x) vs actual cycle time (y), bar from best "
                         "to worst. Above the dotted line = took longer than likely.", key="calibration_likely")


def scores() -> None:
    st.subheader("All scores")
    blocks.calibration_table(cal, key="calibration_scores")
    st.subheader("Worst misses")
    misses = data.run_query("calibration__worst_misses", limit=15, **p)
    unit = misses["unit"].dropna().unique() if "unit" in misses.columns else []
    u = f" ({unit[0]})" if len(unit) == 1 else ""
    if u:   # the one configured estimate unit: in the headers, not on every row
        misses = misses.drop(columns="unit").rename(columns={c: f"{c}{u}" for c in ("best", "likely", "worst", "actual")})
    # what the rows are ordered by, and why, first: on a laptop the columns after the summary are off screen
    components.table(misses, key="calibration_misses", board_id=f.board_id,
                     first=("issue_key", "miss_relative", "outcome", f"actual{u}", f"likely{u}", f"best{u}",
                            f"worst{u}", "ratio"))
    components.how("Completed issues whose actual fell furthest outside [best, worst], relative to likely.")


def forecast() -> None:
    st.subheader("Forecast: when will the open items be done?")
    blocks.forecast_panel(f, key="calibration_forecast")
    st.subheader("Forecasts held to account")
    forecast_view.accounts_panel(f, key="calibration_accounts")


# The tech lead's first question under the tiles; the rest one click away, built only when
# opened (docs/pages.md "Estimate calibration").
components.sections({"Where are we off": where_off, "Sizes and ranges": sizes_and_ranges, "All scores": scores,
                     "Forecast": forecast})
