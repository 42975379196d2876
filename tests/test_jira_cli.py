"""`retroscope sync jira` through the real CLI entry point."""

from __future__ import annotations

import re

import pytest
from helpers_jira import start, table

from dashboard.cli import main


@pytest.fixture
def cloud(monkeypatch):
    f = start("cloud")
    for k in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT", "JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB"):
        monkeypatch.delenv(k, raising=False)
    for k, v in f.env().items():
        monkeypatch.setenv(k, v)
    yield f
    f.__exit__()


def test_sync_from_flags_prints_the_summary(tmp_path, cloud, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "w.duckdb"
    rc = main(["--db", str(db), "sync", "jira", "--url", cloud.url, "--project", "ATL", "--project", "BOR"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "7 fetched: 7 new, 0 updated, 0 deleted" in out.out
    # its progress on stderr, the stored-facts build at the end of the load included
    assert re.search(r"^stored facts +\[#+\] (\d+)/\1 ", out.err, re.M), out.err
    assert f"requests   {len(cloud.requests)} in" in out.out
    assert len(table(db, "raw_issues")) == 7


def test_sync_from_config_file(tmp_path, cloud, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "retroscope.toml").write_text(
        f'[jira]\nurl = "{cloud.url}"\nprojects = ["BOR"]\noverlap_minutes = 5\n'
        '[jira.fields.BOR]\nstory_points = "Story Points"\n', encoding="utf-8")
    rc = main(["--db", str(tmp_path / "w.duckdb"), "sync", "jira"])
    assert rc == 0, capsys.readouterr().err
    issues = table(tmp_path / "w.duckdb", "raw_issues", "issue_key")
    assert list(issues.issue_key) == ["BOR-1", "BOR-2"]
    assert issues.story_points[0] == 8.0


def test_errors_are_one_line_without_traceback(tmp_path, cloud, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JIRA_API_TOKEN", "wrong-SECRET")
    rc = main(["--db", str(tmp_path / "w.duckdb"), "-v", "sync", "jira", "--url", cloud.url, "--project", "ATL"])
    err = capsys.readouterr().err
    assert rc == 1
    line = [x for x in err.splitlines() if x.startswith("retroscope:")]
    assert len(line) == 1 and "HTTP 401" in line[0] and "JIRA_API_TOKEN" in line[0]
    assert "Traceback" not in err and "wrong-SECRET" not in err


def test_missing_url_and_credentials(tmp_path, cloud, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(tmp_path / "w.duckdb"), "sync", "jira", "--project", "ATL"]) == 1
    assert "no Jira URL: pass --url" in capsys.readouterr().err
    monkeypatch.delenv("JIRA_API_TOKEN")
    monkeypatch.delenv("JIRA_EMAIL")
    assert main(["--db", str(tmp_path / "w.duckdb"), "sync", "jira", "--url", cloud.url, "--project", "ATL"]) == 1
    assert "no Jira credentials in the environment" in capsys.readouterr().err


def test_what_needs_no_request_is_checked_first(tmp_path, cloud, capsys, monkeypatch):
    """A URL that is none, or a board that is no id, is said before anything else (here before
    the refusal of a warehouse holding the demo) and before any request: the fake site sees none."""
    from connectors import demo

    monkeypatch.chdir(tmp_path)
    db = tmp_path / "demo.duckdb"
    demo.build(db, seed=7)
    assert main(["--db", str(db), "sync", "jira", "--url", "notaurl"]) == 1
    assert capsys.readouterr().err.strip() == ("retroscope: Jira URL 'notaurl' is not an http(s) URL; "
                                               "pass e.g. --url https://your-site.atlassian.net")
    assert main(["--db", str(db), "sync", "jira", "--url", cloud.url, "--board", "abc"]) == 1
    err = capsys.readouterr().err
    assert "--board: 'abc' is not a board id" in err and "--board 42" in err and "holds the demo" not in err
    assert main(["--db", str(db), "sync", "jira", "--url", cloud.url, "--board", "４２"]) == 1   # digits, not ASCII
    assert "--board: '４２' is not a board id" in capsys.readouterr().err
    assert cloud.requests == []
