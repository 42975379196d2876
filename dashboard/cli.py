"""`retroscope` command line. Every user error ends with exit code != 0 and one line on
stderr that names the input, the place and the fix; never a traceback."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import shlex
import sys
from pathlib import Path

from connectors.settings import Settings, load_settings
from queries.errors import RetroscopeError, interrupted
from queries.lake import db_arg, is_lake


def _settings(args) -> Settings:
    from connectors import load

    if args.command == "init" and args.config and not Path(args.config).exists():
        s = load_settings(config=None, db=args.db)     # init creates the file --config names
    else:
        s = load_settings(config=args.config, db=args.db)
    if not is_lake(s.db_path) and Path(s.db_path).is_dir():
        raise RetroscopeError(f"--db {s.db_path}: is a directory; give a file path such as "
                              f"{Path(s.db_path) / 'retroscope.duckdb'}")
    load.use_config(s.analysis)    # loads store their facts under the config the pages will read with
    return s


# --------------------------------------------------------------------------- demo
def cmd_demo(args, settings: Settings) -> int:
    from connectors import bounds, demo
    from dashboard.progress import TerminalProgress

    for flag, value, (lo, hi) in (("--seed", args.seed, bounds.DEMO_SEED), ("--scale", args.scale, bounds.DEMO_SCALE)):
        if value is not None and not lo <= value <= hi:
            raise RetroscopeError(f"{flag} {value}: out of range (expected a whole number from {lo:,} to {hi:,})")

    beside = _refuse_real_warehouse(settings, allow=bool(getattr(args, "allow_real_data", False)))
    summary = demo.build(settings.db_path, seed=args.seed, scale=args.scale,
                         userdata_path=settings.userdata, progress=TerminalProgress())
    print(f"demo warehouse written to {settings.db_path} "
          f"({summary['issues']:,} issues, {summary['histories']:,} history items, "
          f"{summary['sprints']:,} sprints, {summary['metric_points']:,} metric points) "
          f"in {summary['seconds']:.1f}s")
    if beside:   # the demo's rows are rebuilt; what was loaded beside them is not the demo's to remove
        print(f"note: {settings.db_path} also holds {beside}, loaded beside the demo: kept where the demo has "
              "no value of its own, so its figures differ from a fresh demo's; for the demo alone, build it in a "
              "new file: `retroscope --db data/demo-only.duckdb demo`", file=sys.stderr)
    return 0


def _refuse_real_warehouse(settings: Settings, *, allow: bool) -> str:
    """The demo written into a warehouse that holds real data (loads of other sources, or retros
    of one's own in its store) would mix with it (its teams, sprints and retros beside the real
    ones) and replace the values both have (a metric of the same name and day): refuse unless
    the user asked for it. A warehouse holding the demo is the demo's: its demo rows are rebuilt,
    and what was loaded beside them is kept and returned in words (else ""), for the command to
    say. The mirror of `sync jira`'s refusal to write real issues into the demo's."""
    import queries
    from connectors import userdata
    from connectors.demo import SOURCE as DEMO_SOURCE

    if allow:
        return ""
    sources: set[str] = set()
    if queries.store_exists(settings.db_path):
        con = queries.connect(settings.db_path, derived=False, stored=False)
        try:
            sources = set(queries.run(con, "status_freshness")["source"].dropna())
        finally:
            con.close()
    real = sorted(sources - {DEMO_SOURCE})
    retros = sorted(r for r in userdata.retro_ids(settings.userdata) if not str(r).startswith("demo-"))
    what = " and ".join(
        ([f"data from {', '.join(real[:3])}{' and more' if len(real) > 3 else ''}"] if real else [])
        + ([f"{len(retros):,} retro{'s' if len(retros) != 1 else ''} of your own"] if retros else []))
    if DEMO_SOURCE in sources:   # the demo's own file: rebuilt, what was loaded beside it kept
        return what
    if what:
        raise RetroscopeError(
            f"{settings.db_path} holds {what}; the demo would mix with it and replace the values both have: build "
            "the demo in its own file (--db data/demo.duckdb, the one `make run` serves), or pass --allow-real-data "
            "to mix them on purpose")
    return ""


# --------------------------------------------------------------------------- query
def _parse_kv(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items or []:
        if "=" not in item:
            raise RetroscopeError(f"--param {item!r}: expected key=value, e.g. --param board_id=1")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def freshness_note(con, as_of, given: str) -> bool:
    """Say on stderr that an as-of (`given`: how the user wrote it) is after the data's freshness,
    when it is: the figures stop there (`query`, `export tech-health`). True if it was said."""
    from queries.dates import local_time
    from queries.registry import beyond_freshness

    fresh = beyond_freshness(con, as_of)
    if fresh is None:
        return False
    print(f"note: {given} is after the data's freshness, {local_time(con, fresh)}: nothing later is "
          "loaded, so the figures stop there (a sprint still running then shows as running to the "
          "as-of); sync first, or give an earlier date", file=sys.stderr)
    return True


def cmd_query(args, settings: Settings) -> int:
    import queries
    from queries.forecast import NO_COMPLETIONS
    from queries.registry import (
        REGISTRY,
        as_of_option,
        check_board,
        run_public,
        starts_after,
    )

    if args.list or not args.name:
        width = max(len(n) for n in REGISTRY)   # every description starts in one column
        for q in REGISTRY.values():
            print(f"{q.name:<{width}}  {q.description}")
        return 0
    if args.name not in REGISTRY:
        raise RetroscopeError(f"unknown query '{args.name}'; public queries: {', '.join(sorted(REGISTRY))}")
    params = _parse_kv(args.param)
    if args.board is not None:
        if params.get("board_id") not in (None, args.board):
            raise RetroscopeError(f"--board {args.board} and --param board_id={params['board_id']} name two boards; "
                                  "give one of them")
        params["board_id"] = args.board
    if args.as_of:
        params["as_of"] = as_of_option(args.as_of)
    con = queries.connect(settings.db_path, config=settings.analysis, userdata_path=settings.userdata)
    try:
        if params.get("board_id"):
            check_board(con, params["board_id"], "--board ID" if args.board is not None else "--param board_id=ID")
        df = run_public(con, args.name, **params)
        held = _forecast_records(con, args.name, params, df)
        given = f"--as-of {args.as_of}" if args.as_of else f"as_of={params.get('as_of')}"
        start = starts_after(con, params["as_of"]) if params.get("as_of") else None
        if start is not None:
            print(f"note: {given} is before the data, which starts {start:%Y-%m-%d}: nothing was "
                  "known then; give a later date", file=sys.stderr)
        fresh = freshness_note(con, params["as_of"], given) if params.get("as_of") else False
        noted = start is not None or fresh
    finally:
        con.close()
    if held is not None:
        _record_forecasts(settings, held)
    _print_frame(df, args.format)
    db = db_arg(settings.db_path)   # pasteable (a lake: its URL)
    if df.empty and not noted:   # nothing to show, and no note said why: say where to look
        print(f"note: {args.name} has no rows for these parameters; `retroscope --db {db} status` shows what the "
              "warehouse holds and from when", file=sys.stderr)
    elif args.name == "forecast" and not noted and (df["detail"] == NO_COMPLETIONS).any():
        # rows, but of nothing: 'at least 0 items' and no date (no issues loaded, another board's window…)
        print("note: no item was completed in the forecast's window, so these rows forecast nothing; widen it "
              f"(--param window_days=N) or check the board; `retroscope --db {db} status` shows what the "
              "warehouse holds and from when", file=sys.stderr)
    return 0


def _forecast_records(con, name: str, params: dict, df):
    """The store rows of an exported forecast (docs/metrics.md "Forecasts held to account"):
    `query forecast` as source 'export', `query forecast_backtest` as 'backtest'."""
    from datetime import UTC, datetime

    from queries import forecast_accounts
    from queries.registry import resolve_params

    if name not in ("forecast", "forecast_backtest"):
        return None
    bound = resolve_params(con, name, params)
    now = datetime.now(UTC)
    if name == "forecast":
        return forecast_accounts.records_for(con, df, bound, made_at=now, source="export")
    return forecast_accounts.backtest_records(con, **bound, made_at=now)


def _record_forecasts(settings: Settings, rows) -> None:
    """Best effort: a busy or read-only store records nothing and the export still prints
    (one line at -v says why)."""
    from connectors import forecast_records

    try:
        forecast_records.record(settings.userdata, rows, wait_s=2)
    except RetroscopeError as e:
        logging.getLogger("retroscope").info("forecast not recorded: %s", e)


def _print_frame(df, fmt: str) -> None:
    import pandas as pd

    if fmt == "csv":
        from dashboard.safe_text import spreadsheet_safe

        spreadsheet_safe(df).to_csv(sys.stdout, index=False)
    elif fmt == "json":
        # Python's json writes each float's shortest exact form (pandas' to_json keeps 10 or at most
        # 15 significant digits); a missing value of any type is null
        import json

        cols = [str(c) for c in df.columns]
        values = [_json_column(df[c]) for c in df.columns]
        # one record per line: readable, and written by json's C encoder (an indent makes it use
        # the pure-Python one, 2-3x slower)
        lines = [json.dumps(dict(zip(cols, r, strict=True)), ensure_ascii=False, allow_nan=False)
                 for r in zip(*values, strict=True)] if cols else []
        sys.stdout.write("[\n" + ",\n".join(lines) + ("\n]\n" if lines else "]\n"))
    else:
        with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 250):
            print(_table_text(df).to_string(index=False) if len(df) else "(no rows)")


def _json_column(col) -> list:
    """A column's values as JSON takes them: a text, plain numeric or boolean column converted
    whole (missing, NaN and infinities null), any other value by _json_value."""
    import numpy as np
    import pandas as pd

    if isinstance(col.dtype, pd.StringDtype):   # text: a string or missing
        return [v if isinstance(v, str) else None for v in col.astype(object).tolist()]
    if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iub":
        return col.tolist()
    if isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":
        return [x if np.isfinite(x) else None for x in col.tolist()]
    return [_json_value(v) for v in col.astype(object).tolist()]


def _json_value(v):
    """One value as JSON takes it: instants and dates as ISO 8601 (_instant_text, exact), numpy
    scalars as Python numbers, lists element by element, missing (None, NaN, NaT, NA, and a
    non-finite number, which JSON cannot hold) as null."""
    import math

    import numpy as np
    import pandas as pd

    if isinstance(v, np.ma.MaskedArray):   # a list with NULLs, as DuckDB hands some over
        return [None if m else _json_value(x) for x, m in zip(v.data, np.ma.getmaskarray(v), strict=True)]
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_json_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, np.datetime64):
        v = pd.Timestamp(v)
    v = _instant_text(v, exact=True)
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bool | int | float | str) or v is None:
        return v
    return str(v)   # an interval, a uuid, a decimal: its text


def _instant_text(v, exact: bool = False):
    """A date (a DATE column: midnight, no time zone) as its day (2026-12-14); an instant to the
    second for a reader (2026-08-10 09:20:00+00:00), or `exact` in full ISO 8601 for programs
    (JSON); anything else as it is."""
    import datetime as dt

    import pandas as pd

    if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)):
        return None
    if isinstance(v, dt.datetime):
        v = pd.Timestamp(v)
        if v.tz is None and v == v.normalize():
            return v.date().isoformat()
        return v.isoformat() if exact else v.isoformat(sep=" ", timespec="seconds")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def _table_text(df):
    """`--format table` as a reader wants it: blanks for missing values (not None, <NA>, NaN),
    numbers to six significant digits without float noise (3.8e-17 is 0), instants to the
    second, dates as days. CSV and JSON keep full precision for programs."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_float_dtype(col):
            # float noise (a zero computed as 3.8e-17) is 0; a small value keeps its digits
            out[c] = col.map(lambda v: "" if pd.isna(v) else "0" if abs(v) < 1e-12 else f"{float(v):,.6g}"
                             if abs(v) < 1e6 else f"{v:,.0f}")
        elif pd.api.types.is_datetime64_any_dtype(col) or col.dtype == object:
            out[c] = col.map(lambda v: "" if v is None or (pd.api.types.is_scalar(v) and pd.isna(v))
                             else _instant_text(v))
        else:
            out[c] = col.astype(object).map(lambda v: "" if pd.isna(v) else v)
    return out


