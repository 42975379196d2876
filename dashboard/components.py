"""Small shared UI widgets: the data-freshness badge, empty states, metric help lines, tables
that read like a report, cached charts, KPI tiles. Page blocks built from queries live in
`dashboard.blocks`; the Retro log's data-writing forms in `dashboard.forms`."""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.io as pio
import streamlit as st

from dashboard import charts, data, present
from dashboard.safe_text import md
from queries import tech_health_text
from queries.tech_health import KPI, format_value, previous_comparable

# No default template in any figure (Streamlit sets its own on import): charts._layout writes
# the look into each figure, so the browser's second draw of a chart has nothing to redo.
pio.templates.default = None


def empty_state(what: str, command: str) -> None:
    """Say what is missing and the exact command that fills it."""
    st.info(f"{what}\n\nFill it with:\n```\n{command}\n```", icon=":material/lightbulb:")


# the demo's own file, so following the hint never mixes the demo into the user's warehouse
DEMO_HINT = "\n# or try the demo, in its own file:\nretroscope --db data/demo.duckdb demo && retroscope --db data/demo.duckdb serve"


def no_warehouse() -> None:
    db = data.db_label()
    st.title("Retroscope")
    st.warning(f"There is no warehouse at `{db}` yet.", icon=":material/database:")
    empty_state("Sync your own Jira into it, or try the demo (two teams' 13 sprints each, a year of product "
                "metrics, retros) in its own file:",
                f"retroscope --db {db} sync jira --url https://your-site.atlassian.net"
                + DEMO_HINT)


def freshness_badge() -> None:
    """A sidebar badge: how old the newest data is, per source."""
    fresh = data.run_query("status_freshness")
    if fresh.empty:
        st.sidebar.caption(":grey[No data loaded]")
        return
    newest = pd.Timestamp(fresh["last_finished_at"].max())
    age = datetime.now(UTC) - newest.to_pydatetime()
    hours = age.total_seconds() / 3600
    label = ("just now" if hours < 1 / 60 else f"{int(hours * 60)} min ago" if hours < 1
             else f"{hours:.0f} h ago" if hours < 48 else f"{hours / 24:.0f} days ago")
    colour = "green" if hours < 24 else ("orange" if hours < 24 * 7 else "red")
    sources = ", ".join(fresh["source"])
    as_of = data.analysis("queries.dates:local_time", instant=pd.Timestamp(fresh["data_as_of"].max()))
    st.sidebar.caption(f":{colour}[● Last load {label}] · data as of {as_of} · {sources}")


def how(text: str) -> None:
    """The one-line 'how this is computed' hint under a chart or figure."""
    st.caption(f":material/info: {text}")


def fmt_pct(v, digits: int = 0) -> str:
    return present.pct(v, digits)


def fmt_num(v, digits: int = 1, unit: str = "") -> str:
    return "–" if v is None or pd.isna(v) else f"{v:,.{digits}f}{unit}"


NBSP = "\u00a0"   # a space a line never breaks at
TILES_PER_ROW = 3   # metric tiles side by side: at a 1024 px screen (a 560 px main column) each
                    # keeps ~180 px, room for its label and its value uncut (5 or 6 in a row were cut)


def tile_columns(n: int) -> list:
    """Columns for `n` metric tiles, in rows of at most TILES_PER_ROW (a phone stacks them)."""
    cols: list = []
    for start in range(0, n, TILES_PER_ROW):
        cols.extend(st.columns(TILES_PER_ROW)[:min(TILES_PER_ROW, n - start)])
    return cols


def page_header(title: str, f, question: str) -> None:
    """Title, the question the page answers, and the filter context in one line."""
    st.title(title)
    as_of = data.analysis("queries.dates:local_time", instant=f.as_of)   # where the team reports
    st.caption(f"{question}  \n{md(f.board_name)} · {present.date_span(f.date_from, f.date_to)} · "
               f"as of {as_of}")


