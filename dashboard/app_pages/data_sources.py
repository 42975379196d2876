"""Data: what is loaded, from where and when; what in it distorts the figures; every public
table as CSV."""

import streamlit as st

from dashboard import charts, components, data, present
from dashboard.filters import sidebar
from queries.registry import REGISTRY

f = sidebar()
p = f.params()
components.page_header("Data", f, "What is loaded, from where, how fresh, and can I trust it?")

fresh = data.run_query("status_freshness")
st.subheader("Sources")
if fresh.empty:
    components.empty_state("Nothing has been loaded yet.",
                           f"retroscope --db {data.db_label()} sync jira --url https://…"
                           + components.DEMO_HINT)
else:
    components.table(fresh, key="data_sources_fresh")
    components.how("One row per source ('demo', 'jira:<site>', 'file:<name>'): loads so far, when the last one "
                   "finished and the instant its data describes.")
msrc = data.metric_sources()
if len(msrc):
    st.markdown("**Metric sources** (`[[metrics.sources]]` in retroscope.toml)")
    components.table(msrc, key="data_sources_metric_sources")
    components.how("Each SQL or PostHog source: its last successful sync, the end of its last day loaded, the "
                   "values it holds, and the last error when the latest attempt failed (the last good data is "
                   "kept). Refresh with `retroscope sync metrics`.")
st.markdown("**Last loads**")
components.table(data.run_query("status_loads").drop(columns=["row_counts"]), key="data_sources_loads")

st.subheader("Row counts")
left, right = st.columns(2)
left.markdown(f"**Warehouse** · `{data.db_label()}`")
with left:
    components.table(present.table_counts(data.run_query("status_row_counts")), key="data_sources_counts",
                     height=15 * 35 + 3)
right.markdown(f"**User input** (retros, actions, agreements) · `{data.userdata_path()}`")
with right:
    components.table(present.table_counts(data.run_query("status_userdata_counts")),
                     key="data_sources_user_counts")
    components.how("Typed in the Retro log or imported; kept in its own file that syncs never rewrite.")

st.subheader("Data quality")
dq = data.run_query("data_quality", **p)
if dq.empty:
    st.success("No findings: every check passed for this team and period.", icon=":material/check_circle:")
else:
    components.chart(charts.findings, (components.present.in_words(dq),), "Findings per check for this team and period; each one distorts a "
                     "figure (see 'why it matters').", key="data_sources_dq_chart")
    # the team column under All teams only: with a team chosen it is that team on every row
    components.table(dq, key="data_sources_dq", board_id=f.board_id, hide=("team",) if f.board_id else ())

st.subheader("Download every public table (CSV)")
components.how("Each file is the query `retroscope query <name> --format csv` runs, with this page's filters; "
               "it is computed when you click.")
cols = st.columns(3)
for i, q in enumerate(REGISTRY.values()):
    params = {k: v for k, v in p.items() if q.param(k) is not None}
    with cols[i % 3]:
        st.download_button(f"{q.name}.csv", data=lambda n=q.name, pp=params: data.csv_bytes(n, **pp),
                           file_name=present.csv_name(q.name), mime="text/csv", key=f"data_sources_csv_{q.name}",
                           help=q.description, icon=":material/download:", on_click="ignore")
