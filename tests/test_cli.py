"""The `retroscope` CLI as a user runs it: subprocesses, exit codes, one-line errors."""

from __future__ import annotations

import json
import os
import re
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


def test_the_demo_refuses_a_warehouse_with_real_data(tmp_path):
    """`demo` into a warehouse holding imported metrics once replaced 120 of the user's values
    with the demo's and added 32 demo retros to their store; into a store holding only one's
    own retros, it mixed them. Both are refused (nothing written) unless asked for; a warehouse
    holding the demo is rebuilt as before."""
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "data" / "examples"
    real = tmp_path / "real.duckdb"
    assert cli("--db", str(real), "import", "metrics", str(examples / "metrics_long.csv")).returncode == 0
    before = real.read_bytes()
    line = assert_one_line_error(cli("--db", str(real), "demo"))
    assert str(real) in line and "--allow-real-data" in line and "data/demo.duckdb" in line, line
    assert real.read_bytes() == before
    retros_only = tmp_path / "retros.duckdb"
    p = cli("--db", str(retros_only), "import", "retro", str(examples / "retro.json"))
    assert p.returncode == 0, p.stderr
    line = assert_one_line_error(cli("--db", str(retros_only), "demo"))
    assert "retros of your own" in line or "retro of your own" in line, line
    assert not retros_only.exists()
    p = cli("--db", str(real), "demo", "--allow-real-data")
    assert p.returncode == 0 and "demo warehouse written" in p.stdout, p.stderr
    p = cli("--db", str(real), "demo")        # now the demo's (mixed on purpose): rebuilt
    assert p.returncode == 0, p.stderr
    # ... the imported values kept beside it, and said: its figures are not a fresh demo's
    assert (f"note: {real} also holds data from file:metrics_long.csv, loaded beside the demo: kept where the demo "
            "has no value of its own, so its figures differ from a fresh demo's; for the demo alone, build it in a "
            "new file: `retroscope --db data/demo-only.duckdb demo`") in p.stderr, p.stderr
    demo = tmp_path / "demo.duckdb"
    for _ in range(2):                                           # the demo's own file: rebuilt
        p = cli("--db", str(demo), "demo")
        assert p.returncode == 0, p.stderr
        assert "note:" not in p.stderr                           # nothing beside it


def test_a_site_that_is_not_jira_is_one_line_not_its_html(tmp_path):
    """A URL serving a web page (here an HTML page on 127.0.0.1) once printed the jira library's
    log of the whole page, ~150 lines, before the one-line reason."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!doctype html><html><head><title>Not Jira</title></head>" + b"<p>line</p>\n" * 150 + b"</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        env = {"JIRA_EMAIL": "a@example.com", "JIRA_API_TOKEN": "t0ken"}
        for args in (["sync", "jira", "--url", url, "--project", "ATL"], ["init", "jira", "--url", url, "--yes"]):
            p = cli("--db", str(tmp_path / "w.duckdb"), *args, env=env, cwd=tmp_path)
            line = assert_one_line_error(p)
            assert "not JSON" in line and "<p>" not in p.stderr, p.stderr[:500]
    finally:
        server.shutdown()


def test_ctrl_c_during_the_facts_build_is_an_interruption_not_a_bug(tmp_path, demo_db):
    """Ctrl+C while a load builds its stored facts lands inside a DuckDB query, which DuckDB
    reports as its own error, not KeyboardInterrupt: it once printed "internal error ... this
    is a bug" (exit 70). It is the one line a Ctrl+C anywhere gives (exit 130), and the
    warehouse keeps its previous data, byte for byte."""
    import shutil
    import signal
    import time

    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, db)
    before = db.read_bytes()
    e = dict(os.environ)
    e.pop("RETROSCOPE_DB", None)
    p = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "--db", str(db), "demo", "--scale", "20000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    try:
        seen = []
        while not any(ln.startswith("stored facts") for ln in seen):   # the facts build has begun
            line = p.stderr.readline()
            assert line, f"the demo ended before its facts build: {''.join(seen)}"
            seen.append(line)
        time.sleep(0.5)          # into the build (2-3 s here), most of which is DuckDB queries
        p.send_signal(signal.SIGINT)
        rest = p.communicate(timeout=120)[1]
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, "".join(seen) + rest
    assert "Traceback" not in rest and "internal error" not in rest, rest
    assert rest.strip().splitlines()[-1] == "retroscope: interrupted; nothing was half-written (the warehouse and the retro records keep their previous data)", rest
    assert db.read_bytes() == before
    assert not list(tmp_path.glob("w.duckdb.tmp-*"))


def test_exports_and_migrate_refuse_a_missing_folder_or_a_directory(demo_db, tmp_path):
    """`export retro --out` once created a mistyped folder (export tech-health refuses it), and
    `migrate --to DIR` answered with DuckDB's 'Is a directory' and advice about locks."""
    missing = tmp_path / "no-such-folder" / "backup.json"
    line = assert_one_line_error(cli("--db", str(demo_db), "export", "retro", "--out", str(missing)))
    assert line == (f"retroscope: --out {missing}: folder {missing.parent} does not exist; create it or choose "
                    "another path")
    assert not missing.parent.exists()
    line = assert_one_line_error(cli("--db", str(demo_db), "export", "retro", "--out", str(tmp_path)))
    assert line == f"retroscope: --out {tmp_path}: is a folder; give a file name, e.g. --out {tmp_path / 'retro-backup.json'}"
    line = assert_one_line_error(cli("--db", str(demo_db), "migrate", "--to", str(tmp_path)))
    assert line == (f"retroscope: migrate: --to {tmp_path}: is a directory; give a file path such as "
                    f"{tmp_path / 'retroscope.duckdb'}")
    assert list(tmp_path.iterdir()) == []
    # a backup `import retro` could not read back (it reads a .json by its ending), and one of a
    # mistyped --db: both once written, exit 0, with "read it back with ..." advice
    line = assert_one_line_error(cli("--db", str(demo_db), "export", "retro", "--out", str(tmp_path / "b.txt")))
    assert line == f"retroscope: --out {tmp_path / 'b.txt'}: expected a .json file name (`import retro` reads a " \
                   "backup by it), e.g. --out b.json"
    typo = tmp_path / "nope.duckdb"
    line = assert_one_line_error(cli("--db", str(typo), "export", "retro", "--out", str(tmp_path / "b.json")))
    assert line.startswith(f"retroscope: no retro records at {tmp_path / 'nope.userdata.duckdb'}") and \
        "check --db" in line, line
    assert list(tmp_path.iterdir()) == []


