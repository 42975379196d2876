"""Forecasts held to account on the Calibration page (docs/pages.md): recording the forecast
the page shows, "our 85 % forecasts came true k of n times" with the forecast history, and
the same tally for a backtest of the last weeks."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.components import NBSP, chart, how, table
from queries import forecast_accounts as fa

PAGE_RUNS, PAGE_SEED, PAGE_WINDOW = 10000, 42, 90     # the forecast panel's (the registry defaults)
MARK = {"came true": "✓ came true", "missed": "✗ missed", "pending": "… pending", "not scorable": "– never reached"}
# a claim already reached before its day is over: still pending in the tally (docs/metrics.md
# "What counts as 'came true'"), but the row says it is reached, not only "pending"
REACHED = "… met already, scored once that day is over"


def held_to_account(p: dict, items: int, target_date, defaults: dict) -> bool:
    """Whether the panel's forecast is one the team is held to (docs/metrics.md "Forecasts held
    to account"): the panel's default question only (the open items in scope; how many by
    as_of + 28 days), and only the first for this scope on this as-of day. A what-if (either
    input changed) is shown, never recorded."""
    if (int(items), target_date) != (int(defaults["items"]), defaults["target_date"]):
        return False
    day = data.local_day(p["as_of"])   # in the reporting timezone
    return day not in data.page_forecast_days(p.get("board_id"), p.get("project"))


def record_shown(answer: pd.DataFrame, p: dict, items: int, target_date) -> None:
    """Record the forecast the panel just showed (best effort: never an error on the page);
    the caller records only what `held_to_account` allows."""
    params = {**p, "items": int(items), "target_date": target_date, "window_days": PAGE_WINDOW,
              "runs": PAGE_RUNS, "seed": PAGE_SEED}
    try:
        rows = data.forecast_records(answer, params, source="page")
    except Exception:  # noqa: BLE001 - an unusual answer is simply not recorded
        return
    data.record_forecasts(rows)


def _claim(r) -> str:
    if r.kind == "when":
        return "never reached" if r.forecast_on is None or pd.isna(r.forecast_on) else f"by {_iso(r.forecast_on)}"
    return f"at least {int(r.forecast_items):,}" if pd.notna(r.forecast_items) else "–"


def _iso(d) -> str:
    """A day in a table cell: ISO, as every table writes it (docs/pages.md "One way to write a day")."""
    return f"{pd.Timestamp(d):%Y-%m-%d}"


def _mark(r) -> str:
    """A claim's outcome; a pending one whose items are already done says so (it is scored, as
    every claim is, once its day is over)."""
    if r.outcome == "pending" and pd.notna(r.actual_items):
        need = r["items"] if r.kind == "when" else r.forecast_items
        if pd.notna(need) and int(r.actual_items) >= int(need):
            return REACHED
    return MARK.get(r.outcome, r.outcome)


def history_report(scored: pd.DataFrame, made: dict | None = None) -> pd.DataFrame:
    """One row per forecast as a report reads it: when it was made (`made`: each as_of's wall
    clock in the reporting timezone, as data.local_times gives it; else the instant in UTC),
    the question, each confidence's claim with its outcome, and what happened."""
    rows = []
    for _fid, g in scored.groupby("forecast_id", sort=False):
        g = g.sort_values("confidence")
        first = g.iloc[0]
        as_of = pd.Timestamp(first.as_of)
        if first.kind == "when":
            question = f"when will {int(first['items']):,} items be done?"
            done = g["actual_on"].dropna()
            happened = (f"item {int(first['items']):,} done {_iso(done.iloc[0])}" if len(done)
                        else "not all done yet")
        else:
            question = f"how many items by {_iso(first.target_on)}?"
            n = first.actual_items
            happened = (f"{int(n):,} done" + (" so far" if first.outcome == "pending" else "")) if pd.notna(n) else ""
        when = (made or {}).get(first.as_of) or f"{as_of.tz_convert('UTC') if as_of.tzinfo else as_of:%Y-%m-%d %H:%M} UTC"
        row = {"forecast from data of": when, "question": question, "what happened": happened}
        for _, r in g.iterrows():
            row[f"{r.confidence * 100:.0f} % claim"] = f"{_claim(r)} · {_mark(r)}"
        row["where shown"] = {"page": "on the page", "export": "exported",
                              "backtest": "backtest"}.get(first.source, first.source)
        rows.append(row)
    out = pd.DataFrame(rows)
    return out.iloc[::-1].reset_index(drop=True) if len(out) else out    # newest first


