"""Overview: the headline figures for the selected team and period, and where to look next."""

import streamlit as st

from dashboard import charts, components, data
from dashboard.filters import sidebar

f = sidebar()
p = f.params()
components.page_header("Overview", f, "Where do we stand: delivery, estimates, outcomes and retro follow-through?")

counts = data.run_query("status_row_counts").set_index("table_name")["row_count"]
if counts.get("raw_issues", 0) == 0 and counts.get("raw_metric_points", 0) == 0:
    components.empty_state("No delivery or product data is loaded yet.",
                           f"retroscope --db {data.db_label()} sync jira --url https://…"
                           + components.DEMO_HINT)
    st.stop()

sprints = data.run_query("sprint_facts", **p)
kpis = data.run_query("tech_health__kpis", **p)
c = st.columns(5)
last = components.last_closed_sprints(sprints)
if last.empty:
    c[0].metric("Last sprint say/do", "–", "no closed sprint in the period", delta_color="off")
else:
    latest = last.iloc[-1]
    c[0].metric("Last sprint say/do", components.fmt_pct(latest.say_do_ratio), latest.sprint_name, delta_color="off",
                help=" · ".join(f"{r.sprint_name}: {components.fmt_pct(r.say_do_ratio)}" for r in last.itertuples()))
components.kpi_metric(c[1], kpis, "cycle_time_p85", "p85 cycle time")
components.kpi_metric(c[2], kpis, "range_hit_rate", "Estimate hit rate")
rate, due = components.follow_through(data.run_query("retro_follow_through", **p))
c[3].metric("Action follow-through", components.fmt_pct(rate), f"{due} actions due", delta_color="off")
impact = data.run_query("impact", **p)
if impact.empty:
    c[4].metric("Shipped items that moved", "–", "no impact analysis yet", delta_color="off")
else:
    judged = impact[~impact["verdict"].isin(["too early", "not enough data"])]
    c[4].metric("Shipped items that moved", f"{(judged['verdict'] == 'moved').sum()} of {len(judged)}",
                f"{len(impact) - len(judged)} too early to judge", delta_color="off")
components.how("Say/do = completed ÷ committed points of each team's last closed sprint; p85 = 85 % of issues "
               "completed in the period took at most this long (change vs the same-length period before); hit "
               "rate = range estimates with best ≤ actual ≤ worst; follow-through = actions done by their due date "
               "÷ actions due; moved = the metric moved beyond its 95 % interval.")

left, right = st.columns(2)
with left:
    st.subheader("Cycle time trend")
    components.chart(charts.p85_trend, (data.run_query("flow_weekly", **p),), "p50 and p85 cycle time (days from first "
                     "In Progress to final Done) of the issues completed each ISO week.", key="overview_p85")
with right:
    st.subheader("Say/do per sprint")
    components.chart(charts.velocity, (sprints,), "Committed vs completed points per sprint; line = say/do.",
                     key="overview_velocity")

st.subheader("Which page answers which question")
components.page_directory()
