"""estimate_calibration and the calibration page reports (docs/metrics.md §5), hand-worked."""

from __future__ import annotations

from datetime import date

import pytest
from helpers_metrics import build, connect, done_issue, run

from queries.config import AnalysisConfig

# Five range-estimated features completed in January (2026-Q1); actual = cycle time in days.
#   key  best likely worst actual  outcome           actual/likely  MRE=|a-l|/a
#   P-1   1    2     4     4      hit (on worst)     2              0.5
#   P-2   1    2     3     1      hit (on best)      0.5            1.0
#   P-3   1    2     3     5      overrun            2.5            0.6
#   P-4   2    3     4     1      underrun           1/3            2.0
#   P-5   1    2     4     2      hit                1              0.0
RANGES = [
    done_issue(1, "2026-01-05 09:00", 4, best=1, likely=2, worst=4),
    done_issue(2, "2026-01-06 09:00", 1, best=1, likely=2, worst=3),
    done_issue(3, "2026-01-07 09:00", 5, best=1, likely=2, worst=3),
    done_issue(4, "2026-01-08 09:00", 1, best=2, likely=3, worst=4),
    done_issue(5, "2026-01-09 09:00", 2, best=1, likely=2, worst=4),
]


def calib(tmp_path, issues, config=None, **params):
    con = connect(build(tmp_path, {"issues": issues}), config)
    try:
        return run(con, "estimate_calibration", **params).set_index(["group_by", "group"])
    finally:
        con.close()


def test_range_scores_with_actuals_on_the_bounds(tmp_path):
    df = calib(tmp_path, RANGES)
    o = df.loc[("overall", "all")]
    assert o["n"] == 5
    assert o["hit_rate"] == pytest.approx(3 / 5)        # P-1 (= worst), P-2 (= best), P-5
    assert o["overrun_rate"] == pytest.approx(1 / 5)    # P-3
    assert o["underrun_rate"] == pytest.approx(1 / 5)   # P-4
    assert o["bias"] == pytest.approx(1.0)              # median of 1/3, 0.5, 1, 2, 2.5
    assert o["mdmre"] == pytest.approx(0.6)             # median of 0, 0.5, 0.6, 1, 2
    assert o["pred25"] == pytest.approx(1 / 5)          # only P-5 has MRE <= 0.25
    # PERT means: P-1 13/6, P-2 2, P-3 2, P-4 3, P-5 13/6
    # actual/PERT: 24/13, 0.5, 2.5, 1/3, 12/13 -> median 12/13
    assert o["bias_pert"] == pytest.approx(12 / 13)
    # MRE vs PERT: 11/24, 1, 0.6, 2, 1/12 -> median 0.6; <= 0.25: only P-5
    assert o["mdmre_pert"] == pytest.approx(0.6)
    assert o["pred25_pert"] == pytest.approx(1 / 5)
    # (worst - best) / likely: 1.5, 1, 1, 2/3, 1.5 -> median 1
    assert o["relative_width"] == pytest.approx(1.0)
    assert not o["too_small"]                           # n = 5 is not under 5
    assert df.loc[("quarter", "2026-Q1"), "n"] == 5
    assert df.loc[("work_type", "feature"), "hit_rate"] == pytest.approx(0.6)


def test_groups_under_five_are_flagged(tmp_path):
    # a sixth, in-range bug completed in April (Q2): bug and Q2 groups have n = 1
    issues = RANGES + [done_issue(6, "2026-04-06 09:00", 2, type="Bug", best=1, likely=2, worst=3)]
    df = calib(tmp_path, issues)
    assert df.loc[("overall", "all"), "n"] == 6
    assert df.loc[("overall", "all"), "hit_rate"] == pytest.approx(4 / 6)
    assert df.loc[("quarter", "2026-Q2"), "too_small"]
    assert not df.loc[("quarter", "2026-Q1"), "too_small"]
    assert df.loc[("work_type", "bug"), "too_small"] and df.loc[("work_type", "bug"), "n"] == 1
    assert df.loc[("issue_type", "Bug"), "n"] == 1


def test_period_filter_uses_completion_date(tmp_path):
    # completions: P-1 Jan 9, P-2 Jan 7, P-3 Jan 12, P-4 Jan 9, P-5 Jan 11; on or after
    # Jan 9: P-1 hit, P-3 overrun, P-4 underrun, P-5 hit -> n 4, hit rate 2/4
    df = calib(tmp_path, RANGES, date_from=date(2026, 1, 9))
    assert df.loc[("overall", "all"), "n"] == 4
    assert df.loc[("overall", "all"), "hit_rate"] == pytest.approx(2 / 4)


def test_out_of_order_and_partial_ranges_are_not_scored(tmp_path):
    issues = [done_issue(1, "2026-01-05 09:00", 2, best=3, likely=2, worst=4),   # best > likely
              done_issue(2, "2026-01-05 09:00", 2, best=1, likely=2),            # no worst
              done_issue(3, "2026-01-05 09:00", 2, best=1, likely=2, worst=3)]
    df = calib(tmp_path, issues)
    assert df.loc[("overall", "all"), "n"] == 1


def test_hours_unit(tmp_path):
    # cycle 1.5 days = 36 h; range 12 / 24 / 36 hours -> hit on the worst bound, bias 36/24
    issues = [done_issue(1, "2026-01-05 09:00", 1.5, best=12, likely=24, worst=36)]
    df = calib(tmp_path, issues, config=AnalysisConfig(estimate_unit="hours"))
    assert df.loc[("overall", "all"), "hit_rate"] == 1.0
    assert df.loc[("overall", "all"), "bias"] == pytest.approx(1.5)


