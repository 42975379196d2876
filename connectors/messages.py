"""Wording shared by the connectors' error messages."""

from __future__ import annotations


def quote_value(v: object) -> str:
    """A user's value as it appears in a problem line: quoted, at most 40 characters. A value
    that runs over several lines of a file says so: a quote left open swallows the lines after
    it into one cell ('abc\\n2026-13-40,foo,3'), which alone reads as a puzzle."""
    t = str(v)
    shown = repr(t if len(t) <= 40 else t[:37] + "...")
    return shown + " (it runs over several lines: a quote left open?)" if "\n" in t else shown
