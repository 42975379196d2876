"""Where are we off (docs/metrics.md §5): estimate_calibration's size groups and its 95 %
intervals — Wilson for the overrun rate, the order-statistic interval for the median bias.
Expected numbers are worked out by hand in the comments."""

from __future__ import annotations

import pytest
from helpers_metrics import build, connect, done_issue, run

# Ten range estimates (best 1, likely 2, worst 4) completed in January, actual = cycle time:
#   actual   0.5  1    1.5  2  2.5   3    3.5   4  5    6
#   ratio    .25  .5   .75  1  1.25  1.5  1.75  2  2.5  3      (actual / likely)
# overruns (actual > 4): the last two -> 2 / 10. The first five have 3 story points, the
# rest none.
ACTUALS = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6]
ISSUES = [done_issue(i + 1, f"2026-01-{i + 5:02d} 09:00", a, best=1, likely=2, worst=4,
                     **({"points": 3} if i < 5 else {})) for i, a in enumerate(ACTUALS)]


@pytest.fixture(scope="module")
def cal(tmp_path_factory):
    con = connect(build(tmp_path_factory.mktemp("off"), {"issues": ISSUES}))
    try:
        return run(con, "estimate_calibration").set_index(["group_by", "group"])
    finally:
        con.close()


def test_overrun_rate_wilson_interval(cal):
    o = cal.loc[("overall", "all")]
    assert o["overrun_rate"] == pytest.approx(0.2)
    # Wilson, z = 1.96, p = 0.2, n = 10: centre (0.2 + 0.19208) / 1.38416 = 0.28326,
    # half-width 1.96 x sqrt(0.016 + 0.009604) / 1.38416 = 0.22658 -> [0.0567, 0.5098]
    assert o["overrun_ci_low"] == pytest.approx(0.0567, abs=1e-4)
    assert o["overrun_ci_high"] == pytest.approx(0.5098, abs=1e-4)


def test_bias_interval_is_two_order_statistics(cal):
    o = cal.loc[("overall", "all")]
    assert o["bias"] == pytest.approx(1.375)          # median of the ten ratios: (1.25 + 1.5) / 2
    # n = 10: j = round(5 - 0.98 x 3.162) = round(1.90) = 2, k = round(6 + 3.10) = 9
    assert (o["bias_ci_low"], o["bias_ci_high"]) == (pytest.approx(0.5), pytest.approx(2.5))


def test_size_groups_and_small_intervals(cal):
    three, none = cal.loc[("size", "3 pt")], cal.loc[("size", "no points")]
    assert (three["n"], none["n"]) == (5, 5)
    # 3 pt: ratios .25 .5 .75 1 1.25 -> median 0.75; no points: 1.5 1.75 2 2.5 3 -> median 2
    assert three["bias"] == pytest.approx(0.75) and none["bias"] == pytest.approx(2.0)
    # n = 5: j = round(2.5 - 2.19) = 0 -> 1, k = round(3.5 + 2.19) = 6 -> 5: the whole range
    assert (three["bias_ci_low"], three["bias_ci_high"]) == (pytest.approx(0.25), pytest.approx(1.25))
    # no overrun among the 3-pointers: Wilson for 0 / 5 is [0, 3.8416 / 8.8416 = 0.4345]
    assert three["overrun_ci_low"] == pytest.approx(0.0, abs=1e-9)
    assert three["overrun_ci_high"] == pytest.approx(0.4345, abs=1e-4)