def _made(scored: pd.DataFrame) -> dict:
    """Each forecast's data instant as the reporting timezone's wall clock with its zone."""
    instants = tuple(dict.fromkeys(scored["as_of"]))
    return dict(zip(instants, data.local_times(instants), strict=True))


def _headline(tally: pd.DataFrame, what: str) -> str:
    t = tally.set_index(tally["confidence"].round(2))
    k85, n85 = int(t.loc[0.85, "came_true"]), int(t.loc[0.85, "judged"])
    if n85 == 0:
        return ""
    others = "; ".join(f"{c * 100:.0f}{NBSP}%: {int(t.loc[c, 'came_true'])} of {int(t.loc[c, 'judged'])}"
                       for c in (0.5, 0.95))   # (a number and its % never split across lines)
    return f"{what} 85 % forecasts came true **{k85} of {n85}** times ({others})"


def accounts_panel(f, key: str) -> None:
    """The recorded forecasts scored, then the backtest (docs/pages.md "Forecasts held to account")."""
    p = f.params()
    scored = data.analysis("queries.forecast_accounts:history", recorded=data.recorded_forecasts(), **p)
    judged = scored[scored["outcome"].isin(("came true", "missed"))]
    line = _headline(fa.tally(scored), "Our")
    if line:
        st.markdown(f"#### {line}")
    elif scored.empty:
        st.markdown("No forecast for this scope has been recorded yet: the forecast panel's default question "
                    "(once per scope and as-of day) and every `retroscope query forecast` export are recorded and "
                    "scored once their dates pass.")
    else:
        pending = scored["forecast_id"].nunique()
        st.markdown(f"{pending:,} recorded forecast{'s' if pending != 1 else ''} for this scope, none due yet: "
                    "each is scored once its dates pass.")
    if not scored.empty:
        table(history_report(scored, _made(scored)), key=f"{key}_history", download="forecast history")
        if not judged.empty:
            chart(charts.forecast_vs_actual, (scored,), "Each judged forecast: its 50/85/95 % claims (markers) "
                  "and what happened (black dot). A 'when' forecast came true at 85 % if the items were done "
                  "by its 85 % date; a 'how many' forecast if at least its 85 % count was done by the date.",
                  key=f"{key}_vs_actual")
    how("A claim is judged once its day is over, against the items completed in this scope after the "
        "forecast's data instant; until then it is pending. A calibrated forecast's 85 % claims come true "
        "about 85 % of the time.")

    weeks, runs = fa.BACKTEST_WEEKS, fa.BACKTEST_RUNS
    st.markdown(f"**Backtest: the last {weeks} weeks re-forecast from the data before each of them**")
    bt = data.analysis("queries.forecast_accounts:backtest", weeks=weeks, runs=runs, **p)
    line = _headline(fa.tally(bt), "Backtest:")
    st.markdown(line or "Not enough history in this scope to backtest the last weeks.")
    if not bt.empty:
        table(history_report(bt, _made(bt)).drop(columns="where shown"), key=f"{key}_backtest", download="forecast backtest")
    how(f"At the same time of day, 8, 15, 22, … days before the as-of date, from the data up to then only: "
        f"how many items in the next 7 days, and when a week's worth (7 × the mean daily throughput) is done. "
        f"{runs:,} runs each (the page's forecast uses {PAGE_RUNS:,}); scored like the recorded forecasts.")
