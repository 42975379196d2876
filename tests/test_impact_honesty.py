"""Honesty of the impact verdicts (docs/metrics.md §7) on seeded synthetic series: trend,
weekly seasonality and AR(1) noise. Run with -s to see the observed rates."""

from __future__ import annotations

from datetime import timedelta

from queries.impact import MOVED, NOT_ENOUGH, TOO_EARLY, WRONG_WAY, analyse
from tests.helpers_outcomes import synthetic_series

N = 200


def _rate(verdicts, target) -> float:
    return sum(v == target for v in verdicts) / len(verdicts)


def test_no_effect_is_rarely_called_moved():
    # noise: AR(1) phi = 0.5, marginal sd 2 % of the level; trend +0.05 %/day; weekly profile
    verdicts, covered = [], 0
    for seed in range(N):
        s, d = synthetic_series(seed, effect=0.0, phi=0.5, sd=0.02)
        r = analyse(s, d)
        verdicts.append(r.verdict)
        covered += r.ci_low <= 0 <= r.ci_high
    fp = _rate(verdicts, MOVED)
    print(f"\n[impact honesty] no effect, {N} seeds: moved {fp:.1%}, "
          f"moved the wrong way {_rate(verdicts, WRONG_WAY):.1%}, 95% interval covered 0 in {covered / N:.1%}")
    assert fp <= 0.07
    assert covered / N >= 0.88   # a 95 % interval should cover the true effect (0) nearly always


def test_ten_percent_step_is_found():
    # realistic noise for a daily product metric: AR(1) phi = 0.4, marginal sd 1 % (e.g. daily active users in the thousands)
    verdicts = []
    for seed in range(N):
        s, d = synthetic_series(10_000 + seed, effect=0.10, phi=0.4, sd=0.01)
        verdicts.append(analyse(s, d, min_change=0.02).verdict)
    power = _rate(verdicts, MOVED)
    print(f"\n[impact honesty] +10 % step, {N} seeds: moved {power:.1%}")
    assert power >= 0.90


def test_step_in_the_wrong_direction():
    verdicts = []
    for seed in range(40):
        s, d = synthetic_series(20_000 + seed, effect=-0.10, phi=0.4, sd=0.012)
        verdicts.append(analyse(s, d, direction="up").verdict)
    rate = _rate(verdicts, WRONG_WAY)
    print(f"\n[impact honesty] -10 % step expected up, 40 seeds: moved the wrong way {rate:.1%}")
    assert rate >= 0.9
    assert MOVED not in verdicts
    # the same drop is what a 'down' item wanted
    s, d = synthetic_series(20_000, effect=-0.10, phi=0.4, sd=0.012)
    assert analyse(s, d, direction="down").verdict == MOVED


def test_incomplete_post_window_is_too_early():
    s, d = synthetic_series(1, effect=0.10, phi=0.4, sd=0.012)
    # the post window is [d, d + 27]; one day short of it
    r = analyse(s, d, as_of=d + timedelta(days=26))
    assert r.verdict == TOO_EARLY
    assert analyse(s, d, as_of=d + timedelta(days=27)).verdict == MOVED


def test_fewer_than_14_pre_days_is_not_enough_data():
    s, d = synthetic_series(2, effect=0.10, phi=0.4, sd=0.012)
    assert analyse(s[s.index >= d - timedelta(days=13)], d).verdict == NOT_ENOUGH   # 13 pre days
    assert analyse(s[s.index >= d - timedelta(days=14)], d).verdict == MOVED        # 14 pre days


def test_with_history_the_interval_stays_honest_and_gets_sharper():
    # 84 more days before the pre window: phi is estimated from four 28-day windows
    null, power = [], []
    for seed in range(100):
        s, d = synthetic_series(30_000 + seed, effect=0.0, phi=0.5, sd=0.02, n_pre=112)
        null.append(analyse(s, d).verdict)
        s, d = synthetic_series(40_000 + seed, effect=0.10, phi=0.5, sd=0.015, n_pre=112)
        power.append(analyse(s, d).verdict)
    fp, pw = _rate(null, MOVED), _rate(power, MOVED)
    print(f"\n[impact honesty] with 112 days of history, 100 seeds each: no effect -> moved {fp:.1%}; "
          f"+10 % step (phi 0.5, sd 1.5 %) -> moved {pw:.1%}")
    assert fp <= 0.07
    assert pw >= 0.90
