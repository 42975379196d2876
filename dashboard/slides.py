"""The tech-health slide: one 16:9 PowerPoint slide built with python-pptx from a
`queries.tech_health.TechHealth` (the figures are never recomputed here).

    from queries.tech_health import kpis
    from dashboard.slides import build_tech_health
    data = build_tech_health(kpis(con, board_id="1"), team="Atlas")   # -> .pptx bytes

Layout (13.333 × 7.5 in): title + period line; six KPI tiles (value, change vs the
previous period, target, a traffic light carried by colour AND an icon + word); one
native, editable chart (debt share per sprint as columns with the target as a line, or
p85 cycle time per week); a footer with one-line definitions and the data's freshness;
speaker notes with the exact figures, the sprint list and the latest retro's open actions
and agreements. Every font, size and colour is set explicitly (readable in any theme), and
text sizes are chosen from the text's length so nothing overflows its box.
"""

from __future__ import annotations

import copy
import io
from datetime import date

from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_TICK_LABEL_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from dashboard.present import date_span, sprint_label
from queries.dates import day_words
from queries.tech_health import CHART_TEAMS, DEFINITIONS, KPI, TechHealth
from queries.tech_health_text import TOO_SHORT, before_text, n_words, plural

FONT = "Arial"                      # on every PowerPoint/Keynote machine; Liberation Sans in LibreOffice
INK = RGBColor(0x1F, 0x29, 0x33)     # body text
MUTED = RGBColor(0x52, 0x5F, 0x6B)   # secondary text (contrast ≥ 4.5:1 on white)
LINE = RGBColor(0xD0, 0xD5, 0xDB)
TILE_BG = RGBColor(0xF7, 0xF8, 0xFA)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
BAR = RGBColor(0x2F, 0x5D, 0x8C)
TEAM_BARS = (BAR, RGBColor(0x1B, 0x7F, 0x79), RGBColor(0x6A, 0x4C, 0x93), RGBColor(0x8C, 0x6D, 0x2F))  # one per team
TARGET = RGBColor(0xC6, 0x28, 0x28)

# status -> (colour, icon, word): colour is never the only carrier
STATUS_STYLE = {
    "good": (RGBColor(0x1E, 0x7B, 0x34), "✔", "GOOD"),
    "watch": (RGBColor(0xA8, 0x5A, 0x00), "⚠", "WATCH"),   # not ▲: beside "▼ −3 pp" it read as "going up"
    "bad": (RGBColor(0xC6, 0x28, 0x28), "✖", "BAD"),     # the page's words: good / watch / bad / no data
    "no data": (RGBColor(0x6B, 0x72, 0x80), "–", "NO DATA"),
}

SLIDE_W, SLIDE_H = Emu(12192000), Emu(6858000)   # 13.333 x 7.5 in: PowerPoint's 16:9
MARGIN = Inches(0.4)
TILE_W, TILE_H, GAP = Inches(2.55), Inches(2.3), Inches(0.15)
TILES_TOP = Inches(1.55)
CHART_LEFT = MARGIN + 3 * TILE_W + 3 * GAP + Inches(0.05)
CHART_W = SLIDE_W - CHART_LEFT - MARGIN
CHART_H = 2 * TILE_H + GAP

# Text fitting: a conservative average glyph width (em) for Arial/Liberation Sans.
_EM_REGULAR, _EM_BOLD = 0.55, 0.60


def text_width_in(text: str, size_pt: float, *, bold: bool = False) -> float:
    """Estimated width in inches of one line of `text` at `size_pt` (conservative)."""
    return len(text) * size_pt * (_EM_BOLD if bold else _EM_REGULAR) / 72


def fit_size(text: str, width_in: float, sizes: tuple[float, ...], *, bold: bool = False,
             lines: int = 1) -> float:
    """The largest of `sizes` at which `text` fits `lines` lines of `width_in`; else the
    smallest size (the box wraps; callers also shorten text that is absurdly long)."""
    for s in sizes:
        if text_width_in(text, s, bold=bold) <= width_in * lines * (0.9 if lines > 1 else 1.0):
            return s
    return sizes[-1]


