"""Sprint retro (scrum master / team): how did we execute this sprint, and did last retro's
actions happen?"""

import streamlit as st

from dashboard import charts, components, data
from dashboard.filters import sidebar, sprint_picker
from dashboard.safe_text import md

f = sidebar()
p = f.params()
components.page_header("Sprint retro", f, "How did we execute this sprint, and did last retro's actions happen?")

sprints = data.run_query("sprint_facts", **p)
if sprints.empty:
    components.empty_state("No sprints started in this period for this team.",
                           f"retroscope --db {data.db_label()} sync jira --board <id>   # or widen the period")
    st.stop()
s = sprint_picker(sprints, key="sprint_retro_sprint")

c = st.columns(6)
c[0].metric("Committed", components.fmt_num(s.committed_points, 0, " pt"), f"{s.committed_issues} issues",
            delta_color="off")
c[1].metric("Completed", components.fmt_num(s.completed_points, 0, " pt"), f"{s.completed_issues} issues",
            delta_color="off")
c[2].metric("Say/do", components.fmt_pct(s.say_do_ratio))
c[3].metric("Scope change", components.fmt_pct(s.scope_change),
            f"+{s.added_points:g} / −{s.removed_points:g} pt", delta_color="off")
c[4].metric("Carried over", components.fmt_num(s.carryover_points, 0, " pt"), f"{s.carryover_issues} issues",
            delta_color="off")
c[5].metric("State", s.state)
components.how("Rebuilt from history: committed = in the sprint and not done when it started; completed = in it "
               "and done when it ended; say/do = completed ÷ committed points; scope change = (added + removed) "
               "÷ committed points.")

left, right = st.columns(2)
with left:
    st.subheader("Velocity")
    components.chart(charts.velocity, (sprints,), "Committed vs completed story points per sprint; the line is "
                     "say/do (completed ÷ committed points, right axis).", key="sprint_retro_velocity")
with right:
    st.subheader("Scope changes and carry-over")
    components.chart(charts.scope_flow, (sprints,), "Points added after the sprint started, removed before it ended "
                     "(below zero), and still open at its end (carried over).", key="sprint_retro_scope")

st.subheader(f"What changed in {md(s.sprint_name)}")
scope = data.maybe("sprint__scope_changes", **p)
carry = data.maybe("sprint__carryover", **p)
left, right = st.columns(2)
with left:
    st.markdown("**Added / removed after the start**")
    if scope is None:
        components.missing("Scope changes are not available in this build", "the Metrics engine adds them")
    else:
        components.table(scope[scope["sprint_id"] == s.sprint_id][
            ["issue_key", "direction", "changed_at", "days_into_sprint", "points", "summary", "source"]],
            key="sprint_retro_scope_table", board_id=f.board_id)
with right:
    st.markdown("**Carried over at the end**")
    if carry is None:
        components.missing("Carry-over is not available in this build", "the Metrics engine adds it")
    else:
        components.table(carry[carry["sprint_id"] == s.sprint_id][
            ["issue_key", "status", "points", "times_carried", "first_carried_from", "summary", "source"]],
            key="sprint_retro_carry_table", board_id=f.board_id)

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
    wip = data.maybe("flow__ageing_wip", **p)
    if wip is None:
        components.missing("Ageing WIP is not available in this build", "the Metrics engine adds it")
    else:
        components.chart(charts.ageing_wip, (wip,), "Issues started and not finished as of the as-of date, by "
                         "status; height = days since work started.", key="sprint_retro_wip")

st.subheader("Quality and work mix")
left, right = st.columns(2)
with left:
    rework = data.maybe("quality__rework_trend", **p)
    if rework is None:
        components.missing("The rework trend is not available in this build", "the Metrics engine adds it")
    else:
        components.chart(charts.rework_trend, (rework,), "QA bounces (back from review/QA) and reopens (back from "
                         "Done) of issues completed each period; line = rework rate.", key="sprint_retro_rework")
with right:
    mix = data.maybe("work_mix", **p)
    if mix is None:
        components.missing("Work mix is not available in this build", "the Metrics engine adds it")
    else:
        names = dict(zip(sprints["sprint_id"], sprints["sprint_name"], strict=False))
        components.chart(charts.debt_share, (mix, data.settings().analysis.debt_share_target, names,),
                         "Share of completed points per work type and sprint; the dashed line is the tech-debt "
                         "target.", key="sprint_retro_mix")

st.subheader("Last retro: actions and agreements")
components.retro_follow_up(f, key="sprint_retro")
