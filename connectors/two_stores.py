"""Commands that write both stores, the warehouse and its retro records (two files, or two lake
transactions): `retroscope demo` and `retroscope migrate`. Each store is written atomically, but
a kill can fall between the two. Such a command writes a marker before the warehouse is swapped
in, holding what the warehouse file was then (inode, modification time, size), and removes it
once the retro records are written. A marker beside a warehouse that is no longer that file says
the two stores do not belong together: `status` and `doctor` say which command to run again. A
command that fails before the swap removes its marker; one killed before the swap leaves it
beside the same warehouse file, which is not reported, and the next load removes it
(`clear_unswapped`, called under the load's lock). On a lake (no file to compare) a marker left
by a kill is always reported."""

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


def _identity(db_path) -> str:
    """What the warehouse file is: its inode, modification time and size ('absent' before there is
    one; 'lake' for a lake). A swap (os.replace of a new copy) changes it."""
    if lake.is_lake(db_path):
        return "lake"
    try:
        st = Path(db_path).stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"


def begin(db_path, kind: str, detail: str = "") -> Path:
    """Write the marker (call it just before the warehouse is swapped in); returns it for `end`."""
    m = marker(db_path, kind)
    m.write_text(f"{_identity(db_path)}\n{detail}\n", encoding="utf-8")
    return m


def end(m: Path) -> None:
    """The retro records are written too (or the warehouse was never replaced): the stores match."""
    m.unlink(missing_ok=True)


def _swapped(db_path, m: Path) -> bool:
    """Has the warehouse been replaced since the marker was written?"""
    if lake.is_lake(db_path):
        return True
    try:
        was = m.read_text(encoding="utf-8").splitlines()[0]
    except (OSError, IndexError):
        return False
    return _identity(db_path) not in (was, "absent")


def stopped_between(db_path) -> list[tuple[str, str]]:
    """Per command stopped between the two stores of `db_path`: what happened and what to do
    (none when the stores match)."""
    out = []
    for kind, again in AGAIN.items():
        m = marker(db_path, kind)
        if m.exists() and _swapped(db_path, m):
            out.append((f"the last `retroscope {kind}` into this warehouse was stopped after the warehouse was "
                        "replaced but before its retro records were written, so the two do not match",
                        f"run {again} again"))
    return out


def clear_unswapped(db_path) -> None:
    """Remove the markers of commands killed before they replaced the warehouse (the stores still
    match). A load calls it under its lock, before it replaces the warehouse itself."""
    if lake.is_lake(db_path):
        return
    for kind in AGAIN:
        m = marker(db_path, kind)
        if m.exists() and not _swapped(db_path, m):
            end(m)
