"""Sprint retro (scrum master / team): how did we execute this sprint, and did last retro's
actions happen?"""

import streamlit as st

from dashboard import charts, components, data
from dashboard.filters import sidebar, sprint_picker
from dashboard.safe_text import md

f = sidebar()
p = f.params()
components.page_header("Sprint retro", f, "How did we execute this sprint, and did last retro's actions happen?")

sprints = components.sprints_for(p)
if sprints.empty:
    components.empty_state("No sprints started in this period for this team.",
                           f"retroscope --db {data.db_label()} sync jira --board <id>   # or widen the period")
    st.stop()
s = sprint_picker(components.picker_sprints(sprints), key="sprint_retro_sprint")

components.sprint_tiles(s)

left, right = st.columns(2)
with left:
    st.subheader("Velocity")
    recent, note = components.recent_sprints(sprints)
    components.chart(charts.velocity, (recent, note), "Committed vs completed story points per sprint, one panel "
                     "per team; the line is say/do (completed ÷ committed points, right axis).",
                     key="sprint_retro_velocity")
with right:
    st.subheader("Scope changes and carry-over")
    components.chart(charts.scope_flow, (recent, note), "Points added after the sprint started, removed before it ended "
                     "(below zero), and still open at its end (carried over).", key="sprint_retro_scope")

st.subheader(f"What changed in {md(components.present.sprint_label(s.sprint_name, s.team, s.is_running))}")
scope = data.run_query("sprint__scope_changes", **p)
carry = data.run_query("sprint__carryover", **p)
left, right = st.columns(2)
with left:
    st.markdown("**Added / removed after the start**")
    components.table(scope[scope["sprint_id"] == s.sprint_id][
        ["issue_key", "direction", "changed_at", "days_into_sprint", "points", "summary", "source"]],
        key="sprint_retro_scope_table", board_id=f.board_id, download=f"scope changes {s.sprint_name}")
with right:
    st.markdown("**Carried over at the end**")
    if s.is_running:
        st.caption(f"Nothing is carried over before the sprint closes ({s.carryover_issues_so_far:.0f} issues "
                   "still open so far).")
    else:
        components.table(carry[carry["sprint_id"] == s.sprint_id][
            ["issue_key", "status", "points", "times_carried", "first_carried_from", "summary", "source"]],
            key="sprint_retro_carry_table", board_id=f.board_id, download=f"carried over {s.sprint_name}")

st.subheader("Flow")
issues = data.run_query("flow__cycle_time_scatter", **p)
weekly = data.run_query("flow_weekly", **p)
left, right = st.columns(2)
with left:
    components.chart(charts.cycle_scatter, (issues, weekly,), "Each dot is an issue completed in the period: days "
                     "from first In Progress to final Done. Lines: weekly p50 and p85.", key="sprint_retro_scatter")
with right:
    components.chart(charts.throughput, (weekly,), "Issues completed per ISO week (bars) and issues started but not "
                     "finished at each week's end (line).", key="sprint_retro_throughput")
left, right = st.columns(2)
with left:
    components.chart(charts.cfd, (data.run_query("cfd_daily", **p),), "Issues in each status at the end of each "
                     "day; widening bands mean work piles up there.", key="sprint_retro_cfd")
with right:
    components.chart(charts.ageing_wip, (data.run_query("flow__ageing_wip", **p),), "Issues started and not "
                     "finished as of the as-of date, by status; height = days since work started.",
                     key="sprint_retro_wip")

st.subheader("Quality and work mix")
left, right = st.columns(2)
with left:
    components.chart(charts.rework_trend, (data.run_query("quality__rework_trend", **p),), "QA bounces (back from "
                     "review/QA) and reopens (back from Done) of issues completed each period; line = rework rate.",
                     key="sprint_retro_rework")
with right:
    mix = data.run_query("work_mix", **p)
    components.chart(charts.debt_share, (mix, data.settings().analysis.debt_share_target, recent, note),
                     "Share of completed points per work type and sprint; the dashed line is the tech-debt "
                     "target.", key="sprint_retro_mix")

st.subheader("Last retro: actions and agreements")
components.retro_follow_up(f, key="sprint_retro")