def test_time_spent_as_actual_and_time_estimates(tmp_path):
    # time spent 2 days (172800 s) vs range 1/2/3 days: hit, bias 1; original estimate 1 day
    # (86400 s): time bias 2, time MRE |2-1|/2 = 0.5
    issues = [done_issue(1, "2026-01-05 09:00", 10, best=1, likely=2, worst=3,
                         time_spent=172800, original_estimate=86400)]
    df = calib(tmp_path, issues, config=AnalysisConfig(range_actual="time_spent"))
    o = df.loc[("overall", "all")]
    assert (o["hit_rate"], o["bias"]) == (1.0, pytest.approx(1.0))
    assert (o["time_n"], o["time_bias"], o["time_mdmre"], o["time_pred25"]) == (1, 2.0, 0.5, 0.0)


# Story points vs cycle time, with ties in time:
#   points 1: 1 d, 2 d   points 2: 2 d, 3 d   points 3: 2 d
# pairs with different points (smaller, bigger):
#   (1:1, 2:2) C  (1:1, 2:3) C  (1:2, 2:2) tie  (1:2, 2:3) C
#   (1:1, 3:2) C  (1:2, 3:2) tie  (2:2, 3:2) tie  (2:3, 3:2) D
# concordant 4, discordant 1 -> ordering accuracy 4/5 = 0.8 (ties ignored)
# Spearman: average ranks points 1.5,1.5,3.5,3.5,5; times (1,2,2,3,2) -> 1,3,3,5,3
#   deviations (-1.5,-1.5,.5,.5,2) and (-2,0,0,2,0): cov 4, ss 9 and 8 -> rho = 4/sqrt(72)
POINTS = [
    done_issue(1, "2026-01-05 09:00", 1, points=1),
    done_issue(2, "2026-01-05 09:00", 2, points=1),
    done_issue(3, "2026-01-05 09:00", 2, points=2),
    done_issue(4, "2026-01-05 09:00", 3, points=2),
    done_issue(5, "2026-01-05 09:00", 2, points=3),
    done_issue(6, "2026-01-05 09:00", 9),           # unestimated: not in the point scores
]


def test_ordering_accuracy_with_ties_and_spearman(tmp_path):
    df = calib(tmp_path, POINTS)
    o = df.loc[("overall", "all")]
    assert o["n_points"] == 5
    assert o["ordering_accuracy"] == pytest.approx(0.8)
    assert o["ordered_pairs"] == 5
    assert o["spearman_rho"] == pytest.approx(4 / 72 ** 0.5)
    assert o["n"] == 0 and o["too_small"]   # no range estimates at all


def test_points_distribution(tmp_path):
    con = connect(build(tmp_path, {"issues": POINTS}))
    df = run(con, "calibration__points_distribution").set_index("story_points")
    con.close()
    # points 1: times 1, 2 -> p25 = 1.25, p50 = 1.5, p75 = 1.75, p85 = 1.85 (linear)
    assert list(df.loc[1.0, ["n", "cycle_time_p25", "cycle_time_p50", "cycle_time_p75", "cycle_time_p85"]]) == \
        pytest.approx([2, 1.25, 1.5, 1.75, 1.85])
    assert df.loc[3.0, "n"] == 1 and df.loc[3.0, "too_small"]
    assert list(df.index) == [1.0, 2.0, 3.0]


def test_worst_misses_order(tmp_path):
    con = connect(build(tmp_path, {"issues": RANGES}))
    df = run(con, "calibration__worst_misses", limit=3)
    con.close()
    # miss beyond the range / likely: P-3 (5-3)/2 = 1.0, P-4 (2-1)/3 = 1/3, then hits (0)
    # ordered by MRE: P-2 (1.0) before P-1 (0.5) and P-5 (0)
    assert list(df["issue_key"]) == ["P-3", "P-4", "P-2"]
    assert list(df["outcome"]) == ["overrun", "underrun", "hit"]
    assert df["miss_relative"].iloc[0] == pytest.approx(1.0)


def test_label_and_component_groups(tmp_path):
    # P-1 (hit) and P-3 (overrun) carry label "integration"; P-3 also component "api"
    issues = [dict(RANGES[0], labels=["integration"]), RANGES[1],
              dict(RANGES[2], labels=["integration"], components=["api"]), RANGES[3], RANGES[4]]
    df = calib(tmp_path, issues)
    g = df.loc[("label", "integration")]
    assert g["n"] == 2 and g["hit_rate"] == pytest.approx(0.5) and g["overrun_rate"] == pytest.approx(0.5)
    assert g["bias"] == pytest.approx(2.25)   # median of 2 and 2.5
    assert df.loc[("component", "api"), "n"] == 1 and df.loc[("component", "api"), "too_small"]


def test_sizes_are_listed_by_their_points(demo_con):
    """The size groups come in order of points, '2 pt' before '13 pt' (not as text: '1 pt',
    '13 pt', '2 pt'), with 'no points' last."""
    from queries.registry import run_public

    df = run_public(demo_con, "estimate_calibration")
    sizes = list(df.loc[df["group_by"] == "size", "group"])
    assert sizes == ["1 pt", "2 pt", "3 pt", "5 pt", "8 pt", "13 pt", "no points"], sizes