def _ellipsize(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _day(d: date | None) -> str:
    return day_words(d) if d else "—"


def _span(a: date, b: date) -> str:
    return date_span(a, b)


def _ts(label: str | None) -> str:
    """An instant as TechHealth prints it (the reporting timezone's wall clock and zone)."""
    return label or "unknown"


# --------------------------------------------------------------------------- text helpers
def _frame(shape, *, wrap: bool = True, anchor=MSO_ANCHOR.TOP, margins=(0.02, 0.02, 0.02, 0.02)):
    tf = shape.text_frame
    tf.word_wrap = wrap
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = anchor
    tf.margin_left, tf.margin_top, tf.margin_right, tf.margin_bottom = (Inches(m) for m in margins)
    return tf


def _run(paragraph, text: str, size: float, *, bold: bool = False, color: RGBColor = INK,
         italic: bool = False):
    r = paragraph.add_run()
    r.text = text
    f = r.font
    f.name = FONT
    f.size = Pt(size)
    f.bold = bold
    f.italic = italic
    f.color.rgb = color
    return r


def _textbox(slide, left, top, width, height, text: str, size: float, *, bold: bool = False,
             color: RGBColor = INK, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, name: str | None = None):
    box = slide.shapes.add_textbox(left, top, width, height)
    if name:
        box.name = name
    tf = _frame(box, anchor=anchor)
    p = tf.paragraphs[0]
    p.alignment = align
    _run(p, text, size, bold=bold, color=color)
    return box


# --------------------------------------------------------------------------- parts
def _title(slide, th: TechHealth, team: str, headline: str | None = None) -> None:
    width = (SLIDE_W - 2 * MARGIN) / 914400
    title = f"Tech health · {_ellipsize(team, 100)}"
    if headline:   # the message leads; what and whose moves to the subtitle
        title, lead = _ellipsize(headline, 140), f"{title}  ·  "
    else:
        lead = ""
    size = fit_size(title, width, (28, 24, 20), bold=True)
    if text_width_in(title, size, bold=True) > width:      # a very long name: two lines
        size = fit_size(title, width, (17, 15, 13), bold=True, lines=2)
    _textbox(slide, MARGIN, Inches(0.25), SLIDE_W - 2 * MARGIN, Inches(0.68), title, size, bold=True,
             anchor=MSO_ANCHOR.MIDDLE, name="Title")
    if th.basis == "sprints" and len(th.teams) > 1:
        words = th.period_words()
        period = f"{words[:1].upper()}{words[1:]}: {_span(th.period_start, th.period_end)}"
    elif th.basis == "sprints":
        n = len(th.sprints)
        period = (f"Last {n} sprint{'' if n == 1 else 's'}: " if n else "Period: ") + _span(th.period_start, th.period_end)
    else:
        period = f"Last {th.period_days} days (no closed sprints): {_span(th.period_start, th.period_end)}"
    sub = (f"{lead}{period}  ·  compared with {_span(th.previous_start, th.previous_end)} ({th.previous_words()})"
           f"  ·  as of {_ts(th.as_of_label)}")
    _textbox(slide, MARGIN, Inches(0.92), SLIDE_W - 2 * MARGIN, Inches(0.4), sub,
             fit_size(sub, width, (14, 12, 11, 10)), color=MUTED, anchor=MSO_ANCHOR.MIDDLE, name="Subtitle")


def _tile(slide, k: KPI, left, top) -> None:
    colour, icon, word = STATUS_STYLE[k.status]
    inner = TILE_W - Inches(0.3)
    inner_in = inner / 914400
    x = left + Inches(0.18)

    bg = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, TILE_W, TILE_H)
    bg.name = f"Tile {k.key}"
    bg.adjustments[0] = 0.06
    bg.fill.solid()
    bg.fill.fore_color.rgb = TILE_BG
    bg.line.color.rgb = colour
    bg.line.width = Pt(2)
    bg.shadow.inherit = False
    bg.text_frame.text = ""

    strip = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left + Inches(0.04), top + Inches(0.18),
                                   Inches(0.07), TILE_H - Inches(0.36))
    strip.name = f"Strip {k.key}"
    strip.fill.solid()
    strip.fill.fore_color.rgb = colour
    strip.line.fill.background()
    strip.shadow.inherit = False

    _textbox(slide, x, top + Inches(0.1), inner, Inches(0.34), k.label,
             fit_size(k.label, inner_in, (14, 13, 12), bold=True), bold=True, name=f"Label {k.key}")

    # value: the number large, a unit word smaller on the same line
    value = k.value_text()
    unit = k.unit_word()
    vbox = slide.shapes.add_textbox(x, top + Inches(0.45), inner, Inches(0.62))
    vbox.name = f"Value {k.key}"
    tf = _frame(vbox, wrap=False, anchor=MSO_ANCHOR.MIDDLE)
    p = tf.paragraphs[0]
    if k.value is None:
        _run(p, value, 20, bold=True, color=MUTED)
    else:
        size = fit_size(value + (" " + unit if unit else ""), inner_in, (32, 28, 24, 20), bold=True)
        _run(p, value, size, bold=True, color=INK)
        if unit:
            _run(p, " " + unit, max(12, size / 2), bold=False, color=MUTED)

    badge_text = f"{icon} {word}"
    badge = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, x, top + Inches(1.12),
                                   Inches(1.25), Inches(0.3))
    badge.name = f"Status {k.key}"
    badge.fill.solid()
    badge.fill.fore_color.rgb = colour
    badge.line.fill.background()
    badge.shadow.inherit = False
    btf = _frame(badge, wrap=False, anchor=MSO_ANCHOR.MIDDLE, margins=(0.05, 0.0, 0.05, 0.0))
    bp = btf.paragraphs[0]
    bp.alignment = PP_ALIGN.CENTER
    _run(bp, badge_text, 11, bold=True, color=WHITE)

    delta = k.delta_text() or "—"
    _textbox(slide, x, top + Inches(1.48), inner, Inches(0.3), delta,
             fit_size(delta, inner_in, (11, 10, 9, 8)), color=INK, name=f"Delta {k.key}")
    extra = " · ".join(t for t in (k.target_text(), k.detail) if t)
    _textbox(slide, x, top + Inches(1.78), inner, Inches(0.45), extra,
             fit_size(extra, inner_in, (10, 9, 8), lines=2), color=MUTED, name=f"Detail {k.key}")


