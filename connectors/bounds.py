"""Bounds on what enters Retroscope from a file or a form: plausible dates, vote counts,
file shapes and encodings. One place, so every reader refuses the same things with the
same words (docs/imports.md, "Limits").

Plain functions, no IO: `connectors.files` and `connectors.userdata` call them where a
value enters, before anything is written.
"""

from __future__ import annotations

import re
import unicodedata

from queries.limits import DATE_MAX, DATE_MIN, DATE_RANGE_TEXT, date_out_of_range

__all__ = ["DATE_MIN", "DATE_MAX", "DATE_RANGE_TEXT", "date_out_of_range", "MAX_VOTES", "MAX_ABS_VALUE", "MAX_ABS_VALUE_TEXT",
           "MAX_TEXT", "MAX_HEADLINE", "MAX_COLUMNS",
           "wide_encoding", "nested", "duplicates", "redact_url", "line_break"]

DEMO_SEED = (0, 2**32 - 1)     # `retroscope demo --seed`
DEMO_SCALE = (1, 10_000_000)   # `retroscope demo --scale` (issues)
MAX_VOTES = 1_000_000          # dot votes on one card
MAX_ABS_VALUE = 10**15         # a metric's daily value (1.7e308 imported, then overflowed the impact
MAX_ABS_VALUE_TEXT = "±10^15"  # analysis to -inf: no metric a team tracks comes near it)
MAX_TEXT = 10_000              # a name, description, note or card text (a 10 MB item name and a 20 MB
                               # description were imported; the longest card a team writes is a paragraph)
MAX_HEADLINE = 200             # the slide's one-line title (`export tech-health --headline`)
MAX_COLUMNS = 2_000            # columns of an imported table (a wide metrics file: one per metric;
                               # the wide reader costs ~1 ms per column, 10,000 took 10 s of CPU)


def wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' / 'UTF-32' when the bytes are a wide Unicode encoding (by byte-order mark,
    or NUL bytes regularly between ASCII characters; other binary data is not), else None.
    Such a file would otherwise be read as one odd column."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = raw[:512]
    if len(head) < 8:
        return None

    def zeros(k: int, step: int) -> float:   # share of NUL bytes at positions k, k+step, ...
        part = head[k::step]
        return part.count(0) / len(part)

    if all(zeros(k, 4) > 0.9 for k in (1, 2, 3)) or all(zeros(k, 4) > 0.9 for k in (0, 1, 2)):
        return "UTF-32"
    for text_at, nul_at in ((0, 1), (1, 0)):   # ASCII in UTF-16 LE / BE: every other byte NUL
        if zeros(nul_at, 2) > 0.9 and zeros(text_at, 2) < 0.1:
            return "UTF-16"
    return None


def nested(v: object) -> str | None:
    """'a JSON object' / 'a JSON array' for a value read from JSON where a single value is due (it
    would be stored as its Python text, "{'x': 1}"), else None: one wording for every reader."""
    return "a JSON object" if isinstance(v, dict) else "a JSON array" if isinstance(v, list) else None


def duplicates(names: list[str]) -> list[str]:
    """Names that appear more than once, sorted (linear time: a header may be huge)."""
    seen: set[str] = set()
    dup: set[str] = set()
    for n in names:
        if n in seen:
            dup.add(n)
        seen.add(n)
    return sorted(dup)


_USERINFO = re.compile(r"^((?:[A-Za-z][A-Za-z0-9+.\-]*:)?//)?[^/?#@\s]*@")


def redact_url(url: object) -> str:
    """A URL as it may appear in a message or a log: any `user:password@` part (in any
    scheme, or none) replaced by `***@`."""
    return _USERINFO.sub(r"\1***@", str(url))


def line_break(text: str) -> str | None:
    """The first character of `text` that breaks or controls a line (a newline, a vertical tab,
    U+2028, any other control character), named ("a line break (U+000A)"); None when it is one
    plain line. A slide's title is one line: python-pptx writes a control character as text
    ("two_x000B_lines")."""
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            return f"a line break or control character (U+{ord(ch):04X})"
    return None
