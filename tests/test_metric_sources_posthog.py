"""`kind = "posthog"` metric sources through the real code path, against a PostHog-shaped
HTTP server on 127.0.0.1 (tests/fake_posthog.py)."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from fake_posthog import FakePostHog

from connectors import metric_sources, posthog
from connectors.settings import load_settings
from dashboard.cli import main
from queries.errors import RetroscopeError

KEY = "phx_TESTKEY_0123456789abcdef"
SIGNUPS_BY_PLAN = "SELECT toDate(timestamp) AS day, count() AS value, properties.plan AS segment FROM events " \
                  "WHERE event = 'signed_up' AND toDate(timestamp) >= toDate({since}) GROUP BY day, segment"
# (day, person, event): by hand, daily active users = distinct people per day
EVENTS = [
    ("2026-11-14", "ann", "pageview"), ("2026-11-14", "bob", "pageview"), ("2026-11-14", "ann", "signed_up"),
    ("2026-11-15", "ann", "pageview"),
    ("2026-11-16", "bob", "pageview"), ("2026-11-16", "cid", "signed_up"), ("2026-11-16", "dan", "pageview"),
    ("2026-11-17", "cid", "pageview"),
    ("2026-11-18", "ann", "signed_up"), ("2026-11-18", "bob", "signed_up"),
    ("2026-11-20", "eve", "pageview"),            # "today" on the fake: left out
]


@pytest.fixture
def fake(tmp_path, monkeypatch):
    f = FakePostHog(api_key=KEY, events=list(EVENTS))
    f.custom[SIGNUPS_BY_PLAN] = [("2026-11-14", 1, "free"), ("2026-11-16", 1, "pro"), ("2026-11-18", 2, "free")]
    monkeypatch.chdir(tmp_path)
    for k in ("RETROSCOPE_CONFIG", "RETROSCOPE_DB", "JIRA_URL"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("POSTHOG_API_KEY", KEY)
    (tmp_path / "retroscope.toml").write_text(f'''
[[metrics.sources]]
name = "web"
kind = "posthog"
host = "{f.host}"
project_id = "{f.project_id}"
api_key_env = "POSTHOG_API_KEY"
page_size = 3
overlap_days = 2
max_retries = 2
timeout_seconds = 5

[[metrics.sources.metrics]]
name = "dau"
unit = "users"
measure = "daily_active_users"

[[metrics.sources.metrics]]
name = "signups"
unit = "accounts"
event = "signed_up"
description = "Accounts created"

[[metrics.sources.metrics]]
name = "signups_by_plan"
hogql = "{SIGNUPS_BY_PLAN}"
''', encoding="utf-8")
    monkeypatch.setattr(posthog, "_sleep", lambda s: slept.append(s))
    slept: list[float] = []
    f.slept = slept
    yield f
    f.close()


def points(db) -> dict[tuple[str, str, str], float]:
    with duckdb.connect(str(db), read_only=True) as c:
        rows = c.execute("SELECT metric, day::VARCHAR, segment, value FROM raw_metric_points").fetchall()
    return {(m, d, s): v for m, d, s, v in rows}


def source(fake):
    return metric_sources.sources_of(load_settings("retroscope.toml"))[0]


def test_daily_active_users_event_counts_and_custom_hogql_with_paging(tmp_path, fake, capsys):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    p = points(db)
    assert {k: v for k, v in p.items() if k[0] == "dau"} == {
        ("dau", "2026-11-14", ""): 2, ("dau", "2026-11-15", ""): 1, ("dau", "2026-11-16", ""): 3,
        ("dau", "2026-11-17", ""): 1, ("dau", "2026-11-18", ""): 2}
    assert {k: v for k, v in p.items() if k[0] == "signups"} == {
        ("signups", "2026-11-14", ""): 1, ("signups", "2026-11-16", ""): 1, ("signups", "2026-11-18", ""): 2}
    assert {k: v for k, v in p.items() if k[0] == "signups_by_plan"} == {
        ("signups_by_plan", "2026-11-14", "free"): 1, ("signups_by_plan", "2026-11-16", "pro"): 1,
        ("signups_by_plan", "2026-11-18", "free"): 2}
    # page_size 3: dau pages start 1970-01-01, 11-16 (its 3rd day was cut), 11-18 (11-18 cut again) -> 3
    # requests; signups: a full page of 3 then from 11-18 -> 2; custom: 2 the same way
    assert len(fake.requests) == 7
    r0 = fake.requests[0]
    assert r0["auth"] == f"Bearer {KEY}" and r0["content_type"] == "application/json"
    assert r0["path"] == f"/api/projects/{fake.project_id}/query/"
    assert r0["body"]["query"] == {"kind": "HogQLQuery", "values": {"since": "1970-01-01"},
                                   "query": f"SELECT * FROM ({posthog.DAILY_ACTIVE_USERS}) ORDER BY day LIMIT 3"}
    assert [r["body"]["query"]["values"]["since"] for r in fake.requests[:3]] == ["1970-01-01", "2026-11-16",
                                                                                "2026-11-18"]
    assert fake.requests[3]["body"]["query"]["values"] == {"since": "1970-01-01", "event": "signed_up"}
    assert "posthog:web: 11 values of 3 metrics, 2026-11-14 to 2026-11-18 (first sync, 7 requests)" in out
    with duckdb.connect(str(db), read_only=True) as c:
        defs = c.execute("SELECT metric, unit, higher_is_better, description FROM raw_metric_definitions "
                         "ORDER BY metric").fetchall()
    assert defs == [("dau", "users", True, None), ("signups", "accounts", True, "Accounts created"),
                    ("signups_by_plan", None, True, None)]

    # PostHog revises a recent day and a new day completes: incremental from 11-18 − 2 = 11-16
    fake.events += [("2026-11-17", "zed", "pageview"), ("2026-11-20", "fay", "pageview")]
    fake.today = "2026-11-21"
    fake.requests.clear()
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    assert "(incremental since 2026-11-16" in capsys.readouterr().out
    assert fake.requests[0]["body"]["query"]["values"]["since"] == "2026-11-16"
    p = points(db)
    assert p[("dau", "2026-11-17", "")] == 2 and p[("dau", "2026-11-20", "")] == 2
    assert p[("dau", "2026-11-14", "")] == 2 and len(p) == 12


def test_wrong_key_is_one_line_and_keeps_the_last_good_data(tmp_path, fake, capsys, monkeypatch):
    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    before = db.read_bytes()
    monkeypatch.setenv("POSTHOG_API_KEY", "phx_wrong_SECRET_key")
    capsys.readouterr()
    assert main(["--db", str(db), "-v", "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.startswith("retroscope:")]
    assert lines == ["retroscope: metric source 'web' (posthog): PostHog refused the API key (HTTP 401: Incorrect "
                     "authentication credentials.); set POSTHOG_API_KEY to a personal API key with the Query Read "
                     "scope for this project"]
    assert "phx_wrong_SECRET_key" not in err and "Traceback" not in err
    assert db.read_bytes() == before


def test_429_waits_for_retry_after_then_succeeds(tmp_path, fake, capsys):
    fake.faults = [(429, {"Retry-After": "7"}, {"type": "throttled_error", "code": "throttled",
                                                "detail": "Request was throttled."})]
    assert main(["--db", str(tmp_path / "w.duckdb"), "sync", "metrics"]) == 0, capsys.readouterr().err
    assert fake.slept == [7.0]
    assert len(points(tmp_path / "w.duckdb")) == 11


def test_a_500_is_retried_then_reported_leaving_the_data(tmp_path, fake, capsys):
    db = tmp_path / "w.duckdb"
    fake.faults = [(500, {}, None)]
    assert main(["--db", str(db), "sync", "metrics"]) == 0      # one 500, retried after 1 s
    assert fake.slept == [1.0]
    good = points(db)
    fake.faults = [(500, {}, None)] * 3
    capsys.readouterr()
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    err = capsys.readouterr().err
    assert "metric source 'web' (posthog): metric dau: PostHog answered HTTP 500 (A server error occurred.), gave " \
           "up after 3 attempts; wait a few minutes and sync again (the last good data is kept)" in err
    assert points(db) == good
    assert fake.slept == [1.0, 1.0, 2.0]


def test_bad_query_wrong_project_unreachable_host_and_timeouts(tmp_path, fake, monkeypatch):
    src = source(fake)
    m = metric_sources.MetricSpec(name="x", measure="hogql", hogql="SELECT nope FROM events WHERE {since}")
    bad = metric_sources.SourceConfig(**{**src.__dict__, "metrics": (m,)})
    with pytest.raises(RetroscopeError, match=r"metric x: PostHog rejected the query \(HTTP 400: Unable to resolve "
                       r"field: nope\); fix the metric's HogQL"):
        posthog.fetch(bad, KEY, date(2026, 1, 1))
    wrong = metric_sources.SourceConfig(**{**src.__dict__, "project_id": "1"})
    with pytest.raises(RetroscopeError, match="project 1 not found at .* check project_id"):
        posthog.fetch(wrong, KEY, date(2026, 1, 1))
    closed = metric_sources.SourceConfig(**{**src.__dict__, "host": "http://127.0.0.1:1"})
    with pytest.raises(RetroscopeError, match=r"cannot reach http://127.0.0.1:1 .*check host"):
        posthog.fetch(closed, KEY, date(2026, 1, 1))
    fake.slow_seconds = 1.5
    slow = metric_sources.SourceConfig(**{**src.__dict__, "timeout_seconds": 1.0, "max_retries": 1})
    slept = []
    with pytest.raises(RetroscopeError, match=r"no answer from .* within 1s, gave up after 2 attempts"):
        posthog.fetch(slow, KEY, date(2026, 1, 1), sleep=slept.append)
    assert slept == [1.0]


def test_retry_after_as_http_date_and_one_day_bigger_than_a_page():
    assert posthog._retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 5.0) == 0.0    # in the past: at once
    assert posthog._retry_after(None, 5.0) == 5.0 and posthog._retry_after("12", 5.0) == 12.0


def test_a_day_with_more_rows_than_a_page_is_refused(tmp_path, fake):
    fake.custom[SIGNUPS_BY_PLAN] = [("2026-11-14", 1, s) for s in ("a", "b", "c", "d")]
    src = source(fake)
    with pytest.raises(RetroscopeError, match=r"one day \(2026-11-14\) has 3 or more rows, a whole page; raise "
                       "page_size"):
        posthog.fetch(metric_sources.SourceConfig(**{**src.__dict__, "metrics": src.metrics[2:]}), KEY,
                      date(2026, 1, 1))


def test_data_page_lists_the_source_with_values_and_last_error(tmp_path, fake, monkeypatch):
    from helpers_pages import app_for, open_page, problems

    db = tmp_path / "w.duckdb"
    assert main(["--db", str(db), "sync", "metrics"]) == 0
    monkeypatch.setenv("POSTHOG_API_KEY", "phx_wrong")
    assert main(["--db", str(db), "sync", "metrics"]) == 1
    at = app_for(monkeypatch, db)
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(tmp_path / "retroscope.toml"))
    at = open_page(at, "data_sources")
    assert not problems(at)
    tables = [d.value for d in at.dataframe if "last error" in getattr(d.value, "columns", [])]
    assert len(tables) == 1
    row = tables[0].iloc[0]
    # tables on a page show formatted text (docs/pages.md)
    assert (row["source"], row["kind"], row["values"], row["metrics"]) == ("web", "posthog", "11", "3")
    assert "PostHog refused the API key (HTTP 401" in row["last error"]
    shown = [d.value.to_csv() for d in at.dataframe] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    assert shown and not any("phx_wrong" in t or KEY in t for t in shown)


def test_plain_sync_runs_jira_then_the_metric_sources_one_line_each(tmp_path, fake, monkeypatch, capsys):
    from helpers_jira import start

    jira = start("cloud")
    try:
        for k, v in jira.env().items():
            monkeypatch.setenv(k, v)
        cfg = tmp_path / "retroscope.toml"
        cfg.write_text(f'[jira]\nurl = "{jira.url}"\nprojects = ["ATL"]\n' + cfg.read_text())
        db = tmp_path / "w.duckdb"
        assert main(["--db", str(db), "sync"]) == 0, capsys.readouterr().err
        lines = capsys.readouterr().out.strip().splitlines()
        assert len(lines) == 2
        assert lines[0].startswith(f"jira:{jira.url}: ") and "(first sync," in lines[0]
        assert lines[1].startswith("posthog:web: 11 values of 3 metrics")
        # one failing source does not stop the other; the command says so with its exit code
        monkeypatch.setenv("POSTHOG_API_KEY", "phx_wrong")
        assert main(["--db", str(db), "sync", "--full"]) == 1
        out = capsys.readouterr()
        assert out.out.startswith(f"jira:{jira.url}: ") and "(full," in out.out
        assert "retroscope: metric source 'web' (posthog): PostHog refused the API key" in out.err
    finally:
        jira.__exit__()