def _frame_key(df: pd.DataFrame) -> bytes:
    """Content hash of a frame for the figure cache: its columns, dtypes and values (list
    columns included). Not a pickle: equal frames from two runs of a query need not pickle
    to the same bytes (seen with pandas 3 frames from DuckDB), which made most charts miss
    this cache and be rebuilt on every visit (about 1 s per Sprint retro run at 100k issues)."""
    h = hashlib.blake2b(repr((list(df.columns), [str(t) for t in df.dtypes], df.shape)).encode(), digest_size=16)
    try:
        values = pd.util.hash_pandas_object(df, index=True)
    except TypeError:   # unhashable cells (lists): hash their text
        values = pd.util.hash_pandas_object(df.astype(str), index=True)
    h.update(values.to_numpy().tobytes())
    return h.digest()


_REVISION = itertools.count(1)


def _arrays(obj, path=()):
    """(path, NumPy array) of every array in a trace's property tree."""
    if isinstance(obj, np.ndarray):
        yield path, obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays(v, (*path, k))


def _js_text(v) -> str:
    """A number as plotly.js writes it in a text label: 15 for 15.0, nothing for NaN."""
    if isinstance(v, float):
        return "" if v != v else str(int(v)) if v.is_integer() else repr(v)
    return str(v).lower() if isinstance(v, bool) else str(v)


def _plain(trace) -> None:
    """The trace's numeric NumPy arrays as plain lists. float32 values (`charts._f32`) go in the
    shortest decimals that give back the same float32 (6.373557, not 6.373556613922119), float64
    values as they are. Numeric text labels go as the text plotly.js would show (15, not 15.0:
    plotly.py writes a list's numbers as Python strings). Cleared first: plotly.py keeps an equal
    value as it is."""
    for path, a in list(_arrays(trace.to_plotly_json())):
        if a.dtype.kind not in "fiub":   # dates and text are sent as lists already
            continue
        trace[path] = None
        if path[-1] in ("text", "hovertext"):
            trace[path] = [_js_text(v) for v in a.tolist()]
        elif a.dtype == np.float32:
            trace[path] = a.astype(str).astype(np.float64).tolist()
        else:
            trace[path] = a.tolist()


@st.cache_resource(show_spinner=False, max_entries=256, hash_funcs={pd.DataFrame: _frame_key})
def _figure(builder: str, args: tuple):
    """Figures are cached by builder and inputs (frames hashed by content): building a
    plotly figure (validation) costs more than the cached query behind it.

    Each is made cheap to draw again in the browser (Streamlit's element draws every chart
    twice: docs/pages.md, "Why Streamlit draws each chart twice"): numbers go as plain lists
    (plotly.js takes NumPy's binary arrays for new data on every draw) and the figure carries
    its own `datarevision` (a new one per built figure, so changed data is always redrawn)."""
    fig = getattr(charts, builder)(*args)
    for t in fig.data:
        _plain(t)
    fig.layout.datarevision = next(_REVISION)
    return fig