# --------------------------------------------------------------------------- status
def _userdata_rows(path) -> dict[str, int]:
    """Rows per user-input table of the store at `path` (none: {}), for status without a
    warehouse: the store read as every connection reads it, counted by status_userdata_counts."""
    import duckdb

    import queries

    if not queries.store_exists(path):
        return {}
    with duckdb.connect() as con:
        queries.refresh_userdata(con, path)
        counts = queries.run(con, "status_userdata_counts")
    return {t: int(n) for t, n in zip(counts["table_name"], counts["row_count"], strict=True) if n}


def cmd_status(args, settings: Settings) -> int:
    import queries
    from connectors.load import failed_loads, stale_copies
    from queries.dates import local_times
    from queries.tech_health_text import plural

    try:
        con = queries.connect(settings.db_path, config=settings.analysis, userdata_path=settings.userdata)
    except queries.WarehouseMissing as e:
        held = _userdata_rows(settings.userdata)
        if not held:
            raise
        # retros imported or entered before any data: they are kept, and the advice must not
        # send the reader back to the `import retro` just run
        print(f"user input: {settings.userdata}: " + ", ".join(f"{t.replace('_', ' ')} {n:,}" for t, n in held.items()))
        raise RetroscopeError(f"{e}; the user input above is kept and shown once there is data") from None
    try:
        counts = queries.run(con, "status_row_counts")
        loads = queries.run(con, "status_loads")
        fresh = queries.run(con, "status_freshness")
        user = queries.run(con, "status_userdata_counts")
        metric_points = queries.run(con, "status_metric_sources")
        stored = queries.facts.stored_meta(con)
        current = queries.facts.stored_as_of(con) is not None
        # the data's freshness on the team's clock, as the pages and `query` print it
        fresh_at = local_times(con, fresh["data_as_of"])
    finally:
        con.close()
    if is_lake(settings.db_path):
        print(f"warehouse: {settings.db_path} (DuckLake; data files in {settings.db_path.data_path or 'the path the lake was created with'})")
    else:
        print(f"warehouse: {settings.db_path} ({Path(settings.db_path).stat().st_size / 1e6:.1f} MB)")
    print(f"user input: {settings.userdata}")
    print("\nraw tables:")
    for r in counts.itertuples():
        print(f"  {r.table_name:<24} {r.row_count:>12,}")
    print("\nuser input:")
    for r in user.itertuples():
        print(f"  {r.table_name:<24} {r.row_count:>12,}")
    print("\nsources:")
    if fresh.empty:
        print("  (none loaded yet)")
    for r, at in zip(fresh.itertuples(), fresh_at, strict=True):
        print(f"  {r.source:<40} last load {r.last_finished_at:%Y-%m-%d %H:%M} UTC, data as of {at} ({plural(int(r.loads), 'load')})")
    print("\nlast loads:")
    for r in loads.itertuples():
        print(f"  {r.finished_at:%Y-%m-%d %H:%M}  {r.kind:<7} {r.source:<32} {r.status:<6} "
              f"{r.rows:>10,} row{' ' if r.rows == 1 else 's'}  {r.seconds:6.1f}s")
    _status_metric_sources(settings, metric_points)
    print("\nstored facts (schema facts; docs/facts.md):")
    if stored is None:
        print("  none yet: figures are computed from the raw history on every question; "
              "`retroscope refresh` stores them")
    elif current:
        how = f" ({stored['build']})" if stored.get("build") else ""
        print(f"  as of {stored['as_of']:%Y-%m-%d %H:%M} UTC, built in {stored['built_seconds']:.1f}s at the last load{how}")
    else:
        print(f"  as of {stored['as_of']:%Y-%m-%d %H:%M} UTC but built under another config or Retroscope version: "
              "figures are computed live (slower) until `retroscope refresh` or the next load")
    from connectors.two_stores import stopped_between

    for what, advice in stopped_between(settings.db_path):
        print(f"\nnote: {what}; {advice}")
    stale = stale_copies(settings.db_path)
    if stale:
        print("\nleftover working copies of killed loads (safe to delete; the next load removes them):")
        for t in stale:
            print(f"  {t} ({t.stat().st_size / 1e6:.1f} MB)")
    failed = failed_loads(settings.db_path, limit=5)
    if failed:
        print("\nrecent failed loads (the warehouse kept its previous data):")
        for f in failed:
            print(f"  {f['finished_at'][:16]}  {f['kind']:<7} {f['source']:<32} {f['detail']}")
    return 0