def test_an_as_of_before_the_data_or_not_a_date_says_so(demo_db, tmp_path):
    """--as-of 1990-01-01 once printed '(no rows)' and wrote an all-'no data' slide without a
    word; a date that is not one named the query parameter (as_of) instead of the option."""
    p = cli("--db", str(demo_db), "query", "sprint_facts", "--as-of", "1990-01-01")
    assert p.returncode == 0 and "(no rows)" in p.stdout
    assert p.stderr.strip() == ("note: --as-of 1990-01-01 is before the data, which starts 2025-11-18: nothing was "
                                "known then; give a later date")        # the demo's first metric day
    p = cli("--db", str(demo_db), "query", "sprint_facts", "--param", "as_of=1990-01-01")   # the same, as a parameter
    assert p.returncode == 0 and p.stderr.startswith("note: as_of=1990-01-01 is before the data"), p.stderr
    later = cli("--db", str(demo_db), "query", "sprint_facts", "--as-of", "2026-07-01")
    assert later.returncode == 0 and "note:" not in later.stderr
    out = tmp_path / "t.pptx"
    line = assert_one_line_error(cli("--db", str(demo_db), "export", "tech-health", "--out", str(out),
                                     "--as-of", "1990-01-01"))
    assert line == ("retroscope: --as-of 1990-01-01: before the data, which starts 2025-11-18; a slide then would "
                    "show no figure: give a later date")
    assert not out.exists()
    for cmd in (["query", "sprint_facts"], ["export", "tech-health", "--out", str(out)]):
        line = assert_one_line_error(cli("--db", str(demo_db), *cmd, "--as-of", "2026-13-40"))
        assert line == ("retroscope: --as-of 2026-13-40: not a date (expected e.g. 2026-03-31, or "
                        "2026-03-31T17:00:00+00:00 for an instant)")


def test_status_before_any_data_shows_the_retros_kept_and_no_circular_advice(tmp_path):
    """Retros imported into a new place are kept in its user-input store; status once answered
    'no warehouse ... (or `import metrics|features|retro`)', advising the import just run."""
    retro = tmp_path / "retro.json"
    retro.write_text(json.dumps({"retros": [{"held_on": "2026-11-01", "team": "Atlas", "kind": "scrum",
                                             "title": "first"}]}), encoding="utf-8")
    db = tmp_path / "w.duckdb"
    imp = cli("--db", str(db), "import", "retro", str(retro))
    assert imp.returncode == 0, imp.stderr
    st = cli("--db", str(db), "status")
    assert st.returncode == 1
    assert st.stdout.strip() == f"user input: {tmp_path / 'w.userdata.duckdb'}: retros 1"
    line = assert_one_line_error(st)
    assert "import metrics|features`" in line and "retro`" not in line and "the user input above is kept" in line