# Plotly's mode bar with the buttons a report reader uses (PNG download, zoom, pan, reset): the
# full bar (nine buttons, ~220 px) covered a phone-width chart's legend and panel title on a tap.
# `_hasZeroHeight` (a plotly.js config key): the chart's div is 0 px high at the first draw, and
# plotly.js would replot the whole figure on the second only because that flag changed (every
# figure has a layout height, the only case the flag serves).
CHART_CONFIG = {"displaylogo": False, "_hasZeroHeight": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d"]}


def chart(builder, args: tuple, how_text: str, key: str) -> None:
    """An interactive chart `builder(*args)` (a dashboard.charts function) with its one-line
    'how this is computed' hint."""
    st.plotly_chart(_figure(builder.__name__, args), width="stretch", key=key, config=CHART_CONFIG, theme=None)
    how(how_text)


# A block below the fold is drawn once the reader scrolls near it (docs/pages.md "Below the fold"): a
# placeholder of the block's height holds this script (st.components.v2, in the page, no iframe), which
# watches it in the scrolling main area and tells the server once it comes within FOLD_MARGIN of the
# screen; the page then reruns (what is above the block cached) and draws the block in its place.
FOLD_MARGIN = 200   # px
# Charts at least this tall above a block put it below a 1000 px screen (the page's header, tiles and
# their titles take ~450 px); above shorter ones it is drawn at once (a placeholder would only cost a rerun).
FOLD_ABOVE = 800   # px
FOLD_TABLES = 600   # px held for a block of tables below the fold (its real height varies with its rows)
_FOLD_JS = """
export default function ({ parentElement, setTriggerValue, data }) {
  const el = parentElement.host || parentElement;
  const note = parentElement.querySelector("div");
  if (note && data.label) note.textContent = data.label;   // what will be drawn here
  const main = el.closest('[data-testid="stMain"]');
  const root = main && /(auto|scroll)/.test(getComputedStyle(main).overflowY) ? main : null;
  let fired = false;
  const draw = () => { if (!fired) { fired = true; io.disconnect(); setTriggerValue("seen", true); } };
  const io = new IntersectionObserver((seen) => { if (seen.some(e => e.isIntersecting)) draw(); },
                                      { root, rootMargin: `${data.margin}px 0px` });
  io.observe(el);
  window.addEventListener("beforeprint", draw);   // a printout gets the block (when the rerun is quick enough)
  const done = () => { io.disconnect(); window.removeEventListener("beforeprint", draw); };
  // The block's tables are often a session's first data grid: load Streamlit's grid script in idle
  // time after the visit, not when the block (or a team's view) appears. Same URL as Streamlit's own
  // lazy import, so the module is loaded once.
  const main_js = document.querySelector('script[type="module"][src*="static/js/"]');
  if (data.grid && main_js) {
    const load = () => import(new URL(data.grid, main_js.src).href).catch(() => {});
    const later = setTimeout(() => (window.requestIdleCallback || setTimeout)(load), data.idle_ms);
    return () => { done(); clearTimeout(later); };
  }
  return done;
}
"""
# Streamlit's data-grid script (its build's file name), loaded ahead by the placeholder; None when absent.
_GRID = next((f.name for f in (Path(st.__file__).parent / "static" / "static" / "js").glob("DataFrame.*.js")), None)
_FOLD = st.components.v2.component(
    "retroscope_fold", js=_FOLD_JS, isolate_styles=False,
    html='<div style="height: 100%; padding-top: 0.5rem; font-size: 0.875rem; color: rgba(128, 132, 149, 0.9)"></div>')
# Session flag: draw every block below the fold at once (page tests without a browser, screenshots).
FOLD_ALL = "fold_all"


def below_fold(key: str, height: int, above: int, label: str = "") -> bool:
    """Whether to draw the block that follows now: True when the charts `above` it (px) are shorter
    than FOLD_ABOVE, once the reader has come near it in this session, or with `FOLD_ALL` set; else
    draws a placeholder `height` px tall in its place, saying `label` (what will be drawn), which
    reruns the page when the reader scrolls near it or prints the page, and returns False."""
    seen = f"{key}_seen"
    if above < FOLD_ABOVE or st.session_state.get(seen) or st.session_state.get(FOLD_ALL):
        return True
    _FOLD(key=key, data={"margin": FOLD_MARGIN, "grid": _GRID, "idle_ms": 300, "label": label}, height=height,
          on_seen_change=lambda: st.session_state.__setitem__(seen, True))
    return False


def figure_height(builder, args: tuple) -> int:
    """The height a chart will take (its figure's, cached: drawing it later builds nothing twice)."""
    return int(_figure(builder.__name__, args).layout.height or 450)


def sections(parts: dict, key: str = "section") -> str:
    """A page's secondary sections as tabs of which only the open one is built and sent to the
    browser (the others cost nothing until clicked; Streamlit's stateful tabs rerun the page on
    a switch). The open one is kept in the URL (`section=<label>`), so a link reopens it; the
    first is the default. `parts` maps each tab label to a function drawing its content.
    Returns the open label."""
    labels = list(parts)
    want = st.query_params.get(key)
    if want and want not in labels:   # Streamlit drops it from the URL and opens the first tab
        st.sidebar.warning(f"Link parameter {key}={md(want[:40])} is not a section of this page; showing "
                           f"{md(labels[0])} instead.", icon=":material/link_off:")
    tabs = st.tabs(labels, key=key, bind="query-params")
    for label, tab in zip(labels, tabs, strict=True):
        if tab.open:
            with tab:
                parts[label]()
            return label
    return labels[0]   # not reached: one tab is always open


def with_links(df: pd.DataFrame, board_id: str | None, key_col: str = "issue_key") -> tuple[pd.DataFrame, dict]:
    """Add a Jira link column when the data comes from a Jira site (the demo has none:
    keys are shown as text). Returns the frame and the column config for st.dataframe."""
    if key_col not in df.columns or df.empty:
        return df, {}
    if "source" in df.columns:
        src = df["source"].astype("string")
        is_jira = src.str.startswith("jira:").fillna(False)
        if not is_jira.any():
            return df.drop(columns="source"), {}
        base = src.str.removeprefix("jira:").str.rstrip("/")
        out = df.drop(columns="source")
        out.insert(0, "link", (base + "/browse/" + out[key_col].astype("string")).where(is_jira))
    else:
        base = data.jira_base(board_id)
        if base is None:
            return df, {}
        out = df.copy()
        out.insert(0, "link", base + "/browse/" + out[key_col].astype(str))
    return out, {"link": st.column_config.LinkColumn("Jira", display_text=r".*/browse/(.*)")}


def table(df: pd.DataFrame, key: str, board_id: str | None = None, key_col: str = "issue_key",
          height: int | None = None, first: tuple[str, ...] = (), hide: tuple[str, ...] = (),
          column_config: dict | None = None, download: str | None = None,
          keep_blank: tuple[str, ...] = ()) -> None:
    """A read-only table that reads like a report (dashboard.present.report_frame: plain
    headers with units, rounded, blanks for missing, no ids, the verdict first) with Jira
    links for issue keys, and a CSV download of the same rows beside it (full precision)."""
    raw = df[[c for c in df.columns if c not in hide]]
    linked, cfg = with_links(raw.head(present.TABLE_ROWS), board_id, key_col)
    shown = present.report_frame(linked, first=first, keep=("link",))
    # a column with no value in any row says nothing: left out of the view (the CSV keeps it),
    # unless its blanks mean something the page explains (`keep_blank`: "days overdue" blank = not yet due)
    shown = shown.drop(columns=[present.header(c) for c in present.blank_columns(raw, keep=keep_blank)
                                if present.header(c) in shown.columns])
    cfg = {**cfg, **{present.header(k) if k in df.columns else k: v for k, v in (column_config or {}).items()}}
    kwargs = {"height": height} if height else {}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=cfg, key=key, **kwargs)
    notes = []
    if len(raw) > present.TABLE_ROWS:
        notes.append(f"The first {present.TABLE_ROWS} of {len(raw):,} rows; the CSV has them all.")
    score = present.table_px(shown)
    if score > present.WIDE_TABLE:   # its last columns lie beyond the edge of a laptop's window
        notes.append(f"{len(shown.columns)} columns: in a window narrower than about "
                     f"{present.fits_window(score):,} px the last ones are off to the right; scroll the table "
                     f"sideways (last: {shown.columns[-1]}).")
    if notes:
        st.caption(" ".join(notes))
    plain = raw[[c for c in raw.columns if c not in present.HIDDEN and c != "source"]]
    csv = plain.rename(columns={c: present.header(c) for c in plain.columns})
    st.download_button("CSV", data=csv.to_csv(index=False).encode("utf-8"),
                       file_name=present.csv_name(download or key.replace("_", " ")), mime="text/csv",
                       key=f"{key}_csv", icon=":material/download:", on_click="ignore", type="tertiary",
                       help="These rows as CSV (full precision)")


