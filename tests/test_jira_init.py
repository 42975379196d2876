"""`retroscope init jira` and `retroscope doctor` end to end on the fake Jira, through the
real CLI entry point. Expected values are read off tests/fake_jira/site.py."""

from __future__ import annotations

import tomllib

import pytest
from fake_jira.site import COLUMNS, Board, small_site
from helpers_jira import start, table

from dashboard.cli import main


def _env(monkeypatch, fake):
    for k in ("JIRA_EMAIL", "JIRA_API_TOKEN", "JIRA_PAT", "JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB"):
        monkeypatch.delenv(k, raising=False)
    for k, v in fake.env().items():
        monkeypatch.setenv(k, v)


@pytest.fixture(params=("cloud", "dc"))
def fake(request, monkeypatch, tmp_path):
    f = start(request.param)
    _env(monkeypatch, f)
    monkeypatch.chdir(tmp_path)
    yield f
    f.__exit__()


def test_init_finds_fields_statuses_and_writes_a_config_that_syncs(tmp_path, fake, capsys):
    rc = main(["--db", str(tmp_path / "w.duckdb"), "init", "jira", "--url", fake.url, "--yes"])
    out = capsys.readouterr().out
    assert rc == 0
    cfg = tomllib.loads((tmp_path / "retroscope.toml").read_text())
    assert cfg["jira"]["url"] == fake.url and cfg["jira"]["projects"] == ["ATL", "BOR"]
    # each project's board says which story-point field it uses
    assert cfg["jira"]["fields"]["ATL"]["story_points"] == "customfield_10016"
    assert cfg["jira"]["fields"]["BOR"]["story_points"] == "customfield_10026"
    assert cfg["jira"]["fields"]["sprint"] == "customfield_10020"
    assert (cfg["jira"]["fields"]["estimate_best"], cfg["jira"]["fields"]["estimate_likely"],
            cfg["jira"]["fields"]["estimate_worst"]) == ("customfield_10030", "customfield_10031", "customfield_10032")
    # the board's columns give the same order as the default stage ranks: no [workflow] written
    assert "workflow" not in cfg
    text = (tmp_path / "retroscope.toml").read_text()
    for secret in (fake.site.token, fake.site.pat):
        assert secret not in text and secret not in out
    # what it showed: sample values from real issues (ATL-2 has 5 points, ATL-5 3, ATL-3 2), the
    # statuses with category and stage rank, and the preview (7 issues, 3 sprints)
    sp_row = next(x for x in out.splitlines() if "customfield_10016" in x and "Story point estimate" in x)
    # ATL-2 5 (updated last), ATL-5 3, ATL-3 2, BOR-1's stray 1: four of seven issues; the first three shown
    assert "4 of 7" in sp_row and "5, 1, 3" in sp_row or "5, 2, 3" in sp_row, sp_row
    assert "In Review" in out and "in progress" in out
    assert "about 7 issues" in out and "3 sprints" in out
    # the written config drives a sync
    rc = main(["--db", str(tmp_path / "w.duckdb"), "sync", "jira"])
    assert rc == 0, capsys.readouterr().err
    issues = table(tmp_path / "w.duckdb", "raw_issues", "issue_key")
    assert len(issues) == 7 and issues.set_index("issue_key").story_points["BOR-1"] == 8.0


def test_init_with_a_wrong_token_is_one_clear_line(tmp_path, fake, capsys, monkeypatch):
    var = "JIRA_API_TOKEN" if fake.mode == "cloud" else "JIRA_PAT"
    monkeypatch.setenv(var, "wrong-SECRET")
    rc = main(["init", "jira", "--url", fake.url, "--yes"])
    err = capsys.readouterr().err
    assert rc == 1
    lines = [x for x in err.splitlines() if x.startswith("retroscope:")]
    assert len(lines) == 1 and "rejected the credentials" in lines[0] and var in lines[0]
    assert "Traceback" not in err and "wrong-SECRET" not in err
    assert not (tmp_path / "retroscope.toml").exists()


def test_init_on_a_site_without_boards(tmp_path, capsys, monkeypatch):
    site = small_site()
    site.boards, site.sprints = [], []
    for i in site.issues.values():
        i.sprints = []
    with start("cloud", site) as fake:
        _env(monkeypatch, fake)
        monkeypatch.chdir(tmp_path)
        rc = main(["init", "jira", "--url", fake.url, "--yes"])
        out = capsys.readouterr().out
    assert rc == 0
    assert "no boards on this site" in out and "0 sprints" in out
    cfg = tomllib.loads((tmp_path / "retroscope.toml").read_text())
    assert cfg["jira"]["projects"] == ["ATL", "BOR"]       # no project has a board: all of them
    # no board to tell: the field most filled in each project's issues. ATL: "Story point estimate"
    # (3 issues). BOR: BOR-1 has a value in both fields: a tie, which the output flags.
    assert cfg["jira"]["fields"]["story_points"] == "customfield_10016"
    assert "equally filled; check the choice" in out


