"""The only seam between Streamlit and DuckDB.

- One read-only connection per warehouse *file identity* (inode, mtime, size), held with
  `st.cache_resource`. A sync or import swaps the file atomically, so the identity changes
  and the next rerun opens the new file: a finished sync shows without restarting the app,
  and a running sync never blocks the pages (they keep reading the old file).
- Query results are cached with `st.cache_data`, keyed by query name, parameters and the
  warehouse + user-input versions.
- The user-input store is copied into the connection's temp tables; after a page writes
  to it, `invalidate_userdata()` makes the next read see the change.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

import queries
from connectors.settings import Settings, load_settings
from queries.registry import REGISTRY, run_public


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    return load_settings()


def _version(path: Path) -> tuple | None:
    try:
        s = os.stat(path)
    except FileNotFoundError:
        return None
    return (s.st_ino, s.st_mtime_ns, s.st_size)


def warehouse_version() -> tuple | None:
    return _version(settings().db_path)


def userdata_version() -> tuple | None:
    return _version(settings().userdata)


@dataclass
class _Conn:
    con: object
    lock: threading.Lock
    userdata_version: tuple | None


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(db_path: str, version: tuple) -> _Conn:
    s = settings()
    con = queries.connect(db_path, config=s.analysis, userdata_path=s.userdata)
    return _Conn(con=con, lock=threading.Lock(), userdata_version=userdata_version())


def has_warehouse() -> bool:
    return warehouse_version() is not None


def _conn() -> _Conn:
    version = warehouse_version()
    if version is None:
        raise queries.WarehouseMissing(f"no warehouse at {settings().db_path}")
    c = _connection(str(settings().db_path), version)
    ud = userdata_version()
    if ud != c.userdata_version:
        with c.lock:
            queries.refresh_userdata(c.con, settings().userdata)
            c.userdata_version = ud
    return c


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(kind: str, name: str, params: tuple, wh_version: tuple, ud_version: tuple | None) -> pd.DataFrame:
    c = _conn()
    with c.lock:
        if kind == "public":
            return run_public(c.con, name, **dict(params))
        return queries.run(c.con, name, **dict(params))


def run_query(name: str, **params) -> pd.DataFrame:
    """Run a query (public ones through the registry's validation) with caching."""
    kind = "public" if name in REGISTRY else "report"
    key = tuple(sorted((k, v) for k, v in params.items()))
    return _cached(kind, name, key, warehouse_version(), userdata_version())


def invalidate_userdata() -> None:
    """Call after writing to the user-input store (the version check picks it up; this
    also drops cached frames at once)."""
    _cached.clear()


def db_label() -> str:
    return str(settings().db_path)
