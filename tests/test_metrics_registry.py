"""Every public query in the registry runs on an empty warehouse and on a small fixture and
returns at least its declared columns (the contract docs/queries.md lists)."""

from __future__ import annotations

import pytest
from helpers_metrics import build, connect, done_issue

from queries.registry import REGISTRY, run_public

SMALL = {
    "boards": [{"id": "1", "project": "P"}],
    "sprints": [{"id": "10", "board": "1", "start": "2026-01-05 09:00", "end": "2026-01-19 09:00",
                 "complete": "2026-01-19 09:00"}],
    "issues": [
        done_issue(1, "2026-01-06 09:00", 2, points=3, best=1, likely=2, worst=3, sprints=["10"]),
        done_issue(2, "2026-01-07 09:00", 1, points=1, type="Bug", sprints=["10"]),
        {"id": 3, "key": "P-3", "points": 5, "sprints": ["10"], "history": [("2026-01-08 09:00", "1", "3")]},
    ]}


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    empty = connect(build(tmp_path_factory.mktemp("empty"), {}))
    small = connect(build(tmp_path_factory.mktemp("small"), SMALL))
    yield {"empty": empty, "small": small}
    empty.close()
    small.close()


@pytest.mark.parametrize("kind", ["empty", "small"])
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_public_query_returns_declared_columns(warehouses, name, kind):
    df = run_public(warehouses[kind], name, as_of="2026-01-31")
    missing = [c for c in REGISTRY[name].columns if c not in df.columns]
    assert not missing, f"{name} lacks {missing}"


@pytest.mark.parametrize("name", ["issue_facts", "flow_weekly", "estimate_calibration", "work_mix",
                                  "cfd_daily", "time_in_status", "forecast"])
def test_metric_queries_have_rows_on_the_fixture(warehouses, name):
    df = run_public(warehouses["small"], name, as_of="2026-01-31", board_id="1", project="P",
                    date_from="2026-01-01", date_to="2026-01-31")
    assert len(df) > 0
