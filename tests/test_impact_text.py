"""The one sentence that says why an impact verdict is what it is (queries/impact_text.py),
for each verdict kind, from hand-written rows."""

from __future__ import annotations

from datetime import date

from queries.impact_text import in_unit, overlap_note, pct, verdict_reason

NAN = float("nan")


def _row(verdict, rel, lo, hi, *, effect_abs=None, ci=(None, None), direction="up", min_change=0.0, **kw):
    return {"verdict": verdict, "effect_rel": rel, "ci_low_rel": lo, "ci_high_rel": hi,
            "effect_abs": effect_abs if effect_abs is not None else NAN, "ci_low": ci[0] if ci[0] is not None else NAN,
            "ci_high": ci[1] if ci[1] is not None else NAN, "direction": direction, "min_change": min_change,
            "method": "trend+weekday", **kw}


def test_no_detectable_change_interval_includes_zero():
    r = _row("no detectable change", 0.031, -0.020, 0.084, effect_abs=1850.13)
    assert verdict_reason(r, "EUR") == (
        "The post-launch mean is 3.1 % (+1,850 EUR) above what the pre-launch trend predicts, but the 95 % "
        "interval (−2.0 % to +8.4 %) includes zero, so no detectable change.")


def test_no_detectable_change_real_but_smaller_than_meaningful():
    r = _row("no detectable change", 0.012, 0.004, 0.020, effect_abs=0.04, min_change=0.02)
    assert verdict_reason(r, "%") == (
        "The post-launch mean is 1.2 % (+0.04 pp) above what the pre-launch trend predicts, and the 95 % "
        "interval (+0.4 % to +2.0 %) excludes zero, but a change of 1.2 % is less than the 2 % minimum "
        "meaningful change, so no detectable change.")


def test_moved_up_with_a_minimum_change():
    r = _row("moved", 0.085, 0.027, 0.143, effect_abs=0.2759, min_change=0.02)
    assert verdict_reason(r, "%") == (
        "The post-launch mean is 8.5 % (+0.28 pp) above what the pre-launch trend predicts, the whole 95 % "
        "interval (+2.7 % to +14.3 %) is above zero and 8.5 % clears the 2 % minimum meaningful change, "
        "so it moved as expected.")


def test_moved_down_when_down_was_expected():
    r = _row("moved", -0.12, -0.20, -0.04, effect_abs=-1.5, direction="down")
    assert verdict_reason(r, "d") == (
        "The post-launch mean is 12.0 % (−1.5 d) below what the pre-launch trend predicts, the whole 95 % "
        "interval (−20.0 % to −4.0 %) is below zero, so it moved as expected.")


def test_moved_the_wrong_way():
    r = _row("moved the wrong way", -0.064, -0.101, -0.027, effect_abs=-845.0)
    assert verdict_reason(r, "users") == (
        "The post-launch mean is 6.4 % (−845 users) below what the pre-launch trend predicts, the whole 95 % "
        "interval (−10.1 % to −2.7 %) is below zero, against the expected rise, so it moved the wrong way.")
    up = _row("moved the wrong way", 0.05, 0.01, 0.09, effect_abs=2.0, direction="down")
    assert "is above zero, against the expected fall" in verdict_reason(up, "score")


def test_too_early():
    r = {"verdict": "too early", "shipped_on": date(2026, 10, 26), "pre_start": date(2026, 9, 28),
         "post_end": date(2026, 11, 22), "mde_rel": 0.207, "effect_rel": NAN}
    assert verdict_reason(r, "EUR", as_of=date(2026, 11, 18)) == (
        "Too early to judge: the 28 days after shipping run until 22 Nov 2026, after the as-of day 18 Nov 2026; "
        "once they are in, only changes above ±21 % can be told from noise.")
    # an as-of past the window whose days are not loaded yet (queries.impact: too early by the data)
    assert verdict_reason(r, "EUR", as_of=date(2026, 12, 1)) == (
        "Too early to judge: the 28 days after shipping run until 22 Nov 2026, past the metric's data loaded so "
        "far; once they are in, only changes above ±21 % can be told from noise.")


def test_not_enough_data():
    r = {"verdict": "not enough data", "note": "9 days of data before shipping (need 14)"}
    assert verdict_reason(r) == "Not enough data to judge: 9 days of data before shipping (need 14)."


def test_without_relative_figures_the_unit_speaks():
    # a counterfactual mean ≤ 0 (e.g. a difference near zero): no %, the metric's unit instead
    r = _row("no detectable change", NAN, NAN, NAN, effect_abs=-3.0, ci=(-9.5, 3.5),
             method="difference-in-differences")
    assert verdict_reason(r, "score") == (
        "The post-launch mean is 3 score below what the pre-launch difference to the control segment predicts, "
        "but the 95 % interval (−9.5 score to +3.5 score) includes zero, so no detectable change.")


def test_numbers_and_overlaps():
    assert pct(-0.0204) == "−2.0 %" and pct(0.0) == "0.0 %" and pct(0.1234, signed=False) == "12.3 %"
    assert in_unit(1503.88, "users") == "+1,504 users" and in_unit(-0.04, "%") == "−0.04 pp"
    assert in_unit(12.0, "count") == "+12"
    assert overlap_note("ATL-E3", []) == ""
    assert overlap_note("ATL-E3", ["BOR-E3"]) == (
        "BOR-E3 was also shipped on this metric within ATL-E3's windows, so the change cannot be credited to "
        "ATL-E3 alone.")
    assert overlap_note("X-1", ["A-1", "B-2", "C-3"]).startswith("A-1, B-2 and C-3 were also shipped")
