"""Foundation: schema, the atomic load path, the demo's determinism, layering, registry docs."""

from __future__ import annotations

import ast
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import queries
from connectors import demo
from connectors.load import failed_loads, staged_load
from queries.registry import REGISTRY, markdown

ROOT = Path(__file__).resolve().parents[1]


def checksums(db: Path, tables=None) -> dict[str, str]:
    """md5 over every row of every raw table except the load log (its times are wall-clock)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for t in tables or queries.raw_tables():
            if t == "raw_loads":
                continue
            out[t] = con.execute(f"SELECT count(*) || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '') "
                                 f"FROM (SELECT CAST(t AS VARCHAR) AS x FROM {t} AS t)").fetchone()[0]
        return out
    finally:
        con.close()


def userdata_checksums(db: Path) -> dict[str, str]:
    ud = queries.userdata_path_for(db)
    con = duckdb.connect(str(ud), read_only=True)
    try:
        # the demo's own forecasts only: pages record the forecasts they show into the shared demo store
        where = {"forecasts": "WHERE t.forecast_id LIKE 'demo-%'"}
        return {t: con.execute(f"SELECT count(*) || ':' || coalesce(md5(string_agg(x, '|' ORDER BY x)), '') "
                               f"FROM (SELECT CAST(t AS VARCHAR) AS x FROM {t} AS t {where.get(t, '')})").fetchone()[0]
                for t in queries.USERDATA_TABLES}
    finally:
        con.close()


# ---------------------------------------------------------------------- schema
def test_schema_builds_and_is_idempotent(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    queries.apply_schema(con)
    queries.apply_schema(con)   # twice: IF NOT EXISTS everywhere
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(queries.raw_tables()) == tables
    # the history tables carry every transition, author-free
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name='raw_status_changes'").fetchall()}
    assert {"issue_id", "history_id", "changed_at", "from_status_id", "to_status_id", "to_status_name"} <= cols
    assert not any("author" in c for c in cols)


def test_userdata_cards_have_no_author_column(tmp_path):
    con = queries.open_userdata(tmp_path / "u.duckdb")
    cols = {r[0] for r in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name='retro_cards'").fetchall()}
    con.close()
    assert cols == {"card_id", "retro_id", "column_name", "text", "theme", "votes"}


def test_status_row_counts_lists_every_raw_table():
    text = queries.sql_text("status_row_counts")
    for t in queries.raw_tables():
        assert f"FROM {t}\n" in text + "\n" or f"FROM {t} " in text, t


def test_connect_builds_every_derived_object_on_an_empty_warehouse(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "test", "import"):
        pass
    con = queries.connect(db)
    # stored beside the (empty) facts by the load (schema derived), or built as TEMP objects
    names = {r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary OR schema_name = 'derived'").fetchall()}
    macros = {r[0] for r in con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_type LIKE '%macro%'").fetchall()}
    df = queries.run(con, "issue_facts", as_of=datetime(2026, 1, 1, tzinfo=UTC), board_id=None, project=None,
                     date_from=None, date_to=None)
    con.close()
    assert {"stg_statuses", "stg_issues", "stg_board_done_statuses"} <= names
    assert {"fct_issue_facts", "fct_sprint_board_members", "agreement_verdict"} <= macros
    assert df.empty


def test_connections_take_their_duckdb_threads_from_the_environment(tmp_path, monkeypatch):
    """RETROSCOPE_THREADS sets DuckDB's threads on every warehouse connection (the test suite
    runs with 1); unset, DuckDB keeps one per core; ASOF joins are never made nested loops."""
    db = tmp_path / "w.duckdb"
    with staged_load(db, "test", "import"):
        pass
    monkeypatch.setenv("RETROSCOPE_THREADS", "3")
    with queries.connect(db) as con:
        assert con.execute("SELECT current_setting('threads'), current_setting('asof_loop_join_threshold')"
                           ).fetchall() == [(3, 0)]
    monkeypatch.delenv("RETROSCOPE_THREADS")
    with queries.connect(db) as con:
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(duckdb.connect().execute(
            "SELECT current_setting('threads')").fetchall()[0][0],)]


def test_run_binds_parameters_and_rejects_missing(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "test", "import"):
        pass
    assert queries.params_of("SELECT $a, $b_2, $a -- $c\n, '$$'") == ["a", "b_2"]
    con = queries.connect(db)
    needs = next(n.name[:-4] for n in sorted((ROOT / "queries" / "reports").glob("*.sql"))
                 if queries.params_of(n.read_text()))
    with pytest.raises(queries.QueryError, match="needs parameter"):
        queries.run(con, needs)
    with pytest.raises(queries.QueryError, match="unknown query"):
        queries.run(con, "no_such_query")
    con.close()


# ---------------------------------------------------------------------- load path
def _statuses(*rows):
    return pd.DataFrame([{"source": "t", "status_id": i, "name": n, "category_key": "new"} for i, n in rows])


def test_failed_load_keeps_last_good_data_and_logs_reason(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("1", "Open")))
    before = checksums(db)
    with pytest.raises(RuntimeError), staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("1", "Renamed"), ("2", "New")))
        raise RuntimeError("connection reset by peer")
    assert checksums(db) == before
    assert not list(tmp_path.glob("*.tmp-*")), "the staged copy must be removed"
    assert failed_loads(db)[-1]["detail"] == "connection reset by peer"


def test_upsert_replaces_by_key(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("1", "Open"), ("2", "Doing")))
    with staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("2", "In Progress")))
    con = queries.connect(db)
    rows = con.execute("SELECT status_id, name FROM raw_statuses ORDER BY 1").fetchall()
    loads = con.execute("SELECT count(*) FROM raw_loads WHERE status = 'ok'").fetchone()[0]
    con.close()
    assert rows == [("1", "Open"), ("2", "In Progress")]
    assert loads == 2


def test_second_writer_is_refused_while_a_load_runs(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "t", "import"):
        with pytest.raises(queries.WarehouseBusy, match="another load"), staged_load(db, "t", "import"):
            pass


def test_readers_keep_reading_during_a_load(tmp_path):
    db = tmp_path / "w.duckdb"
    with staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("1", "Open")))
    reader = queries.connect(db)
    with staged_load(db, "t", "import") as w:
        w.write("raw_statuses", _statuses(("2", "Doing")))
        # mid-load, the reader sees the last good data
        assert reader.execute("SELECT count(*) FROM raw_statuses").fetchone()[0] == 1
    reader.close()
    fresh = queries.connect(db)
    assert fresh.execute("SELECT count(*) FROM raw_statuses").fetchone()[0] == 2
    fresh.close()


# ---------------------------------------------------------------------- demo
def test_demo_same_seed_identical_warehouse(tmp_path, demo_db):
    again = tmp_path / "again.duckdb"
    demo.build(again, seed=7)
    assert checksums(again) == checksums(demo_db)
    assert userdata_checksums(again) == userdata_checksums(demo_db)
    other = tmp_path / "other.duckdb"
    demo.build(other, seed=8)
    assert checksums(other)["raw_issues"] != checksums(demo_db)["raw_issues"]


def test_demo_loaded_twice_is_idempotent_and_keeps_user_input(tmp_path, demo_db):
    db = tmp_path / "twice.duckdb"
    shutil.copyfile(demo_db, db)
    shutil.copyfile(queries.userdata_path_for(demo_db), queries.userdata_path_for(db))
    ud = queries.open_userdata(queries.userdata_path_for(db))
    ud.execute("INSERT INTO retros VALUES ('mine', DATE '2026-11-01', 'Atlas', 'scrum', 'typed by a person', now())")
    ud.close()
    demo.build(db, seed=7)
    assert checksums(db) == checksums(demo_db)
    con = duckdb.connect(str(queries.userdata_path_for(db)), read_only=True)
    assert con.execute("SELECT title FROM retros WHERE retro_id = 'mine'").fetchone() == ("typed by a person",)
    assert con.execute("SELECT count(*) FROM retros WHERE retro_id LIKE 'demo-%'").fetchone()[0] > 0
    con.close()


def test_demo_tells_the_story(demo_con):
    con = demo_con
    # two teams, 13 sprints each, the last one running on the demo day
    assert con.execute("SELECT count(*), count(*) FILTER (WHERE state = 'active') FROM raw_sprints").fetchone() == (26, 2)
    # history that the metrics need: QA bounces (QA -> In Progress), reopens (Done -> In Progress)
    bounces, reopens = con.execute("""
        SELECT count(*) FILTER (WHERE from_status_id = '10002' AND to_status_id = '3'),
               count(*) FILTER (WHERE from_status_id = '10003' AND to_status_id = '3')
        FROM raw_status_changes""").fetchone()
    assert bounces > 10 and reopens > 3
    # the renamed status keeps its id; old histories carry the old name
    assert con.execute("SELECT count(DISTINCT to_status_name) FROM raw_status_changes WHERE to_status_id = '10001'").fetchone()[0] == 2
    # carry-over, mid-sprint removal and estimate changes are in the sprint / estimate history
    kinds = con.execute("""
        SELECT count(*) FILTER (WHERE field_key = 'sprint' AND len(string_split(to_value, ',')) > len(string_split(coalesce(nullif(from_value, ''), 'x'), ','))),
               count(*) FILTER (WHERE field_key = 'sprint' AND coalesce(to_value, '') = '' AND coalesce(from_value, '') <> ''),
               count(*) FILTER (WHERE field_key = 'story_points' AND from_value IS NOT NULL)
        FROM raw_field_changes""").fetchone()
    assert all(k > 0 for k in kinds), kinds
    # range estimates only from sprint 7 on; sub-tasks with parents; six shipped items
    assert con.execute("SELECT count(*) FROM raw_issues WHERE estimate_likely IS NOT NULL").fetchone()[0] > 60
    assert con.execute("SELECT count(*) FROM raw_issues WHERE is_subtask AND parent_id IS NULL").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM raw_shipped_items").fetchone()[0] == 6
    # a year of daily metrics
    assert con.execute("SELECT count(DISTINCT day) FROM raw_metric_points").fetchone()[0] == 365
    # retros of three kinds; cards anonymous
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM retros").fetchall()}
    assert kinds == {"scrum", "product", "pm-eng"}


def test_demo_scale_makes_about_n_issues(tmp_path):
    db = tmp_path / "s.duckdb"
    seen = []
    summary = demo.build(db, seed=1, scale=2000, progress=lambda phase, done, total: seen.append((phase, done, total)))
    assert 1800 <= summary["issues"] <= 2400
    assert seen and seen[-1][1] == seen[-1][2], "progress ends at its total"
    totals = {t for phase, _, t in seen if phase == "generating" and t is not None}
    assert totals == {summary["issues"]}, f"the bar's total {totals} is not the {summary['issues']} issues written"


def test_demo_progress_counts_to_the_issues_written(tmp_path):
    """The default demo (427 issues at seed 7) once showed a bar to 400: its total was the
    per-team sizing constant, not the issues generated. Every total the bar shows is the
    count the summary (and `retroscope demo`) reports."""
    seen = []
    summary = demo.build(tmp_path / "d.duckdb", seed=7, progress=lambda *a: seen.append(a))
    generating = [(done, total) for phase, done, total in seen if phase == "generating"]
    assert generating[-1] == (summary["issues"], summary["issues"])
    assert {t for _, t in generating if t is not None} == {summary["issues"]}
    assert [d for d, _ in generating] == sorted(d for d, _ in generating), "the count never goes back"
    facts = [(done, total) for phase, done, total in seen if phase == "stored facts"]
    assert facts[0] == (0, facts[0][1]) and facts[-1] == (facts[0][1], facts[0][1]), "the facts build, to its end"
    con = duckdb.connect(str(tmp_path / "d.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM raw_issues").fetchone()[0] == summary["issues"]
    finally:
        con.close()


# ---------------------------------------------------------------------- architecture
FORBIDDEN = {
    "queries": {"streamlit", "plotly", "jira", "pptx", "connectors", "dashboard"},
    "connectors": {"streamlit", "plotly", "pptx", "dashboard"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_lower_layers_never_import_higher_ones(package):
    bad = {}
    for f in (ROOT / package).rglob("*.py"):
        hit = _imports(f) & FORBIDDEN[package]
        if hit:
            bad[str(f.relative_to(ROOT))] = sorted(hit)
    assert not bad, f"layer violation: {bad}"


def test_only_the_jira_modules_import_jira():
    users = [str(f.relative_to(ROOT)) for pkg in ("connectors", "queries", "dashboard")
             for f in (ROOT / pkg).rglob("*.py") if "jira" in _imports(f)]
    assert all(Path(u).name.startswith("jira_") for u in users), users


def test_query_docs_match_the_registry():
    doc = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert doc == markdown(), "docs/queries.md is stale: run `python -m queries.registry > docs/queries.md`"


def test_every_public_query_has_a_report_or_function():
    for q in REGISTRY.values():
        if q.func:
            mod, fn = q.func.split(":")
            assert (ROOT / (mod.replace(".", "/") + ".py")).exists(), q.name
        else:
            assert (ROOT / "queries" / "reports" / f"{q.name}.sql").exists(), q.name


def test_example_config_is_valid_and_matches_the_defaults():
    from connectors.settings import load_settings
    from queries.config import AnalysisConfig
    from queries.tech_health import Thresholds

    s = load_settings(ROOT / "retroscope.example.toml")
    assert s.analysis == AnalysisConfig(), "the example documents the defaults; keep them equal"
    assert s.jira.url == "https://your-site.atlassian.net"
    assert Thresholds.from_mapping(s.section("slide").get("thresholds", {})) == Thresholds()
    from connectors.metric_sources import SourceConfig, sources_of

    sql, ph = sources_of(s)
    for src in (sql, ph):
        for key in ("overlap_days", "timeout_seconds", "start") + (("max_retries", "page_size", "host")
                                                                   if src.kind == "posthog" else ()):
            assert getattr(src, key) == getattr(SourceConfig, key), f"example [[metrics.sources]] {key}"
    assert (sql.url_env, ph.api_key_env, ph.metrics[0].measure) == ("PRODUCT_DB_URL", "POSTHOG_API_KEY",
                                                                    "daily_active_users")


def test_ruff_is_clean():
    import subprocess
    import sys

    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment (it is in the test extra)")
    p = subprocess.run([str(ruff), "check", "connectors", "queries", "dashboard", "tests", "benchmarks"],
                       cwd=ROOT, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-3000:]


def test_readme_links_resolve_and_every_page_is_documented():
    import re

    from dashboard.pages import PAGES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?:docs|data)/[^)#]+|retroscope\.example\.toml)\)", readme):
        assert (ROOT / target).exists(), f"README links to missing {target}"
    pages_doc = (ROOT / "docs" / "pages.md").read_text(encoding="utf-8")
    for p in PAGES:
        assert f"| {p.title} |" in readme, f"README's page table lacks {p.title}"
        assert p.title in pages_doc, f"docs/pages.md lacks {p.title}"
        assert (ROOT / "docs" / "screenshots" / f"{p.slug}.png").exists(), f"no screenshot of {p.slug}"
