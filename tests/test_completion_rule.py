"""The one completion rule (queries/marts/completion_at.sql, enters_done.sql), which
fct_issue_facts (each issue at as_of) and fct_completion_spans (each done stay) both call:
hand-worked cases."""

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
