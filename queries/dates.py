"""Date helpers shared by the pure-Python analyses."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd


def as_date(v) -> date:
    """The calendar day of a date, datetime, pandas Timestamp or ISO string (a datetime's own
    day, in its own timezone)."""
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return pd.Timestamp(v).date()