def test_table_output_reads_like_a_report_and_json_dates_are_days(demo_copy):
    """`--format table` once showed missing values three ways (None, <NA>, NaN), float noise
    (3.801092e-17 for a zero) and microseconds; JSON wrote a date as 2026-12-14T00:00:00.000."""
    db = str(demo_copy)
    for name in ("estimate_calibration", "forecast_history", "sprint_facts", "issue_facts"):
        p = cli("--db", db, "query", name)
        assert p.returncode == 0, p.stderr
        assert not re.search(r"\bNaN\b|<NA>|\bNone\b|\d\.\d+e-\d\d|\d\d:\d\d:\d\d\.\d", p.stdout), (name, p.stdout[:2000])
    p = cli("--db", db, "query", "forecast", "--param", "board_id=1", "--format", "json")
    rows = json.loads(p.stdout)
    dates = [r["on_date"] for r in rows if r["on_date"] is not None]
    assert dates and all(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates), dates
    p = cli("--db", db, "query", "issue_facts", "--format", "json")
    first = json.loads(p.stdout)[0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", first["created_at"])   # exact for programs


def test_table_text_blanks_what_is_missing_and_keeps_small_values():
    import pandas as pd

    from dashboard.cli import _table_text

    df = pd.DataFrame({"f": [3.8e-17, 1.5e-7, 1234567.0, float("nan"), -0.0, 0.6781609],
                       "b": pd.array([True, None, False, True, None, True], dtype="boolean"),
                       "i": pd.array([1, None, 3, 4, 5, 6], dtype="Int64")})
    t = _table_text(df)
    assert list(t["f"]) == ["0", "1.5e-07", "1,234,567", "", "0", "0.678161"]   # noise is 0, a small rate is not
    assert list(t["b"]) == [True, "", False, True, "", True]
    assert list(t["i"]) == [1, "", 3, 4, 5, 6]


@pytest.mark.parametrize("board", ["999", "abc"])
def test_an_unknown_board_is_one_line_naming_the_boards(demo_db, board):
    """A mistyped board id once answered '(no rows)', exit 0, as if the team had done nothing."""
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--param", f"board_id={board}"))
    assert line == (f"retroscope: board '{board}' not found in the warehouse; use --param board_id=ID with one of: "
                    "1 (Atlas), 2 (Borealis)")
    ok = cli("--db", str(demo_db), "query", "sprint_facts", "--param", "board_id=2", "--format", "csv")
    assert ok.returncode == 0 and ok.stdout.count("BOR Sprint") == 13, ok.stderr


@pytest.mark.parametrize("argv", [[], ["--config", "query"]])
def test_no_command_prints_the_commands_and_says_what_is_missing(capsys, argv):
    """Options without a command (`--config query` takes "query" as the config file) once
    exited 2 with nothing on stderr."""
    from dashboard.cli import main

    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "refresh" in out and "demo" in out                  # the commands
    assert err == "retroscope: no command given; add one of the commands listed above, e.g. `retroscope demo`\n"


@pytest.mark.parametrize(("argv", "hint"), [
    (["status", "--db", "my dir/x.duckdb"], "`retroscope --db 'my dir/x.duckdb' status`"),
    (["query", "sprint_facts", "--param", "board_id=1", "--config=x.toml", "-v"],
     "`retroscope --config=x.toml -v query sprint_facts --param board_id=1`"),
    (["status", "--bogus"], None)])
def test_a_global_option_after_the_command_says_where_it_goes(capsys, argv, hint):
    """`retroscope status --db X` said only "unrecognized arguments: --db X": the README never
    said the global options go before the command. Now it says so, with the command line as it
    should be (quoted as a shell needs it)."""
    from dashboard.cli import main

    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("retroscope: unrecognized arguments: ") and err.count("\n") == 1, err
    said = "; global options (--db, --config, -v) go before the command: "
    assert (said + hint in err) if hint else (said not in err), err


@pytest.mark.parametrize("error", [KeyboardInterrupt(), RuntimeError("Query interrupted"),
                                   duckdb.InterruptException("INTERRUPT Error: Interrupted!")])
def test_every_form_of_ctrl_c_is_one_line_and_exit_130(tmp_path, monkeypatch, capsys, error):
    """Ctrl+C as Python raises it and as DuckDB reports it mid-query."""
    from dashboard import cli as cli_module

    def refresh(args, settings):
        raise error

    monkeypatch.setattr(cli_module, "cmd_refresh", refresh)
    assert cli_module.main(["--db", str(tmp_path / "w.duckdb"), "refresh"]) == 130
    assert capsys.readouterr().err == "retroscope: interrupted; nothing was half-written (the warehouse and the retro records keep their previous data)\n"


def test_an_error_after_a_progress_bar_starts_a_line_of_its_own():
    """On a terminal the bar is drawn in place (no newline until its phase ends); an error or
    "interrupted" printed while it is open starts on the next line, not glued to the bar."""
    import io

    from dashboard.progress import TerminalProgress, end_line

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    bar = TerminalProgress(stream=out, min_interval=0)
    bar("stored facts", 0, 20)
    bar("stored facts", 7, 20)
    end_line(out)
    out.write("retroscope: interrupted\n")
    end_line(out)                                # nothing open any more: no blank line
    text = out.getvalue()
    assert re.search(r"\rstored facts   \[#{10}\.{20}\] 7/20 +\d+\.\ds\nretroscope: interrupted\n$", text), text
    bar("stored facts", 20, 20)                  # a finished bar ends its own line
    end_line(out)
    assert re.search(r"\] 20/20 +\d+\.\ds\n$", out.getvalue()) and "\n\n" not in out.getvalue()


def test_a_count_without_a_total_starts_with_started_not_zero():
    """A phase whose total is not known yet (the demo's "generating") opens with a line that
    says it started; "generating 0" read as if nothing was found."""
    import io

    from dashboard.progress import TerminalProgress

    out = io.StringIO()                          # not a terminal: the start and the end are printed
    bar = TerminalProgress(stream=out)
    bar("generating", 0, None)
    bar("generating", 420, 420)
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"generating +started +\d+\.\ds", lines[0]), lines
    assert re.fullmatch(r"generating +\[#{30}\] 420/420 +\d+\.\ds", lines[1]), lines
    bar("sprints", 0, 0)                         # a known total of none: nothing to do, and done
    assert re.fullmatch(r"sprints +0 +\d+\.\ds", out.getvalue().splitlines()[-1]), out.getvalue()


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
    assert "--as-of yesterday-ish: not a date" in line and "expected" in line   # the option, as typed
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


