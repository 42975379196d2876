"""Test helpers for the outcomes area: synthetic daily series and throwaway warehouses
built through the real load path (connectors.load.staged_load)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from connectors.load import staged_load

WEEKDAY_PROFILE = np.array([1.00, 1.02, 1.03, 1.02, 0.99, 0.93, 0.91])   # Mon..Sun


def synthetic_series(seed: int, *, effect: float = 0.0, phi: float = 0.5, sd: float = 0.02,
                     trend: float = 0.0005, level: float = 1000.0, n_pre: int = 28, window: int = 28,
                     lag: int = 0, start: date = date(2026, 1, 5)) -> tuple[pd.Series, date]:
    """A daily series with a linear trend (relative per day), a weekly profile and AR(1)
    noise (marginal sd `sd` relative to the level); from the ship day + lag on, the series is
    multiplied by (1 + effect). Returns (series, ship day)."""
    rng = np.random.default_rng(seed)
    n = n_pre + lag + window
    days = [start + timedelta(days=i) for i in range(n)]
    t = np.arange(n) - n_pre
    wd = np.array([d.weekday() for d in days])
    e = np.empty(n)
    e[0] = rng.normal()
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal() * np.sqrt(1 - phi * phi)
    base = level * (1 + trend * t) * WEEKDAY_PROFILE[wd]
    y = base * (1 + sd * e)
    y[t >= lag] *= 1 + effect
    return pd.Series(y, index=days), days[n_pre]


def exact_series(start: date, n: int, f) -> pd.Series:
    """A noise-free series: value = f(day index, weekday)."""
    days = [start + timedelta(days=i) for i in range(n)]
    return pd.Series([float(f(i, d.weekday())) for i, d in enumerate(days)], index=days)


def load_metrics(db: Path, points: pd.DataFrame, *, source: str = "file:test.csv",
                 definitions: pd.DataFrame | None = None, items: pd.DataFrame | None = None) -> None:
    """Write metric points (metric, day, value[, segment]) and optional definitions and
    shipped items into a warehouse through staged_load."""
    pts = points.copy()
    if "segment" not in pts.columns:
        pts["segment"] = ""
    pts.insert(0, "source", source)
    with staged_load(db, source, "import") as w:
        w.write("raw_metric_points", pts[["source", "metric", "day", "segment", "value"]])
        if definitions is not None:
            d = definitions.copy()
            d.insert(0, "source", source)
            w.write("raw_metric_definitions", d)
        if items is not None:
            it = items.copy()
            it.insert(0, "source", source)
            w.write("raw_shipped_items", it)


def series_frame(metric: str, s: pd.Series, segment: str = "") -> pd.DataFrame:
    return pd.DataFrame({"metric": metric, "day": list(s.index), "segment": segment, "value": s.to_numpy()})


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def spiky_series(seed: int, *, effect: float = 0.0, n_pre: int = 392, window: int = 28, level: float = 1000.0,
                 spikes: np.ndarray | None = None, phi: float = 0.5, sd: float = 0.01,
                 start: date = date(2025, 1, 6)) -> tuple[pd.Series, date]:
    """A daily series like a real product metric: weekly profile, AR(1) noise (marginal sd
    `sd` of the level), one- or two-day spikes of ±15–40 % on about one day in 50 (news,
    outages, holidays) and a +8 % level shift half-way through the history. `spikes` (added,
    in units of the level) may be passed to share them between series. From the ship day on
    the series is multiplied by (1 + effect). Returns (series, ship day)."""
    rng = np.random.default_rng(seed)
    n = n_pre + window
    days = [start + timedelta(days=i) for i in range(n)]
    wd = np.array([d.weekday() for d in days])
    e = np.empty(n)
    e[0] = rng.normal()
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal() * np.sqrt(1 - phi * phi)
    if spikes is None:
        spikes = spike_train(seed + 1, n)
    y = level * WEEKDAY_PROFILE[wd] * (1 + sd * e + spikes)
    y[n_pre // 2:] *= 1.08
    y[n_pre:] *= 1 + effect
    return pd.Series(y, index=days), days[n_pre]


def spike_train(seed: int, n: int) -> np.ndarray:
    """Relative spikes: on about 1 day in 50 a spike of ±15–40 % lasting 1 or 2 days."""
    rng = np.random.default_rng(seed)
    out = np.zeros(n)
    for i in np.flatnonzero(rng.random(n) < 0.02):
        out[i:i + rng.integers(1, 3)] += rng.choice([-1, 1]) * rng.uniform(0.15, 0.4)
    return out
