"""`retroscope serve` warms up before its first visitor (dashboard.serve): the first page's
queries for the default filters are computed before the server starts, so the first visit
computes none of them (docs/pages.md "The first visit after server start")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from helpers_pages import app_for, problems

from dashboard import data, filters, serve

ROOT = Path(__file__).resolve().parents[1]


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


def _warm_up_in_a_new_process(db) -> tuple[str, str]:
    """What `retroscope serve`'s warm-up returns and prints on stderr in a fresh process (as
    before the server starts: no Streamlit runtime, nothing imported yet)."""
    env = {**os.environ, "RETROSCOPE_DB": str(db), "RETROSCOPE_NO_PREFETCH": "1"}
    done = subprocess.run([sys.executable, "-c", "from dashboard import serve; print(serve.warm_up()[1])"],
                          env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr


def test_warm_up_warms_the_demo_quietly(demo_db):
    skipped, err = _warm_up_in_a_new_process(demo_db)
    assert skipped == "None"
    assert "WARNING" not in err and "No runtime found" not in err   # expected before the server starts


def test_warm_up_without_a_warehouse_says_why_quietly(tmp_path):
    skipped, err = _warm_up_in_a_new_process(tmp_path / "none.duckdb")
    assert skipped == "no warehouse yet"     # nothing to open: the app says so itself
    assert "WARNING" not in err and not (tmp_path / "none.duckdb").exists()


def test_warm_up_on_a_damaged_file_gives_the_apps_advice(monkeypatch, tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    monkeypatch.setenv("RETROSCOPE_DB", str(bad))
    st.cache_resource.clear()
    skipped = serve.warm_up()[1]
    st.cache_resource.clear()
    assert skipped.startswith(f"cannot open {bad}") and "move it aside and rebuild it" in skipped
    assert bad.read_text() == "not a database"          # left as it was


@pytest.mark.parametrize("error", [RuntimeError("Query interrupted"),   # Ctrl+C mid-query, as DuckDB raises it
                                   duckdb.InterruptException("INTERRUPT Error: Interrupted!")])
def test_ctrl_c_during_a_warm_up_query_stops_it(monkeypatch, cold, error):
    def interrupted(name, **params):
        raise error

    monkeypatch.setattr(data, "run_query", interrupted)
    with pytest.raises(KeyboardInterrupt):
        serve.warm_up()


def test_a_query_error_during_warm_up_is_left_for_the_page(monkeypatch, cold):
    def broken(name, **params):
        raise duckdb.CatalogException("Catalog Error: Table with name x does not exist!")

    monkeypatch.setattr(data, "run_query", broken)
    assert serve.warm_up()[1] == "stopped at CatalogException: Catalog Error: Table with name x does not exist!"


def test_serve_names_a_damaged_warehouse_on_its_own_line(monkeypatch, tmp_path, capsys):
    import streamlit.web.cli as st_cli

    bad = tmp_path / "x.duckdb"
    bad.write_text("not a database")
    monkeypatch.setenv("RETROSCOPE_DB", str(bad))
    monkeypatch.setattr(st_cli, "main", lambda: None)          # the server itself is not started here
    monkeypatch.setattr(serve, "hint_backend", lambda pages: None)   # nor Streamlit's static files patched
    st.cache_resource.clear()
    serve.main(["app.py"])
    st.cache_resource.clear()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"retroscope: cannot open {bad}") and "move it aside" in lines[0]
    assert lines[1].startswith("serving anyway") and len(lines) == 2
