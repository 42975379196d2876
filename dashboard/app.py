"""Streamlit entry point: `retroscope serve` (or `streamlit run dashboard/app.py`).
Builds the navigation from the page registry; every page shares the sidebar filters."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import components, data, filters
from dashboard.pages import PAGES
from dashboard.safe_text import md

# an emoji icon is drawn by the browser itself; a :material/…: page icon is fetched from a font host
st.set_page_config(page_title="Retroscope", page_icon="📊", layout="wide")

HERE = Path(__file__).parent

problem = data.setup_problem()
if problem:
    st.error(f"Retroscope cannot read its data: {md(problem)}", icon=":material/error:")
    st.caption("Fix the file named above (the same line as `retroscope status` prints), then reload this page.")
    st.stop()
if not data.has_warehouse():
    st.navigation([st.Page(components.no_warehouse, title="Retroscope", icon=":material/database:")]).run()
else:
    # The first page is served at "/". Streamlit still reserves a default page's url_path, so it
    # is "home" (never served), and the first page at its own name ("/overview", as every other
    # page is "/slug": typed, or an old link) is the same page again, hidden from the menu, not
    # "Page not found".
    pages = [st.Page(str(HERE / "app_pages" / f"{p.slug}.py"), title=p.title, icon=p.icon,
                     url_path="home" if i == 0 else p.slug, default=(i == 0)) for i, p in enumerate(PAGES)]
    first = PAGES[0]
    nav = st.navigation([*pages, st.Page(str(HERE / "app_pages" / f"{first.slug}.py"), title=first.title,
                                         icon=first.icon, url_path=first.slug, visibility="hidden")])
    st.session_state[filters.PAGE] = nav.url_path   # link notes belong to the page they were made on
    components.freshness_badge()
    with data.page_run():   # the background prefetch starts after the page, and waits while pages run
        nav.run()