def _status_metric_sources(settings: Settings, points) -> None:
    import pandas as pd

    from connectors import metric_sources
    from queries.tech_health_text import plural

    st = metric_sources.status(settings, points)
    if st.empty:
        return
    print("\nmetric sources ([[metrics.sources]]):")
    for r in st.to_dict("records"):
        synced, fresh = r["last sync (UTC)"], r["data as of (UTC)"]
        when = f"synced {synced:%Y-%m-%d %H:%M} UTC" if not pd.isna(synced) else "never synced"
        when += f", data as of {fresh:%Y-%m-%d}" if not pd.isna(fresh) else ""
        days = (f", {r['first day']:%Y-%m-%d} to {r['last day']:%Y-%m-%d}"
                if not (pd.isna(r["first day"]) or pd.isna(r["last day"])) else "")
        print(f"  {r['source']:<24} {r['kind']:<8} {when}, {plural(int(r['values']), 'value')} of "
              f"{plural(int(r['metrics']), 'metric')}{days}")
        if r["last error"]:
            print(f"  {'':<24} last error {r['last error']}")


def cmd_refresh(args, settings: Settings) -> int:
    from connectors.load import refresh_facts
    from dashboard.progress import TerminalProgress

    seconds = refresh_facts(settings.db_path, progress=TerminalProgress())
    print(f"stored facts rebuilt in {sum(seconds.values()):.1f}s under {settings.config_path or 'the default config'}")
    print(f"warehouse: {settings.db_path}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- serve
def _check_port_free(address: str, port: int) -> None:
    """One line of advice before anything starts when the port is taken: Streamlit would warm
    up first, then log its own 'Port ... is not available' and exit."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(address or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError) as e:   # UnicodeError: a name IDNA refuses ("a..b")
        reason = getattr(e, "strerror", None) or "not a valid host name"
        raise RetroscopeError(f"--address {address}: not an address this machine has ({reason}); "
                              "use e.g. --address localhost or --address 0.0.0.0") from None
    bound = None
    for family, kind, proto, _, where in infos:   # localhost may be ::1 and 127.0.0.1: the server takes those it can
        with socket.socket(family, kind, proto) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as the server binds it
            try:
                s.bind(where)
                bound = where
            except OSError as e:
                if e.errno == errno.EADDRINUSE:
                    raise RetroscopeError(f"--port {port}: cannot listen on {address}:{port} ({e.strerror}); stop "
                                          f"what serves there or choose another port, e.g. --port {port + 1}") from None
                last = e
    if bound is None:
        raise RetroscopeError(f"--address {address}: cannot listen there ({last.strerror}); use an address of "
                              "this machine, e.g. --address localhost or --address 0.0.0.0") from None


def cmd_serve(args, settings: Settings) -> int:
    if not 1 <= args.port <= 65535:
        raise RetroscopeError(f"--port {args.port}: not a TCP port (expected 1 to 65535, e.g. --port 8501)")
    _check_port_free(args.address, args.port)
    app = Path(__file__).with_name("app.py")
    import queries

    if is_lake(settings.db_path):
        env = dict(os.environ, RETROSCOPE_DB=settings.db_path.url)
        if settings.db_path.data_path:
            env["RETROSCOPE_LAKE_DATA"] = settings.db_path.data_path
    else:
        env = dict(os.environ, RETROSCOPE_DB=str(Path(settings.db_path).resolve()))
    if args.config:
        env["RETROSCOPE_CONFIG"] = str(Path(args.config).resolve())
    if settings.userdata_path and not is_lake(settings.db_path):
        env["RETROSCOPE_USERDATA"] = str(Path(settings.userdata_path).resolve())
    if not queries.store_exists(settings.db_path):
        print(f"note: no warehouse at {settings.db_path} yet; the app will say how to build one", file=sys.stderr)
    from dashboard import serve

    # dashboard.serve warms the caches in the server's own process, then runs `streamlit run`
    cmd = [sys.executable, "-m", "dashboard.serve", str(app), "--server.port", str(args.port),
           "--server.address", args.address, *serve.OPTIONS]
    host = "localhost" if args.address in ("", "0.0.0.0", "::") else args.address
    print(f"serving Retroscope on http://{host}:{args.port} (Ctrl+C to stop)", file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    # Streamlit replaces this process (same pid): SIGTERM/SIGINT from a shell, a supervisor,
    # systemd or Docker reach the server itself, and nothing is left running after it stops.
    os.execve(sys.executable, cmd, env)
    return 0   # not reached


# --------------------------------------------------------------------------- delegated
def _delegate(target: str):
    """Commands implemented in their own module (`module:function(args, settings) -> int`)."""
    def run(args, settings):
        mod, fn = target.split(":")
        return getattr(importlib.import_module(mod), fn)(args, settings)
    return run


class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one line (the usage itself is one `--help` away)."""

    def error(self, message: str):
        where = self.prog.removeprefix("retroscope").strip()
        # a global option after the command (`retroscope status --db X`) lands here, on the top parser
        globals_ = {o for o in self._option_string_actions if o not in ("-h", "--help")}
        if message.startswith("unrecognized arguments:") and globals_ & {w.split("=")[0] for w in message.split()}:
            message += "; global options (--db, --config, -v) go before the command"
            if self.argv is not None:
                message += f": `{shlex.join(['retroscope', *self._globals_first(self.argv)])}`"
        self.exit(2, f"retroscope: {where + ': ' if where else ''}{message} (see `{self.prog} --help`)\n")

    argv: list[str] | None = None   # the command line being parsed (main sets it), for the hint above

    def _globals_first(self, argv: list[str]) -> list[str]:
        """`argv` with the global options (and their values) moved before the command."""
        front: list[str] = []
        rest: list[str] = []
        i = 0
        while i < len(argv):
            name = argv[i].split("=")[0]
            action = self._option_string_actions.get(name)
            if action is not None and name not in ("-h", "--help"):
                front.append(argv[i])
                if action.nargs != 0 and "=" not in argv[i] and i + 1 < len(argv):   # its value
                    i += 1
                    front.append(argv[i])
            else:
                rest.append(argv[i])
            i += 1
        return front + rest


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="retroscope", description="Retrospective analytics: Jira history, "
                                "product metrics and retro outcomes in one local DuckDB warehouse.")
    p.add_argument("--db", help="warehouse file, or a DuckLake URL 'ducklake:postgres:dbname=… host=… user=…' "
                   "(env RETROSCOPE_DB; default data/retroscope.duckdb; see docs/deploy.md)")
    p.add_argument("--config", help="config file (env RETROSCOPE_CONFIG; default ./retroscope.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log each request and query with its timing")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("demo", help="build the demo warehouse (two teams' 13 sprints each, a year of metrics, retros)")
    d.add_argument("--seed", type=int, default=7, help="random seed (same seed, identical warehouse)")
    d.add_argument("--scale", type=int, default=None, help="generate N issues (proportional history) for benchmarks")
    d.add_argument("--allow-real-data", action="store_true",
                   help="write the demo into a warehouse that holds real data (mixing them on purpose)")
    d.set_defaults(func=cmd_demo)

    q = sub.add_parser("query", help="run a public query and print it")
    q.add_argument("name", nargs="?", help="query name (see --list)")
    q.add_argument("--param", action="append", metavar="K=V", help="a parameter, e.g. board_id=1 (repeatable)")
    q.add_argument("--board", metavar="ID", help="the board (team), as for `export tech-health`: the same as "
                                                  "--param board_id=ID")
    q.add_argument("--as-of", help="compute figures as of this instant, or the end of this date in the reporting "
                                   "timezone (default: the data's freshness)")
    q.add_argument("--format", choices=("table", "csv", "json"), default="table",
                   help="table (default): for reading; csv, json: every digit, for programs")
    q.add_argument("--list", action="store_true", help="list the public queries")
    q.set_defaults(func=cmd_query)

    s = sub.add_parser("status", help="what is loaded, from where, when; row counts")
    s.set_defaults(func=cmd_status)

    sv = sub.add_parser("serve", help="serve the dashboard")
    sv.add_argument("--port", type=int, default=8501, help="TCP port to serve on (default 8501)")
    sv.add_argument("--address", default="localhost",
                    help="address to listen on (default localhost: this machine only; 0.0.0.0: every interface)")
    sv.set_defaults(func=cmd_serve)

    rf = sub.add_parser("refresh", help="rebuild the stored facts under the current config (after editing "
                        "retroscope.toml or upgrading Retroscope; every load does it too)")
    rf.set_defaults(func=cmd_refresh)

    sy = sub.add_parser("sync", help="pull data from a source (no SOURCE: every configured source, in order)")
    sy.add_argument("--full", action="store_true", help="(no SOURCE) re-pull every source from scratch")
    sy.add_argument("--allow-demo", action="store_true", help="sync Jira even into a warehouse that holds the demo")
    sy.set_defaults(func=_delegate("dashboard.cli_sync:run_all"), source=None)
    sysub = sy.add_subparsers(dest="source", metavar="[SOURCE]")
    j = sysub.add_parser("jira", help="sync issues, full history, boards and sprints from Jira Cloud or Data Center")
    j.add_argument("--url", help="Jira base URL (default: [jira].url in retroscope.toml, or JIRA_URL)")
    j.add_argument("--project", action="append", help="project key (repeatable)")
    j.add_argument("--board", action="append", help="board id (repeatable)")
    j.add_argument("--jql", help="extra JQL restriction")
    j.add_argument("--full", action="store_true", help="rebuild this source from scratch instead of incrementally")
    j.add_argument("--allow-demo", action="store_true", help="sync even into a warehouse that holds the demo")
    j.add_argument("--reconcile", action="store_true", help="list every issue id in scope to catch deletions")
    j.set_defaults(func=_delegate("dashboard.cli_sync:run"))
    sm = sysub.add_parser("metrics", help="pull product metrics from the [[metrics.sources]] in retroscope.toml "
                          "(SQL databases, PostHog)")
    sm.add_argument("--source", dest="name", action="append", metavar="NAME",
                    help="only this source (repeatable; default: all)")
    sm.add_argument("--full", action="store_true", help="re-pull everything instead of the recent days")
    sm.set_defaults(func=_delegate("dashboard.cli_sync:run_metrics"))

    ini = sub.add_parser("init", help="first-run wizard: inspect a source and write retroscope.toml")
    inisub = ini.add_subparsers(dest="source", metavar="SOURCE", required=True)
    ij = inisub.add_parser("jira", help="find projects, boards, fields and statuses on a Jira site; write [jira]")
    ij.add_argument("--url", help="Jira base URL (default: [jira].url in retroscope.toml, or JIRA_URL)")
    ij.add_argument("--project", action="append", help="project key to propose (repeatable; default: projects "
                                                       "with boards)")
    ij.add_argument("--yes", action="store_true", help="write retroscope.toml without asking")
    ij.set_defaults(func=_delegate("dashboard.cli_jira_setup:init"))
    dr = sub.add_parser("doctor", help="re-check the Jira config against the site and the loaded data "
                                       "(no site configured: the loaded data of every source)")
    dr.add_argument("--url", help="Jira base URL (default: [jira].url in retroscope.toml, or JIRA_URL; none: only "
                                  "the loaded data is checked)")
    dr.set_defaults(func=_delegate("dashboard.cli_jira_setup:doctor"))

    im = sub.add_parser("import", help="import product metrics, shipped items or retro records from a file")
    im.add_argument("kind", choices=("metrics", "features", "retro"))
    im.add_argument("file", help="CSV, Parquet or JSON file")
    im.add_argument("--definitions", help="(metrics) TOML file with unit / higher_is_better / description per metric")
    im.add_argument("--as-of", help="reject dates after this day (default: today)")
    im.set_defaults(func=_delegate("dashboard.cli_import:run"))

    mg = sub.add_parser("migrate", help="copy the warehouse (--db) and its user input to another file or a "
                        "DuckLake (ducklake:postgres:…), e.g. to move one team's file to a shared lake")
    mg.add_argument("--to", required=True, metavar="TARGET", help="a warehouse file path or a ducklake:postgres:… URL")
    mg.add_argument("--lake-data", help="(a lake target) folder for its data files (default: RETROSCOPE_LAKE_DATA "
                    "or [warehouse] lake_data)")
    mg.add_argument("--force", action="store_true", help="replace a target that already holds data")
    mg.set_defaults(func=_delegate("dashboard.cli_migrate:run"))

    ex = sub.add_parser("export", help="export the tech-health slide or a backup of retro records")
    exsub = ex.add_subparsers(dest="what", metavar="WHAT", required=True)
    th = exsub.add_parser("tech-health", help="one-slide PowerPoint (and PNG) for stakeholders")
    th.add_argument("--out", required=True, help="output .pptx file")
    th.add_argument("--team", help="the team: picks the board of that name (default: all boards); with --board, "
                    "only the name shown on the slide")
    th.add_argument("--headline", help="optional one-line message shown as the slide's title")
    th.add_argument("--board", help="board id (default: all boards)")
    th.add_argument("--as-of", help="figures as of the end of this date in the reporting timezone (default: the "
                                    "data's freshness)")
    th.add_argument("--sprints", type=int, default=6,
                    help="number of recent sprints in the chart and period (default 6)")
    th.add_argument("--png", help="also write a PNG image of the slide")
    th.set_defaults(func=_delegate("dashboard.cli_export:tech_health"))
    rb = exsub.add_parser("retro", help="back up every retro record to a JSON file `import retro` reads back")
    rb.add_argument("--out", required=True, help="output .json file")
    rb.set_defaults(func=_delegate("dashboard.cli_import:export_retro"))
    return p


