"""Impact analysis on hand-made series where the answer is known exactly (no noise), plus
confounders, difference-in-differences and the verdict rules of docs/metrics.md §7."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from queries.impact import (
    MOVED,
    NO_CHANGE,
    NOT_ENOUGH,
    TOO_EARLY,
    WRONG_WAY,
    analyse,
    analyse_targets,
    t_quantile,
)
from tests.helpers_outcomes import exact_series

START = date(2026, 1, 5)            # a Monday
SHIP = START + timedelta(days=28)    # index 28
WD = [0, 1, 2, 3, 4, -5, -5]         # weekday effects, sum 0


def _line_with_step(step: float, common_shock: float = 0.0) -> pd.Series:
    # y = 100 + 2 i + WD[weekday] (+ step from the ship day on)
    return exact_series(START, 56, lambda i, wd: 100 + 2 * i + WD[wd] + (step + common_shock if i >= 28 else 0))


def test_exact_step_on_trend_and_weekday_pattern():
    r = analyse(_line_with_step(10.0), SHIP)
    # counterfactual mean over post days i = 28..55: 100 + 2 * 41.5 + mean(WD over 4 full weeks = 0) = 183
    assert r.counterfactual_mean == pytest.approx(183.0)
    assert r.effect_abs == pytest.approx(10.0)
    assert r.effect_rel == pytest.approx(10 / 183)
    # no noise: the interval collapses onto the effect
    assert r.ci_low == pytest.approx(10.0, abs=1e-6) and r.ci_high == pytest.approx(10.0, abs=1e-6)
    assert r.verdict == MOVED
    assert (r.pre_days, r.post_days) == (28, 28)
    assert r.pre_start == START and r.post_end == START + timedelta(days=55)


def test_minimum_meaningful_change():
    s = _line_with_step(10.0)                     # +10 / 183 = +5.46 %
    assert analyse(s, SHIP, min_change=0.05).verdict == MOVED
    assert analyse(s, SHIP, min_change=0.06).verdict == NO_CHANGE   # real but smaller than meaningful


def test_direction():
    s = _line_with_step(-10.0)
    assert analyse(s, SHIP, direction="up").verdict == WRONG_WAY
    assert analyse(s, SHIP, direction="down").verdict == MOVED
    assert analyse(_line_with_step(0.0), SHIP).verdict == NO_CHANGE


def test_lag_moves_the_post_window():
    # the step starts 7 days after shipping; with lag 7 the post window is [d+7, d+34]
    s = exact_series(START, 63, lambda i, wd: 100 + 2 * i + WD[wd] + (10 if i >= 35 else 0))
    r = analyse(s, SHIP, lag=7)
    assert r.effect_abs == pytest.approx(10.0)
    # with lag 0 the first post week has no step: mean effect = 10 * 21 / 28 = 7.5
    assert analyse(s, SHIP, lag=0).effect_abs == pytest.approx(7.5)


def test_difference_in_differences_removes_a_common_shock():
    control = exact_series(START, 56, lambda i, wd: 50 + i + (50 if i >= 28 else 0))
    treated = _line_with_step(10.0, common_shock=50.0)
    assert analyse(treated, SHIP).effect_abs == pytest.approx(60.0)          # shock + step
    r = analyse(treated, SHIP, control=control)
    assert r.effect_abs == pytest.approx(10.0)
    assert r.method == "difference-in-differences"
    # relative to the treated counterfactual: control's post mean (50 + 41.5 + 50 = 141.5) plus
    # the difference's counterfactual (treated − control without step: 50 + 41.5 + 0 = 91.5) = 233
    assert r.effect_rel == pytest.approx(10 / 233)


def test_missing_days_and_too_few_post_days():
    s = _line_with_step(10.0)
    gappy = s.drop([START + timedelta(days=k) for k in (3, 10, 30, 40)])
    assert analyse(gappy, SHIP).effect_abs == pytest.approx(10.0)
    short_post = s[s.index < SHIP + timedelta(days=13)]   # 13 post days < half the window
    r = analyse(short_post, SHIP, as_of=SHIP + timedelta(days=40))
    assert r.verdict == NOT_ENOUGH and r.post_days == 13


def test_an_as_of_past_the_loaded_data_does_not_close_the_post_window():
    """At an as-of date after the metric's data ends, a post window (28 days from the ship day,
    index 28..55) that ends between the two once got a verdict from the days that were loaded."""
    s = _line_with_step(10.0)                   # 56 days: the post window ends on its last day
    loaded = s[s.index < SHIP + timedelta(days=23)]   # ... but only 23 post days loaded so far
    late = SHIP + timedelta(days=40)            # an as-of date past the window's end
    r = analyse(loaded, SHIP, as_of=late, data_to=SHIP + timedelta(days=22))
    assert r.verdict == TOO_EARLY
    assert "after the last day the loaded data of the metric describes (24 Feb 2026)" in r.note, r.note
    assert analyse(loaded, SHIP, as_of=late).verdict not in (TOO_EARLY, NOT_ENOUGH)   # without it: judged
    # loaded to the window's end: judged as before (the step of 10 found)
    r = analyse(s, SHIP, as_of=late, data_to=SHIP + timedelta(days=27))
    assert r.verdict == MOVED and r.effect_abs == pytest.approx(10.0)


def test_t_quantile():
    # Student t 97.5 % quantiles: 2.228 (10 df), 2.086 (20 df), 1.960 (infinite)
    assert t_quantile(10) == pytest.approx(2.228, abs=0.002)
    assert t_quantile(20) == pytest.approx(2.086, abs=0.001)
    assert t_quantile(1e9) == pytest.approx(1.95996, abs=1e-4)


def test_confounders_same_metric_within_the_window():
    d = SHIP
    targets = pd.DataFrame([
        ("A", "a", d, "m", "up", 0.0), ("B", "b", d + timedelta(days=10), "m", "up", 0.0),
        ("C", "c", d + timedelta(days=100), "m", "up", 0.0), ("D", "d", d + timedelta(days=5), "other", "up", 0.0),
    ], columns=["item_key", "item_name", "shipped_on", "metric", "direction", "min_change"])
    s = exact_series(START, 200, lambda i, wd: 100 + i)
    points = pd.DataFrame({"metric": "m", "segment": "", "day": list(s.index), "value": s.to_numpy()})
    out = analyse_targets(targets, points, as_of=START + timedelta(days=199)).set_index("item_key")
    # A's span is [d − 28, d + 27]: B (d + 10) is in it, C (d + 100) is not, D is another metric
    assert out.loc["A", "confounded_by"] == "B"
    assert out.loc["B", "confounded_by"] == "A"
    assert out.loc["C", "confounded_by"] == ""
    assert out.loc["D", "confounded_by"] == ""
    assert out.loc["D", "verdict"] == NOT_ENOUGH          # no values for metric 'other'
    assert math.isnan(out.loc["D", "effect_abs"])
