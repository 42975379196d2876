"""`retroscope serve` warms up before its first visitor (dashboard.serve): the first page's
queries for the default filters are computed before the server starts, so the first visit
computes none of them (docs/pages.md "The first visit after server start")."""

from __future__ import annotations

import pytest
import streamlit as st
from helpers_pages import app_for, problems

from dashboard import data, filters, serve


def _computed(monkeypatch) -> list[str]:
    """The queries the app computes from now on (its cache misses: the cached function calls
    `run_public` for a public query, `queries.run` for a page report), in order."""
    seen: list[str] = []
    real_public, real_queries = data.run_public, data.queries

    def public(con, name, **params):
        seen.append(name)
        return real_public(con, name, **params)

    class Recorded:   # the `queries` module as dashboard.data sees it, its `run` recorded
        def __getattr__(self, attr):
            return getattr(real_queries, attr)

        @staticmethod
        def run(con, name, **params):
            seen.append(name)
            return real_queries.run(con, name, **params)

    monkeypatch.setattr(data, "run_public", public)
    monkeypatch.setattr(data, "queries", Recorded())
    return seen


@pytest.fixture
def cold(monkeypatch, demo_db):
    monkeypatch.setenv("RETROSCOPE_NO_PREFETCH", "1")   # only what the page itself asks for
    at = app_for(monkeypatch, demo_db)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield at
    st.cache_data.clear()
    st.cache_resource.clear()


def test_first_visit_computes_nothing_after_warm_up(monkeypatch, cold):
    serve.warm_up()
    computed = _computed(monkeypatch)
    cold.run()                                   # the first visit: the default page, no link parameters
    assert not problems(cold)
    assert cold.title[0].value == "Overview"
    assert computed == [], f"computed on the first visit despite the warm-up: {computed}"


def test_without_warm_up_the_first_visit_computes_the_queries(monkeypatch, cold):
    computed = _computed(monkeypatch)
    cold.run()
    assert not problems(cold)
    assert set(serve.FIRST_PAGE + serve.FIRST_PAGE_FILTERED) <= set(computed)   # the list names what the first page needs


def test_default_params_are_the_sidebars_defaults(monkeypatch, cold):
    cold.run()
    assert cold.session_state[data._PENDING] == filters.default_params()


def test_warm_up_without_a_warehouse_is_quiet(monkeypatch, tmp_path):
    monkeypatch.setenv("RETROSCOPE_DB", str(tmp_path / "none.duckdb"))
    st.cache_resource.clear()
    assert serve.warm_up() >= 0                  # nothing to open: the app says so itself
    st.cache_resource.clear()
