"""Wording shared by the connectors' error messages."""

from __future__ import annotations


def quote_value(v: object) -> str:
    """A user's value as it appears in a problem line: quoted, at most 40 characters."""
    t = str(v)
    return repr(t if len(t) <= 40 else t[:37] + "...")
