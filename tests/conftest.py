"""Shared fixtures. `demo_db` builds the demo warehouse once per test session (seed 7)
into a temp dir; tests that write must copy it (`demo_copy`) so others keep a clean one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers_serve import private_demo

import queries
from connectors import demo

# One DuckDB thread per warehouse (queries.connect; the CLI and the dashboard servers the tests
# start inherit it): the tests' warehouses are small and two workers share two cores, so more
# threads only add coordination. Side by side, the stored-facts, completion-span, cache and
# sprint tests took 234 s instead of 305 s of wall time (432 CPU-s instead of 563); the Jira,
# CLI and page tests 185 s instead of 196 s. Small tables give DuckDB's threads little to
# split anyway; the tests of parallel results set their own threads and DuckDB's smallest scan
# chunks (test_exact_figures; test_stored_facts compares the demo's facts, stored with one
# thread, to the figures computed live with four).
os.environ.setdefault("RETROSCOPE_THREADS", "1")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path of a read-only-by-convention demo warehouse (user-input store beside it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path, seed=7)
    return path


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A private copy of the demo warehouse and its user-input store, safe to write."""
    return private_demo(demo_db, tmp_path)


@pytest.fixture
def demo_con(demo_db):
    """A read-only analysis connection to the demo warehouse."""
    con = queries.connect(demo_db)
    yield con
    con.close()