def test_a_command_config_stays_with_its_command(tmp_path, capsys):
    """`main()` hands the command's config to the loads it runs (Auckland days here); a load the
    same process runs afterwards (a script, the next test) builds with its own config again.
    The config used to stay set: a later load stored its facts in Auckland days, which a reader
    with the default config could not use (it computed every figure live)."""
    from connectors import demo
    from dashboard.cli import main

    cfg = tmp_path / "nz.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    nz, after = tmp_path / "nz.duckdb", tmp_path / "after.duckdb"
    assert main(["--config", str(cfg), "--db", str(nz), "demo"]) == 0, capsys.readouterr().err
    demo.build(after, seed=7)
    usable = {}
    for path in (nz, after):
        con = queries.connect(path)            # a reader with the default config (UTC)
        try:
            usable[path.name] = queries.facts.stored_as_of(con) is not None
        finally:
            con.close()
    assert usable == {"nz.duckdb": False, "after.duckdb": True}
    # a caller's own config (a script that set one) is the loads' again after the command
    from connectors import load
    from queries.config import AnalysisConfig

    mine = AnalysisConfig(timezone="America/Los_Angeles")
    load.use_config(mine)
    try:
        assert main(["--config", str(cfg), "--db", str(nz), "status"]) == 0, capsys.readouterr().err
        assert load.config_in_use() is mine
    finally:
        load.use_config(None)


def test_json_keeps_every_digit_as_csv_does(demo_db):
    """`--format json` wrote floats to 10 significant digits (say/do 0.9090909091 where the CSV
    has 0.9090909090909091): every number in it now reads back as the CSV's, bit for bit, and a
    missing one is null."""
    import io

    import pandas as pd

    js = cli("--db", str(demo_db), "query", "sprint_facts", "--format", "json")
    cs = cli("--db", str(demo_db), "query", "sprint_facts", "--format", "csv")
    assert js.returncode == 0 and cs.returncode == 0, js.stderr + cs.stderr
    rows, csv = json.loads(js.stdout), pd.read_csv(io.StringIO(cs.stdout))
    assert len(rows) == len(csv)
    ratios = [r["say_do_ratio_issues"] for r in rows]
    assert any(len(repr(v)) > 12 for v in ratios if v is not None), ratios        # digits to lose
    for col in ("say_do_ratio", "say_do_ratio_issues", "scope_change"):
        for got, want in zip((r[col] for r in rows), csv[col], strict=True):
            assert (got is None and pd.isna(want)) or got == want, (col, got, want)


def test_an_as_of_after_the_data_is_noted(demo_db):
    """The demo's data runs to 2026-11-18 17:00 UTC: --as-of 2026-12-10 gets a one-line note that
    the figures stop there (a sprint running then is drawn as running to 10 Dec, with nothing
    done since); the freshness's own day, 2026-11-18, gets none."""
    late = cli("--db", str(demo_db), "query", "sprint__velocity", "--param", "board_id=1", "--as-of", "2026-12-10")
    assert late.returncode == 0, late.stderr
    assert late.stderr.count("\n") == 1 and late.stderr.startswith(
        "note: --as-of 2026-12-10 is after the data's freshness, 2026-11-18 17:00 UTC"), late.stderr
    same = cli("--db", str(demo_db), "query", "sprint__velocity", "--param", "board_id=1", "--as-of", "2026-11-18")
    assert same.returncode == 0 and "note:" not in same.stderr, same.stderr