def test_init_asks_before_writing_and_keeps_other_tables(tmp_path, fake, capsys, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "n")
    assert main(["init", "jira", "--url", fake.url, "--project", "BOR"]) == 0
    assert "Nothing written" in capsys.readouterr().out
    assert not (tmp_path / "retroscope.toml").exists()
    (tmp_path / "retroscope.toml").write_text('[jira]\nurl = "https://old.example"\nprojects = ["OLD"]\n\n'
                                              '[jira.fields]\nstory_points = "x"\n\n[targets]\ndebt_share = 0.3\n')
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    assert main(["init", "jira", "--url", fake.url, "--project", "BOR"]) == 0
    cfg = tomllib.loads((tmp_path / "retroscope.toml").read_text())
    assert cfg["jira"]["projects"] == ["BOR"] and cfg["jira"]["url"] == fake.url
    assert cfg["jira"]["fields"]["story_points"] == "customfield_10026"
    assert cfg["targets"] == {"debt_share": 0.3}
    assert "OLD" in (tmp_path / "retroscope.toml.bak").read_text()


def test_doctor_passes_on_a_fresh_setup_and_names_what_to_fix(tmp_path, fake, capsys):
    db = str(tmp_path / "w.duckdb")
    assert main(["--db", db, "init", "jira", "--url", fake.url, "--yes"]) == 0
    assert main(["--db", db, "sync", "jira"]) == 0
    capsys.readouterr()
    rc = main(["--db", db, "doctor"])
    out, err = capsys.readouterr()
    assert rc == 0, (out, err)
    assert "0 problems found" in err and "7 issues from this site" in out
    # now break things: an unknown field, a status in no stage, a scrum board without sprints,
    # and an issue whose history does not reach its current status
    cfg = (tmp_path / "retroscope.toml").read_text()
    cfg = cfg.replace('estimate_best = "customfield_10030"', 'estimate_best = "Optimistic guess"')
    cfg += '\n[workflow]\nstages = [["To Do"], ["In Progress"], ["Done", "Won\'t Do"]]\n'
    # category overrides that change nothing: an id no source has, a table named by no source
    cfg += '\n[workflow.category_overrides]\n"99999" = "done"\n[workflow.category_overrides."jira:elsewhere"]\n"1" = "done"\n'
    (tmp_path / "retroscope.toml").write_text(cfg)
    fake.site.boards.append(Board(3, "Atlas side board", "ATL", COLUMNS, None))
    fake.site.issues["10005"].status = "10003"          # ATL-5 is Done, its history ends in In Review
    assert main(["--db", db, "sync", "jira", "--full"]) == 1      # the bad field stops the sync...
    cfg = cfg.replace('estimate_best = "Optimistic guess"', 'estimate_best = "customfield_10030"')
    (tmp_path / "retroscope.toml").write_text(cfg)
    assert main(["--db", db, "sync", "jira", "--full"]) == 0
    (tmp_path / "retroscope.toml").write_text(cfg.replace('estimate_best = "customfield_10030"',
                                                          'estimate_best = "Optimistic guess"'))
    capsys.readouterr()
    rc = main(["--db", db, "doctor"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert 'estimate_best = "Optimistic guess": unknown field' in out
    assert "1 site status(es) in no [workflow] stage: In Review (10001)" in out
    assert "statuses in the data but in no [workflow] stage: 10001 In Review" in out
    assert "scrum boards without sprints: 3 Atlas side board (ATL)" in out
    assert "changelogs cut short" in out and "ATL-5" in out
    assert "--full" in out
    assert ("[workflow.category_overrides] entries that change nothing: 99999 no status of any source, "
            "jira:elsewhere a source with no statuses in the warehouse") in out
    assert "6 problems found" in err


def test_doctor_with_a_wrong_token(tmp_path, fake, capsys, monkeypatch):
    monkeypatch.setenv("JIRA_API_TOKEN" if fake.mode == "cloud" else "JIRA_PAT", "nope-SECRET")
    rc = main(["doctor", "--url", fake.url])
    err = capsys.readouterr().err
    assert rc == 1 and "rejected the credentials" in err and "nope-SECRET" not in err and "Traceback" not in err


def test_init_writes_the_file_config_names(tmp_path, fake, capsys):
    target = tmp_path / "team" / "jira.toml"
    target.parent.mkdir()
    assert main(["--config", str(target), "init", "jira", "--url", fake.url, "--yes", "--project", "ATL"]) == 0
    assert tomllib.loads(target.read_text())["jira"]["projects"] == ["ATL"]
    assert not (tmp_path / "retroscope.toml").exists()


def test_doctor_without_a_jira_site_checks_the_loaded_data(demo_copy, tmp_path, monkeypatch, capsys):
    """No [jira] url, JIRA_URL or --url: doctor cannot check a configuration against a site, so it
    checks the data each source loaded (here the demo's), and says that is all it checked."""
    import duckdb

    for k in ("JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)                     # no retroscope.toml here
    rc = main(["--db", str(demo_copy), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 0, (out, err)
    assert f"ok   427 issues from demo in {demo_copy}" in out          # the demo's issue count
    assert "every scrum board has sprints" in out
    assert err.strip().startswith("0 problems found; no Jira site is configured, so only the loaded data was checked")
    # Borealis (board 2) loses its sprints: a scrum board without sprints, found without Jira
    with duckdb.connect(str(demo_copy)) as con:
        con.execute("DELETE FROM raw_sprints WHERE source = 'demo' AND board_id = '2'")
    rc = main(["--db", str(demo_copy), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 1
    assert "FIX  scrum boards without sprints: 2 Borealis (BOR)" in out
    assert err.strip().startswith("1 problem found;") and "Traceback" not in err
    # no warehouse at the path: where the demo is, and how to load one
    rc = main(["--db", str(tmp_path / "none.duckdb"), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 1 and f"FIX  no warehouse at {tmp_path / 'none.duckdb'}" in out and "data/demo.duckdb" in out


def test_doctor_on_product_metrics_alone_is_not_a_problem(tmp_path, monkeypatch, capsys):
    """A PM's warehouse holds product metrics and no Jira issues: doctor says what that means for
    the pages and exits 0; a warehouse with nothing loaded at all is still a problem."""
    for k in ("JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.csv").write_text("date,metric,value\n2026-03-01,signups,10\n2026-03-02,signups,12\n")
    db = tmp_path / "m.duckdb"
    assert main(["--db", str(db), "import", "metrics", str(tmp_path / "m.csv")]) == 0
    capsys.readouterr()
    rc = main(["--db", str(db), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 0, (out, err)
    assert f"ok   no Jira issues in {db}, only data from file:m.csv" in out
    assert "delivery pages (Sprint retro, Estimate calibration, Tech health) stay empty" in out
    assert err.strip().startswith("0 problems found")
    # the warehouse emptied of every load: nothing to check, and how to load something
    import duckdb

    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM raw_metric_points")
        con.execute("DELETE FROM raw_loads")
    rc = main(["--db", str(db), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 1 and f"FIX  nothing loaded in {db}" in out and "retroscope import metrics FILE" in out


def test_doctor_on_a_jira_sync_that_brought_no_issue_is_a_problem(tmp_path, monkeypatch, capsys):
    """A Jira source with a load but no issue (a JQL matching nothing) is not a metrics-only
    warehouse: doctor names it as the problem, even beside product metrics."""
    import pandas as pd

    from connectors.load import staged_load

    for k in ("JIRA_URL", "RETROSCOPE_CONFIG", "RETROSCOPE_DB"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "w.duckdb"
    site = "jira:https://example.atlassian.net"
    with staged_load(db, site, "sync") as w:   # statuses and a board, no issue
        w.write("raw_statuses", pd.DataFrame({"source": site, "status_id": ["1", "6"], "name": ["To Do", "Done"],
                                              "category_key": ["new", "done"]}))
        w.data_as_of = pd.Timestamp("2026-03-31 12:00", tz="UTC").to_pydatetime()
    (tmp_path / "m.csv").write_text("date,metric,value\n2026-03-01,signups,10\n")
    assert main(["--db", str(db), "import", "metrics", str(tmp_path / "m.csv")]) == 0
    capsys.readouterr()
    rc = main(["--db", str(db), "doctor"])
    out, err = capsys.readouterr()
    assert rc == 1, (out, err)
    assert f"FIX  no issues from {site} in {db}" in out and "retroscope sync jira" in out
    assert "fine without Jira" not in out


@pytest.mark.parametrize(("path", "body"), [(r"/rest/agile/1.0/board$", {}), (r"/rest/api/2/field$", [1, 2, 3])])
def test_init_and_doctor_on_answers_of_the_wrong_shape_are_one_clear_line(tmp_path, fake, capsys, path, body):
    """`sync jira` said 'answered with data that is not what Jira sends'; init and doctor, on the same
    answers (a proxy, or a server that is not Jira), ended on an internal error."""
    from fake_jira.server import Fault

    fake.faults.append(Fault(path, status=200, body=body, times=100))
    for args in (["init", "jira", "--url", fake.url, "--yes"], ["doctor", "--url", fake.url]):
        rc = main(args)
        err = capsys.readouterr().err
        lines = [x for x in err.splitlines() if x.strip()]
        assert rc == 1 and len(lines) == 1, (args, err)
        assert lines[0].startswith(f"retroscope: Jira at {fake.url}") and "not what Jira sends" in lines[0], lines
        assert "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "retroscope.toml").exists()
