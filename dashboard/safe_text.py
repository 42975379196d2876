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
_PUNCT = re.compile(r"([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")


def md(value: object) -> str:
    """`value` as Markdown source that displays exactly its characters (line breaks kept)."""
    if value is None:
        return ""
    text = _PUNCT.sub(r"\\\1", str(value))
    return "  \n".join(line.strip("\r") for line in text.split("\n"))


def plot(value: object) -> str:
    """`value` for a Plotly text label: its pseudo-HTML (<a href>, <b>, ...) shown as text."""
    return "" if value is None else html.escape(str(value), quote=False)
