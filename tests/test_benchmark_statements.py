"""benchmarks.as_of_statements: the statements of a first question about another instant,
timed without changing what the question answers."""

from __future__ import annotations

from contextlib import closing
from datetime import timedelta

import pandas as pd

import queries
from benchmarks import as_of_statements as S
from queries import facts_delta, registry


def test_the_timed_connection_answers_what_a_plain_one_does(demo_db):
    with closing(queries.connect(demo_db)) as plain:
        as_of = registry.default_as_of(plain) - timedelta(days=30)
        expected = registry.run_public(plain, "sprint_facts", as_of=as_of)
    with closing(queries.connect(demo_db)) as con:
        timed = S._Timed(con)
        got = registry.run_public(timed, "sprint_facts", as_of=as_of)
        # the instant was computed and cached for the wrapper as for a connection
        assert facts_delta.cached_instants(timed) != []
        again = len(timed.statements)
        registry.run_public(timed, "sprint_facts", as_of=as_of)
    pd.testing.assert_frame_equal(got, expected)
    # the first question computed that instant's facts: the sprint windows' statement among them
    # (the sprint members at an earlier instant are read from the stored rows, never cached)
    assert any("INSERT INTO fct_sprint_windows__cache" in sql for _, sql in timed.statements[:again])
    # asked again, it is a read: a handful of statements, none computing windows
    assert not any("INSERT INTO fct_sprint_windows__cache" in sql for _, sql in timed.statements[again:])
    assert all(secs >= 0 for secs, _ in timed.statements)


def test_it_prints_each_run_and_the_slowest_statements(demo_db, capsys):
    assert S.main([str(demo_db), "--query", "sprint_facts", "--days", "30", "--repeat", "2", "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    runs = [ln for ln in lines if ln.startswith("run ")]
    assert [r.split(":")[0] for r in runs] == ["run 1", "run 2"]
    assert all(" statements taking " in r and r.endswith(" rows") for r in runs)
    slowest = [ln for ln in lines if ln.startswith("  ")]
    assert len(slowest) == 3
    times = [float(ln.split()[0]) for ln in slowest]
    assert times == sorted(times, reverse=True)


def test_one_line_flattens_and_cuts_sql():
    assert S.one_line("SELECT a,\n   b\n\tFROM t") == "SELECT a, b FROM t"
    assert S.one_line("x " * 200, width=10) == "x x x x x "
