"""Commands that write both stores, the warehouse and its retro records (two files, or two lake
transactions): `retroscope demo` and `retroscope migrate`. Each store is written atomically, but
a kill can fall between the two. Such a command writes a marker before the warehouse is swapped
in and removes it once the retro records are written: a marker no older than the warehouse says
the two do not belong together, and `status` and `doctor` say which command to run again. A
command that fails before the swap removes its marker; one killed before the swap leaves it
older than the unchanged warehouse (or beside no warehouse at all), which is not reported: the
stores still match."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from queries import lake

# kind -> what to run again, as the notes say it
AGAIN = {"demo": "`retroscope demo`", "migrate": "the same `retroscope migrate --to … --force`"}


def marker(db_path, kind: str) -> Path:
    """`<db>.<kind>-pending` beside a file warehouse; on a lake (no file to put it beside) in the
    temp folder, named after the lake."""
    if lake.is_lake(db_path):
        return Path(tempfile.gettempdir()) / f"retroscope-{hashlib.sha256(db_path.url.encode()).hexdigest()[:12]}.{kind}-pending"
    p = Path(db_path)
    return p.with_name(f"{p.name}.{kind}-pending")


def begin(db_path, kind: str, detail: str = "") -> Path:
    """Write the marker (call it just before the warehouse is swapped in); returns it for `end`."""
    m = marker(db_path, kind)
    m.write_text(detail + "\n", encoding="utf-8")
    return m


def end(m: Path) -> None:
    """The retro records are written too: the stores match again."""
    m.unlink(missing_ok=True)


def stopped_between(db_path) -> list[tuple[str, str]]:
    """Per command stopped between the two stores of `db_path`: what happened and what to do
    (none when the stores match)."""
    out = []
    for kind, again in AGAIN.items():
        m = marker(db_path, kind)
        if m.exists() and (lake.is_lake(db_path)
                           or (Path(db_path).exists() and Path(db_path).stat().st_mtime >= m.stat().st_mtime)):
            out.append((f"the last `retroscope {kind}` into this warehouse was stopped after the warehouse was "
                        "replaced but before its retro records were written, so the two do not match",
                        f"run {again} again"))
    return out
