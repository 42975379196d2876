"""The PostHog API key and the database password never reach the warehouse, its logs or
the output, also with -v and when syncs fail."""

from __future__ import annotations

import logging

from fake_posthog import FakePostHog
from helpers_postgres import postgres_server, product_db  # noqa: F401 - fixtures

from connectors.metric_sources import scrub
from dashboard.cli import main

KEY = "phx_SECRETKEY_9f8e7d6c5b4a"


def test_no_secret_in_warehouse_files_logs_or_output(tmp_path, monkeypatch, capsys, caplog, product_db,  # noqa: F811
                                                      postgres_server):  # noqa: F811
    import psycopg

    with psycopg.connect(product_db.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute("CREATE TABLE facts AS SELECT DATE '2026-11-01' + i AS day, 'orders' AS metric, i * 2 AS value "
                  "FROM generate_series(0, 9) AS i")
    fake = FakePostHog(api_key=KEY, events=[("2026-11-10", "ann", "pageview")])
    monkeypatch.chdir(tmp_path)
    for k in ("RETROSCOPE_CONFIG", "RETROSCOPE_DB", "JIRA_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("SHOP_DB_URL", product_db)
    monkeypatch.setenv("PH_KEY", KEY)
    (tmp_path / "retroscope.toml").write_text(f'''
[[metrics.sources]]
name = "shop"
kind = "sql"
url_env = "SHOP_DB_URL"
query = "SELECT day, metric, value FROM facts WHERE day >= $since"

[[metrics.sources]]
name = "web"
kind = "posthog"
host = "{fake.host}"
project_id = "{fake.project_id}"
api_key_env = "PH_KEY"
max_retries = 0
[[metrics.sources.metrics]]
name = "dau"
measure = "daily_active_users"
''', encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "data" / "w.duckdb"
    try:
        assert main(["--db", str(db), "-v", "sync"]) == 0, capsys.readouterr().err
        assert main(["--db", str(db), "-v", "sync", "metrics", "--full"]) == 0
        # failures: the database refuses a wrong password, PostHog errors out, a query fails
        fake.faults = [(500, {}, {"detail": "boom"})]
        monkeypatch.setenv("SHOP_DB_URL", product_db.replace("/p_", "/nodb_"))
        assert main(["--db", str(db), "-v", "sync"]) == 1
        assert main(["--db", str(db), "-v", "status"]) == 0
    finally:
        fake.close()
    out = capsys.readouterr()
    texts = {"stdout": out.out, "stderr": out.err, "log records": caplog.text}
    files = [p for p in db.parent.iterdir() if p.is_file()]
    assert any(p.name.endswith(".loads.log") for p in files) and db in files
    for p in files:
        texts[p.name] = p.read_bytes().decode("latin-1")
    assert "nodb_" in texts["stderr"]          # the failure was reported (database name, not secrets)
    for name, text in texts.items():
        assert KEY not in text, f"API key in {name}"
        assert postgres_server.password not in text, f"database password in {name}"


def test_scrub_hides_secrets_and_url_passwords():
    assert scrub("failed for postgresql+psycopg://u:hunter22@h/db", []) == "failed for postgresql+psycopg://u:***@h/db"
    assert scrub("key phx_abc is wrong", ["phx_abc"]) == "key *** is wrong"


def test_a_message_carrying_the_secret_is_scrubbed_before_it_is_logged(tmp_path, monkeypatch):
    import pytest

    from connectors import metric_sources, sql_metrics
    from connectors.load import failed_loads
    from queries.errors import RetroscopeError

    url = "postgresql+psycopg://u:Sup3rSecret@127.0.0.1:1/db"

    def leaky(src, secret, since):
        raise RuntimeError(f"driver said: could not use {secret}")

    monkeypatch.setattr(sql_metrics, "fetch", leaky)
    src = metric_sources.SourceConfig(name="s", kind="sql", url_env="U", query="SELECT 1")
    db = tmp_path / "w.duckdb"
    with pytest.raises(RetroscopeError) as e:
        metric_sources.sync_source(db, src, env={"U": url})
    assert "unexpected RuntimeError (driver said: could not use ***)" in str(e.value)
    logged = failed_loads(db)
    assert len(logged) == 1 and "could not use ***" in logged[0]["detail"]
    assert "Sup3rSecret" not in str(e.value) and "Sup3rSecret" not in db.with_name("w.duckdb.loads.log").read_text()
