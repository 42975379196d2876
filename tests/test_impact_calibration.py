"""Placebo-in-time calibration of the impact interval and the minimum detectable effect
(docs/impact.md, "Calibrating against the metric's own history"), on hand-built series:
counts worked out by hand, a cross-check against an independent least-squares fit, and
seeded spiky series (AR noise + spikes + a level shift) where the model-based interval is
overconfident. Run with -s to see the observed rates."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from queries.impact import CALIBRATED, MODEL_BASED, MOVED, WRONG_WAY, analyse, analyse_targets
from queries.impact_placebo import placebo_effects
from tests.helpers_outcomes import spike_train, spiky_series

START = date(2026, 1, 5)   # a Monday


def _noise(n: int, seed: int = 3) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(100 + rng.normal(size=n), index=[START + timedelta(days=i) for i in range(n)])


def test_placebo_days_counted_by_hand():
    s = _noise(1500)
    d = START + timedelta(days=180)
    # W = 28, lag 0: a span is 56 days; spans must end before d: starts at indices 0..124
    assert placebo_effects(s, d, window=28, lag=0).n == 125
    # a missing day (index 100) removes the 56 spans holding it (starts 45..100)
    assert placebo_effects(s.drop(START + timedelta(days=100)), d, window=28, lag=0).n == 125 - 56
    # another item shipped at index 10 removes the spans starting at 0..10
    assert placebo_effects(s, d, window=28, lag=0, exclude=(START + timedelta(days=10),)).n == 125 - 11
    # lag 7: spans of 63 days, starts 0..117
    assert placebo_effects(s, d, window=28, lag=7).n == 118
    # the look-back: spans start at most 1095 days + one span before d -> 1096 placebo days
    assert placebo_effects(s, START + timedelta(days=1400), window=28, lag=0).n == 1096


def test_calibration_needs_three_spans_of_history():
    s = _noise(400)
    short = analyse(s, START + timedelta(days=180))
    assert (short.calibration, short.placebo_days) == (MODEL_BASED, 125)   # 125 < 3 * 56
    long = analyse(s, START + timedelta(days=280))
    assert (long.calibration, long.placebo_days) == (CALIBRATED, 225)
    off = analyse(s, START + timedelta(days=280), calibrate=False)
    assert off.calibration == MODEL_BASED
    # the interval is never narrower than the model-based one
    assert long.ci_high - long.ci_low >= off.ci_high - off.ci_low - 1e-9


def test_placebo_statistic_matches_an_independent_fit():
    s = _noise(56, seed=11) + 0.3 * np.arange(56)
    d = START + timedelta(days=56)          # exactly one placebo day: START + 28
    z = placebo_effects(s, d, window=28, lag=0).z
    assert len(z) == 1
    p = START + timedelta(days=28)
    effect = analyse(s, p, calibrate=False).effect_abs
    # residual sd of the pre window by numpy's least squares: level, trend, weekday dummies
    pre = s.iloc[:28].to_numpy()
    x = np.column_stack([np.ones(28), np.arange(-28, 0) / 7.0]
                        + [(np.arange(28) % 7 == k).astype(float) for k in range(1, 7)])
    _, rss, rank, _ = np.linalg.lstsq(x, pre, rcond=None)
    assert rank == 8
    assert z[0] == pytest.approx(effect / np.sqrt(rss[0] / (28 - 8)), rel=1e-9)


def test_spiky_series_calibrated_interval_is_wider_and_false_moves_fall():
    n, fp_model, fp_cal, ratios = 200, 0, 0, []
    for seed in range(n):
        s, d = spiky_series(seed)
        m, c = analyse(s, d, calibrate=False), analyse(s, d)
        assert c.calibration == CALIBRATED
        fp_model += m.verdict in (MOVED, WRONG_WAY)
        fp_cal += c.verdict in (MOVED, WRONG_WAY)
        ratios.append((c.ci_high - c.ci_low) / (m.ci_high - m.ci_low))
    print(f"\n[impact calibration] spiky series, {n} seeds, no effect: moved or wrong way {fp_model / n:.1%} "
          f"model-based, {fp_cal / n:.1%} calibrated; median width ratio {np.median(ratios):.2f}")
    assert fp_model / n >= 0.08          # the overconfidence the calibration exists for
    assert fp_cal / n <= 0.06
    assert min(ratios) >= 1 - 1e-9 and np.median(ratios) >= 1.2


def test_minimum_detectable_effect_is_detected_about_80_percent_of_the_time():
    n, hits = 150, 0
    for seed in range(n):
        s, d = spiky_series(50_000 + seed)
        mde = analyse(s, d).mde_rel
        s, d = spiky_series(50_000 + seed, effect=mde)
        hits += analyse(s, d).verdict == MOVED
    print(f"\n[impact calibration] a step equal to the MDE, {n} seeds: moved {hits / n:.1%}")
    assert 0.65 <= hits / n <= 0.95


def test_control_sharing_the_spikes_narrows_the_calibrated_interval():
    ratios = []
    for seed in range(40):
        shared = spike_train(70_000 + seed, 420)
        treated, d = spiky_series(seed, spikes=shared)
        control, _ = spiky_series(60_000 + seed, spikes=shared)
        alone, did = analyse(treated, d), analyse(treated, d, control=control)
        assert alone.calibration == did.calibration == CALIBRATED
        assert did.method == "difference-in-differences"
        ratios.append((did.ci_high - did.ci_low) / (alone.ci_high - alone.ci_low))
    print(f"\n[impact calibration] control sharing the spikes: median width with / without {np.median(ratios):.2f}")
    assert np.median(ratios) < 0.7


def test_other_shipped_items_are_left_out_of_the_placebo_days():
    s = _noise(320)
    points = pd.DataFrame({"metric": "m", "segment": "", "day": list(s.index), "value": s.to_numpy()})
    targets = pd.DataFrame([
        ("A", "a", START + timedelta(days=100), "m", "up", 0.0),
        ("B", "b", START + timedelta(days=280), "m", "up", 0.0),
        ("C", "c", START + timedelta(days=120), "other", "up", 0.0),
    ], columns=["item_key", "item_name", "shipped_on", "metric", "direction", "min_change"])
    out = analyse_targets(targets, points, as_of=START + timedelta(days=319)).set_index("item_key")
    # B: starts 0..224 (225), minus the 56 spans holding A's ship day (starts 45..100) = 169 >= 168
    assert out.loc["B", "placebo_days"] == 169 and out.loc["B", "calibration"] == CALIBRATED
    # A: starts 0..44 (B is after A), too few
    assert out.loc["A", "placebo_days"] == 45 and out.loc["A", "calibration"] == MODEL_BASED
    assert out.loc["B", "mde_rel"] > 0 and out.loc["B", "mde_abs"] > 0


def test_too_early_item_gets_the_mde_its_window_will_have():
    s, d = spiky_series(5)
    done = analyse(s, d, as_of=d + timedelta(days=27))
    early = analyse(s, d, as_of=d + timedelta(days=10))
    assert early.verdict == "too early" and done.verdict != "too early"
    # the width and the counterfactual use no post-window value, so the MDE is known in advance
    assert early.mde_abs == pytest.approx(done.mde_abs, rel=1e-12)
    assert early.mde_rel == pytest.approx(done.mde_rel, rel=1e-12)
    assert (early.calibration, early.placebo_days) == (done.calibration, done.placebo_days)


def test_ship_days_from_outside_the_targets_are_left_out_too():
    # what outcomes__hypotheses does: one target row, every shipped item's day excluded
    s = _noise(320)
    points = pd.DataFrame({"metric": "m", "segment": "", "day": list(s.index), "value": s.to_numpy()})
    one = pd.DataFrame([("B", "b", START + timedelta(days=280), "m", "up", 0.0)],
                       columns=["item_key", "item_name", "shipped_on", "metric", "direction", "min_change"])
    shipped = pd.DataFrame({"item_key": ["A", "B"], "metric": ["m", "m"],
                            "shipped_on": [START + timedelta(days=100), START + timedelta(days=280)]})
    as_of = START + timedelta(days=319)
    assert analyse_targets(one, points, as_of=as_of).iloc[0]["placebo_days"] == 225
    assert analyse_targets(one, points, as_of=as_of, shipped=shipped).iloc[0]["placebo_days"] == 169