def test_a_slide_as_of_after_the_data_is_noted(demo_db, tmp_path):
    """`export tech-health --as-of 2030-01-01` wrote a slide 'as of 2030-01-01 23:59 UTC' on data that
    ends 2026-11-18 without a word, where `query` notes it."""
    out = tmp_path / "late.pptx"
    late = cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--as-of", "2030-01-01")
    assert late.returncode == 0 and out.exists(), late.stderr
    assert late.stderr.strip() == (
        "note: --as-of 2030-01-01 is after the data's freshness, 2026-11-18 17:00 UTC: nothing later is loaded, "
        "so the figures stop there (a sprint still running then shows as running to the as-of); sync first, "
        "or give an earlier date"), late.stderr
    same = cli("--db", str(demo_db), "export", "tech-health", "--out", str(out), "--as-of", "2026-11-18")
    assert same.returncode == 0 and "note:" not in same.stderr, same.stderr


def test_query_list_starts_every_description_in_one_column(demo_db):
    """`query --list` padded names to 22 characters: `calibration__points_distribution` (32) pushed
    its description out of line. Every description now starts in the same column."""
    p = cli("--db", str(demo_db), "query", "--list")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    starts = {len(line) - len(line.split(maxsplit=1)[1]) for line in lines}
    assert len(lines) == len(REGISTRY) and len(starts) == 1, starts


def test_no_rows_says_where_to_look(tmp_path):
    """A warehouse with product metrics only: `query sprint_facts` printed '(no rows)' and
    nothing else. It now also says, in one line on stderr, which command shows what is loaded."""
    import pandas as pd

    from tests.helpers_outcomes import load_metrics

    db = tmp_path / "m.duckdb"
    load_metrics(db, pd.DataFrame({"metric": ["signups"], "day": pd.to_datetime(["2026-03-01"]), "value": [1.0]}))
    p = cli("--db", str(db), "query", "sprint_facts")
    assert p.returncode == 0 and "(no rows)" in p.stdout
    assert p.stderr.strip() == (f"note: sprint_facts has no rows for these parameters; `retroscope --db {db} status` "
                                "shows what the warehouse holds and from when"), p.stderr


def test_json_writes_any_column_duckdb_hands_over(capsys):
    """Lists with a NULL (a masked array), lists of instants and days, intervals and uuids: each
    comes out as JSON (null, ISO 8601, the value's text), never a TypeError."""
    import duckdb

    from dashboard.cli import _print_frame

    df = duckdb.sql("SELECT [1.5, NULL] AS nums, [TIMESTAMPTZ '2026-03-01 12:00:00+00', NULL] AS instants, "
                    "[DATE '2026-03-01'] AS days, INTERVAL 3 DAY AS gap, "
                    "'5f0c8a2e-2a6b-4a1d-9a5e-3c1f2b7d9e01'::UUID AS id, ['a', NULL] AS words").df()
    _print_frame(df, "json")
    (row,) = json.loads(capsys.readouterr().out)
    assert row["nums"] == [1.5, None] and row["words"] == ["a", None] and row["days"] == ["2026-03-01"]
    assert row["instants"][0].startswith("2026-03-01T12:00:00") and row["instants"][1] is None
    assert row["id"] == "5f0c8a2e-2a6b-4a1d-9a5e-3c1f2b7d9e01" and "3 days" in row["gap"]


def test_status_gives_the_datas_freshness_on_the_teams_clock(demo_db, tmp_path):
    """`status` printed the freshness in UTC (18 Nov 17:00) where the pages, the slide and `query`'s
    notes now print the team's clock: reporting in Auckland it is 19 Nov 06:00 there. Load times
    stay UTC, and say so."""
    cfg = tmp_path / "nz.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    nz = cli("--config", str(cfg), "--db", str(demo_db), "status")
    utc = cli("--db", str(demo_db), "status")
    assert nz.returncode == 0 and utc.returncode == 0, nz.stderr + utc.stderr
    assert re.search(r"last load \S+ \S+ UTC, data as of 2026-11-19 06:00 Pacific/Auckland", nz.stdout), nz.stdout
    assert re.search(r"last load \S+ \S+ UTC, data as of 2026-11-18 17:00 UTC", utc.stdout), utc.stdout
    assert re.search(r"data as of 2026-11-18 17:00 UTC \(1 load\)", utc.stdout), utc.stdout   # once '(1 loads)'


def test_query_takes_the_board_as_export_does(demo_db):
    """`export tech-health --board 1` but `query … --param board_id=1`: a new user tried `query
    sprint_facts --board 1` and got a usage error. --board is the same as --param board_id=."""
    by_board = cli("--db", str(demo_db), "query", "sprint_facts", "--board", "1", "--format", "csv")
    by_param = cli("--db", str(demo_db), "query", "sprint_facts", "--param", "board_id=1", "--format", "csv")
    everything = cli("--db", str(demo_db), "query", "sprint_facts", "--format", "csv")
    assert by_board.returncode == 0 and by_board.stdout == by_param.stdout, by_board.stderr
    assert len(by_board.stdout.splitlines()) < len(everything.stdout.splitlines())
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--board", "nosuch"))
    assert "--board" in line and "board 'nosuch' not found" in line, line
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "sprint_facts", "--board", "1",
                                     "--param", "board_id=2"))
    assert "two boards" in line, line


