"""Forecasts held to account (docs/metrics.md "Forecasts held to account").

- `records()` turns what `forecast.forecast()` answered into the rows the user-input store
  keeps (table `forecasts`), one per question, each with an id that is a hash of what makes
  two forecasts the same, so recording the same forecast again writes nothing.
- `score()` is the scoring rule, a pure function: per recorded forecast and confidence
  (50/85/95 %), did the claim come true, once its date has passed?
- `tally()` counts "came true k of n" per confidence.
- `history()` (public query `forecast_history`) scores the forecasts recorded for a scope;
  `backtest()` (public query `forecast_backtest`) re-forecasts the last N weeks from the data
  before each of them and scores those the same way.

The clock is `as_of`: a claim is judged only when its day is over at as_of, against the
items completed in scope between the forecast's as_of and the end of that day.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

import queries
from queries import forecast as fc
from queries.dates import local_day, local_days, utc_instant

CONFIDENCES = fc.CONFIDENCES
PCT = {0.50: "p50", 0.85: "p85", 0.95: "p95"}
METHOD = "monte_carlo"
STORE_COLUMNS = ["forecast_id", "made_at", "as_of", "board_id", "project", "kind", "items", "target_on",
                 "p50_on", "p85_on", "p95_on", "p50_items", "p85_items", "p95_items", "method", "runs",
                 "window_from", "window_to", "source"]
SCORED_COLUMNS = ["forecast_id", "made_at", "as_of", "as_of_day", "source", "kind", "items", "target_on", "confidence",
                  "forecast_on", "forecast_items", "outcome", "actual_on", "actual_items", "runs",
                  "window_from", "window_to"]
OUTCOMES = ("came true", "missed", "pending", "not scorable")
BACKTEST_RUNS = 2000
BACKTEST_WEEKS = 8


def _none(v):
    return None if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT else v


def forecast_id(*, as_of: datetime, board_id: str | None, project: str | None, kind: str, items: int | None,
                target_on: date | None, runs: int | None, window_from: date | None, window_to: date | None,
                seed: int | None, backtest: bool) -> str:
    """The identity of a forecast: the same scope, instant, question, inputs and method give the
    same id (whoever showed it, whenever). A backtest is its own forecast even at the same instant."""
    at = utc_instant(as_of).tz_convert("UTC")   # the id names the instant in UTC
    key = "|".join(str(v) for v in (at.isoformat(), board_id, project, kind, items, target_on,
                                    METHOD, runs, window_from, window_to, seed, "backtest" if backtest else "live"))
    return "f-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]


def records(answer: pd.DataFrame, *, as_of: datetime, as_of_day: date, board_id: str | None, project: str | None,
            items: int, target_date: date | None, runs: int, seed: int, window_from: date, window_to: date,
            made_at: datetime, source: str) -> pd.DataFrame:
    """The store rows for one `forecast.forecast()` answer: a 'when' row (items → 50/85/95 %
    dates) and a 'how_many' row (date → 50/85/95 % counts). Plan-check rows are not recorded,
    nor an answer that claims nothing, which would always come true: a 'when' with no date
    (not reached) and a 'how_many' of at least 0 items at every confidence (a window without
    completions gives both, e.g. an as_of before the data)."""
    first: dict[tuple, object] = {}
    for r in answer.itertuples(index=False):   # a handful of rows: no frame filtering per pick
        if r.confidence is not None and not pd.isna(r.confidence):
            first.setdefault((r.question, round(float(r.confidence), 2)), r)

    def pick(question: str, conf: float):
        return first.get((question, conf))

    target = target_date or fc.default_target(as_of_day)   # as_of_day: as_of's day in the reporting timezone
    common = {"made_at": made_at, "as_of": as_of, "board_id": board_id, "project": project, "method": METHOD,
              "runs": int(runs), "window_from": window_from, "window_to": window_to, "source": source}
    rows = []
    when = {"kind": "when", "items": int(items), "target_on": None}
    many = {"kind": "how_many", "items": None, "target_on": target}
    for c in CONFIDENCES:
        w, m = pick("when", c), pick("how_many", c)
        when[f"{PCT[c]}_on"] = None if w is None else _none(w.on_date)
        when[f"{PCT[c]}_items"] = None
        many[f"{PCT[c]}_on"] = None
        many[f"{PCT[c]}_items"] = None if m is None or _none(m.value) is None else int(m.value)
    claims = [r for r in (when, many)
              if any(r[f"{PCT[c]}_on"] is not None or (r[f"{PCT[c]}_items"] or 0) > 0 for c in CONFIDENCES)]
    for r in claims:
        r.update(common)
        r["forecast_id"] = forecast_id(as_of=as_of, board_id=board_id, project=project, kind=r["kind"],
                                       items=r["items"], target_on=r["target_on"], runs=int(runs),
                                       window_from=window_from, window_to=window_to, seed=seed,
                                       backtest=source == "backtest")
        rows.append(r)
    out = pd.DataFrame(rows, columns=STORE_COLUMNS)
    for c in ("items", "p50_items", "p85_items", "p95_items", "runs"):
        out[c] = out[c].astype("Int64")
    return out


def _day(v) -> date | None:
    v = _none(v)
    return None if v is None or pd.isna(v) else pd.Timestamp(v).date()


def score(recorded: pd.DataFrame, completions: pd.DataFrame, as_of: datetime, today: date,
          as_of_days: list[date] | None = None) -> pd.DataFrame:
    """One row per recorded forecast and confidence with its outcome at `as_of`, whose day in
    the reporting timezone is `today` (`dates.local_day`: a claim's day, a reporting-timezone
    day, is over once `today` is after it). `as_of_days`: each recorded forecast's own as-of
    day in the reporting timezone (the day its 'when' claims count from), in `recorded`'s
    order, given as column `as_of_day` (None when not given).

    `completions` are the items completed in the forecasts' scope (columns completed_at, the
    instant, and completed_on, its day in the reporting timezone), as known at as_of.
    The items a forecast made at instant A is judged on are those completed after A, up to
    the end of the claim's day:
    - 'when' N items, P-date d: came true if at least N items were done by the end of d;
    - 'how_many' by D, P-count k: came true if at least k items were done by the end of D.
    A claim is judged only once its day is over (as_of's day is after it): until then it is
    'pending', even when it has already come true, so early hits do not flatter the tally.
    A 'when' that the simulation never reached has no date and is 'not scorable'.
    actual_on = the day the N-th item was done ('when'); actual_items = items done by the
    end of the claim's day, counted so far while pending."""
    # instants as UTC nanoseconds and days as numpy days: compared and counted without a
    # Python object per completion (a day found is handed back as a date)
    done_at = (pd.to_datetime(completions["completed_at"], utc=True).to_numpy(dtype="datetime64[ns]")
               if len(completions) else np.array([], dtype="datetime64[ns]"))
    done_on = (pd.to_datetime(completions["completed_on"]).to_numpy(dtype="datetime64[D]")
               if len(completions) else np.array([], dtype="datetime64[D]"))
    rows = []
    own_days = list(as_of_days) if as_of_days is not None else [None] * len(recorded)
    for r, own_day in zip(recorded.itertuples(index=False), own_days, strict=True):
        made = utc_instant(r.as_of)
        after = done_at > made.tz_convert("UTC").tz_localize(None).to_datetime64()
        days = np.sort(done_on[after])

        def done_by(d: date, days: np.ndarray = days) -> int:
            return int(np.searchsorted(days, np.datetime64(d, "D"), side="right")) if len(days) else 0

        base = {"forecast_id": r.forecast_id, "made_at": r.made_at, "as_of": r.as_of, "as_of_day": own_day,
                "source": r.source,
                "kind": r.kind, "items": _none(r.items), "target_on": _day(r.target_on), "runs": _none(r.runs),
                "window_from": _day(r.window_from), "window_to": _day(r.window_to)}
        for c in CONFIDENCES:
            row = dict(base, confidence=c, forecast_on=None, forecast_items=None, actual_on=None, actual_items=None)
            if r.kind == "when":
                n = int(r.items) if _none(r.items) is not None else 0
                claim = _day(getattr(r, f"{PCT[c]}_on"))
                row["forecast_on"] = claim
                if n > 0 and len(days) >= n:
                    row["actual_on"] = days[n - 1].astype(object)
                if claim is None:
                    row["outcome"] = "not scorable"
                else:
                    row["actual_items"] = done_by(claim)
                    row["outcome"] = ("pending" if claim >= today
                                      else "came true" if row["actual_items"] >= n else "missed")
            else:
                k = _none(getattr(r, f"{PCT[c]}_items"))
                target = _day(r.target_on)
                row["forecast_on"] = target
                row["forecast_items"] = None if k is None else int(k)
                if k is None or target is None:
                    row["outcome"] = "not scorable"
                else:
                    row["actual_items"] = done_by(target)
                    row["outcome"] = ("pending" if target >= today
                                      else "came true" if row["actual_items"] >= int(k) else "missed")
            rows.append(row)
    out = pd.DataFrame(rows, columns=SCORED_COLUMNS)
    for c in ("items", "forecast_items", "actual_items", "runs"):
        out[c] = out[c].astype("Int64")
    return out


def tally(scored: pd.DataFrame) -> pd.DataFrame:
    """Per confidence: k forecasts that came true out of n judged (pending and not scorable
    left out), and pending."""
    rows = []
    for c in CONFIDENCES:
        s = scored[scored["confidence"].round(2) == c] if len(scored) else scored
        k = int((s["outcome"] == "came true").sum())
        n = k + int((s["outcome"] == "missed").sum())
        rows.append({"confidence": c, "came_true": k, "judged": n, "pending": int((s["outcome"] == "pending").sum()),
                     "rate": k / n if n else float("nan")})
    return pd.DataFrame(rows)


def _completions(con: duckdb.DuckDBPyConnection, as_of: datetime, board_id: str | None, project: str | None,
                 since) -> pd.DataFrame:
    """Items completed in scope after `since`, as known at as_of: at the stored instant (or
    without stored facts) read from the issue facts at as_of; at an earlier instant, the
    completion spans as known at the stored instant holding as_of (the same rows)."""
    known = fc.known_at(con, as_of, as_of)
    if fc.same_instant(known, as_of):
        return queries.run(con, "forecast__completions", as_of=as_of, board_id=board_id, project=project,
                           since=since)
    return queries.run(con, "forecast__completions_at", as_of=known, at=as_of, board_id=board_id,
                       project=project, since=since)


def backtest_inputs(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None,
                    project: str | None, instants: list[datetime],
                    windows: list[tuple[date, date]]) -> tuple[list[np.ndarray], pd.DataFrame]:
    """What the backtest reads, in one query (forecast__backtest_inputs): the daily throughput
    at each of `instants` over its window in `windows` (what `forecast.daily_throughput`
    counts from the forecast's inputs there),
    and the items completed in scope after the first instant as known at as_of (what
    `_completions` gives). All are read from the completion spans as known at the stored
    instant when as_of is no later (the stored status stays), else as known at as_of:
    no facts are recomputed per instant."""
    df = queries.run(con, "forecast__backtest_inputs", arrow=True, as_of=fc.known_at(con, as_of, as_of),
                     at=as_of, since=min(instants), board_id=board_id, project=project,
                     instants=list(instants), window_froms=[w[0] for w in windows],
                     window_tos=[w[1] for w in windows])
    n = df["instant_no"].to_numpy(dtype=np.int64)
    counts = df[n > 0]
    k = counts["instant_no"].to_numpy(dtype=np.int64)
    day = counts["day_no"].to_numpy(dtype=np.int64)
    done = counts["completed"].to_numpy(dtype=np.int64)
    dailies = []
    for i, (w_from, w_to) in enumerate(windows, start=1):
        daily = np.zeros(max((w_to - w_from).days + 1, 0), dtype=np.int64)
        daily[day[k == i]] = done[k == i]
        dailies.append(daily)
    return dailies, df.loc[n == 0, ["completed_at", "completed_on"]].reset_index(drop=True)


def history(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
            project: str | None = None, **_: object) -> pd.DataFrame:
    """The forecasts recorded for this scope (shown on a page or exported; backtests are
    `backtest()`'s), each confidence scored at as_of."""
    rec = queries.run(con, "forecast__recorded", as_of=as_of, board_id=board_id, project=project)
    rec = rec[rec["source"] != "backtest"]
    today = local_day(con, as_of)
    if rec.empty:
        return score(rec, pd.DataFrame(columns=["completed_at", "completed_on"]), as_of, today, [])
    return score(rec, _completions(con, as_of, board_id, project, rec["as_of"].min()), as_of, today,
                 local_days(con, rec["as_of"]))


def backtest_instants(as_of: datetime, weeks: int) -> list[datetime]:
    """The instants the backtest forecasts from: 8, 15, 22, … days before as_of (the same
    time of day), so the 7-day week each one forecasts ends yesterday, a week before, …"""
    return [as_of - timedelta(days=7 * k + 1) for k in range(int(weeks), 0, -1)]


def backtest_records(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
                     project: str | None = None, weeks: int = BACKTEST_WEEKS, window_days: int = 90,
                     runs: int = BACKTEST_RUNS, seed: int = 42, made_at: datetime | None = None,
                     **_: object) -> pd.DataFrame:
    """The backtest's forecasts as store rows (source 'backtest'); see `backtest()`."""
    return _backtest(con, as_of=as_of, board_id=board_id, project=project, weeks=weeks, window_days=window_days,
                     runs=runs, seed=seed, made_at=made_at)[0]


def _backtest(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None, project: str | None,
              weeks: int, window_days: int, runs: int, seed: int,
              made_at: datetime | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the backtest's store rows, the completions they are scored against)."""
    instants = backtest_instants(as_of, weeks)
    if not instants:
        return pd.DataFrame(columns=STORE_COLUMNS), pd.DataFrame(columns=["completed_at", "completed_on"])
    days = local_days(con, instants)   # each instant's day in the reporting timezone
    windows = [fc.window(d, None, None, window_days) for d in days]
    # the throughput of every instant counted in SQL, in one pass; the answer is forecast()'s
    # own 'when' and 'how_many' rows (same draws), without the plan check nobody records
    dailies, completions = backtest_inputs(con, as_of=as_of, board_id=board_id, project=project,
                                           instants=instants, windows=windows)
    frames = []
    for at, day, (w_from, w_to), daily in zip(instants, days, windows, dailies, strict=True):
        items = max(int(round(7 * daily.mean())) if daily.size else 1, 1)
        target = day + timedelta(days=7)
        answer = fc.throughput_forecast(daily, start=day, items=items, target_date=target, runs=runs, seed=seed,
                                        w_from=w_from, w_to=w_to)
        frames.append(records(answer, as_of=at, as_of_day=day, board_id=board_id, project=project, items=items,
                              target_date=target, runs=runs, seed=seed, window_from=w_from, window_to=w_to,
                              made_at=made_at or as_of, source="backtest"))
    return pd.concat(frames, ignore_index=True), completions


def backtest(con: duckdb.DuckDBPyConnection, *, as_of: datetime, board_id: str | None = None,
             project: str | None = None, weeks: int = BACKTEST_WEEKS, window_days: int = 90,
             runs: int = BACKTEST_RUNS, seed: int = 42, **_: object) -> pd.DataFrame:
    """Re-forecast each of the last `weeks` weeks from the data before it and score it at as_of.

    At each instant of `backtest_instants` the forecast sees only data up to that instant
    (the queries' as_of) and answers two questions with `forecast.forecast()` itself (`runs`
    runs over the `window_days` days ending on the instant's day; never a period that ends
    after the instant, whose days without completions yet would pull the forecast down):
    how many items will be done in the next 7 days, and when a week's worth of items (7 × the
    window's mean daily throughput, rounded, at least 1) will be done. Both are scored like
    recorded forecasts. The completions at every instant and at as_of are read in one pass
    (`backtest_inputs`).
    Returned in `score()`'s columns."""
    rec, completions = _backtest(con, as_of=as_of, board_id=board_id, project=project, weeks=weeks,
                                 window_days=window_days, runs=runs, seed=seed, made_at=None)
    return score(rec, completions, as_of, local_day(con, as_of), local_days(con, rec["as_of"]))


def records_for(con: duckdb.DuckDBPyConnection, answer: pd.DataFrame, params: dict, *, made_at: datetime,
                source: str) -> pd.DataFrame:
    """Store rows for a `forecast` public-query answer, from its resolved parameters (the
    registry's: as_of, board_id, project, date_from, date_to, items, target_date,
    window_days, runs, seed)."""
    day = local_day(con, params["as_of"])
    w_from, w_to = fc.window(day, params.get("date_from"), params.get("date_to"), params.get("window_days") or 90)
    return records(answer, as_of=params["as_of"], as_of_day=day, board_id=params.get("board_id"), project=params.get("project"),
                   items=int(20 if params.get("items") is None else params["items"]), target_date=params.get("target_date"),
                   runs=max(int(params.get("runs") or 10000), 1), seed=int(42 if params.get("seed") is None else params["seed"]),
                   window_from=w_from, window_to=w_to, made_at=made_at, source=source)
