"""ordering_scores (queries/calibration.py), the pair counts behind ordering accuracy and
Spearman's rho, on groups small enough to count by hand."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from queries import calibration


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    calibration.register(c)
    yield c
    c.close()


def scores(con, pairs):
    """The SQL function over (points, days) pairs, ranked and packed as estimate_calibration.sql
    passes them (each distinct value numbered in ascending order)."""
    rows = ", ".join(f"({p}::DOUBLE, {t}::DOUBLE)" for p, t in pairs)
    return con.execute(f"""
        SELECT ordering_scores(list(k)) FROM (
            SELECT (dense_rank() OVER (ORDER BY p) << 32) | dense_rank() OVER (ORDER BY t) AS k
            FROM (VALUES {rows}) AS v(p, t))""").fetchone()[0]


def test_pairs_counted_by_hand(con):
    # points 1 (2 d), 2 (3 d), 2 (1 d), 3 (3 d): pairs with different points:
    # 1<2: 2->3 concordant, 2->1 discordant; 1<3: 2->3 concordant;
    # 2<3: 3->3 tie (neither), 1->3 concordant  => 3 concordant, 1 discordant
    # ranks of points 1, 2.5, 2.5, 4 and of days 2, 3.5, 1, 3.5 (both mean 2.5):
    # sxy = 0.75 + 1.5 = 2.25, sxx = 4.5, syy = 0.25 + 1 + 2.25 + 1 = 4.5 -> rho = 2.25 / 4.5 = 0.5
    out = scores(con, [(1, 2), (2, 3), (2, 1), (3, 3)])
    assert out["ordered_pairs"] == 4
    assert out["ordering_accuracy"] == pytest.approx(0.75)
    assert out["spearman_rho"] == pytest.approx(0.5)


def test_one_point_value_orders_nothing(con):
    assert scores(con, [(3, 1), (3, 2), (3, 5)]) is None


def test_all_pairs_tied_in_time(con):
    out = scores(con, [(1, 2), (2, 2), (5, 2)])
    assert out["ordered_pairs"] == 0
    assert out["ordering_accuracy"] is None
    assert out["spearman_rho"] is None    # every time equal: its ranks do not vary


def test_null_list_is_null(con):
    assert con.execute("SELECT ordering_scores(NULL)").fetchone()[0] is None


def test_registering_twice_on_one_connection_keeps_the_function(con):
    """A load's connection registers it again to build the stored facts (on a DuckLake the
    loader's connection already has it): that is not an error."""
    calibration.register(con)
    assert scores(con, [(1, 2), (2, 3)]) is not None


@pytest.mark.parametrize("cells", [1, 3, 1 << 20])
def test_pairs_counted_by_hand_in_blocks_of_point_values(monkeypatch, cells):
    """The count table is taken a few point values at a time when it would be large (here
    forced down to one cell: one point value per block); the counts do not depend on it."""
    monkeypatch.setattr(calibration, "_CELLS", cells)
    # points 1 (2 d, 5 d), 2 (2 d), 4 (1 d, 5 d), 4 (5 d): pairs with different points:
    # 1<2: 2->2 tie, 5->2 discordant;                                  0 c, 1 d
    # 1<4: 2->1 d, 2->5 c, 2->5 c, 5->1 d, 5->5 tie, 5->5 tie;          2 c, 2 d
    # 2<4: 2->1 d, 2->5 c, 2->5 c;                                      2 c, 1 d
    # => 4 concordant, 4 discordant
    out = calibration.ordering_scores(np.array([1.0, 1, 2, 4, 4, 4]), np.array([2.0, 5, 2, 1, 5, 5]))
    assert out[1] == 8
    assert out[0] == pytest.approx(0.5)


@pytest.mark.parametrize("spread", [1, 10_000])
def test_ranks_with_gaps_score_as_the_values(con, spread):
    """The report ranks the values over every group's issues, so a group holds ranks with gaps:
    its scores are those of its own values, whether its ranks lie close together (made dense
    without a sort) or far apart (spread 10,000: by np.unique)."""
    rng = np.random.default_rng(5)
    p = rng.integers(1, 6, 300).astype(float)
    t = np.round(rng.gamma(2.0, 2.0, 300), 1)
    p_rank = (np.unique(p, return_inverse=True)[1] + 1) * spread + 3
    t_rank = (np.unique(t, return_inverse=True)[1] + 1) * spread + 7
    keys = calibration.pack(p_rank, t_rank).tolist()
    out = con.execute("SELECT ordering_scores($k::BIGINT[])", {"k": keys}).fetchone()[0]
    accuracy, pairs, rho = calibration.ordering_scores(p, t)
    assert 0 < accuracy < 1 and pairs > 0
    assert (out["ordering_accuracy"], out["ordered_pairs"], out["spearman_rho"]) == (accuracy, pairs, rho)
