"""Shared fixtures. `demo_db` builds the demo warehouse once per test session (seed 7)
into a temp dir; tests that write must copy it (`demo_copy`) so others keep a clean one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import queries
from connectors import demo


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path of a read-only-by-convention demo warehouse (user-input store beside it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    demo.build(path, seed=7)
    return path


@pytest.fixture
def demo_copy(demo_db, tmp_path) -> Path:
    """A private copy of the demo warehouse and its user-input store, safe to write."""
    dst = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, dst)
    ud = queries.userdata_path_for(demo_db)
    if ud.exists():
        shutil.copyfile(ud, queries.userdata_path_for(dst))
    return dst


@pytest.fixture
def demo_con(demo_db):
    """A read-only analysis connection to the demo warehouse."""
    con = queries.connect(demo_db)
    yield con
    con.close()
