"""Demo and real data never share a file by accident: `make run` keeps the demo in its own
file, and a Jira sync into a warehouse that holds the demo refuses unless asked to mix."""

from __future__ import annotations

import subprocess
from pathlib import Path

import test_jira_cli
from helpers_jira import table

from connectors.settings import DEFAULT_DB
from dashboard.cli import main

ROOT = Path(__file__).resolve().parents[1]
cloud = test_jira_cli.cloud   # the fake Jira Cloud fixture, its credentials in the environment


def test_make_run_serves_the_demo_from_its_own_file():
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "--db data/demo.duckdb demo" in plan and "--db data/demo.duckdb serve" in plan
    assert DEFAULT_DB == Path("data/retroscope.duckdb")   # where the CLI puts real data by default
    # serving your own warehouse never builds the demo into it, there yet or not
    plan = subprocess.run(["make", "-n", "run", "DB=data/retroscope.duckdb"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    assert " demo" not in plan and "--db data/retroscope.duckdb serve" in plan


def test_sync_into_the_demo_refuses_in_one_line(demo_copy, cloud, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    before = demo_copy.read_bytes()
    rc = main(["--db", str(demo_copy), "sync", "jira", "--url", cloud.url, "--project", "ATL"])
    err = capsys.readouterr().err
    assert rc == 1
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"retroscope: {demo_copy} holds the demo"), err
    assert "--allow-demo" in lines[0] and "--db data/retroscope.duckdb" in lines[0]
    assert cloud.requests == [] and demo_copy.read_bytes() == before     # nothing asked, nothing written


def test_sync_into_the_demo_with_allow_demo_mixes_on_purpose(demo_copy, cloud, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    rc = main(["--db", str(demo_copy), "sync", "jira", "--url", cloud.url, "--project", "ATL", "--allow-demo"])
    assert rc == 0, capsys.readouterr().err
    sources = set(table(demo_copy, "raw_issues").source)
    assert "demo" in sources and len(sources) == 2


def test_sync_into_a_fresh_warehouse_is_not_refused(cloud, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(tmp_path / "real.duckdb"), "sync", "jira", "--url", cloud.url, "--project", "ATL"]) == 0
    assert main(["--db", str(tmp_path / "real.duckdb"), "sync", "jira", "--url", cloud.url, "--project", "ATL"]) == 0
    capsys.readouterr()