def _combo_line(chart) -> None:
    """Move the chart's last bar series into a line chart on the same axes (a native
    column + line combo: PowerPoint, Keynote and LibreOffice edit it as one chart)."""
    plot_area = chart._chartSpace.chart.plotArea
    bar = plot_area.find(qn("c:barChart"))
    sers = bar.findall(qn("c:ser"))
    ser = sers[-1]
    bar.remove(ser)
    inv = ser.find(qn("c:invertIfNegative"))
    if inv is not None:
        ser.remove(inv)
    line = etree.SubElement(plot_area, qn("c:lineChart"))
    bar.addnext(line)
    etree.SubElement(line, qn("c:grouping")).set("val", "standard")
    etree.SubElement(line, qn("c:varyColors")).set("val", "0")
    line.append(ser)
    marker = etree.Element(qn("c:marker"))
    etree.SubElement(marker, qn("c:symbol")).set("val", "none")
    anchor = ser.find(qn("c:spPr"))
    (anchor if anchor is not None else ser.find(qn("c:tx"))).addnext(marker)
    etree.SubElement(ser, qn("c:smooth")).set("val", "0")
    etree.SubElement(line, qn("c:marker")).set("val", "1")
    for ax in bar.findall(qn("c:axId")):
        line.append(copy.deepcopy(ax))


def _short_names(names, groups) -> list[str]:
    """Sprint names without the words every sprint of its team starts with ('ATL Sprint 8'
    under 'Atlas' -> 'Sprint 8'), so the labels fit under a team's group."""
    out = list(names)
    for g in set(groups):
        idx = [i for i, x in enumerate(groups) if x == g]
        first = {out[i].split(" ", 1)[0] for i in idx}
        prefix = f"{first.pop()} " if len(first) == 1 and len(idx) > 1 else ""
        if prefix and all(len(out[i]) > len(prefix) for i in idx):
            for i in idx:
                out[i] = out[i][len(prefix):]
    return out


