"""One shipped item's view (queries/impact_view.py): the counterfactual curve the verdict was
judged against, worked out by hand on tiny noise-free series, and the view on the demo
reproducing the impact query's row."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

import queries
from queries.impact import MOVED, NOT_ENOUGH, TOO_EARLY, analyse, impact_table
from queries.impact_view import CURVE_COLUMNS, curve_for, item_view
from tests.helpers_outcomes import exact_series, synthetic_series

START = date(2026, 1, 5)              # a Monday
W = 14                                # a two-week window keeps the series tiny
SHIP = START + timedelta(days=W)      # Monday 19 Jan 2026, day index 14
WD = [0, 1, 2, 3, 4, -5, -5]          # weekday effects Mon..Sun, sum 0


def _base(i: int, wd: int) -> float:
    return 100 + 2 * i + WD[wd]


def _step(i: int) -> float:
    # +10 in the first post week (i = 14..20), +4 in the second (i = 21..27)
    return 10.0 if 14 <= i <= 20 else 4.0 if i >= 21 else 0.0


def _at(curve: pd.DataFrame, d: date) -> pd.Series:
    return curve.set_index(curve["day"].dt.date).loc[d]


def test_counterfactual_curve_and_effect_by_hand():
    s = exact_series(START, 28, lambda i, wd: _base(i, wd) + _step(i))
    r, c = curve_for(s, SHIP, window=W)
    # The pre days (i = 0..13) are exactly 100 + 2 i + WD, so the fit reproduces that line.
    # Counted from the ship day (t = i − 14): counterfactual = 128 + 2 t + WD[weekday].
    # Post days t = 0..13: counterfactual mean = 128 + 2 · 6.5 + mean(WD over two whole weeks = 0) = 141;
    # post mean = 141 + (7 · 10 + 7 · 4) / 14 = 141 + 7 = 148; effect 7 = 4.96 % of 141.
    assert r.counterfactual_mean == pytest.approx(141.0)
    assert r.post_mean == pytest.approx(148.0)
    assert r.effect_abs == pytest.approx(7.0)
    assert r.effect_rel == pytest.approx(7 / 141)
    assert r.verdict == MOVED
    assert list(c.columns) == CURVE_COLUMNS
    # one window of context before the pre window (22 Dec 2025 ..), up to the last day (1 Feb 2026)
    assert c["day"].iloc[0].date() == date(2025, 12, 22) and c["day"].iloc[-1].date() == date(2026, 2, 1)
    assert len(c) == 42
    assert c["part"].value_counts().to_dict() == {"before": 14, "pre": 14, "post": 14}
    # ship day, Mon 19 Jan (t = 0): value 128 + 10 = 138, counterfactual 128 + 0 = 128
    ship = _at(c, SHIP)
    assert (ship["value"], ship["counterfactual"], ship["part"]) == (pytest.approx(138.0), pytest.approx(128.0), "post")
    # Sat 24 Jan (t = 5): 128 + 10 − 5 = 133; the weekday-averaged line 128 + 10 = 138
    sat = _at(c, date(2026, 1, 24))
    assert sat["counterfactual"] == pytest.approx(133.0) and sat["counterfactual_week"] == pytest.approx(138.0)
    # last post day, Sun 1 Feb (t = 13): 128 + 26 − 5 = 149; weekday-averaged 154; value 149 + 4 = 153
    last = _at(c, date(2026, 2, 1))
    assert (last["counterfactual"], last["counterfactual_week"], last["value"]) == (
        pytest.approx(149.0), pytest.approx(154.0), pytest.approx(153.0))
    # a pre day is the in-sample fit: Sat 10 Jan (t = −9): 128 − 18 − 5 = 105, as observed
    pre = _at(c, date(2026, 1, 10))
    assert pre["counterfactual"] == pytest.approx(105.0) and pre["value"] == pytest.approx(105.0)
    assert math.isnan(pre["cf_low"])                       # the band is drawn on post days only
    # days before the pre window: no data, no counterfactual
    before = c[c["part"] == "before"]
    assert before["value"].isna().all() and before["counterfactual"].isna().all()
    # no noise, so the interval (and the band) collapses onto the line
    post = c[c["part"] == "post"]
    assert np.allclose(post["cf_low"], post["counterfactual_week"], atol=1e-6)
    assert np.allclose(post["cf_high"], post["counterfactual_week"], atol=1e-6)
    # the effect is the mean gap between the value and the counterfactual over the post days
    assert (post["value"] - post["counterfactual"]).mean() == pytest.approx(r.effect_abs)


def test_band_is_the_interval_of_the_same_analysis():
    s, ship = synthetic_series(3, effect=0.05)
    r, c = curve_for(s, ship)
    same = analyse(s, ship)
    for k in ("effect_abs", "ci_low", "ci_high", "counterfactual_mean", "post_mean"):
        assert getattr(r, k) == getattr(same, k), k     # one computation, not a second method
    post = c[c["part"] == "post"]
    half = r.ci_high - r.effect_abs
    assert half > 0
    assert np.allclose(post["cf_high"] - post["counterfactual_week"], half)
    assert np.allclose(post["counterfactual_week"] - post["cf_low"], half)
    assert (post["value"] - post["counterfactual"]).mean() == pytest.approx(r.effect_abs)
    # four whole weeks: the weekday-averaged line has the counterfactual's mean
    assert post["counterfactual_week"].mean() == pytest.approx(r.counterfactual_mean)


def test_too_early_item_shows_the_projection_to_the_end_of_its_window():
    s = exact_series(START, 21, lambda i, wd: _base(i, wd) + _step(i))   # up to Sun 25 Jan
    r, c = curve_for(s, SHIP, window=W)
    assert r.verdict == TOO_EARLY
    assert c["day"].iloc[-1].date() == date(2026, 2, 1)               # the whole post window
    last = _at(c, date(2026, 2, 1))
    assert last["counterfactual"] == pytest.approx(149.0)             # as in the closed case: pre days only
    assert math.isnan(last["value"])                                  # after as_of: not shown
    assert _at(c, date(2026, 1, 25))["value"] == pytest.approx(135.0 + 10.0)


def test_difference_in_differences_curve_is_on_the_treated_scale():
    control = exact_series(START, 28, lambda i, wd: 50 + i)
    treated = exact_series(START, 28, lambda i, wd: 50 + i + _base(i, wd) + _step(i))
    r, c = curve_for(treated, SHIP, window=W, control=control)
    assert r.effect_abs == pytest.approx(7.0)
    # Mon 19 Jan (i = 14): control 64 + the difference's counterfactual 128 = 192
    assert _at(c, SHIP)["counterfactual"] == pytest.approx(192.0)
    # Sun 25 Jan (i = 20): control 70 + 128 + 12 − 5 = 205
    assert _at(c, date(2026, 1, 25))["counterfactual"] == pytest.approx(205.0)


def test_not_enough_data_has_values_but_no_counterfactual():
    s = exact_series(SHIP - timedelta(days=10), 24, lambda i, wd: 100 + i)
    r, c = curve_for(s, SHIP, window=W)
    assert r.verdict == NOT_ENOUGH
    assert c["value"].notna().any() and c["counterfactual"].isna().all()


AS_OF = datetime(2026, 11, 18, 23, 0, tzinfo=UTC)


def test_item_view_on_the_demo_is_the_impact_row(demo_db):
    con = queries.connect(demo_db)
    table = impact_table(con, as_of=AS_OF).set_index("item_key")
    for key in table.index:
        v = item_view(con, as_of=AS_OF, item_key=key)
        row = table.loc[key]
        assert v.row["verdict"] == row["verdict"], key
        for col in ("effect_abs", "effect_rel", "ci_low", "ci_high", "counterfactual_mean", "mde_rel"):
            a, b = v.row[col], row[col]
            assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b), (key, col)
        assert v.row["confounded_by"] == row["confounded_by"]
    e3 = item_view(con, as_of=AS_OF, item_key="ATL-E3")
    assert e3.row["metric"] == "revenue" and e3.row["verdict"] == "no detectable change"
    assert e3.overlaps["item_key"].tolist() == ["BOR-E3"]
    post = e3.curve[e3.curve["part"] == "post"].dropna(subset=["value"])
    # the chart rises after the launch, yet the post-window mean stays inside the band
    assert post["value"].mean() > e3.curve.loc[e3.curve["part"] == "pre", "value"].mean()
    assert (post["cf_low"].mean() < e3.row["post_mean"] < post["cf_high"].mean())
    assert item_view(con, as_of=AS_OF, item_key="NOPE-1") is None


def test_the_items_7_day_mean_never_averages_across_the_ship_day():
    """A flat 100 before the launch and 130 from the ship day on (19 Jan): the chart's centred
    7-day mean is 100 on every day before the launch (it would be 100 + 30 x 3/7 on the 18th,
    rising three days early, if it averaged across the ship day) and 130 from the launch on."""
    from dashboard.charts import item_counterfactual

    s = exact_series(START, 2 * W, lambda i, wd: 130.0 if i >= W else 100.0)
    r, c = curve_for(s, SHIP, window=W, context=0)
    fig = item_counterfactual(c, pd.DataFrame(columns=["item_key", "item_name", "shipped_on"]),
                              {**r.as_dict(), "item_key": "X-1", "metric": "signups", "shipped_on": SHIP}, None)
    mean = next(t for t in fig.data if t.name == "centred 7-day mean")
    # and drawn with a gap at the launch: no line from the last day's 100 to the ship day's 130
    # (a launch still too early, whose two sides differed, looked like a move on the ship day)
    assert list(mean.y).index(None) == W and list(mean.y).count(None) == 1
    assert [v for v in mean.y[:W]] == pytest.approx([100.0] * W)
    assert [v for v in mean.y[W + 1:]] == pytest.approx([130.0] * W)
    assert mean.x[W - 1] < mean.x[W] < mean.x[W + 1]
