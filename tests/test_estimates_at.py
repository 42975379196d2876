"""The one estimate-replay rule (queries/marts/estimates_at.sql + replayed_or_current), which
fct_issue_facts (at as_of) and fct_forecast_sample_at (at an earlier instant) both call:
hand-worked on a tiny changelog."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import queries
from connectors.load import staged_load


@pytest.fixture
def con(tmp_path):
    db = tmp_path / "e.duckdb"
    with staged_load(db, "demo", "demo"):
        pass
    c = queries.connect(db, stored=False)
    yield c
    c.close()


def at(day: int) -> datetime:
    return datetime(2026, 1, day, 9, tzinfo=UTC)


REPLAY = """
WITH changes AS (
    SELECT * FROM (VALUES
        -- issue 1: best 5 -> 8 on the 2nd, cleared on the 6th; time spent 3600 -> 7200 on the 4th
        ('s', '1', 'estimate_best', TIMESTAMPTZ '2026-01-02 09:00:00+00', 5.0, 8.0, 1),
        ('s', '1', 'estimate_best', TIMESTAMPTZ '2026-01-06 09:00:00+00', 8.0, NULL, 3),
        ('s', '1', 'time_spent',    TIMESTAMPTZ '2026-01-04 09:00:00+00', 3600.0, 7200.0, 2),
        -- issue 2: two changes of likely in one instant, ordered by ord: 1 -> 2, then 2 -> 3
        ('s', '2', 'estimate_likely', TIMESTAMPTZ '2026-01-03 09:00:00+00', 1.0, 2.0, 1),
        ('s', '2', 'estimate_likely', TIMESTAMPTZ '2026-01-03 09:00:00+00', 2.0, 3.0, 2)
    ) AS t(source, issue_id, field_key, changed_at, from_number, to_number, ord)
)
SELECT issue_id,
       replayed_or_current(estimate_best, 99.0) AS best,
       replayed_or_current(estimate_likely, 99.0) AS likely,
       replayed_or_current(time_spent, 99.0) AS spent,
       replayed_or_current(story_points, 99.0) AS points
FROM estimates_at('changes', $t)
ORDER BY issue_id
"""


def replay(con, t):
    return {r[0]: r[1:] for r in con.execute(REPLAY, {"t": t}).fetchall()}


def test_value_at_an_instant(con):
    # before any change: each changed field holds its first change's `from`; story points
    # never changed: the current value (99)
    assert replay(con, at(1)) == {"1": (5.0, 99.0, 3600.0, 99.0), "2": (99.0, 1.0, 99.0, 99.0)}
    # on the 3rd: best was set to 8 on the 2nd; time spent not yet changed; likely's last
    # change of the instant wins (ord 2: 3)
    assert replay(con, at(3)) == {"1": (8.0, 99.0, 3600.0, 99.0), "2": (99.0, 3.0, 99.0, 99.0)}
    # after the 6th: best was cleared (NULL, not the current value)
    got = replay(con, at(7))
    assert got["1"][0] is None
    assert got["1"][1:] == (99.0, 7200.0, 99.0)
