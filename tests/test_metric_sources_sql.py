"""`kind = "sql"` metric sources against a real PostgreSQL server, through the real CLI."""

from __future__ import annotations

import re
from datetime import date, timedelta

import duckdb
import pytest
from helpers_postgres import postgres_server, product_db  # noqa: F401 - fixtures

from connectors import metric_sources
from connectors.settings import load_settings
from dashboard.cli import main
from queries.errors import RetroscopeError

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(5)]
QUERY = "SELECT day::date AS day, metric, value, segment FROM daily_facts WHERE day >= $since"


def config(tmp_path, query: str = QUERY, extra: str = "", metrics: bool = True) -> None:
    text = f'''
[[metrics.sources]]
name = "product-db"
kind = "sql"
url_env = "PRODUCT_DB_URL"
overlap_days = 2
query = """{query}"""
{extra}
'''
    if metrics:
        text += '''
[[metrics.sources.metrics]]
name = "signups"
unit = "users"
direction = "up"
description = "New accounts per day"

[[metrics.sources.metrics]]
name = "churn"
unit = "accounts"
direction = "down"
'''
    (tmp_path / "retroscope.toml").write_text(text, encoding="utf-8")


def seed(url: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute("CREATE TABLE daily_facts (day date NOT NULL, metric text, segment text, value numeric(12, 2))")
        for i, d in enumerate(DAYS):
            c.execute("INSERT INTO daily_facts VALUES (%s, 'signups', NULL, %s), (%s, 'signups', 'mobile', %s), "
                      "(%s, 'churn', NULL, %s)", (d, 10 + i, d, 4 + i, d, 1.5 + i * 0.25))


def execute(url: str, sql: str, params=()) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(sql, params)


def points(db) -> dict[tuple[str, str, str], float]:
    with duckdb.connect(str(db), read_only=True) as c:
        rows = c.execute("SELECT metric, day::VARCHAR, segment, value, source FROM raw_metric_points").fetchall()
    assert {r[4] for r in rows} <= {"sql:product-db"}
    return {(m, d, s): v for m, d, s, v, _ in rows}


@pytest.fixture
def env(tmp_path, monkeypatch, product_db):  # noqa: F811 - fixture
    monkeypatch.chdir(tmp_path)
    for k in ("RETROSCOPE_CONFIG", "RETROSCOPE_DB", "JIRA_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("PRODUCT_DB_URL", product_db)
    seed(product_db)
    config(tmp_path)
    return product_db


def test_sync_change_rows_sync_again_and_full(tmp_path, env, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0, capsys.readouterr().err
    out, err = capsys.readouterr()
    assert "sql:product-db: 15 values of 2 metrics, 2026-11-01 to 2026-11-05 (first sync)" in out
    assert re.search(r"^stored facts +\[#+\] (\d+)/\1 ", err, re.M), err   # the facts build's progress, to the end
    p = points(db)
    assert len(p) == 15
    assert p[("signups", "2026-11-01", "")] == 10.0 and p[("signups", "2026-11-05", "mobile")] == 8.0
    assert p[("churn", "2026-11-03", "")] == 2.0
    with duckdb.connect(str(db), read_only=True) as c:
        defs = c.execute("SELECT metric, unit, higher_is_better, description, source FROM raw_metric_definitions "
                         "ORDER BY metric").fetchall()
        state = c.execute("SELECT value FROM raw_sync_state WHERE source = 'sql:product-db'").fetchall()
    assert defs == [("churn", "accounts", False, None, "sql:product-db"),
                    ("signups", "users", True, "New accounts per day", "sql:product-db")]
    assert state == [("2026-11-05",)]

    # the source revises days inside and outside the 2-day overlap, drops one row, adds a day
    execute(env, "UPDATE daily_facts SET value = 99 WHERE day = '2026-11-04' AND metric = 'signups' AND segment IS NULL")
    execute(env, "UPDATE daily_facts SET value = 77 WHERE day = '2026-11-01' AND metric = 'signups' AND segment IS NULL")
    execute(env, "DELETE FROM daily_facts WHERE day = '2026-11-05' AND metric = 'churn'")
    execute(env, "INSERT INTO daily_facts VALUES ('2026-11-06', 'signups', NULL, 20.5)")
    assert main(["--db", str(db), "sync", "metrics", "--source", "product-db"]) == 0
    out = capsys.readouterr().out
    # since = last day 11-05 − 2 days = 11-03: 3 rows on the 3rd and 4th, 2 on the 5th, 1 on the 6th
    assert "sql:product-db: 9 values of 2 metrics, 2026-11-03 to 2026-11-06 (incremental since 2026-11-03)" in out
    p = points(db)
    assert p[("signups", "2026-11-04", "")] == 99.0          # revised inside the window
    assert p[("signups", "2026-11-01", "")] == 10.0          # outside the window: kept until --full
    assert ("churn", "2026-11-05", "") not in p               # deleted at the source inside the window
    assert p[("signups", "2026-11-06", "")] == 20.5
    assert p[("churn", "2026-11-04", "")] == 2.25
    assert len(p) == 15

    assert main(["--db", str(db), "sync", "metrics", "--full"]) == 0
    assert "(full sync)" in capsys.readouterr().out
    p = points(db)
    assert p[("signups", "2026-11-01", "")] == 77.0 and len(p) == 15


def test_same_sync_twice_changes_nothing(tmp_path, env, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    first = points(db)
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    assert points(db) == first
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM raw_loads WHERE source = 'sql:product-db'").fetchone()[0] == 3


def test_a_sync_that_replaces_imported_values_says_so(tmp_path, env, capsys):
    """Values are kept per metric, day and segment whichever source brought them: a sync over
    imported days replaces them, and says how many and from where, as an import does. Its own
    values again (the next sync) are not counted."""
    db = tmp_path / "w.duckdb"
    # 2026-11-02 the same value the database holds (11), 2026-11-03 another (50): both replaced,
    # the source changes; 2026-10-30 the database has no value for: kept
    (tmp_path / "m.csv").write_text("date,metric,value\n2026-10-30,signups,5\n2026-11-02,signups,11\n"
                                    "2026-11-03,signups,50\n")
    assert main(["--db", str(db), "import", "metrics", str(tmp_path / "m.csv")]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    out, err = capsys.readouterr()
    assert "sql:product-db: 15 values of 2 metrics" in out
    assert ("note: 2 of these values replaced values already loaded for the same metric, day and segment "
            "(2 from file:m.csv)") in err
    with duckdb.connect(str(db), read_only=True) as c:
        rows = c.execute("SELECT day::VARCHAR, value, source FROM raw_metric_points WHERE metric = 'signups' "
                         "AND segment = '' AND day <= '2026-11-03' ORDER BY day").fetchall()
    assert rows == [("2026-10-30", 5.0, "file:m.csv"), ("2026-11-01", 10.0, "sql:product-db"),
                    ("2026-11-02", 11.0, "sql:product-db"), ("2026-11-03", 12.0, "sql:product-db")]
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    assert "replaced" not in capsys.readouterr().err


def test_bad_rows_fail_with_the_rows_and_keep_the_last_good_data(tmp_path, env, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    good = points(db)
    before = db.read_bytes()
    execute(env, "INSERT INTO daily_facts VALUES ('2026-11-05', 'signups', NULL, NULL), "
                 "('2026-11-05', 'bad name', NULL, 3)")
    capsys.readouterr()
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith("retroscope: metric source 'product-db' (sql): 3 problems in the rows it returned; "
                            "nothing was synced and the warehouse keeps its last good data.")
    assert "column value: missing (expected a number)" in err
    assert "'bad name' is not a metric name" in err
    assert "second value for signups on this day and segment" in err
    assert "Traceback" not in err
    assert db.read_bytes() == before and points(db) == good
    # status shows the source, its data and the last error
    assert main(["--db", str(db), "status"]) == 0
    out = capsys.readouterr().out
    assert "metric sources ([[metrics.sources]]):" in out
    assert "product-db" in out and "15 values of 2 metrics, 2026-11-01 to 2026-11-05" in out
    assert "last error" in out and "3 problems in the rows it returned" in out


def test_undeclared_metric_and_future_day_are_refused(tmp_path, env, capsys):
    db = tmp_path / "w.duckdb"
    execute(env, "INSERT INTO daily_facts VALUES ('2026-11-05', 'revenue', NULL, 3)")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    assert "the result has metric revenue not listed under this source; nothing was synced" in err
    assert not db.exists()
    execute(env, "DELETE FROM daily_facts WHERE metric = 'revenue'")
    execute(env, "INSERT INTO daily_facts VALUES ('2099-01-01', 'signups', NULL, 3)")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "1 value(s) dated in the future (first 2099-01-01)" in capsys.readouterr().err


def test_without_a_metrics_list_every_metric_is_taken_and_wide_results_work(tmp_path, env, capsys):
    config(tmp_path, metrics=False, query="SELECT day, sum(value) FILTER (WHERE metric = 'signups') AS signups, "
           "'10:30' AS t FROM daily_facts WHERE day >= $since GROUP BY day")
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "column t: '10:30' is not a number" in capsys.readouterr().err   # a stray column, named
    config(tmp_path, metrics=False, query="SELECT day, sum(value) FILTER (WHERE metric = 'signups') AS signups, "
           "sum(value) FILTER (WHERE metric = 'churn' AND '10:30' = '10:30') AS churn "
           "FROM daily_facts WHERE day >= $since::date GROUP BY day")
    assert main(["--db", str(db), "sync", "metrics"]) == 0, capsys.readouterr().err
    p = points(db)
    assert len(p) == 10
    assert p[("signups", "2026-11-02", "")] == 11.0 + 5.0     # both segments summed by the query
    assert p[("churn", "2026-11-05", "")] == 2.5


def test_query_file_and_query_errors(tmp_path, env, capsys):
    (tmp_path / "q.sql").write_text("SELECT day, metric, valu FROM daily_facts WHERE day >= $since", encoding="utf-8")
    config(tmp_path, query="x", extra="")
    text = (tmp_path / "retroscope.toml").read_text().replace('query = """x"""', 'query_file = "q.sql"')
    (tmp_path / "retroscope.toml").write_text(text)
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "metric source 'product-db' (sql): the query failed (column \"valu\" does not exist)" in err
    assert "q.sql" in err


def test_wrong_password_and_unreachable_server(tmp_path, env, monkeypatch, capsys, postgres_server):  # noqa: F811
    db = tmp_path / "w.duckdb"
    wrong = env.replace(postgres_server.password, "not-the-Password-1")
    monkeypatch.setenv("PRODUCT_DB_URL", wrong)
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to the database" in err and "password authentication failed" in err
    assert "PRODUCT_DB_URL" in err and "not-the-Password-1" not in err
    monkeypatch.setenv("PRODUCT_DB_URL", env.replace(f":{postgres_server.port}/", ":1/"))
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "cannot connect to the database" in capsys.readouterr().err
    monkeypatch.delenv("PRODUCT_DB_URL")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "environment variable PRODUCT_DB_URL is not set" in capsys.readouterr().err
    monkeypatch.setenv("PRODUCT_DB_URL", "nonsense")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "PRODUCT_DB_URL is not a database URL" in capsys.readouterr().err
    monkeypatch.setenv("PRODUCT_DB_URL", "nosuchdb+driver://x/y")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    assert "no SQLAlchemy driver for 'nosuchdb+driver'" in capsys.readouterr().err


def test_plain_sync_runs_every_configured_source_one_line_each(tmp_path, env, capsys, monkeypatch):
    config(tmp_path, extra="")
    text = (tmp_path / "retroscope.toml").read_text()
    text += ('\n[[metrics.sources]]\nname = "copy"\nkind = "sql"\nurl_env = "PRODUCT_DB_URL"\n'
             "query = \"SELECT day, 'copies' AS metric, count(*) AS value FROM daily_facts GROUP BY day\"\n")
    (tmp_path / "retroscope.toml").write_text(text)
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync"]) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("sql:product-db: 15 values") and lines[1].startswith("sql:copy: 5 values of 1 metric,")
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT sum(value) FROM raw_metric_points WHERE metric = 'copies'").fetchone()[0] == 15
    assert main(["--db", str(db), "sync", "metrics", "--source", "nope"]) == 1
    assert "unknown metric source 'nope'; configured: copy, product-db" in capsys.readouterr().err


def test_config_errors_name_the_key_and_the_fix(tmp_path):
    def parse(text):
        p = tmp_path / "c.toml"
        p.write_text(text)
        return metric_sources.sources_of(load_settings(p))

    with pytest.raises(RetroscopeError, match=r"\[metrics.sources a.kind\] 'mysql' \(expected sql or posthog\)"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "mysql"\n')
    with pytest.raises(RetroscopeError, match="the NAME of an environment variable"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "postgresql://u:p@h/d"\nquery = "x"\n')
    with pytest.raises(RetroscopeError, match="give either query or query_file"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "X"\n')
    with pytest.raises(RetroscopeError, match=r"direction\] 'higher' \(expected up"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "X"\nquery = "x"\n'
              '[[metrics.sources.metrics]]\nname = "m"\ndirection = "higher"\n')
    with pytest.raises(RetroscopeError, match="does not use {since}"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "posthog"\napi_key_env = "K"\nproject_id = "1"\n'
              '[[metrics.sources.metrics]]\nname = "m"\nhogql = "SELECT 1"\n')
    with pytest.raises(RetroscopeError, match="the name is used twice"):
        parse('[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "X"\nquery = "x"\n'
              '[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "X"\nquery = "x"\n')
    (s,) = parse('[metrics]\noverlap_days = 3\n[[metrics.sources]]\nname = "a"\nkind = "sql"\nurl_env = "X"\n'
                 'query = "x"\nstart = 2025-01-01\n')
    assert (s.overlap_days, s.start, s.source) == (3, date(2025, 1, 1), "sql:a")


def test_only_sql_metrics_imports_sqlalchemy_or_psycopg():
    """Postgres drivers are IO: the SQL metric source reads through SQLAlchemy, and the lake's
    loads take turns on an advisory lock in its catalog database (psycopg); nothing else."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    users = []
    for pkg in ("connectors", "queries", "dashboard"):
        for f in (root / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                if any(n.split(".")[0] in ("sqlalchemy", "psycopg") for n in names):
                    users.append(f.relative_to(root).as_posix())
    assert set(users) == {"connectors/sql_metrics.py", "connectors/lake.py"}


def test_empty_result_and_a_query_without_since(tmp_path, env, capsys):
    db = tmp_path / "w.duckdb"
    config(tmp_path, query="SELECT day, metric, value FROM daily_facts WHERE day >= $since AND false")
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    out = capsys.readouterr()
    assert "sql:product-db: 0 values of 0 metrics (first sync)" in out.out
    assert "note: the source returned no rows yet" in out.err
    # without $since every sync pulls and replaces everything, deletions included
    config(tmp_path, query="SELECT day, metric, value, segment FROM daily_facts")
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    out = capsys.readouterr()
    assert "(full sync)" in out.out and "the query does not use $since" in out.err
    execute(env, "DELETE FROM daily_facts WHERE day = '2026-11-01'")
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    p = points(db)
    assert len(p) == 12 and not any(k[1] == "2026-11-01" for k in p)


def test_posthog_page_size_is_capped(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text('[[metrics.sources]]\nname = "w"\nkind = "posthog"\napi_key_env = "K"\nproject_id = "1"\n'
                 'page_size = 60000\n[[metrics.sources.metrics]]\nname = "dau"\nmeasure = "daily_active_users"\n')
    with pytest.raises(RetroscopeError, match=r"page_size\] 60000 \(expected at most 50000"):
        metric_sources.sources_of(load_settings(p))


def test_a_sqlite_path_that_is_not_there_is_said_and_not_created(tmp_path):
    """A typo in a SQLite URL's path made SQLite create an empty file there, and the sync then said
    the query failed (no such table), blaming the query for the path."""
    from connectors import sql_metrics
    from connectors.metric_sources import parse_sources
    from queries.errors import RetroscopeError

    (src,) = parse_sources({"metrics": {"sources": [{"name": "app", "kind": "sql", "url_env": "PRODUCT_DB_URL",
                                                      "query": "SELECT day, metric, value FROM t WHERE day >= $since"}]}})
    missing = tmp_path / "nf" / "missing.db"
    with pytest.raises(RetroscopeError) as e:
        sql_metrics.fetch(src, f"sqlite:///{missing}", date(2026, 1, 1))
    assert str(e.value) == (f"metric source 'app' (sql): no SQLite file at {missing} (the path in PRODUCT_DB_URL); "
                            "fix the path (sqlite:///relative/path.db or sqlite:////absolute/path.db)")
    assert not missing.exists() and not missing.parent.exists()