def _chart(slide, th: TechHealth) -> None:
    left, top = CHART_LEFT, TILES_TOP
    frame = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, top, CHART_W, CHART_H)
    frame.name = "Chart frame"
    frame.adjustments[0] = 0.03
    frame.fill.solid()
    frame.fill.fore_color.rgb = WHITE
    frame.line.color.rgb = LINE
    frame.line.width = Pt(1)
    frame.shadow.inherit = False
    c = th.chart
    inner_w = CHART_W - Inches(0.3)
    title = c.title if c else "Chart"
    size = fit_size(title, inner_w / 914400, (14, 12, 11), bold=True)   # one line: 'per team' made it wrap
    _textbox(slide, left + Inches(0.15), top + Inches(0.08), inner_w, Inches(0.35), title, size, bold=True,
             name="Chart title")
    if c is None:
        _textbox(slide, left + Inches(0.15), top + Inches(1.8), inner_w, Inches(0.8),
                 "no data: no completed sprints or weeks in the period", 14, color=MUTED,
                 align=PP_ALIGN.CENTER, name="Chart empty")
        return
    data = CategoryChartData(number_format=c.number_format)
    if c.groups:   # several teams: a two-level axis (team under its sprints), each team's sprints together
        parents: dict[str, object] = {}
        for name, group in zip(_short_names(c.categories, c.groups), c.groups, strict=True):
            if group not in parents:
                parents[group] = data.add_category(group)
            parents[group].add_sub_category(name)
    else:
        data.categories = list(c.categories)
    teams = list(dict.fromkeys(c.groups))
    bars = [s for s in c.series if s.kind != "line"]
    for s in c.series:
        if c.groups and s.kind != "line":   # one series per team: its name in the legend, its own colour
            for team in teams:
                name = team if len(bars) == 1 else f"{s.name} · {team}"
                data.add_series(name, [v if g == team else None for v, g in zip(s.values, c.groups, strict=True)],
                                number_format=c.number_format)
        else:
            data.add_series(s.name, list(s.values), number_format=c.number_format)
    gf = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, left + Inches(0.1), top + Inches(0.45),
                                CHART_W - Inches(0.2), CHART_H - Inches(0.55), data)
    gf.name = "Chart"
    chart = gf.chart
    chart.font.name = FONT
    chart.font.size = Pt(10)
    chart.font.color.rgb = INK
    chart.has_title = False
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.legend.font.size = Pt(10)
    chart.legend.font.name = FONT
    bar_plot = chart.plots[0]
    bar_plot.gap_width = 60
    if c.groups:
        bar_plot.overlap = 100           # a team's bar stands alone in its sprint's slot
    for i, bar_series in enumerate(list(bar_plot.series)[:len(teams) if c.groups else 1]):
        bar_series.format.fill.solid()
        bar_series.format.fill.fore_color.rgb = TEAM_BARS[i % len(TEAM_BARS)]
    bar_plot.has_data_labels = len(c.categories) <= 8       # labels would collide beyond that
    if not bar_plot.has_data_labels:
        _finish_axes(chart, c)
        _style_line(chart, c)
        return
    dl = bar_plot.data_labels
    dl.number_format = c.number_format
    dl.number_format_is_linked = False
    dl.font.size = Pt(9)
    dl.font.name = FONT
    dl.font.color.rgb = INK
    _finish_axes(chart, c)
    _style_line(chart, c)


def _finish_axes(chart, c) -> None:
    va = chart.value_axis
    va.has_major_gridlines = True
    va.major_gridlines.format.line.color.rgb = LINE
    va.tick_labels.number_format = c.number_format
    va.tick_labels.number_format_is_linked = False
    va.tick_labels.font.size = Pt(10)
    va.tick_labels.font.name = FONT
    va.minimum_scale = 0
    values = [v for s in c.series for v in s.values if v is not None]
    if c.number_format.endswith("%") and values:
        va.maximum_scale = max(0.5, round(max(values) + 0.1, 1))
    va.has_title = True
    va.axis_title.text_frame.text = c.axis_title
    for p in va.axis_title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size, r.font.name, r.font.bold, r.font.color.rgb = Pt(10), FONT, False, MUTED
    ca = chart.category_axis
    ca.tick_labels.font.size = Pt(9 if len(c.categories) > 8 else 10)
    ca.tick_labels.font.name = FONT
    ca.tick_label_position = XL_TICK_LABEL_POSITION.LOW
    ca.format.line.color.rgb = LINE


def _style_line(chart, c) -> None:
    if len(c.series) > 1 and c.series[-1].kind == "line":
        line_series = chart.plots[0].series[-1]
        line_series.format.line.color.rgb = TARGET
        line_series.format.line.width = Pt(2.25)
        line_series.format.line.dash_style = None
        _combo_line(chart)


