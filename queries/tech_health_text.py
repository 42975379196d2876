"""The tech-health wording: KPI labels and definitions, how a value, a change and a period
are written. One place, so the slide (`dashboard.slides`) and the Tech health page show the
same strings; the figures themselves are `queries.tech_health`.

Rounding is half-up on the decimal value, as a person rounds by hand (4.65 -> 4.7).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from queries.tech_health import TechHealth

DEFINITIONS = {
    "debt_share": "Tech-debt share = completed points of debt work ÷ all completed points (issues if no points)",
    "cycle_time_p85": "p85 cycle time = 85th percentile of start→done days of issues completed in the period",
    "rework_rate": "Rework rate = share of completed issues that went backward (QA bounce, reopen) first",
    "escaped_bugs": "Escaped bugs = bugs created in the period with a production/escaped label",
    "range_hit_rate": "Hit rate = share of range-estimated issues done within best ≤ actual ≤ worst",
    "carry_over": "Carry-over = share of sprint scope issues still open when the sprint closed",
}
LABELS = {
    "debt_share": "Tech-debt share",
    "cycle_time_p85": "Cycle time p85",
    "rework_rate": "Rework rate",
    "escaped_bugs": "Escaped bugs",
    "range_hit_rate": "Estimate hit rate",
    "carry_over": "Carry-over",
    # delivery metrics a working agreement can link to (marts/fct_retro_delivery_metrics.sql)
    "hit_rate": "Estimate hit rate",
    "scope_change": "Scope change",
    "say_do": "Say/do ratio",
}


def _sign(v: float) -> str:
    return "+" if v > 0 else "−"   # a real minus sign, same width as the plus


def _round(v: float, places: int) -> Decimal:
    """Half-up rounding of the value as a person would do it by hand (4.65 → 4.7), immune to
    binary noise such as 4.6499999999999995."""
    return Decimal(repr(round(v, 9))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _num(v: float) -> str:
    """Days: one decimal under 10, whole numbers from 10 (so 3-digit values stay short)."""
    one = _round(v, 1)
    return f"{one}" if abs(one) < 10 else f"{_round(v, 0):,}"


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "no data"
    if unit == "share":
        return f"{_round(value * 100, 0)} %"
    if unit == "days":
        return f"{_num(value)} d"
    return f"{_round(value, 0):,}"


TOO_SHORT = "too short to compare"
NO_PREVIOUS = "no previous data"   # nothing in the previous period at all (not a short one)


def plural(n: int, word: str) -> str:
    """'1 issue', '3 issues'."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def n_words(key: str, n: int | None) -> str:
    """What a figure rests on, in words: '139 issues', '11 sprints' (carry-over), '7
    range-estimated issues' (hit rate); '' for a count (escaped bugs)."""
    if n is None or key == "escaped_bugs":
        return ""
    if key == "carry_over":
        return plural(n, "sprint")
    return plural(n, "range-estimated issue" if key == "range_hit_rate" else "issue")


def delta_text(value: float | None, previous: float | None, unit: str, comparable: bool = True) -> str:
    """Change vs the previous period, e.g. '▲ +4 pp vs 14 %', '▼ −2.1 d (−34 %) vs 6.1 d',
    '= unchanged (was 3)', '≈ unchanged (was 23 %)' (a change that rounds to nothing between values that
    read differently, e.g. 22 % after 23 %), 'no previous data', or 'previous period too short
    to compare' (see queries.tech_health.previous_comparable)."""
    if value is None:
        return ""
    if not comparable:
        return f"previous period {TOO_SHORT}"
    if previous is None:
        return NO_PREVIOUS

    d = value - previous
    prev = format_value(previous, unit)
    if unit == "share":
        shown, suffix = f"{_round(abs(d) * 100, 0)}", " pp"
    elif unit == "days":
        shown, suffix = _num(abs(d)), " d"
        if previous:
            suffix += f" ({_sign(d)}{_round(abs(d / previous) * 100, 0)} %)"
    else:
        shown, suffix = f"{_round(abs(d), 0):,}", ""
    if float(shown.replace(",", "")) == 0:   # no change at the shown precision; say so when the two still read differently
        return f"{'=' if format_value(value, unit) == prev else '≈'} unchanged (was {prev})"
    return f"{'▲' if d > 0 else '▼'} {_sign(d)}{shown}{suffix} vs {prev}"


