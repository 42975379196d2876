"""User- and Jira-supplied text (card and action texts, retro titles, team, board and
sprint names, item names) shown as text: never interpreted as Markdown, HTML, LaTeX,
Streamlit directives (`:red[...]`, `:material/...:`) or Plotly's pseudo-HTML.

`md(s)` escapes a value for `st.markdown` / `st.caption` / `st.subheader` (so a card
`![x](http://host/pixel.png)` shows those characters and makes no request); `plot(s)`
escapes one for a Plotly label or annotation. Pages wrap every such value in one of them.
"""

from __future__ import annotations

import html
import re

# Every ASCII punctuation character may be backslash-escaped in CommonMark; escaping all
# of them turns off emphasis, links, images, code, headings, lists, tables, HTML, math
# ($) and Streamlit's :directive[...] syntax at once.
_WJ = "\u2060"   # WORD JOINER: invisible, keeps the text as typed on screen
_AUTOLINK = re.compile(r"(?i)://|www\.|@")
_PUNCT = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def md(value: object) -> str:
    """`value` as Markdown source that displays exactly its characters (line breaks kept)."""
    if value is None:
        return ""
    # Bare URLs and e-mail addresses would still become links (GFM autolinks act on the
    # text after escapes are resolved): an invisible word joiner breaks their pattern.
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + _WJ + m.group(0)[-1], str(value))
    text = _PUNCT.sub(r"\\\1", text)
    return "  \n".join(line.strip("\r") for line in text.split("\n"))


def plot(value: object) -> str:
    """`value` for a Plotly text label: its pseudo-HTML (<a href>, <b>, ...) shown as text."""
    return "" if value is None else html.escape(str(value), quote=False)


# CSV: a text cell starting with one of these is a formula to a spreadsheet (`=cmd|...`),
# so it is written with a leading apostrophe (which spreadsheets show as text). Plain
# numbers kept as text ("-5", "+3.2") are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?%?$")


def spreadsheet_safe(df):
    """A copy of the frame whose text cells cannot run as spreadsheet formulas (for CSV
    exports and downloads; docs/pages.md, README "Commands")."""
    import pandas as pd

    out = df.copy()
    for c in out.columns:
        s = out[c]
        if not (s.dtype == object or pd.api.types.is_string_dtype(s.dtype)):
            continue

        def fix(v):
            if isinstance(v, str) and v.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(v):
                return "'" + v
            return v

        out[c] = s.map(fix)
    return out
