"""Overview: the headline figures for the selected team and period."""

import streamlit as st

from dashboard import components, data
from dashboard.filters import sidebar

f = sidebar()
st.title("Overview")
st.caption(f"{f.board_name} · {f.date_from:%d %b %Y} – {f.date_to:%d %b %Y} · as of {f.as_of:%Y-%m-%d %H:%M} UTC")

counts = data.run_query("status_row_counts").set_index("table_name")["row_count"]
if counts.get("raw_issues", 0) == 0 and counts.get("raw_metric_points", 0) == 0:
    components.empty_state("No delivery or product data is loaded yet.",
                           f"retroscope --db {data.db_label()} demo\n# or\nretroscope sync jira")
    st.stop()

c1, c2, c3, c4 = st.columns(4)
c1.metric("Issues", f"{counts.get('raw_issues', 0):,}")
c2.metric("Sprints", f"{counts.get('raw_sprints', 0):,}")
c3.metric("Status changes", f"{counts.get('raw_status_changes', 0):,}")
c4.metric("Product metric points", f"{counts.get('raw_metric_points', 0):,}")
components.how("Rows in the warehouse's raw tables, as loaded by the last sync, import or demo.")
