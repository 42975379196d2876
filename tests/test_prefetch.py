"""The background prefetch (dashboard/data.py PREFETCH) computes what the pages will ask for,
and nothing else: a query no page runs still costs its run and, at 1M issues, seconds of
pickling into Streamlit's cache while a user waits for the page they opened."""

from __future__ import annotations

from pathlib import Path

from dashboard import data

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"


def test_every_prefetched_query_is_one_a_page_runs():
    pages = "\n".join(p.read_text(encoding="utf-8") for p in DASHBOARD.rglob("*.py") if p.name != "data.py")
    unused = [name for name, _ in data.PREFETCH if f'"{name}"' not in pages]
    assert unused == [], f"prefetched but run by no page: {unused}"
