"""A page's cached query results are keyed by the parameters the query uses (dashboard/data.py
run_query): a sidebar change that a query does not read finds its result cached instead of
running it again (at 100k issues a period change reran e.g. the product metrics' units, the
ageing WIP and the open actions, none of which reads the period)."""

from __future__ import annotations

from datetime import date, datetime

from dashboard import data

SIDEBAR = {"board_id": "1", "project": None, "date_from": date(2026, 5, 1), "date_to": date(2026, 10, 31),
           "as_of": datetime(2026, 10, 31, 23, 59)}


def _keys(monkeypatch, name: str, **params) -> dict:
    seen: dict = {}

    def cached(kind, qname, key, wh, ud):
        seen.update(kind=kind, params=dict(key))

    monkeypatch.setattr(data, "_cached", cached)
    monkeypatch.setattr(data, "warehouse_version", lambda: (1,))
    monkeypatch.setattr(data, "userdata_version", lambda: None)
    data.run_query(name, **params)
    return seen


def test_a_report_is_keyed_by_the_parameters_its_sql_binds(monkeypatch):
    units = _keys(monkeypatch, "outcomes_page__metrics", **SIDEBAR)
    assert units == {"kind": "report", "params": {}}
    wip = _keys(monkeypatch, "flow__ageing_wip", **SIDEBAR)
    assert wip["params"] == {"as_of": SIDEBAR["as_of"], "board_id": "1", "project": None}
    last = _keys(monkeypatch, "sprint_retro__last_retro", **SIDEBAR)
    assert last["params"] == {"as_of": SIDEBAR["as_of"], "board_id": "1"}


def test_a_report_that_reads_the_period_keeps_it_in_its_key(monkeypatch):
    rework = _keys(monkeypatch, "quality__rework_trend", **SIDEBAR)
    assert rework["params"] == SIDEBAR


def test_a_public_query_is_keyed_by_its_declared_parameters(monkeypatch):
    facts = _keys(monkeypatch, "sprint_facts", **SIDEBAR, sprint_id="x")
    assert facts["kind"] == "public" and "sprint_id" not in facts["params"]
    assert facts["params"]["date_from"] == SIDEBAR["date_from"]


def test_the_warehouse_version_names_the_config_the_figures_are_computed_under(monkeypatch, demo_db, tmp_path):
    """The same file read under another config (the environment pointing at another config file)
    is another version: its connection and cached figures are not the first config's. The file's
    own identity stays the same part of it, which retiring a swapped-out file compares."""
    monkeypatch.setenv("RETROSCOPE_DB", str(demo_db))
    monkeypatch.delenv("RETROSCOPE_CONFIG", raising=False)
    utc = data.warehouse_version()
    cfg = tmp_path / "nz.toml"
    cfg.write_text('timezone = "Pacific/Auckland"\n')
    monkeypatch.setenv("RETROSCOPE_CONFIG", str(cfg))
    nz = data.warehouse_version()
    assert utc[:-1] == nz[:-1] == data._version(demo_db)
    assert utc[-1] != nz[-1]