def missing(what: str, fills: str) -> None:
    """Empty state for one section of a page."""
    st.info(f"{what} — {fills}", icon=":material/hourglass_empty:")


def _kpi_text(v, unit: str) -> str:
    """The same rounding as the tech-health tiles and slide (one formatter for one figure)."""
    return "–" if v is None or pd.isna(v) else format_value(float(v), {"bugs": "count"}.get(unit, unit))


def window(f) -> str:
    """The sidebar period in words, for a tile's caption."""
    return present.date_span(f.date_from, f.date_to)


def window_captions(cols, texts: list[str], f) -> None:
    """Under a row of tiles: what each one is, and the window it covers."""
    for where, text in zip(cols, texts, strict=True):
        where.caption(f"{text} · completed {window(f)}")


def kpi_metric(where, kpis: pd.DataFrame, kpi: str, label: str | None = None, window: str = "") -> None:
    """One row of tech_health__kpis as an st.metric: value, change vs the previous period
    (arrow by direction, green/red by whether that direction is good), target when set,
    and the window it covers."""
    r = kpis[kpis["kpi"] == kpi]
    if r.empty:
        where.metric(label or kpi, "–")
        return
    r = r.iloc[0]
    unit = {"bugs": "count"}.get(r.unit, r.unit)
    value = None if pd.isna(r.value) else float(r.value)
    prev = None if pd.isna(r.previous_value) else float(r.previous_value)
    # the tech-health rule for a period of days: no change against a previous period with
    # fewer than half the completed issues (docs/metrics.md "Tech-health figures")
    done = kpis[kpis["kpi"] == "debt_share"]
    short = not done.empty and "previous_n" in done and not previous_comparable(
        "days", 0, 0, _count(done.iloc[0]["n"]), _count(done.iloc[0]["previous_n"]))
    if short:
        prev = None
        # nothing completed before (the data starts in the period) is not a short period: say which,
        # in the words the Tech health tiles use
        none_before = not _count(done.iloc[0]["previous_n"])
        said = tech_health_text.NO_PREVIOUS if none_before else f"previous period {tech_health_text.TOO_SHORT}"
        window = f"{window} · {said}" if window else window
    k = KPI(kpi, value, prev, unit=unit)
    delta = k.delta_text().lstrip("▲▼ ") if value is not None and prev is not None else None
    arrow, colour = present.change_style(k.delta, present.BETTER.get(kpi, r.better))
    help_text = f"target {fmt_pct(r.target)}" if pd.notna(r.target) else None
    where.metric(label or r.label, _kpi_text(value, unit), delta, delta_color=colour, delta_arrow=arrow,
                 help=help_text)
    if window:   # (on a phone the caption wraps: "80" and "%" stay on one line)
        where.caption(window + (f" · {help_text.replace(' %', NBSP + '%')}" if help_text else ""))


