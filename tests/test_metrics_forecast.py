"""Monte Carlo forecast and the bias-corrected plan check (queries/forecast.py)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from helpers_metrics import build, connect, done_issue, ts

from queries import forecast as fc
from queries.errors import QueryError
from queries.registry import default_as_of, run_public

# Two completions a day on Jan 10..14 (10 issues); as_of Jan 14 23:00.
STEADY = {"issues": [done_issue(10 * d + k, f"2026-01-{d - 1:02d} 12:00", 1) for d in range(10, 15) for k in range(2)]}


@pytest.fixture(scope="module")
def steady(tmp_path_factory):
    con = connect(build(tmp_path_factory.mktemp("steady"), STEADY))
    yield con
    con.close()


def test_constant_throughput_gives_exact_answers(steady):
    df = run_public(steady, "forecast", as_of="2026-01-14T23:00:00+00:00", window_days=5, items=7,
                    target_date="2026-01-21", runs=500)
    when = df[df["question"] == "when"]
    # 2 a day: 2, 4, 6, 8 -> 7 items on day 4 (Jan 18) in every run
    assert list(when["value"]) == [4, 4, 4]
    assert [str(d) for d in when["on_date"]] == ["2026-01-18"] * 3
    many = df[df["question"] == "how_many"]
    # Jan 15..21 = 7 days x 2
    assert list(many["value"]) == [14, 14, 14] and list(many["confidence"]) == [0.5, 0.85, 0.95]


def test_same_seed_same_answer(steady):
    a = run_public(steady, "forecast", as_of="2026-01-14T23:00:00+00:00", window_days=30, seed=3, runs=2000)
    b = run_public(steady, "forecast", as_of="2026-01-14T23:00:00+00:00", window_days=30, seed=3, runs=2000)
    assert a.equals(b)
    assert a["value"].notna().all() or (a["question"] == "plan_check").any()


def test_resampling_quantiles_match_the_geometric_law():
    # daily throughput 0 or 4 with p = 1/2 each; 4 items: P(T <= t) = 1 - 2^-t
    # 85 %: P(T<=2) = .75 < .85 <= P(T<=3) = .875 -> 3; 95 %: P(T<=4) = .9375 < .95 <= .96875 -> 5
    when = fc.simulate_when(np.array([0, 4]), 4, 20000, np.random.default_rng(1))
    assert fc._q(when, 0.85) == 3 and fc._q(when, 0.95) == 5


def test_no_throughput_means_never(tmp_path):
    con = connect(build(tmp_path, {"issues": [{"id": 1, "key": "P-1"}]}))
    df = run_public(con, "forecast", as_of="2026-01-14", runs=100)
    con.close()
    when = df[df["question"] == "when"]
    assert when["value"].isna().all() and "no completions" in when["detail"].iloc[0]
    assert (df.loc[df["question"] == "how_many", "value"] == 0).all()


# Window Jan 11..20 (10 days, as_of Jan 20 23:00):
#   X: likely 1, actual 2 d (done Jan 13); Y: likely 2, actual 4 d (done Jan 18) -> ratios 2, 2
#   capacity = (2 + 4) / 10 = 0.6 work-days per day
# Remaining: R-1 likely 3 (To Do), R-2 likely 1 (In Progress), R-3 unestimated -> sum likely 4
#   as estimated 4 / 0.6 = 6.667 d; bias-corrected 4 x 2 / 0.6 = 13.333 d at every confidence
PLAN = {"issues": [
    done_issue(1, "2026-01-11 09:00", 2, key="X-1", best=0.5, likely=1, worst=2),
    done_issue(2, "2026-01-14 09:00", 4, key="Y-1", best=1, likely=2, worst=3),
    {"id": 3, "key": "R-1", "best": 2, "likely": 3, "worst": 5},
    {"id": 4, "key": "R-2", "best": 1, "likely": 1, "worst": 2, "history": [("2026-01-19 09:00", "1", "3")]},
    {"id": 5, "key": "R-3"},
]}


def test_plan_check_corrects_by_measured_bias(tmp_path):
    con = connect(build(tmp_path, PLAN))
    df = fc.plan_check(con, as_of=ts("2026-01-20 23:00"), window_days=10, runs=300)
    full = run_public(con, "forecast", as_of="2026-01-20T23:00:00+00:00", window_days=10, runs=300)
    con.close()
    est = df[df["basis"] == "as_estimated"].iloc[0]
    assert est["value"] == pytest.approx(4 / 0.6)
    assert est["on_date"] == date(2026, 1, 27)   # Jan 20 + ceil(6.67) = 7 days
    cor = df[df["basis"] == "bias_corrected"]
    assert list(cor["confidence"]) == [0.5, 0.85, 0.95]
    assert cor["value"].tolist() == pytest.approx([8 / 0.6] * 3)
    assert "1 without a usable range" in est["detail"] and "median bias 2.00" in cor["detail"].iloc[0]
    assert (full["question"] == "plan_check").sum() == 4


def test_plan_check_without_history(tmp_path):
    con = connect(build(tmp_path, {"issues": [{"id": 3, "key": "R-1", "best": 2, "likely": 3, "worst": 5}]}))
    df = fc.plan_check(con, as_of=ts("2026-01-20 23:00"), runs=10)
    con.close()
    assert df["value"].isna().all() and math.isnan(df["value"].iloc[0])
    assert "no completed work" in df["detail"].iloc[0]


def test_when_histogram_on_constant_throughput(steady):
    # 2 a day, 7 items: every run finishes on day 4 (Jan 18), as forecast() says above
    h = fc.forecast_with_histogram(steady, as_of=ts("2026-01-14 23:00"), window_days=5, items=7,
                                   runs=500).when_histogram
    assert h.to_dict("records") == [{"days": 4, "on_date": date(2026, 1, 18), "share": 1.0, "cumulative": 1.0}]


def test_when_histogram_follows_the_geometric_law(tmp_path):
    # 4 completions on Jan 11 and Jan 13, none on Jan 12 and 14: a day draws 4 or 0 with
    # p = 1/2, so 4 items finish on day t with probability 2^-t (1/2, 1/4, 1/8, ...); the
    # cumulative share first reaches 85 % on day 3 (.875) and 95 % on day 5 (.96875), the days
    # forecast() answers (50 % sits on day 1's boundary, so it only has to agree with forecast())
    issues = [done_issue(100 * d + k, f"2026-01-{d - 1:02d} 12:00", 1) for d in (12, 14) for k in range(4)]
    con = connect(build(tmp_path, {"issues": issues}))
    at = ts("2026-01-14 23:00")
    both = fc.forecast_with_histogram(con, as_of=at, window_days=4, items=4, runs=20000, seed=5)
    df = fc.forecast(con, as_of=at, window_days=4, items=4, runs=20000, seed=5)
    con.close()
    pd.testing.assert_frame_equal(both.forecast, df)
    h = both.when_histogram.set_index("days")
    assert [h.loc[t, "share"] for t in (1, 2, 3)] == pytest.approx([0.5, 0.25, 0.125], abs=0.015)
    assert h.loc[1, "on_date"] == date(2026, 1, 15)
    when = df[df["question"] == "when"].set_index("confidence")["value"]
    assert [when[q] for q in (0.85, 0.95)] == [3, 5]
    for q in (0.5, 0.85, 0.95):
        assert h.index[h["cumulative"] >= q][0] == when[q]


def test_when_distribution_counts_never_finished_runs_in_no_day():
    # 4 runs: two finish on day 1, one on day 3, one never: shares of all 4 runs
    h = fc.when_distribution(np.array([1.0, np.nan, 3.0, 1.0]), date(2026, 1, 14))
    assert h.to_dict("records") == [{"days": 1, "on_date": date(2026, 1, 15), "share": 0.5, "cumulative": 0.5},
                                    {"days": 3, "on_date": date(2026, 1, 17), "share": 0.25, "cumulative": 0.75}]
    assert fc.when_distribution(np.full(3, np.nan), date(2026, 1, 14)).empty


def test_forecast_with_histogram_validates_like_the_public_query(steady):
    with pytest.raises(QueryError, match="target_date"):
        fc.forecast_with_histogram(steady, as_of=ts("2026-01-14 23:00"), target_date="2031-01-01")


@pytest.mark.parametrize("days_back", [0, 45])   # the stored instant, and an earlier one (read from stored facts)
def test_panel_is_the_public_forecast_and_the_histogram_it_always_drew(demo_con, days_back):
    as_of = default_as_of(demo_con) - timedelta(days=days_back)
    both = fc.forecast_with_histogram(demo_con, as_of=as_of, board_id="1", items=30)
    pd.testing.assert_frame_equal(both.forecast, run_public(demo_con, "forecast", as_of=as_of, board_id="1", items=30))
    # the histogram as the page drew it before (a second simulation with the same seed, over
    # the daily throughput of the forecast's inputs): the same runs, so the same frame
    w_from, w_to = fc.window(as_of.date(), None, None, 90)
    daily = fc.daily_throughput(fc.forecast_inputs(demo_con, as_of, "1", None, w_from, w_to), w_from, w_to)
    before = fc.when_distribution(fc.simulate_when(daily, 30, 10000, np.random.default_rng(42)), as_of.date())
    pd.testing.assert_frame_equal(both.when_histogram, before)
    h = both.when_histogram
    when = both.forecast[both.forecast["question"] == "when"]
    assert len(h) > 1 and when["on_date"].notna().all()
    for r in when.itertuples():   # each 50/85/95 % line is the day the runs' cumulative share reaches it
        assert h.loc[h["cumulative"] >= r.confidence, "on_date"].iloc[0] == r.on_date


def _plan_inputs(completed: list[tuple[float, float]], remaining: list[float]) -> pd.DataFrame:
    """flow__forecast_inputs-shaped rows: completed (likely, actual) pairs, remaining likelies."""
    rows = [{"kind": "completed", "completed_on": date(2026, 1, 10), "actual_days": a, "likely_days": lk}
            for lk, a in completed]
    rows += [{"kind": "remaining", "completed_on": None, "actual_days": None, "likely_days": lk} for lk in remaining]
    return pd.DataFrame(rows)


def test_plan_runs_budget():
    assert fc.plan_runs(10_000, 419) == 10_000          # 4,190,000 draws: every run
    assert fc.plan_runs(10_000, 420) == 4_194_304 // 420 == 9_986
    assert fc.plan_runs(10_000, 6_154) == 1_000         # 681 by the budget, raised to the floor
    assert fc.plan_runs(300, 100_000) == 300            # never more than asked


def test_effective_issues_by_hand():
    # (sum likely)^2 / sum likely^2
    assert fc.effective_issues(np.array([2.0, 2.0, 2.0, 2.0])) == 4.0            # 8^2 / (4 x 2^2) = 64 / 16
    assert fc.effective_issues(np.array([3.0, 1.0])) == pytest.approx(1.6)       # 4^2 / (9 + 1) = 16 / 10
    assert fc.effective_issues(np.array([8.0, 1.0, 1.0])) == pytest.approx(100 / 66)   # 10^2 / (64 + 1 + 1)
    # one estimate of 300 days and 2,999 of 0.01 day: (300 + 29.99)^2 / (90,000 + 2,999 x 0.0001)
    # = 108,893.4001 / 90,000.2999 = 1.20992...
    assert fc.effective_issues(np.array([300.0] + [0.01] * 2999)) == pytest.approx(1.2099226, abs=1e-7)
    assert fc.effective_issues(np.array([0.5])) == 1.0


def test_plan_runs_follow_the_effective_issues():
    assert fc.plan_runs(10_000, 2_817, 2_143.8) == 1_956     # 4,194,304 / 2,143.8 = 1,956.48
    assert fc.plan_runs(10_000, 5_000, 2_500) == 1_677       # 4,194,304 / 2,500 = 1,677.72
    assert fc.plan_runs(10_000, 5_000, 5_000.0) == 1_000     # equal estimates: 838, raised to the floor
    assert fc.plan_runs(10_000, 3_000, 1.21) == 10_000       # one estimate dominates: every run
    assert fc.plan_runs(10_000, 420, 420.000001) == 9_986    # never more than the count: as for 420 equal ones
    assert fc.plan_runs(10_000, 2_000, 1_999.9999999) == 2_097   # rounding below the count changes nothing


def test_quantile_error_by_hand():
    # runs 1..100; 50 %: the answer is the 50th run, sqrt(100 x .5 x .5) = 5 ranks either side: (55 - 45) / 2;
    # 95 %: the 95th run, sqrt(4.75) -> 3 ranks: (98 - 92) / 2
    v = np.arange(100, 0, -1, dtype=float)
    assert fc.quantile_error(v, 0.5) == 5.0 and fc.quantile_error(v, 0.95) == 3.0
    assert fc.quantile_error(np.full(10, 7.0), 0.95) == 0.0


def test_plan_check_over_many_issues_matches_the_binomial_law():
    # 2,000 remaining issues of likely 1 day; the two completed ones (window Jan 9..10, 2 days)
    # have likely 1 and actual 1 and 3: ratios 1 or 3, capacity (1 + 3) / 2 = 2 work-days/day.
    # A run's total = 2,000 + 2 B with B ~ Binomial(2000, 1/2), so its days = 1,000 + B; the
    # q quantile (inverted CDF) is 1,000 + the smallest b with P(B <= b) >= q, computed exactly.
    inputs = _plan_inputs([(1.0, 1.0), (1.0, 3.0)], [1.0] * 2000)
    as_of, w = ts("2026-01-10 23:00"), (date(2026, 1, 9), date(2026, 1, 10))
    df = fc._plan_check(inputs, as_of.date(), *w, 10_000, 42)
    assert df.loc[df["basis"] == "as_estimated", "value"].item() == pytest.approx(1000.0)
    cor = df[df["basis"] == "bias_corrected"].set_index("confidence")
    cum, exact = 0, {}
    for b in range(2001):
        cum += math.comb(2000, b)
        for q in (0.5, 0.85, 0.95):
            if q not in exact and cum * 100 >= round(q * 100) * 2**2000:
                exact[q] = 1000 + b
    assert exact == {0.5: 2000, 0.85: 2023, 0.95: 2037}   # mean 2,000, sd 22.4 days
    # 4,194,304 // 2,000 = 2,097 runs: the Monte Carlo error of a quantile is about
    # 2.1 x 22.4 / sqrt(2097) ~ 1 day at 95 %; allow three
    for q in (0.5, 0.85, 0.95):
        assert abs(cor.loc[q, "value"] - exact[q]) <= 3, (q, cor.loc[q, "value"], exact[q])
    assert "2,097 of 10,000 runs (the 2,000 estimates weigh like 2,000 equal ones" in cor["detail"].iloc[0]
    # the error the detail states for each answer: about 2.1 x 22.4 / sqrt(2097) ~ 1 day at 95 %,
    # 1.2 x 22.4 / sqrt(2097) ~ 0.6 day at 50 % (the order statistics give it in whole days / 2)
    err = cor["detail"].str.extract(r"about ±([0-9.]+) days")[0].astype(float)
    assert 0.5 <= err[0.95] <= 2 and 0.25 <= err[0.5] <= 1.5, err.tolist()
    # the runs used are the first ones of the full simulation: what runs=2,097 gives
    same = fc._plan_check(inputs, as_of.date(), *w, 2_097, 42)
    assert same["value"].tolist() == df["value"].tolist()
    assert "runs (" not in same["detail"].iloc[-1]


def test_small_plan_uses_every_run():
    # 300 remaining issues x 10,000 runs is within the budget: the totals are those of one
    # plain `choice` of every run's ratios (seed + 1), as the plan check always drew them
    likely = [0.5 + (k % 7) for k in range(300)]
    completed = [(1.0, 0.5), (2.0, 3.0), (1.0, 1.7), (4.0, 2.0), (0.5, 1.5)]
    inputs = _plan_inputs(completed, likely)
    as_of, w = ts("2026-01-10 23:00"), (date(2026, 1, 1), date(2026, 1, 10))
    df = fc._plan_check(inputs, as_of.date(), *w, 10_000, 7)
    ratios = np.array([a / lk for lk, a in completed])
    capacity = sum(a for _, a in completed) / 10
    totals = np.random.default_rng(8).choice(ratios, size=(10_000, 300), replace=True) @ np.array(likely)
    want = [np.quantile(totals / capacity, q, method="inverted_cdf") for q in (0.5, 0.85, 0.95)]
    cor = df[df["basis"] == "bias_corrected"]
    assert cor["value"].tolist() == pytest.approx(want, rel=1e-12)
    assert "runs (" not in cor["detail"].iloc[0]


def test_remaining_items_counts_the_open_issues(tmp_path):
    # PLAN: X-1 and Y-1 done by Jan 18; R-1, R-2 (estimated) and R-3 (not) still open: 3 items,
    # counted in SQL at the stored instant (Mar 1) and from the forecast's inputs earlier
    con = connect(build(tmp_path, PLAN))
    stored = fc.remaining_items(con, as_of=ts("2026-03-01 00:00"))
    earlier = fc.remaining_items(con, as_of=ts("2026-01-20 23:00"), window_days=10)
    con.close()
    assert (stored, earlier) == (3, 3)


def test_dominated_plan_uses_every_run():
    # 3,000 remaining issues: one of 300 days and 2,999 of 0.01 day (they weigh like 1.21 equal
    # estimates); 40 completed issues of likely 1 with lognormal actuals (the ratios), window
    # Jan 1..20 (20 days). A run's total is about 300 x one drawn ratio, so its spread does
    # not shrink with the count: every one of the 10,000 runs is used, and the answers are
    # those of the full simulation (seed + 1, one `choice` of every run's ratios).
    ratios = np.random.default_rng(3).lognormal(0.0, 0.6, 40)
    likely = np.array([300.0] + [0.01] * 2999)
    inputs = _plan_inputs([(1.0, float(r)) for r in ratios], likely.tolist())
    as_of, w = ts("2026-01-20 23:00"), (date(2026, 1, 1), date(2026, 1, 20))
    df = fc._plan_check(inputs, as_of.date(), *w, 10_000, 42)
    rng = np.random.default_rng(43)
    # 500 runs at a time (1.5 million draws, an even count: the stream one `choice` of all draws)
    totals = np.concatenate([rng.choice(ratios, size=(500, 3000), replace=True) @ likely for _ in range(20)])
    days = totals / (ratios.sum() / 20)
    want = [np.quantile(days, q, method="inverted_cdf") for q in (0.5, 0.85, 0.95)]
    cor = df[df["basis"] == "bias_corrected"]
    assert cor["value"].tolist() == pytest.approx(want, rel=1e-12)
    assert "runs (" not in cor["detail"].iloc[0]
    # the count alone would have kept the first 1,398 runs (4,194,304 // 3,000), whose answers
    # are days away from these
    assert fc.plan_runs(10_000, 3_000) == 1_398
    first = [np.quantile(days[:1_398], q, method="inverted_cdf") for q in (0.5, 0.85, 0.95)]
    assert max(abs(a - b) for a, b in zip(first, want, strict=True)) > 1


# Boards: 1 = project P; 2 = project Q, plus P-6, which is in its sprint 9. Stored instant Mar 1.
# Not complete (epic P-4 and sub-task P-5 never count; the default creation is Jan 5):
#   Jan 16 (earlier, from the forecast's inputs): P-2, P-3, P-6, P-8, Q-1, Q-4
#     (P-1 done Jan 14, Q-2 done Jan 13; P-7, Q-3 not created yet)
#   Mar 1 (stored, in SQL): P-2, P-3, P-6, Q-1 (P-8 done Feb 10, Q-4 done Jan 19)
#   Apr 1 (later, in SQL): P-2, P-6, P-7, Q-1, Q-3 (P-3 done Mar 15; P-7, Q-3 created in March)
REMAINING = {
    "boards": [{"id": "1", "project": "P"}, {"id": "2", "project": "Q"}],
    "sprints": [{"id": "9", "board": "2", "start": "2026-01-12 09:00", "end": "2026-01-26 09:00",
                 "complete": "2026-01-26 10:00"}],
    "issues": [
        done_issue(1, "2026-01-12 09:00", 2, key="P-1"),
        {"id": 2, "key": "P-2"},
        {"id": 3, "key": "P-3", "history": [("2026-01-15 09:00", "1", "3"), ("2026-03-15 09:00", "3", "6")]},
        {"id": 4, "key": "P-4", "type": "Epic"},
        {"id": 5, "key": "P-5", "type": "Sub-task", "subtask": True, "parent": "2"},
        {"id": 6, "key": "P-6", "sprints": ["9"]},
        {"id": 7, "key": "P-7", "created": "2026-03-10 09:00"},
        {"id": 8, "key": "P-8", "history": [("2026-02-10 09:00", "1", "6")]},
        {"id": 11, "key": "Q-1", "project": "Q"},
        done_issue(12, "2026-01-12 09:00", 1, key="Q-2", project="Q"),
        {"id": 13, "key": "Q-3", "project": "Q", "created": "2026-03-12 09:00"},
        {"id": 14, "key": "Q-4", "project": "Q", "history": [("2026-01-19 09:00", "1", "6")]},
    ]}


@pytest.mark.parametrize("at,scope,want", [
    ("2026-01-16 23:00", {}, 6), ("2026-01-16 23:00", {"board_id": "1"}, 4),
    ("2026-01-16 23:00", {"board_id": "2"}, 3), ("2026-01-16 23:00", {"project": "Q"}, 2),
    ("2026-03-01 00:00", {}, 4), ("2026-03-01 00:00", {"board_id": "1"}, 3),
    ("2026-03-01 00:00", {"board_id": "2"}, 2), ("2026-03-01 00:00", {"project": "Q"}, 1),
    ("2026-04-01 00:00", {}, 5), ("2026-04-01 00:00", {"board_id": "1"}, 3),
    ("2026-04-01 00:00", {"board_id": "2"}, 3), ("2026-04-01 00:00", {"project": "Q"}, 2),
    ("2026-04-01 00:00", {"project": "P", "board_id": "2"}, 1),
])
def test_remaining_items_in_scope_at_each_instant(remaining_con, at, scope, want):
    assert fc.remaining_items(remaining_con, as_of=ts(at), **scope) == want


@pytest.fixture(scope="module")
def remaining_con(tmp_path_factory):
    con = connect(build(tmp_path_factory.mktemp("remaining"), REMAINING))
    assert fc.facts.stored_as_of(con) == ts("2026-03-01 00:00")   # the three instants are what they say
    yield con
    con.close()


def test_the_as_of_day_is_the_reporting_timezones(tmp_path):
    """as_of 2026-01-15 03:00 UTC is still Jan 14 (19:00) in Los Angeles. Two completions a day
    at 12:00 UTC (04:00 in Los Angeles, the same day) on Jan 10..14. Reporting in Los Angeles, the
    forecast counts from Jan 14: the 5-day window is Jan 10..14 (2 a day, every day), 7 items
    are done on day 4 (Jan 18) in every run, and the default 'how many by' date is Jan 14 + 28 =
    Feb 11: 28 days x 2 = 56. Counted from the UTC day (Jan 15), the window would be Jan 11..15
    with no completion on Jan 15. A claim due Jan 14, scored then, is still pending: its day is
    not over in Los Angeles (it was 'missed' when the day was taken in UTC)."""
    from queries import forecast_accounts as fa
    from queries.config import AnalysisConfig
    from queries.dates import local_day

    path = build(tmp_path, STEADY)
    la = connect(path, AnalysisConfig(timezone="America/Los_Angeles"))
    utc = connect(path)
    as_of = "2026-01-15T03:00:00+00:00"
    assert local_day(la, as_of) == date(2026, 1, 14) and local_day(utc, as_of) == date(2026, 1, 15)
    df = run_public(la, "forecast", as_of=as_of, window_days=5, items=7, runs=500)
    when, many = df[df["question"] == "when"], df[df["question"] == "how_many"]
    assert list(when["value"]) == [4, 4, 4] and [str(d) for d in when["on_date"]] == ["2026-01-18"] * 3
    assert [str(d) for d in many["on_date"]] == ["2026-02-11"] * 3 and list(many["value"]) == [56] * 3
    assert "2026-01-10..2026-01-14" in when["basis"].iloc[0]
    assert "2026-01-11..2026-01-15" in run_public(utc, "forecast", as_of=as_of, window_days=5, items=7,
                                                 runs=500)["basis"].iloc[0]
    # 'how many by' may be asked from the as-of day on: Jan 14 in Los Angeles (0 days: 0 items),
    # not the day before; in UTC from Jan 15
    today = run_public(la, "forecast", as_of=as_of, window_days=5, items=7, runs=500, target_date="2026-01-14")
    assert list(today[today["question"] == "how_many"]["value"]) == [0, 0, 0]
    with pytest.raises(QueryError, match="target_date 2026-01-13 is outside 2026-01-14 .. "):
        run_public(la, "forecast", as_of=as_of, window_days=5, items=7, runs=500, target_date="2026-01-13")
    with pytest.raises(QueryError, match="target_date 2026-01-14 is outside 2026-01-15 .. "):
        run_public(utc, "forecast", as_of=as_of, window_days=5, items=7, runs=500, target_date="2026-01-14")
    claim = pd.DataFrame([{"forecast_id": "X", "made_at": ts("2026-01-10 12:00"), "as_of": ts("2026-01-10 12:00"),
                           "source": "page", "kind": "how_many", "items": None, "target_on": date(2026, 1, 14),
                           "runs": 500, "window_from": date(2025, 10, 12), "window_to": date(2026, 1, 10),
                           "p50_on": None, "p85_on": None, "p95_on": None,
                           "p50_items": 99, "p85_items": 99, "p95_items": 99}])
    done = pd.DataFrame({"completed_at": [ts("2026-01-11 12:00")], "completed_on": [date(2026, 1, 11)]})
    at = ts("2026-01-15 03:00")
    assert set(fa.score(claim, done, at, local_day(la, at))["outcome"]) == {"pending"}
    assert set(fa.score(claim, done, at, local_day(utc, at))["outcome"]) == {"missed"}
    la.close()
    utc.close()
