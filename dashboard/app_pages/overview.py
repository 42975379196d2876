"""Overview: the headline figures for the selected team and period, and where to look next."""

import streamlit as st

from dashboard import blocks, charts, components, data, present
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

sprints = blocks.sprints_for(p)
kpis = data.run_query("tech_health__kpis", **p)
c = components.tile_columns(5)
blocks.say_do_tile(c[0], sprints)
components.kpi_metric(c[1], kpis, "cycle_time_p85", "p85 cycle time", window=f"completed {components.window(f)}")
components.kpi_metric(c[2], kpis, "range_hit_rate", "Estimate hit rate", window=f"completed {components.window(f)}")
rate, due = blocks.follow_through(data.run_query("retro_follow_through", **p))
c[3].metric("Action follow-through", components.fmt_pct(rate), help="actions done by their due date ÷ actions due")
c[3].caption(f"{due} actions due in retros held {components.window(f)}")
impact = data.run_query("impact", **p)
if impact.empty:
    c[4].metric("Shipped items that moved", "–")
    c[4].caption(f"no item with a target metric shipped {components.window(f)}")
else:
    early = int((impact["verdict"] == "too early").sum())
    thin = int((impact["verdict"] == "not enough data").sum())
    judged = impact[~impact["verdict"].isin(["too early", "not enough data"])]
    c[4].metric("Shipped items that moved", f"{(judged['verdict'] == 'moved').sum()} of {len(judged)}"
                if len(judged) else "–")
    c[4].caption("; ".join([f"shipped {components.window(f)}"] + ([f"{early} too early to judge"] if early else [])
                           + ([f"{thin} without enough data"] if thin else [])))
components.how("Say/do = completed ÷ committed points of each team's last closed sprint; p85 = 85 % of issues "
               "completed in the period took at most this long (change vs the same-length period before); hit "
               "rate = range estimates with best ≤ actual ≤ worst; follow-through = actions done by their due date "
               "÷ actions due; moved = the metric moved beyond its 95 % interval.")

left, right = st.columns(2)
with left:
    st.subheader("Cycle time trend")
    weekly = present.mark_partial_week(data.run_query("flow_weekly", **p), f.as_of)
    components.chart(charts.p85_trend, (weekly,), "p50 and p85 cycle time (days from first "
                     "In Progress to final Done) of the issues completed each ISO week; shaded: the week so far.", key="overview_p85")
with right:
    st.subheader("Say/do per sprint")
    recent, note = blocks.recent_sprints(sprints)
    components.chart(charts.velocity, (recent, note), "Committed vs completed points per sprint, one panel per "
                     "team; line = say/do (none for a running sprint).", key="overview_velocity")

st.subheader("Which page answers which question")
components.page_directory()
