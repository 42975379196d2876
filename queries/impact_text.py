"""Why an impact verdict is what it is, in one sentence (docs/impact.md "One shipped item").

Pure: takes one row of the `impact` query (or an ImpactResult plus the target's direction and
minimum change) and the metric's unit, and writes the sentence the Product outcomes page shows
under an item's chart. Every number comes from the row; nothing is recomputed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

import pandas as pd

from queries.dates import as_date, day_words

MINUS = "\u2212"   # a real minus sign: "−2.0 %", not a hyphen


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT


def _signed(text: str, v: float) -> str:
    return ("+" if v > 0 else MINUS if v < 0 else "") + text


def pct(v: float, signed: bool = True) -> str:
    """A share as a percentage with one decimal: 0.031 -> '+3.1 %'."""
    text = f"{abs(v) * 100:.1f} %"
    return _signed(text, round(v * 100, 1)) if signed else text


def in_unit(v: float, unit: str | None, signed: bool = True) -> str:
    """A change in the metric's own unit: '+1,850 EUR', '−0.04 pp' (a change of a % metric is in
    percentage points), '+1,504 users'; thousands separators, no exponent."""
    a = abs(v)
    text = f"{a:,.0f}" if a >= 100 else f"{a:,.2f}".rstrip("0").rstrip(".") if a != int(a) else f"{a:,.0f}"
    u = "pp" if unit == "%" else unit
    text = f"{text} {u}" if u and u != "count" else text
    return _signed(text, v) if signed else text


def _share(m: float) -> str:
    """A minimum change as a plain percentage: 0.02 -> '2 %', 0.025 -> '2.5 %'."""
    return f"{m * 100:.1f}".rstrip("0").rstrip(".") + " %"


def _day(d) -> str:
    return day_words(as_date(d))


def _get(r, name: str, default=None):
    return r.get(name, default) if isinstance(r, Mapping) else getattr(r, name, default)


def verdict_reason(r, unit: str | None = None, as_of: date | None = None) -> str:
    """One sentence: why row `r` (verdict, effect_abs, effect_rel, ci_low, ci_high, ci_low_rel,
    ci_high_rel, direction, min_change, note, shipped_on, pre_start, post_end, mde_rel, method)
    has its verdict.

    - moved / moved the wrong way: where the post-launch mean lies against the counterfactual
      and that the whole interval lies on one side of zero (and the change is at least the
      minimum meaningful one);
    - no detectable change: the interval includes zero, or it does not but the change is
      smaller than the minimum meaningful change;
    - too early: when the post window closes and what it will be able to see;
    - not enough data: what is missing.
    """
    verdict = _get(r, "verdict")
    if verdict == "not enough data":
        note = _get(r, "note") or "the metric has too few daily values around the ship day"
        return f"Not enough data to judge: {note}."
    if verdict == "too early":
        post_end, shipped = _get(r, "post_end"), _get(r, "shipped_on")
        pre_start = _get(r, "pre_start")
        days = (as_date(shipped) - as_date(pre_start)).days if not (_missing(shipped) or _missing(pre_start)) else None
        span = f"the {days} days after shipping" if days else "the post-launch window"
        when = f" run until {_day(post_end)}" if not _missing(post_end) else " are not over yet"
        if as_of is None:
            asof = ""
        elif _missing(post_end) or as_date(post_end) > as_date(as_of):
            asof = f", after the as-of day {_day(as_of)}"
        else:   # the as-of is past the window, the metric's loaded data is not (queries/impact.py)
            asof = ", past the metric's data loaded so far"
        mde = _get(r, "mde_rel")
        seen = (f"; once they are in, only changes above ±{abs(mde) * 100:.0f} % can be told from noise"
                if not _missing(mde) else "")
        return f"Too early to judge: {span}{when}{asof}{seen}."

    eff_abs, rel = _get(r, "effect_abs"), _get(r, "effect_rel")
    lo_abs, hi_abs = _get(r, "ci_low"), _get(r, "ci_high")
    lo_rel, hi_rel = _get(r, "ci_low_rel"), _get(r, "ci_high_rel")
    relative = not _missing(rel) and not _missing(lo_rel) and not _missing(hi_rel)
    if relative:
        size = pct(rel, signed=False) + (f" ({in_unit(eff_abs, unit)})" if not _missing(eff_abs) else "")
        interval = f"{pct(lo_rel)} to {pct(hi_rel)}"
        lo, hi, effect = lo_rel, hi_rel, rel
    else:   # counterfactual mean ≤ 0: no relative figures, say it in the metric's unit
        size = in_unit(eff_abs, unit, signed=False)
        interval = f"{in_unit(lo_abs, unit)} to {in_unit(hi_abs, unit)}"
        lo, hi, effect = lo_abs, hi_abs, eff_abs
    baseline = ("what the pre-launch difference to the control segment predicts"
                if _get(r, "method") == "difference-in-differences" else "what the pre-launch trend predicts")
    shown = round(effect * 100, 1) if relative else effect
    side = "above" if shown > 0 else "below" if shown < 0 else None
    where = f"is {size} {side} {baseline}" if side else f"matches {baseline}"
    head = f"The post-launch mean {where}"
    up = (_get(r, "direction") or "up") == "up"
    m = _get(r, "min_change")
    m = 0.0 if _missing(m) else float(m)
    if verdict == "moved":
        tail = (f" and {pct(abs(rel), signed=False)} clears the {_share(m)} minimum meaningful change"
                if m > 0 and relative else "")
        return (f"{head}, the whole 95 % interval ({interval}) is {'above' if up else 'below'} zero{tail}, "
                f"so it moved as expected.")
    if verdict == "moved the wrong way":
        expected = "rise" if up else "fall"
        return (f"{head}, the whole 95 % interval ({interval}) is {'below' if up else 'above'} zero, "
                f"against the expected {expected}, so it moved the wrong way.")
    # no detectable change
    if lo > 0 or hi < 0:   # a real change, smaller than the minimum meaningful one
        return (f"{head}, and the 95 % interval ({interval}) excludes zero, but a change of "
                f"{pct(abs(rel), signed=False) if relative else size} is less than the {_share(m)} minimum "
                f"meaningful change, so no detectable change.")
    return f"{head}, but the 95 % interval ({interval}) includes zero, so no detectable change."


def overlap_note(item_key: str, overlaps) -> str:
    """One sentence naming the other launches on the same metric inside this item's windows
    (empty when there are none): their effects are mixed into this item's."""
    keys = [str(k) for k in overlaps]
    if not keys:
        return ""
    names = keys[0] if len(keys) == 1 else ", ".join(keys[:-1]) + " and " + keys[-1]
    verb = "was" if len(keys) == 1 else "were"
    return (f"{names} {verb} also shipped on this metric within {item_key}'s windows, so the change cannot be "
            f"credited to {item_key} alone.")