def _footer(slide, th: TechHealth) -> None:
    defs = [DEFINITIONS[k.key] for k in th.kpis]
    lines = ["   ·   ".join(defs[i:i + 2]) for i in range(0, len(defs), 2)]
    src = ", ".join(th.sources) or "no data loaded"
    lines.append(f"Data as of {_ts(th.data_as_of_label)} (source: {src}). The same figures as the Retroscope pages "
                 "over the same period.")
    box = slide.shapes.add_textbox(MARGIN, Inches(6.5), SLIDE_W - 2 * MARGIN, Inches(0.85))
    box.name = "Footer"
    tf = _frame(box)
    width = (SLIDE_W - 2 * MARGIN) / 914400
    size = min(fit_size(line, width, (9, 8.5, 8, 7.5)) for line in lines)
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        _run(p, line, size, color=MUTED)
    rule = slide.shapes.add_connector(1, MARGIN, Inches(6.45), SLIDE_W - MARGIN, Inches(6.45))
    rule.line.color.rgb = LINE
    rule.line.width = Pt(0.75)


def _pct(v: float) -> str:
    """A share in the notes: one decimal of a percent, everywhere (figures, targets, say/do)."""
    return f"{v * 100:.1f} %"


def _exact_value(k: KPI, v: float | None) -> str:
    if v is None:
        return "no data"
    if k.unit == "share":
        return _pct(v)
    if k.unit == "days":
        return f"{v:.2f} days"
    return plural(round(v), "bug") if k.key == "escaped_bugs" else f"{v:,.0f}"


def _exact(k: KPI) -> str:
    """One KPI in the notes, e.g. 'Cycle time p85: 7.61 days (145 issues); previous period
    6.89 days (139 issues); change +0.73 days (+10.6 %) — WATCH'."""
    def with_n(text: str, n: int | None) -> str:
        words = n_words(k.key, n)
        return f"{text} ({words})" if words and text != "no data" else text

    parts = [f"{k.label}: {with_n(_exact_value(k, k.value), k.n)}"]
    if k.value is not None and not k.comparable:
        held = [_exact_value(k, k.previous)] if k.previous is not None else []
        held += [w for w in (n_words(k.key, k.previous_n),) if w]
        parts.append(f"previous period {TOO_SHORT}" + (f" ({', '.join(held)})" if held else ""))
    elif k.value is not None:
        parts.append(f"previous period {with_n(_exact_value(k, k.previous), k.previous_n)}")
    if k.delta is not None:
        sign = "+" if k.delta > 0 else "−"
        if abs(k.delta) < 1e-12:
            parts.append("no change")
        elif k.unit == "share":
            parts.append(f"change {sign}{abs(k.delta) * 100:.1f} pp")
        elif k.unit == "days":
            rel = f" ({sign}{abs(k.delta / k.previous) * 100:.1f} %)" if k.previous else ""
            parts.append(f"change {sign}{abs(k.delta):.2f} days{rel}")
        else:
            parts.append(f"change {sign}{abs(k.delta):,.0f}")
    if k.target is not None:
        parts.append(f"target {_pct(k.target)}")
    return "; ".join(parts) + f" — {k.status.upper()}"


def _chart_notes(th: TechHealth) -> list[str]:
    """The chart's values, one line per category; a constant line (the target) said once."""
    c = th.chart
    pct = c.number_format.endswith("%")
    constant = [s for s in c.series if s.kind == "line" and len(set(s.values)) == 1]
    head = f"Chart — {c.title}" + (" (" + ", ".join(f"{s.name.lower()} line" for s in constant) + ")"
                                   if constant else "") + ":"
    out = [head]
    shown = [s for s in c.series if s not in constant]

    def v(s, i):
        x = s.values[i]
        return "no data" if x is None else _pct(x) if pct else f"{x:.2f} {c.axis_title}"
    for i, cat in enumerate(c.categories):
        label = sprint_label(cat, c.groups[i]) if c.groups else cat
        vals = v(shown[0], i) if len(shown) == 1 else ", ".join(f"{s.name} {v(s, i)}" for s in shown)
        out.append(f"- {label}: {vals}")
    return out


def _retro_notes(r, *, several: bool) -> list[str]:
    n = len(r.open_actions)
    head = (f"{r.team or 'Team'} — {r.title} ({_day(r.held_on)}): {plural(n, 'open action item')}" if several
            else f"Latest retro: {r.title} ({r.team + ', ' if r.team else ''}{_day(r.held_on)})")
    out = [head]
    if not several:
        out.append("Open action items:" if r.open_actions else "Open action items: none")
    out += [f"- {t}" + (f" (due {_day(d)})" if d else "") + (f" (carried from {c})" if c else "")
            for t, d, c in r.open_actions]
    out.append("Agreements:" if r.agreements else "Agreements: none made at this retro")
    out += [f"- {t} ({_span(a, b)}" + (f"; metric {m}" if m else "") + ")" for t, a, b, m in r.agreements]
    return out