def _interrupted() -> int:
    from dashboard.progress import end_line

    end_line()
    print("retroscope: interrupted; nothing was half-written (the warehouse and the retro records keep their "
          "previous data)", file=sys.stderr)
    return 130


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    if not args.verbose:
        for noisy in ("urllib3", "jira", "requests"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    if not getattr(args, "func", None):   # options only (`--config query` takes "query" as the file)
        parser.print_help()
        print("retroscope: no command given; add one of the commands listed above, e.g. `retroscope demo`",
              file=sys.stderr)
        return 2
    from connectors import load
    from dashboard.progress import end_line

    caller_config = load.config_in_use()   # the command's own is set by _settings
    try:
        return int(args.func(args, _settings(args)) or 0)
    except RetroscopeError as e:
        end_line()
        print(f"retroscope: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as e:   # noqa: BLE001 - last resort: a bug, still one line (the traceback with -v)
        if interrupted(e):   # Ctrl+C inside a DuckDB query (most of a load's facts build): its own error
            return _interrupted()
        end_line()
        if args.verbose:
            raise
        print(f"retroscope: internal error ({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}); "
              "this is a bug: run again with -v for the details and report it",
              file=sys.stderr)
        return 70
    finally:
        # the command's config was the loads' (_settings): a caller that runs main() and then
        # loads in the same process (a test, a script) builds with its own again
        load.use_config(caller_config)


if __name__ == "__main__":
    sys.exit(main())