def unit_word(key: str, value: float | None, unit: str) -> str:
    """The word after a count ('issues', 'bugs'); empty for shares and days."""
    if value is None or unit != "count":
        return ""
    one = round(value) == 1
    return {"escaped_bugs": "bug" if one else "bugs"}.get(key, "")


def target_text(target: float | None) -> str:
    return f"target {format_value(target, 'share')}" if target is not None else ""


def points_text(v: float | None) -> str:
    if v is None:
        return "0"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def carry_over_detail(issues: int, points: float, sprints: int | None, previous: int | None = None) -> str:
    """The carry-over tile's second line, e.g. '3 issues · 9 pt in 6 sprints (5 before)' (the
    pages' unit: 'pt', as on the sprint tiles and in the slide notes; the previous period's
    sprints in brackets)."""
    return (f"{issues:,} issue{'' if issues == 1 else 's'} · {points_text(points)} pt "
            f"in {'–' if sprints is None else f'{sprints:,}'} sprint{'' if sprints == 1 else 's'}"
            + before_text(previous))


def n_text(n: int | None, previous: int | None = None) -> str:
    """'n = 145 (139 before)': what a tile's value rests on, and its previous value."""
    return f"n = {n:,}{before_text(previous)}" if n is not None else ""


def before_text(previous: int | None) -> str:
    return f" ({previous:,} before)" if previous is not None else ""


def previous_words(th: TechHealth) -> str:
    """What the previous period holds: '11 sprints' (basis sprints) or '139 issues completed'
    (basis days), with ': too short to compare' when it is."""
    if th.basis == "sprints":
        held = plural(len(th.previous_sprints), "sprint")
    else:
        held = plural(th.previous_issues or 0, "issue") + " completed"
    return held if th.previous_comparable else f"{held}: {TOO_SHORT}"


def too_short_words(basis: str) -> str:
    """Why no change is shown when the previous period is too short (the rule of
    queries.tech_health.previous_comparable, in words)."""
    held = ("fewer than half the period's closed sprints, or fewer than 3" if basis == "sprints"
            else "fewer than half the period's completed issues")
    return (f"The previous period holds too little to compare with ({held}): the tiles show no change, "
            "and cycle time is judged by its days instead of its change.")


def period_words(th: TechHealth, chart_teams: int) -> str:
    """Which sprints the period holds, in words (the page and the slide say the same):
    'last 6 closed sprints', or with several teams 'the period of each team's last 6 closed
    sprints (Atlas 7, Borealis 6 sprints in it)' (the period spans every team's last N, so a
    team may have more in it)."""
    n = th.sprints_per_team or len(th.sprints)
    if th.basis != "sprints":
        return f"last {th.period_days} days, no closed sprints"
    if len(th.teams) <= 1:
        return f"last {len(th.sprints)} closed sprint{'' if len(th.sprints) == 1 else 's'}"
    if len(th.teams) > chart_teams:
        return (f"the period of each team's last {n} closed sprints ({len(th.teams):,} teams, {len(th.sprints):,} "
                "sprints in it)")
    counts: dict[str, int] = {}
    names = dict(zip(th.sprint_boards, th.sprint_teams, strict=True))
    for s in th.sprints:
        team = names.get(s.board_id, str(s.board_id))
        counts[team] = counts.get(team, 0) + 1
    per = ", ".join(f"{t} {c}" for t, c in sorted(counts.items()))
    return f"the period of each team's last {n} closed sprints ({per} sprints in it)"