def speaker_notes(th: TechHealth) -> str:
    """The notes: exact figures, the sprint list, the latest retro's open items (each team's
    when several teams are shown). Written like a report: one precision per unit, shares as
    percentages (say/do too), singular for one."""
    several = len(th.teams) > 1

    def sprint_name(s) -> str:
        return sprint_label(s.name, th.team_of(s.board_id)) if several else s.name

    out = [f"Tech health — {th.team}" + (f" (board {th.board_id})" if th.board_id else " (all boards)"),
           f"Period {_span(th.period_start, th.period_end)} ({plural(th.period_days, 'day')}"
           + (f", {plural(len(th.sprints), 'sprint')}" if th.basis == "sprints" else ", no closed sprints")
           + f"); previous period {_span(th.previous_start, th.previous_end)} ({th.previous_words()}"
           + ("" if th.previous_comparable else ", so no change is given") + ").",
           f"Figures as of {_ts(th.as_of_label)}; data as of {_ts(th.data_as_of_label)}.", "", "Exact figures:"]
    out += [f"- {_exact(k)}" + (f" ({k.detail.removesuffix(before_text(k.previous_n))})"   # n is said above
                                if k.detail and not k.detail.startswith("n =") else "")
            for k in th.kpis]
    if th.chart:
        out += ["", *_chart_notes(th)]
    if len(th.teams) > CHART_TEAMS:
        # hundreds of teams at scale: a line per sprint would be thousands of lines (500,000
        # characters at 500 teams); one team's slide lists its own
        out += ["", f"Sprints in the period: {plural(len(th.sprints), 'closed sprint')} of {len(th.teams):,} teams; "
                    "one team's slide lists its sprints (pick the team in the sidebar, or export with --team NAME)."]
        if th.previous_sprints:
            out.append(f"Previous period: {plural(len(th.previous_sprints), 'sprint')}.")
    else:
        out += ["", "Sprints in the period:" if th.sprints else "Sprints in the period: none closed"]
        for s in th.sprints:
            say_do = "no data" if s.say_do_ratio is None else _pct(s.say_do_ratio)
            out.append(f"- {sprint_name(s)} ({_span(s.start_on, s.end_on)}): committed {s.committed_points:g} pt, "
                       f"completed {s.completed_points:g} pt, carry-over {plural(s.carryover_issues, 'issue')} / "
                       f"{s.carryover_points:g} pt, say/do {say_do}")
        if th.previous_sprints:
            out.append("Previous period: " + ", ".join(sprint_name(s) for s in th.previous_sprints))
    out.append("")
    retros = th.retros or ((th.retro,) if th.retro else ())
    if not retros:
        out.append("Latest retro: none recorded for this team." if th.board_id
                   else "Latest retro: none recorded.")
    elif len(retros) == 1 and not th.retro_teams_left_out:
        out += _retro_notes(retros[0], several=False)
    else:
        out.append("Latest retro of each team:")
        for r in retros:
            out += _retro_notes(r, several=True)
        if th.retro_teams_left_out:
            out.append(f"(and {plural(th.retro_teams_left_out, 'more team')} with a retro: export one team "
                       "with --team NAME)")
    if th.notes:
        out += ["", "Notes: " + " ".join(th.notes)]
    return "\n".join(out)


# --------------------------------------------------------------------------- the slide
def build_tech_health(th: TechHealth, *, team: str | None = None, headline: str | None = None) -> bytes:
    """The tech-health slide as .pptx bytes. `team` overrides the name in the title
    (default: th.team, the board's name); `headline` (optional) is the message the title
    states, with "Tech health · team" moved to the subtitle."""
    team = team or th.team
    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    slide = prs.slides.add_slide(prs.slide_layouts[6])   # blank
    bg = slide.background.fill
    bg.solid()
    bg.fore_color.rgb = WHITE
    _title(slide, th, team, headline)
    for i, k in enumerate(th.kpis):
        row, col = divmod(i, 3)
        _tile(slide, k, MARGIN + col * (TILE_W + GAP), TILES_TOP + row * (TILE_H + GAP))
    _chart(slide, th)
    _footer(slide, th)
    slide.notes_slide.notes_text_frame.text = speaker_notes(th)
    prs.core_properties.title = f"Tech health · {team}"
    prs.core_properties.author = "Retroscope"
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


__all__ = ["build_tech_health", "speaker_notes", "fit_size", "text_width_in", "STATUS_STYLE", "FONT"]
