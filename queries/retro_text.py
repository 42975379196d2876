"""How a retro is named where it is shown (pages, the slide, pickers): its title, or without
one (the title is optional) its kind and the day it was held, e.g. "Scrum retro 4 Dec 2026".
A missing title is None in a record and NaN in a frame; both read as no title."""

from __future__ import annotations

import pandas as pd

from queries.dates import day_words

KIND_LABELS = {"scrum": "Scrum (sprint) retro", "product": "Product retro", "pm-eng": "PM / engineering retro"}
_KIND_NAMES = {"scrum": "Scrum retro", "product": "Product retro", "pm-eng": "PM / engineering retro"}


def _missing(v) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def retro_title(title, kind=None, held_on=None) -> str:
    """The retro's name to show: its title, else "<Kind> retro <day>" (e.g. "Scrum retro 4 Dec
    2026"), else "Retro"."""
    if not _missing(title) and str(title).strip():
        return str(title).strip()
    name = "Retro" if _missing(kind) else _KIND_NAMES.get(str(kind), "Retro")
    if _missing(held_on):
        return name
    return f"{name} {day_words(held_on)}"
