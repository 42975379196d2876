"""Sprint retro (scrum master / team): how did we execute this sprint, and did last retro's
actions happen?"""

import streamlit as st

from dashboard import blocks, charts, components, data, empty, present
from dashboard.filters import sidebar, sprint_picker
from dashboard.safe_text import md

f = sidebar()
p = f.params()
components.page_header("Sprint retro", f, "How did we execute this sprint, and did last retro's actions happen?")

sprints = blocks.sprints_for(p)
if sprints.empty:
    empty.filtered("sprints", "started", f,
                   *empty.held(p, lambda q: empty.span(data.run_query("sprint_facts", **q)["start_at"])))
    st.stop()
s = sprint_picker(blocks.picker_sprints(sprints), key="sprint_retro_sprint")
label = present.sprint_label(s.sprint_name, s.team, s.is_running)
st.markdown(f"#### {md(label)}")   # what the tiles below are about (the sprint report is a tab away)
if isinstance(s.goal, str) and s.goal.strip():
    st.markdown(f"**Sprint goal:** {md(s.goal.strip())}")
else:
    st.caption("This sprint has no goal in Jira.")

blocks.sprint_tiles(s)

left, right = st.columns(2)
with left:
    st.subheader("Velocity")
    recent, note = blocks.recent_sprints(sprints)
    above = components.figure_height(charts.velocity, (recent, note, "label", s.sprint_id))
    components.chart(charts.velocity, (recent, note, "label", s.sprint_id), "Committed vs completed story points "
                     "per sprint, one panel per team; the line is say/do (completed ÷ committed points, right "
                     "axis). The chosen sprint is outlined.", key="sprint_retro_velocity")
    if s.sprint_id not in set(recent["sprint_id"]):
        st.caption(f"{md(label)} is older than the sprints drawn, so it is not outlined.")
with right:
    st.subheader("Scope changes and carry-over")
    components.chart(charts.scope_flow, (recent, note), "Points added after the sprint started, removed before it ended "
                     "(below zero), and still open at its end (carried over).", key="sprint_retro_scope")

window, starts = blocks.sprint_window(s, sprints)


def retro_first() -> None:
    """What the retro starts with: rework and the work mix of the sprints, then last retro's actions."""
    st.subheader("Quality and work mix")
    # Under All teams these charts and last retro's block lie below the six-panel charts above:
    # drawn (and their queries read) once the reader scrolls near them (docs/pages.md "Below the
    # fold"). The work-mix chart has Velocity's team panels, so Velocity's height.
    if not components.below_fold("sprint_retro_quality", above + 60 + components.FOLD_TABLES, above=above,
                                 label="Rework, the work mix and last retro's actions are drawn as you scroll here."):
        return
    rework = ("rework_trend", window, starts, present.mark_partial_week(data.run_query("quality__rework_trend", **p), f.as_of))
    mix = (data.run_query("work_mix", **p), data.settings().analysis.debt_share_target, recent, note)
    left, right = st.columns(2)
    with left:
        components.chart(charts.in_sprint, rework, "QA bounces (back from review/QA) and reopens (back from Done) of "
                         "issues completed each period; line = rework rate. Shaded: the chosen sprint (blue), the week so "
                         "far (grey).",
                         key="sprint_retro_rework")
    with right:
        components.chart(charts.debt_share, mix, "Share of completed points per work type and sprint; the dashed "
                         "line is the tech-debt target.", key="sprint_retro_mix")
    st.subheader("Last retro: actions and agreements")
    # the chosen sprint's team (under All teams too: the sprint above is one team's)
    blocks.retro_follow_up(f, key="sprint_retro", board_id=s.board_id, team=s.team)


def sprint_report() -> None:
    st.subheader(f"Sprint report: {md(label)}")
    sp = dict(as_of=p["as_of"], board_id=s.board_id, sprint_id=s.sprint_id)
    burn = data.run_query("sprint__burnup", **sp)
    members = data.run_query("sprint__issues", **sp)
    components.chart(charts.burnup, (burn, members), "Replayed from history: scope = the issues in the sprint at "
                     "each instant (their estimate then), done = those whose final Done had begun; remaining = scope "
                     "− done. Triangles mark issues added (▲) or removed (▼) after the start." + (" Running: up to "
                     "the as-of instant." if s.is_running else ""), key="sprint_retro_burnup")
    carry = data.run_query("sprint__carryover", **p)
    blocks.sprint_issue_lists(members, s, carry[carry["sprint_id"] == s.sprint_id], key="sprint_retro_lists")


def flow() -> None:
    st.subheader("Flow")
    issues = data.run_query("flow__cycle_time_scatter", **p)
    weekly = present.mark_partial_week(data.run_query("flow_weekly", **p), f.as_of)
    left, right = st.columns(2)
    with left:
        components.chart(charts.in_sprint, ("cycle_scatter", window, starts, issues, weekly), "Each dot is an issue "
                         "completed in the period: days from first In Progress to final Done. Lines: weekly p50 and "
                         "p85. Shaded: the chosen sprint; dotted: the team's sprint starts.", key="sprint_retro_scatter")
    with right:
        components.chart(charts.in_sprint, ("throughput", window, starts, weekly), "Issues completed per ISO week "
                         "(bars) and issues started but not finished at each week's end (line). Shaded: the chosen "
                         "sprint (blue), the week so far (grey).", key="sprint_retro_throughput")
    left, right = st.columns(2)
    with left:
        components.chart(charts.in_sprint, ("cfd", window, starts, data.run_query("cfd_daily", **p)), "Issues in "
                         "each status at the end of each day; widening bands mean work piles up there. Shaded: the "
                         "chosen sprint.", key="sprint_retro_cfd")
    with right:
        pct = tuple((f"p{q}", issues[f"p{q}"].iloc[0] if len(issues) else None) for q in (50, 85, 95))
        components.chart(charts.ageing_wip, (data.run_query("flow__ageing_wip", **p), "status", "age_days", pct),
                         "Issues started and not finished as of the as-of date, by status; height = days since work "
                         "started. Lines: the cycle times 50 / 85 / 95 % of the issues completed in the period "
                         "stayed within; the issues above the 50 % line are named.", key="sprint_retro_wip")


def flow_detail() -> None:
    st.subheader("Flow detail")
    blocks.flow_detail(data.run_query("flow__efficiency", **p), data.run_query("flow__time_in_status", **p),
                       board_id=f.board_id, key="sprint_retro_flow")


# The retro's first questions above and in the first tab; the rest one click away, built only
# when opened (docs/pages.md "Sprint retro").
components.sections({"Quality and last retro": retro_first, "Sprint report": sprint_report, "Flow": flow,
                     "Flow detail": flow_detail})
