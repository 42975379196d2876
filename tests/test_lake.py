"""Retroscope on DuckLake: a real PostgreSQL catalog (Debian's `postgresql`, started in a temp
dir on 127.0.0.1 by helpers_postgres; skipped with the reason when the binaries are missing,
failed under CI=true) and Parquet data files in a temp dir.

The key warehouse cases run on a lake and on a file and must agree: the demo load, status,
public reports, user input, a page; two processes syncing two teams from the fake Jira at once;
a sync killed with SIGKILL mid-way; migrate file -> lake -> file.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from fake_jira.server import FakeJira
from fake_jira.site import generated_site
from helpers_pages import app_for, fingerprint, open_page, problems
from helpers_postgres import postgres_server  # noqa: F401  (fixture)

import queries
from connectors import demo, forecast_records, migrate, userdata
from connectors.settings import load_settings
from queries import lake
from queries.errors import RetroscopeError
from queries.registry import REGISTRY, run_public

ROOT = Path(__file__).resolve().parents[1]
REPORTS = tuple(REGISTRY)      # every public query
_SEQ = iter(range(10_000))


@pytest.fixture
def new_lake(postgres_server, tmp_path, monkeypatch):  # noqa: F811
    """A factory of empty lakes: a fresh Postgres database per call, data files under tmp_path.
    The password reaches the catalog only through PGPASSWORD, as in production."""
    monkeypatch.setenv("PGPASSWORD", postgres_server.password)

    def make(name: str | None = None) -> lake.Lake:
        db = name or f"lake_{os.getpid()}_{next(_SEQ)}"
        with postgres_server.connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{db}"')
            c.execute(f'CREATE DATABASE "{db}"')
        url = (f"ducklake:postgres:dbname={db} host={postgres_server.host} port={postgres_server.port} "
               f"user={postgres_server.user}")
        return lake.Lake(url, str(tmp_path / f"{db}-data"))
    return make


@pytest.fixture(scope="module")
def file_demo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lakefile") / "demo.duckdb"
    demo.build(path, seed=7)
    return path


def _env(lk: lake.Lake, **extra) -> dict[str, str]:
    env = dict(os.environ, RETROSCOPE_DB=lk.url, RETROSCOPE_LAKE_DATA=lk.data_path, **extra)
    env.pop("RETROSCOPE_CONFIG", None)
    env.pop("RETROSCOPE_USERDATA", None)
    return env


def _cli(*args, env=None, check=True, cwd=None) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True, text=True,
                       env=env, cwd=cwd or ROOT, timeout=600)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def _reports(db) -> dict[str, pd.DataFrame]:
    con = queries.connect(db)
    try:
        out = {"status_row_counts": queries.run(con, "status_row_counts"),
               "status_userdata_counts": queries.run(con, "status_userdata_counts")}
        for name in REPORTS:
            df = run_public(con, name)
            order = df.astype(str).sort_values(list(df.columns)).index   # list cells sort by their text
            out[name] = df.loc[order].reset_index(drop=True)
        out["stored_as_of"] = queries.facts.stored_as_of(con)
    finally:
        con.close()
    return out


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], pd.DataFrame):
            pd.testing.assert_frame_equal(a[k], b[k], check_dtype=False, obj=k)
        else:
            assert a[k] == b[k], k


# --------------------------------------------------------------------------- location
def test_lake_url_is_parsed_and_a_password_in_it_refused(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RETROSCOPE_DB", "ducklake:postgres:dbname=retro host=127.0.0.1 user=retro")
    monkeypatch.setenv("RETROSCOPE_LAKE_DATA", "/srv/lake")
    s = load_settings()
    assert lake.is_lake(s.db_path) and s.db_path.data_path == "/srv/lake"
    assert s.userdata == s.db_path.userdata() and s.userdata.schema == "userdata"
    for url in ("ducklake:postgres:dbname=retro host=x user=retro password=hunter2",
                "ducklake:postgres:dbname=retro host=x user=retro sslpassword=hunter2",
                "ducklake:postgres:postgresql://retro:hunter2@127.0.0.1:5432/retro",
                "ducklake:postgres:postgresql://127.0.0.1/retro?user=retro&password=hunter2"):
        with pytest.raises(RetroscopeError, match="PGPASSWORD") as e:
            lake.parse(url)
        assert "hunter2" not in str(e.value)
    # a URL with a user and no password is fine (the password comes from the environment)
    assert lake.is_lake(lake.parse("ducklake:postgres:postgresql://retro@127.0.0.1:5432/retro"))
    p = _cli("--db", "ducklake:postgres:postgresql://alice:hunter2@127.0.0.1:1/retro", "status", check=False)
    assert p.returncode == 1 and "hunter2" not in p.stdout + p.stderr
    p = _cli("--db", "ducklake:postgres:dbname=retro password=hunter2", "status", check=False)
    assert p.returncode == 1 and "hunter2" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
    assert lake.parse("data/retroscope.duckdb") == Path("data/retroscope.duckdb")


def test_lake_ddl_drops_only_what_ducklake_cannot_store():
    text = queries.sql_text("schema/userdata") + queries.sql_text("schema/warehouse")
    out = lake.lake_ddl(text)
    assert "PRIMARY KEY" not in out and "CHECK" not in out
    assert out.count("CREATE TABLE IF NOT EXISTS") == text.count("CREATE TABLE IF NOT EXISTS")
    assert "status     VARCHAR NOT NULL DEFAULT 'open'," in out   # the column survives, only its CHECK goes


def test_lake_errors_are_one_line_of_advice(new_lake, postgres_server, monkeypatch):  # noqa: F811
    lk = new_lake()
    base = ["--db", lk.url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETROSCOPE_")}
    cases = [
        (["import", "features", "data/examples/features.csv"], {}, "needs a folder for its data files"),
        (["status"], {}, "no warehouse in the lake"),
        (["status"], {"PGPASSWORD": "wrong"}, "check PGPASSWORD"),
    ]
    missing_db = lk.url.replace("dbname=", "dbname=no_such_")
    for args, extra, want in cases:
        p = _cli(*base, *args, env=dict(env, **extra), check=False)
        assert p.returncode == 1 and want in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert postgres_server.password not in p.stderr
    p = _cli("--db", missing_db, "status", env=env, check=False)
    assert p.returncode == 1 and "createdb" in p.stderr, p.stderr
    demo.build(lk, seed=7)
    p = _cli(*base, "status", env=dict(env, RETROSCOPE_LAKE_DATA="/tmp/not-the-lake-folder"), check=False)
    assert p.returncode == 1 and "is not the data folder this lake was created with" in p.stderr, p.stderr


def test_a_lake_connection_checks_an_extension_signature_once_per_unchanged_file(tmp_path, monkeypatch):
    """Every lake connection is a new in-memory database; after the first checked LOAD of an
    extension file, later connections load that file without the signature check only while it
    is unchanged, and turn the check back on for anything else they load. A file changed since
    is checked again, and a tampered one is refused."""
    import shutil

    copy = tmp_path / "ducklake.duckdb_extension"
    shutil.copyfile(lake._extension_file("duckdb_extension_ducklake", "ducklake"), copy)
    monkeypatch.setattr(lake, "_extension_files", lambda: (copy,))
    monkeypatch.setattr(lake, "_checked", {})
    unchecked_loads = []
    connect = duckdb.connect

    def spy(database, config=None, **kw):
        unchecked_loads.append(bool((config or {}).get("allow_unsigned_extensions")))
        return connect(database, config=config or {}, **kw)

    monkeypatch.setattr(lake.duckdb, "connect", spy)
    first = lake._new_connection()
    second = lake._new_connection()
    try:
        assert unchecked_loads == [False, True]
        assert second.execute("SELECT count(*) FROM duckdb_extensions() WHERE extension_name = 'ducklake' "
                              "AND loaded").fetchall() == [(1,)]
        data = bytearray(copy.read_bytes())
        data[len(data) // 2] ^= 0xFF                     # same size, one byte changed
        tampered = tmp_path / "tampered.duckdb_extension"
        tampered.write_bytes(bytes(data))
        for con in (first, second):                      # the check is on again on both
            assert not con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchall()[0][0]
            with pytest.raises(duckdb.Error, match="signature"):
                con.execute(f"LOAD '{tampered}'")
    finally:
        first.close()
        second.close()
    tampered.replace(copy)                 # as an upgrade would: the loaded file stays mapped intact
    for _ in range(2):                     # refused, and refused again: never taken as checked
        with pytest.raises(duckdb.Error, match="signature"):
            lake._new_connection()
    assert unchecked_loads[2:] == [False, False]


# --------------------------------------------------------------------------- warehouse cases
def test_demo_on_lake_answers_like_the_file(new_lake, file_demo, monkeypatch):
    lk = new_lake()
    # the lake's full build in parts of 150 issues (docs/facts.md "A full build in parts"),
    # the file's whole: every public query answers the same
    monkeypatch.setattr(queries.facts, "PART_ISSUES", 150)
    demo.build(lk, seed=7)
    _same(_reports(file_demo), _reports(lk))
    p = _cli("status", env=_env(lk))
    assert "DuckLake" in p.stdout and "raw_issues" in p.stdout and "as of 2026-11-18 17:00 UTC" in p.stdout
    assert os.environ["PGPASSWORD"] not in p.stdout + p.stderr
    # the stored facts live in the lake, readable by any DuckDB client that attaches it
    con = lake.open_lake(lk, read_only=True)
    try:
        n = con.execute("SELECT count(*) FROM lake.facts.sprint_facts").fetchall()[0][0]
    finally:
        con.close()
    assert n == 26
    # a past instant: the stored facts plus the delta (queries/facts_delta.py) read through the lake
    stored, live = queries.connect(lk), queries.connect(lk, stored=False)
    try:
        when = queries.facts.stored_as_of(stored) - pd.Timedelta(days=9)
        for name in ("issue_facts", "sprint_facts", "time_in_status"):
            a, b = run_public(stored, name, as_of=when), run_public(live, name, as_of=when)
            keys = list(a.columns)
            pd.testing.assert_frame_equal(a.sort_values(keys, key=lambda c: c.astype(str)).reset_index(drop=True),
                                          b.sort_values(keys, key=lambda c: c.astype(str)).reset_index(drop=True),
                                          check_dtype=False, obj=f"{name} 9 days back")
        # (the issue facts' delta, read off the stored versions; the sprint members at an earlier
        # instant are the stored rows, read again: no delta)
        assert queries.facts_delta.scoped_issues(stored, when, "issues") > 0
    finally:
        stored.close()
        live.close()


def test_user_input_round_trip_on_a_lake_and_no_load_writes_it(new_lake):
    lk = new_lake()
    demo.build(lk, seed=7)
    ud = lk.userdata()
    rid = userdata.create_retro(ud, held_on="2026-11-10", team="Atlas", kind="scrum", title="lake retro")
    userdata.add_card(ud, retro_id=rid, column="Went well", text="the lake works", votes=3)
    userdata.add_action(ud, retro_id=rid, text="write the deploy guide", due_on="2026-11-20")
    recs = userdata.load_records(ud)
    assert rid in set(recs["retros"]["retro_id"])
    assert recs["retro_cards"].query("retro_id == @rid")["votes"].tolist() == [3]
    # a load (here the demo again) never touches the user-input schema: the typed rows stay
    demo.build(lk, seed=7)
    recs2 = userdata.load_records(ud)
    assert rid in set(recs2["retros"]["retro_id"]) and len(recs2["action_items"]) == len(recs["action_items"])
    con = queries.connect(lk)
    try:
        got = con.execute("SELECT title FROM retros WHERE retro_id = $r", {"r": rid}).fetchall()
    finally:
        con.close()
    assert got == [("lake retro",)]
    # the reads and writes the retro loop and the forecast record make on the store work on a lake
    assert userdata.action_ids(ud) == set(recs2["action_items"]["action_id"])
    def forecasts():
        c = queries.open_userdata(ud, read_only=True)
        try:
            return c.execute("SELECT * FROM forecasts").df()
        finally:
            c.close()
    shown = forecasts().head(3).assign(forecast_id=lambda d: "lake-" + d["forecast_id"])
    assert len(shown) == 3                                   # the demo's forecast history is there
    assert forecast_records.record(ud, shown) == 3
    assert forecast_records.record(ud, shown) == 0          # the same forecasts again: nothing new
    assert set(shown["forecast_id"]) <= set(forecasts()["forecast_id"])


def test_user_input_saved_at_the_same_moment_is_all_kept(new_lake):
    from concurrent.futures import ThreadPoolExecutor

    ud = new_lake().userdata()
    userdata.create_retro(ud, held_on="2026-11-01", team="Atlas", kind="scrum", retro_id="r-first")

    def save(i: int) -> str:
        return userdata.create_retro(ud, held_on="2026-11-02", team="Atlas", kind="scrum", retro_id=f"r-{i}")

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(save, range(4)))
    assert set(userdata.retro_ids(ud)) == {"r-first", *ids}


def test_user_input_is_read_from_a_lake_in_one_connection_and_none_before_any_is_saved(new_lake):
    from connectors.load import staged_load

    lk = new_lake()
    ud = lk.userdata()
    assert queries.open_userdata_if_exists(ud) is None           # an empty catalog
    assert userdata.retro_ids(ud) == set() and all(df.empty for df in userdata.load_records(ud).values())
    with staged_load(lk, "metrics:a", "import") as w:
        w.write("raw_metric_points", _points("a", 2))
    assert queries.open_userdata_if_exists(ud) is None           # a warehouse, no user input yet
    rid = userdata.create_retro(ud, held_on="2026-11-10", team="Atlas", kind="scrum", title="first")
    con = queries.open_userdata_if_exists(ud)
    try:
        assert con.execute("SELECT retro_id, title FROM retros").fetchall() == [(rid, "first")]
    finally:
        con.close()
    assert userdata.retro_ids(ud) == {rid}
    assert userdata.load_records(ud)["retros"]["retro_id"].tolist() == [rid]


def test_reader_keeps_its_snapshot_while_a_load_commits(new_lake):
    lk = new_lake()
    demo.build(lk, seed=7)
    probe = lake.Probe(lk)             # what the dashboard keys its connection on
    snap0 = probe.snapshot()
    con = queries.connect(lk)
    try:
        before = queries.run(con, "status_row_counts")
        with queries.connect(lk, read_only=False, derived=False) as w:   # a load adding one metric point
            w.execute("INSERT INTO raw_metric_points (metric, day, segment, value, source) "
                      "VALUES ('extra', DATE '2026-11-01', '', 1.0, 'test')")
        assert queries.run(con, "status_row_counts").equals(before)        # still the snapshot it opened
        assert probe.snapshot() > snap0                                    # the dashboard would reopen
    finally:
        con.close()
    con = queries.connect(lk)
    try:
        after = queries.run(con, "status_row_counts").set_index("table_name")["row_count"]
    finally:
        con.close()
    assert after["raw_metric_points"] == before.set_index("table_name")["row_count"]["raw_metric_points"] + 1


def test_a_page_renders_on_the_lake_as_on_the_file(new_lake, file_demo, monkeypatch):
    lk = new_lake()
    migrate.migrate(file_demo, lk)
    monkeypatch.setenv("RETROSCOPE_LAKE_DATA", lk.data_path)
    at_lake = open_page(app_for(monkeypatch, lk.url), "sprint_retro")
    assert not problems(at_lake), problems(at_lake)
    monkeypatch.delenv("RETROSCOPE_LAKE_DATA")
    at_file = open_page(app_for(monkeypatch, file_demo), "sprint_retro")
    assert fingerprint(at_lake) == fingerprint(at_file)


# --------------------------------------------------------------------------- concurrent loads
def _points(metric: str, n: int) -> pd.DataFrame:
    return pd.DataFrame({"source": "test", "metric": metric, "day": pd.date_range("2026-01-01", periods=n).date,
                         "segment": "", "value": [float(i) for i in range(n)]})


@pytest.mark.parametrize("turns", [True, False], ids=["loads-take-turns", "optimistic-only"])
def test_an_overtaken_load_replays_and_keeps_both(new_lake, capsys, monkeypatch, turns):
    """Loads take turns at their end (a Postgres advisory lock): the overtaken one replays its
    writes on the new data before building the facts. Without the lock (catalog not reachable
    through psycopg) DuckLake refuses its commit and the retry does the same."""
    from connectors import lake as lake_load
    from connectors.load import failed_loads, staged_load

    if not turns:
        monkeypatch.setattr(lake_load._CommitLock, "__init__", lambda self, db: setattr(self, "pg", None))
    lk = new_lake()
    with staged_load(lk, "metrics:a", "import") as wa:
        wa.write("raw_metric_points", _points("a", 5))
        with staged_load(lk, "metrics:b", "import") as wb:     # commits while `a` is open
            wb.write("raw_metric_points", _points("b", 3))
    err = capsys.readouterr().err
    assert err.count("another load committed to the lake") == 1, err
    assert ("while this one ran" in err) == turns and ("first; replaying" in err) == (not turns), err
    assert len(err.strip().splitlines()) == 1
    con = queries.connect(lk, derived=False)
    try:
        got = dict(con.execute("SELECT metric, count(*) FROM raw_metric_points GROUP BY 1").fetchall())
        loads = sorted(r[0] for r in con.execute("SELECT source FROM raw_loads").fetchall())
    finally:
        con.close()
    assert got == {"a": 5, "b": 3} and loads == ["metrics:a", "metrics:b"]
    # a load that fails commits nothing and is listed as failed
    with pytest.raises(RuntimeError), staged_load(lk, "metrics:c", "import") as wc:
        wc.write("raw_metric_points", _points("c", 2))
        raise RuntimeError("bad input file")
    con = queries.connect(lk, derived=False)
    try:
        assert con.execute("SELECT count(*) FROM raw_metric_points WHERE metric = 'c'").fetchall() == [(0,)]
    finally:
        con.close()
    assert [(f["source"], f["detail"]) for f in failed_loads(lk)] == [("metrics:c", "bad input file")]


def _site_keys(site, project: str) -> set[str]:
    return {i.id for i in site.issues.values() if i.project == project}


def _issues(lk: lake.Lake) -> pd.DataFrame:
    con = queries.connect(lk, derived=False)
    try:
        return con.execute("SELECT issue_id, project_key FROM raw_issues").df()
    finally:
        con.close()


def _sync(lk, fake, project: str, **kw) -> subprocess.Popen:
    env = _env(lk, **fake.env())
    return subprocess.Popen([sys.executable, "-m", "dashboard.cli", "sync", "jira", "--url", fake.url,
                             "--project", project], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _facts_equal_live(lk) -> str:
    """The stored facts equal the figures computed from the raw history; returns how the
    last load built them (facts.meta `build`)."""
    stored, live = queries.connect(lk), queries.connect(lk, stored=False)
    try:
        as_of = queries.facts.stored_as_of(stored)
        assert as_of is not None
        for name in ("issue_facts", "sprint_facts", "flow_weekly"):
            params = dict(as_of=as_of, board_id=None, project=None, date_from=None, date_to=None)
            a, b = queries.run(stored, name, **params), queries.run(live, name, **params)
            keys = list(a.columns)
            a = a.sort_values(keys, key=lambda s: s.astype(str)).reset_index(drop=True)
            b = b.sort_values(keys, key=lambda s: s.astype(str)).reset_index(drop=True)
            pd.testing.assert_frame_equal(a.astype(str), b.astype(str), obj=name)
        return stored.execute("SELECT build FROM facts.meta").fetchall()[0][0]
    finally:
        stored.close()
        live.close()


def test_two_teams_sync_at_once_and_every_issue_arrives_once(new_lake):
    lk = new_lake()
    site = generated_site(400)
    with FakeJira(site, "cloud") as fake:
        a, b = _sync(lk, fake, "ATL"), _sync(lk, fake, "BOR")
        out_a, err_a = a.communicate(timeout=600)
        out_b, err_b = b.communicate(timeout=600)
        assert a.returncode == 0, err_a
        assert b.returncode == 0, err_b
        got = _issues(lk)
        assert not got["issue_id"].duplicated().any()
        for proj in ("ATL", "BOR"):
            assert set(got.query("project_key == @proj")["issue_id"]) == _site_keys(site, proj), proj
        con = queries.connect(lk)
        try:
            loads = con.execute("SELECT count(*) FROM raw_loads WHERE status = 'ok' AND kind = 'sync'").fetchall()[0][0]
            facts_n = con.execute("SELECT count(*) FROM facts.issue_facts").fetchall()[0][0]
        finally:
            con.close()
        assert loads == 2
        assert facts_n == len(got)        # the facts committed last were built over both teams' rows
        # a new team's board makes the second load build every fact; they equal the live figures
        _facts_equal_live(lk)
        # both teams again at once: whichever commits second updates the facts incrementally
        # over the snapshot holding the first, and they still equal the live figures
        a, b = _sync(lk, fake, "ATL"), _sync(lk, fake, "BOR")
        assert a.wait(timeout=600) == 0, a.stderr.read()
        assert b.wait(timeout=600) == 0, b.stderr.read()
    build = _facts_equal_live(lk)
    assert build.startswith("incremental"), build


def test_a_killed_sync_leaves_the_other_team_and_the_last_good_data(new_lake):
    lk = new_lake()
    site = generated_site(300)
    with FakeJira(site, "cloud") as fake:
        for proj in ("ATL", "BOR"):                      # the last good data: both teams synced
            p = _sync(lk, fake, proj)
            assert p.wait(timeout=600) == 0, p.stderr.read()
        good = _issues(lk)
        # ATL again, slowed down so that it is killed mid-way; BOR syncs meanwhile
        fake.fail(r"/search", status=0, delay=0.4, times=1000)
        searched = len(fake.paths(r"/search"))
        victim = _sync(lk, fake, "ATL")
        deadline = time.monotonic() + 120
        # its first issue search comes after it wrote statuses, projects and boards in its open
        # lake transaction: a kill now is mid-load
        while len(fake.paths(r"/search")) < searched + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert victim.poll() is None, "the ATL sync ended before it could be killed"
        other = _sync(lk, fake, "BOR")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=60)
        assert other.wait(timeout=600) == 0, other.stderr.read()
        fake.faults.clear()
        after_kill = _issues(lk)
        pd.testing.assert_frame_equal(after_kill.sort_values("issue_id").reset_index(drop=True),
                                      good.sort_values("issue_id").reset_index(drop=True))
        con = queries.connect(lk)
        try:
            kinds = con.execute("SELECT count(*) FROM raw_loads").fetchall()[0][0]
        finally:
            con.close()
        assert kinds == 3                                # the killed load recorded nothing
        rerun = _sync(lk, fake, "ATL")
        assert rerun.wait(timeout=600) == 0, rerun.stderr.read()
    final = _issues(lk)
    assert not final["issue_id"].duplicated().any()
    assert set(final["issue_id"]) == _site_keys(site, "ATL") | _site_keys(site, "BOR")


# --------------------------------------------------------------------------- migrate
def test_migrate_file_to_lake_to_file_round_trip(new_lake, file_demo, tmp_path):
    lk = new_lake()
    rid = userdata.create_retro(queries.userdata_path_for(_copy_demo(file_demo, tmp_path / "src.duckdb")),
                                held_on="2026-11-01", team="Borealis", kind="product", title="migrated")
    src = tmp_path / "src.duckdb"
    p = _cli("--db", str(src), "migrate", "--to", lk.url, "--lake-data", lk.data_path)
    assert "stored facts rebuilt" in p.stdout and "warehouse" in p.stderr
    assert re.search(r"^stored facts +\[#+\] (\d+)/\1 ", p.stderr, re.M), p.stderr   # the facts build's progress
    again = _cli("--db", str(src), "migrate", "--to", lk.url, check=False)
    assert again.returncode == 1 and "--force" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    back = tmp_path / "back.duckdb"
    _cli("--db", lk.url, "migrate", "--to", str(back))
    _same(_reports(src), _reports(lk))
    _same(_reports(src), _reports(back))
    assert rid in set(userdata.load_records(queries.userdata_path_for(back))["retros"]["retro_id"])
    forced = _cli("--db", str(file_demo), "migrate", "--to", lk.url, "--force")
    assert forced.returncode == 0
    assert rid not in set(userdata.load_records(lk.userdata())["retros"]["retro_id"])


def _copy_demo(src: Path, dst: Path) -> Path:
    import shutil

    shutil.copyfile(src, dst)
    shutil.copyfile(queries.userdata_path_for(src), queries.userdata_path_for(dst))
    return dst