def test_migrate_onto_retro_records_says_force_replaces_them(demo_db, tmp_path):
    """`migrate --to T` onto a warehouse holding retros said only "already holds data; pass --force";
    --force then replaced T's retros without a word. The refusal now says so and how to keep them."""
    target = tmp_path / "team.duckdb"
    first = cli("--db", str(demo_db), "migrate", "--to", str(target))
    assert first.returncode == 0, first.stderr
    line = assert_one_line_error(cli("--db", str(demo_db), "migrate", "--to", str(target)))
    assert line.startswith(f"retroscope: migrate: {target} already holds data (") and \
        "rows of retro records among it, which --force replaces as well: keep them first with " \
        f"`retroscope --db {target} export retro --out backup.json`); pass --force" in line, line


def test_a_damaged_retro_store_is_restored_from_a_backup_not_rebuilt(demo_db, tmp_path):
    """The advice for a damaged user-input store was the warehouse's ('rebuild it (demo, sync,
    import)'), which no load can do for retro records."""
    import shutil

    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, db)
    ud = queries.userdata_path_for(db)
    ud.write_bytes(b"\0" * 8 + b"not a duckdb file at all" * 200)
    line = assert_one_line_error(cli("--db", str(db), "export", "retro", "--out", str(tmp_path / "b.json")))
    assert f"cannot open {ud}" in line and line.endswith(
        "move it aside and restore the retro records from a backup (`retroscope import retro backup.json`); a "
        "sync or an import rebuilds the warehouse, not them"), line


def test_a_bad_metrics_setting_is_refused_by_every_command(demo_db, tmp_path):
    """[metrics] overlap_days = -3 was refused by `status` (after printing its whole report) and by
    nothing else: `query`, `refresh` and `export retro` ran as if it were fine."""
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[metrics]\noverlap_days = -3\n")
    for args in (["status"], ["query", "sprint_facts"], ["export", "retro", "--out", str(tmp_path / "b.json")]):
        p = cli("--config", str(cfg), "--db", str(demo_db), *args)
        assert p.returncode != 0 and p.stdout == "", (args, p.stdout[:200])
        line = assert_one_line_error(p)
        assert line == f"retroscope: {cfg}: [metrics.overlap_days] -3 (expected a whole number >= 0)", line


