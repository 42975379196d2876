"""Tech health (engineering manager): the six KPIs behind the stakeholder slide, and the
slide itself."""

import streamlit as st

from dashboard import blocks, charts, components, data
from dashboard.filters import at_freshness, sidebar
from dashboard.present import date_span
from dashboard.safe_text import md
from dashboard.slides import build_tech_health
from queries.tech_health_text import too_short_words

f = sidebar()
components.page_header("Tech health", f, "How healthy is our engineering, in one slide for stakeholders?")

counts = data.run_query("status_row_counts").set_index("table_name")["row_count"]
if counts.get("raw_issues", 0) == 0:
    components.empty_state("No delivery data is loaded yet.", f"retroscope --db {data.db_label()} sync jira")
    st.stop()

# kept in the URL (`sprints=3`), so a link opens the same period; 6, the default, leaves it out.
# Streamlit drops a value out of range from the link: say so, as for the other link parameters
FEWEST, MOST, DEFAULT = 1, 26, 6
want = st.query_params.get("sprints")
if want is not None and not (want.isdigit() and FEWEST <= int(want) <= MOST):
    st.sidebar.warning(f"Link parameter sprints={md(want[:40])} is not a number of sprints from {FEWEST} to "
                       f"{MOST}; showing {DEFAULT} instead.", icon=":material/link_off:")
n = st.columns([1, 3])[0].number_input("Sprints in the period", min_value=FEWEST, max_value=MOST, value=DEFAULT,
                                       key="sprints",
                                       bind="query-params",
                                       help="The last N sprints closed by the as-of date, compared with the N before")
th = data.tech_health(f.board_id, f.as_of, int(n))
st.caption(f"{md(th.team)} · period {date_span(th.period_start, th.period_end)}: {th.period_words()}; "
           f"compared with {date_span(th.previous_start, th.previous_end)} ({th.previous_words()}). Every tile "
           "covers this period; the Overview's tiles cover the sidebar period, so they can differ.")
if not th.previous_comparable:
    st.caption(f":material/info: {too_short_words(th.basis)}")

for note in th.notes:
    st.caption(f":material/info: {note}")
cols = st.columns(3)
for i, k in enumerate(th.kpis):
    components.kpi_tile(cols[i % 3], k)
components.how("Traffic lights from [slide.thresholds] in retroscope.toml; every figure comes from the same public "
               "queries as the other pages, over the period above.")

if th.chart is not None:
    st.subheader(th.chart.title)
    components.chart(charts.slide_chart, (th.chart,), "The chart on the slide (native and editable in PowerPoint), "
                     "over the same sprints as the tiles.", key="tech_health_chart")

# the sprint table full width: its eight columns (~740 px) in half the page hid three of them
st.subheader("Sprints in the period")
if th.sprints:
    rows = blocks.sprint_rows(th.sprints, blocks.team_names())
    if "sprints" in rows.columns:   # many teams: one row each (queries.tech_health.team_rows)
        st.caption(f"One row per team ({len(rows):,} teams): its sprints in the period added up; say/do = "
                   "completed ÷ committed points of those that committed any. Pick a team in the sidebar for "
                   "its sprints.")
    components.table(rows, key="tech_health_sprint_table",
                     download=f"tech health {'teams' if 'sprints' in rows.columns else 'sprints'} {th.team} {th.period_end}")
else:   # before the team's first closed sprint: the tiles cover the last days instead
    st.caption("No sprint closed by the as-of date, so the tiles cover the days before it.")
several = len(th.retros) > 1 or th.retro_teams_left_out
st.subheader("Latest retro of each team" if several else "Latest retro")
st.caption("Its action items still open on the as-of date (its own, then those carried into it from earlier "
           "retros) and its working agreements: what the slide's speaker notes list.")
if several:   # each team's latest retro, so no team's open actions go missing under All teams
    for r in th.retros:
        blocks.retro_items(r)
    if th.retro_teams_left_out:
        st.caption(f"{th.retro_teams_left_out:,} more teams have a retro: choose a team in the sidebar.")
else:
    blocks.retro_items(th.retros[0] if th.retros else th.retro)

st.download_button("Download the tech-health slide (.pptx)", data=lambda: build_tech_health(th),
                   file_name=f"tech-health-{th.team.lower().replace(' ', '-')}-{th.period_end}.pptx",
                   mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
                   key="tech_health_download", type="primary", icon=":material/slideshow:", on_click="ignore")
# the sidebar's as-of day unless it is the data's freshness (the command's default): --as-of DAY is
# the end of that day in the reporting timezone, the instant the sidebar computes for that day
as_of_flag = ("" if at_freshness(f.params())
              else f" --as-of {data.analysis('queries.dates:local_day', instant=f.as_of)}")
components.how(f"The same slide as `retroscope export tech-health --out slide.pptx --sprints {int(n)}"
               + (f" --board {f.board_id}" if f.board_id else "") + as_of_flag + "`.")
