"""The rules two marts share, each written once and hand-worked here on tiny inputs:
- estimate replay (queries/marts/estimates_at.sql + replayed_or_current), which
  fct_issue_versions (at each of an issue's instants) and fct_forecast_sample_at (at an
  earlier instant) both call;
- completion (queries/marts/completion_at.sql, enters_done.sql), which fct_issue_versions (each
  issue's version) and fct_completion_spans (each done stay) both call;
- the issues seen at an instant (queries/marts/issue_counts_at.sql), which the issue versions,
  the issue facts, the status stays and the issues with rows at an earlier instant start from."""

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
),
at_t AS (
    SELECT *, $t::TIMESTAMPTZ AS fact_at FROM changes
)
SELECT issue_id,
       replayed_or_current(estimate_best, 99.0) AS best,
       replayed_or_current(estimate_likely, 99.0) AS likely,
       replayed_or_current(time_spent, 99.0) AS spent,
       replayed_or_current(story_points, 99.0) AS points
FROM estimates_at('at_t')
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


def completion(con, in_done, seen, entry, created, resolved, as_of):
    return con.execute("SELECT completion_at($d, $s, $e, $c, $r, $a)",
                       {"d": in_done, "s": seen, "e": entry, "c": created, "r": resolved, "a": as_of}).fetchone()[0]


def test_completion_at(con):
    # not in a done status (or an unknown one): not complete, whatever else holds
    assert completion(con, False, True, at(5), at(1), at(5), at(9)) is None
    assert completion(con, None, True, at(5), at(1), at(5), at(9)) is None
    # changes seen: the last entry into done; none (created in done, moved Done -> Closed): creation
    assert completion(con, True, True, at(5), at(1), at(3), at(9)) == at(5)
    assert completion(con, True, True, None, at(1), at(3), at(9)) == at(1)
    # no change seen: the resolution if by as_of, not before creation; none: creation
    assert completion(con, True, False, None, at(2), at(4), at(9)) == at(4)
    assert completion(con, True, False, None, at(2), at(1), at(9)) == at(2)
    assert completion(con, True, False, None, at(2), None, at(9)) == at(2)
    assert completion(con, True, False, None, at(2), at(10), at(9)) is None   # resolved after as_of


def test_enters_done(con):
    def enters(f, t):
        return con.execute("SELECT enters_done($f, $t)", {"f": f, "t": t}).fetchone()[0]
    assert enters("in_progress", "done") is True
    assert enters(None, "done") is True            # from an unknown status: not done before
    assert enters("done", "done") is False         # Done -> Closed: no entry
    assert enters("done", "in_progress") is False  # a reopen
    assert not enters("new", None)                 # to an unknown status: never done


def test_issue_counts_at(con):
    def counts(subtask, created, as_of):
        return con.execute("SELECT issue_counts_at($s, $c, $a)", {"s": subtask, "c": created, "a": as_of}).fetchone()[0]
    assert counts(False, at(2), at(5)) is True
    assert counts(False, at(5), at(5)) is True     # created at the very instant: seen
    assert counts(False, at(6), at(5)) is False    # created after as_of
    assert counts(True, at(2), at(5)) is False     # a sub-task: its parent counts