def test_ctrl_c_while_the_command_loads_is_one_line_not_a_traceback(tmp_path):
    """Ctrl+C in the first tenths of a second (Python still importing pandas and DuckDB, before
    the command could catch it) printed a traceback of the import machinery."""
    import signal
    import time

    for delay in (0.15, 0.3):
        p = subprocess.Popen([sys.executable, "-m", "dashboard.entry", "--db", str(tmp_path / "w.duckdb"), "status"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
        assert "Traceback" not in err, err
        if p.returncode == 130:   # (a machine fast enough may have started the command already)
            assert err.strip().splitlines()[-1].startswith("retroscope: interrupted"), err


def test_migrate_to_a_file_that_is_not_a_warehouse_is_one_line_of_advice(demo_db, tmp_path):
    """`migrate --to bad.toml` printed DuckDB's own 'IO Error: … not a valid DuckDB database file!'."""
    bad = tmp_path / "bad.toml"
    bad.write_text("a = 1\n")
    line = assert_one_line_error(cli("--db", str(demo_db), "migrate", "--to", str(bad)))
    assert line == (f"retroscope: migrate: --to {bad}: not a DuckDB warehouse file (another kind of file); name a "
                    "new file, which is created, or an existing warehouse")
    assert bad.read_text() == "a = 1\n"


def test_a_board_asked_of_a_warehouse_with_none_says_so(tmp_path):
    """On a metrics-only warehouse, `query … --board 1` said "use --board ID with one of: none loaded"."""
    csv = tmp_path / "m.csv"
    csv.write_text("day,signups\n2026-03-01,5\n")
    db = tmp_path / "w.duckdb"
    assert cli("--db", str(db), "import", "metrics", str(csv)).returncode == 0
    line = assert_one_line_error(cli("--db", str(db), "query", "sprint_facts", "--board", "1"))
    assert line == ("retroscope: board '1' not found: the warehouse holds no boards yet; load them with "
                    "`retroscope sync jira`, or leave --board ID out"), line


def test_the_backup_command_a_refusal_prints_pastes_as_one_argument():
    """The migrate refusal's backup command named a lake URL unquoted: pasted, the shell split
    it at its spaces into several arguments. It is quoted (a plain file path stays as typed)."""
    import shlex

    from connectors.migrate import backup_command

    url = "ducklake:postgres:dbname=retro host=db.example user=retro"
    words = shlex.split(backup_command(url))
    assert words == ["retroscope", "--db", url, "export", "retro", "--out", "backup.json"]
    assert backup_command("data/team.duckdb") == "retroscope --db data/team.duckdb export retro --out backup.json"


def test_a_forecast_of_nothing_says_why(demo_copy, tmp_path):
    """On a warehouse with no completed work in the window (here product metrics only) the
    forecast's rows are 'at least 0 items' and no date: a note says they forecast nothing and
    where to look. The demo's forecast has completions: no note."""
    (tmp_path / "m.csv").write_text("date,metric,value\n2026-03-01,signups,10\n2026-03-02,signups,12\n")
    db = tmp_path / "m.duckdb"
    assert cli("--db", str(db), "import", "metrics", str(tmp_path / "m.csv")).returncode == 0
    p = cli("--db", str(db), "query", "forecast")
    assert p.returncode == 0, p.stderr
    assert "not reached: no completions in the window" in p.stdout
    assert ("note: no item was completed in the forecast's window, so these rows forecast nothing; widen it "
            f"(--param window_days=N) or check the board; `retroscope --db {db} status` shows") in p.stderr
    p = cli("--db", str(demo_copy), "query", "forecast", "--param", "board_id=1", "--format", "csv")   # (recorded)
    assert p.returncode == 0 and "note:" not in p.stderr, p.stderr


def _user_rows(path):
    with duckdb.connect(str(path), read_only=True) as c:
        return {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("retros", "retro_cards", "action_items")}


def test_migrate_never_writes_over_a_store_of_retro_records(demo_copy, tmp_path):
    """`migrate --to <the source's .userdata.duckdb>` exited 0 and replaced every retro record with
    a copy of the warehouse; the source named by its absolute path or through a symlink was not
    seen as the source; another warehouse's store of retro records was overwritten with --force."""
    ud = queries.userdata_path_for(demo_copy)
    before = _user_rows(ud)
    assert all(before.values())
    line = assert_one_line_error(cli("--db", str(demo_copy), "migrate", "--to", str(ud)))
    assert "is the source's own store of retro records" in line, line
    link = tmp_path / "link.duckdb"
    link.symlink_to(demo_copy)
    for same in (str(demo_copy.resolve()), str(link)):
        line = assert_one_line_error(cli("--db", str(demo_copy), "migrate", "--to", same, "--force"))
        assert line.startswith("retroscope: migrate: the target is the source"), line
    other = tmp_path / "other.userdata.duckdb"
    other.write_bytes(ud.read_bytes())
    line = assert_one_line_error(cli("--db", str(demo_copy), "migrate", "--to", str(other), "--force"))
    assert f"--to {other} is a store of retro records" in line, line
    assert _user_rows(ud) == before and _user_rows(other) == before


def test_a_store_of_retro_records_as_the_warehouse_and_the_other_way_round(demo_copy, tmp_path):
    """--db naming the user-input store failed on a Catalog Error, and an import wrote warehouse
    tables into it; RETROSCOPE_USERDATA naming the warehouse gave an internal error on import and
    an empty backup on export."""
    ud = queries.userdata_path_for(demo_copy)
    before = _user_rows(ud)
    csv = tmp_path / "m.csv"
    csv.write_text("day,metric,value\n2026-01-01,signups,3\n")
    retro = tmp_path / "r.json"
    retro.write_text(json.dumps({"retros": [{"retro_id": "r", "team": "T", "kind": "sprint", "held_on": "2026-01-05"}]}))
    for args in (("status",), ("query", "sprint_facts"), ("import", "metrics", str(csv)), ("refresh",),
                 ("import", "retro", str(retro)), ("export", "retro", "--out", str(tmp_path / "b.json"))):
        line = assert_one_line_error(cli("--db", str(ud), *args))
        assert line == (f"retroscope: {ud} is a store of retro records (the user-input store), not a warehouse; "
                        f"point --db at the warehouse it belongs to ({demo_copy})"), (args, line)
    with duckdb.connect(str(ud), read_only=True) as c:
        assert not c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'raw_%'").fetchone()[0]
    assert _user_rows(ud) == before
    env = {"RETROSCOPE_USERDATA": str(demo_copy)}
    out = tmp_path / "backup.json"
    for args in (("import", "retro", str(tmp_path / "none.json")), ("export", "retro", "--out", str(out))):
        if args[0] == "import":
            (tmp_path / "none.json").write_text(json.dumps({"retros": [{"retro_id": "r", "team": "T", "kind": "sprint",
                                                                         "held_on": "2026-01-05"}]}))
        line = assert_one_line_error(cli("--db", str(demo_copy), *args, env=env))
        assert line.startswith(f"retroscope: {demo_copy} is a warehouse, not a store of retro records"), (args, line)
    assert not out.exists()
    with duckdb.connect(str(demo_copy), read_only=True) as c:
        assert not c.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'retros'").fetchone()[0]


def test_a_load_into_a_damaged_warehouse_names_that_file(demo_db, tmp_path):
    """The refusal named the load's private copy (`x.duckdb.tmp-PID`), a file the user never gave."""
    db = tmp_path / "x.duckdb"
    db.write_bytes(demo_db.read_bytes()[:300_000])     # a warehouse cut short (a copy that did not finish)
    csv = tmp_path / "m.csv"
    csv.write_text("day,metric,value\n2026-01-01,signups,3\n")
    line = assert_one_line_error(cli("--db", str(db), "import", "metrics", str(csv)))
    assert line.startswith(f"retroscope: cannot open {db}: "), line
    assert ".tmp-" not in line and db.stat().st_size == 300_000


def test_migrate_into_a_folder_it_cannot_write_is_one_line(demo_db, tmp_path):
    """Into a read-only folder migrate ended on an internal error (OSError from its working copy);
    a folder that cannot be created (here: a file stands where it would be) is the same kind of
    mistake and gets the same kind of line."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    line = assert_one_line_error(cli("--db", str(demo_db), "migrate", "--to", str(blocker / "c.duckdb")))
    assert line.startswith(f"retroscope: migrate --to {blocker / 'c.duckdb'}: cannot create {blocker} ("), line
    assert line.endswith("; choose a folder you can write to"), line
    ro = tmp_path / "ro"
    ro.mkdir()
    if subprocess.run(["chattr", "+i", str(ro)], capture_output=True).returncode != 0:
        return   # (no immutable folders here: the line above covers the message)
    try:
        line = assert_one_line_error(cli("--db", str(demo_db), "migrate", "--to", str(ro / "c.duckdb")))
        assert line.startswith(f"retroscope: migrate --to {ro / 'c.duckdb'}: cannot write in {ro} ("), line
    finally:
        subprocess.run(["chattr", "-i", str(ro)], check=True)


def test_an_empty_db_is_refused_not_the_default_warehouse(tmp_path):
    """`--db "$UNSET"` used data/retroscope.duckdb (an import wrote into the default warehouse)."""
    csv = tmp_path / "m.csv"
    csv.write_text("day,metric,value\n2026-01-01,signups,3\n")
    for args in (("status",), ("import", "metrics", str(csv))):
        line = assert_one_line_error(cli("--db", "", *args, cwd=tmp_path))
        assert line == ("retroscope: --db is empty; give the warehouse file (e.g. --db data/retroscope.duckdb) or "
                        "leave --db out for the default"), line
    assert not (tmp_path / "data").exists()


def test_impact_refuses_a_segment_no_metric_has_and_a_segment_against_itself(demo_db):
    """'--param segment=nosuch' answered 'not enough data' for every item; segment=control_segment
    computed a difference of a segment against itself ('no detectable change')."""
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "impact", "--param", "segment=nosuch"))
    assert line == ("retroscope: impact: no metric has values in segment 'nosuch'; segments with values: "
                    "mobile, web"), line          # the demo's two segments
    line = assert_one_line_error(cli("--db", str(demo_db), "query", "impact", "--param", "segment=web",
                                     "--param", "control_segment=web"))
    assert line == ("retroscope: impact: segment and control_segment are both 'web'; compare a segment with "
                    "another one (or leave control_segment out)"), line
    ok = cli("--db", str(demo_db), "query", "impact", "--param", "segment=web", "--param", "control_segment=mobile")
    assert ok.returncode == 0, ok.stderr


def test_a_url_that_is_not_a_lake_is_not_taken_for_a_file(demo_db, tmp_path):
    """`migrate --to postgres://x` was read as the file 'postgres:/x' and failed downloading an extension."""
    for args in (("--db", str(demo_db), "migrate", "--to", "postgres://x"), ("--db", "https://example.com/w", "status")):
        line = assert_one_line_error(cli(*args, cwd=tmp_path))
        assert "is a URL, not a warehouse file or a DuckLake URL; give a file path, or a lake as " \
               "ducklake:postgres:" in line, line
    assert not (tmp_path / "postgres:").exists() and not (tmp_path / "https:").exists()


def test_an_empty_file_as_a_store_says_it_is_empty(demo_db, tmp_path):
    """An empty file (a warehouse's 0-byte lock file, say) got DuckDB's 'not a valid DuckDB database
    file' and advice about locks or damage."""
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    want = f"retroscope: cannot open {empty}: an empty file (0 bytes), not a DuckDB file; remove it, or name another file"
    assert assert_one_line_error(cli("--db", str(empty), "status")) == want
    assert empty.read_bytes() == b""
    # as migrate's target an empty file holds nothing: the copy replaces it, --force or not
    done = cli("--db", str(demo_db), "migrate", "--to", str(empty))
    assert done.returncode == 0, done.stderr
    with duckdb.connect(str(empty), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM raw_issues").fetchone()[0] == 427     # the demo's issues


def test_a_headline_longer_than_a_line_is_refused(demo_db, tmp_path):
    """A 100,000-character --headline was put on the slide."""
    line = assert_one_line_error(cli("--db", str(demo_db), "export", "tech-health", "--out", str(tmp_path / "s.pptx"),
                                     "--headline", "h" * 201))
    assert line == "retroscope: --headline is 201 characters; the slide's title is one line: keep it to 200", line
    assert not (tmp_path / "s.pptx").exists()