def _count(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def page_directory() -> None:
    """Which page answers which question (links)."""
    from dashboard.pages import PAGES

    for p in PAGES[1:]:   # the link short, the question as wrapping text under it (readable on a phone)
        st.page_link(f"app_pages/{p.slug}.py", label=f"**{p.title}** _({p.who})_", icon=p.icon)
        st.caption(p.question)


STATUS_BADGES = {"good": ":green-badge[:material/check_circle: good]", "watch": ":orange-badge[:material/warning: watch]",
                 "bad": ":red-badge[:material/error: bad]", "no data": ":gray-badge[no data]"}


def kpi_tile(where, k) -> None:
    """One tech-health KPI (queries.tech_health.KPI): value, change, target, status in words."""
    with where.container(border=True):
        st.markdown(f"**{k.label}** {STATUS_BADGES.get(k.status, k.status)}")
        st.markdown(f"### {k.value_text()} {k.unit_word()}")
        _, colour = present.change_style(k.delta, present.BETTER.get(k.key))
        delta = k.delta_text()
        if delta and colour != "gray" and delta[:1] in "▲▼":   # the arrow says which way, the colour if that is good
            delta = f":{colour}[{delta}]"
        st.caption(" · ".join(t for t in (delta, k.target_text(), k.detail) if t))
        st.caption(k.definition)
