"""The `retroscope` CLI as a user runs it: subprocesses, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

import queries
from queries.registry import REGISTRY


def cli(*args, env=None, cwd=None):
    e = dict(os.environ, **(env or {}))
    e.pop("RETROSCOPE_DB", None)
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True,
                          env=e, cwd=cwd, timeout=300)


def assert_one_line_error(p):
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("retroscope: "), p.stderr
    return lines[0]


def test_demo_then_status_prints_every_raw_table(tmp_path):
    db = tmp_path / "x.duckdb"
    p = cli("--db", str(db), "demo")
    assert p.returncode == 0, p.stderr
    assert "demo warehouse written" in p.stdout
    s = cli("--db", str(db), "status")
    assert s.returncode == 0, s.stderr
    for t in queries.raw_tables():
        assert t in s.stdout
    assert "raw_issues" in s.stdout and "demo" in s.stdout


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_public_query_prints_json_records(demo_db, name):
    p = cli("--db", str(demo_db), "query", name, "--format", "json")
    assert p.returncode == 0, p.stderr
    records = json.loads(p.stdout)
    assert isinstance(records, list)
    if records:
        assert tuple(records[0]) == REGISTRY[name].columns, f"{name} prints other columns than it declares"


def test_query_csv_and_as_of(demo_db):
    p = cli("--db", str(demo_db), "query", "sprint_facts", "--as-of", "2026-09-01", "--format", "csv")
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0].startswith("sprint_id") or "sprint_id" in p.stdout.splitlines()[0]


def test_query_list_names_every_public_query(demo_db):
    p = cli("--db", str(demo_db), "query", "--list")
    assert p.returncode == 0
    for name in REGISTRY:
        assert name in p.stdout


def test_unknown_query_is_one_clear_line(demo_db):
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "velocityy"))
    assert "unknown query 'velocityy'" in line and "sprint_facts" in line


def test_bad_param_is_one_clear_line(demo_db):
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--as-of", "yesterday-ish"))
    assert "as_of" in line and "expected" in line
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--param", "colour=red"))
    assert "no parameter colour" in line
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--param", "board_id"))
    assert "key=value" in line


def test_missing_db_says_how_to_build_one(tmp_path):
    line = assert_one_line_error(cli("--db", str(tmp_path / "none.duckdb"), "status"))
    assert "no warehouse" in line and "retroscope --db" in line and "demo" in line


def test_locked_db_is_one_clear_line(demo_copy):
    holder = duckdb.connect(str(demo_copy))   # a writer holding the file
    try:
        line = assert_one_line_error(cli("--db", str(demo_copy), "query", "dim_boards_not_public"
                                         if False else "sprint_facts", env={"RETROSCOPE_LOCK_WAIT": "0.5"}))
    finally:
        holder.close()
    assert "locked" in line and "try again" in line


def test_not_a_duckdb_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("this is not a database")
    line = assert_one_line_error(cli("--db", str(bad), "status"))
    assert str(bad) in line


def test_file_from_a_newer_duckdb_says_how_to_move_across(tmp_path):
    # tests/data/written-by-duckdb2.duckdb: an empty database written by DuckDB 2.0.1, whose
    # file format the pinned DuckDB cannot read; the warehouse and the user-input store both
    # go through the same open, so one message covers both.
    import shutil
    from pathlib import Path
    db = tmp_path / "old.duckdb"
    shutil.copyfile(Path(__file__).parent / "data" / "written-by-duckdb2.duckdb", db)
    before = db.read_bytes()
    line = assert_one_line_error(cli("--db", str(db), "status"))
    assert "newer DuckDB" in line and "export retro" in line and "import retro" in line, line
    assert db.read_bytes() == before   # never rewritten


def test_bad_config_is_one_clear_line(tmp_path, demo_db):
    cfg = tmp_path / "retroscope.toml"
    cfg.write_text("[targets]\ndebt_share = 3\n")
    line = assert_one_line_error(cli("--db", str(demo_db), "--config", str(cfg), "status"))
    assert "targets.debt_share" in line and "between 0 and 1" in line
