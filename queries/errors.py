"""User-facing errors: one line that says what went wrong, where, and how to fix it."""

import os


class RetroscopeError(Exception):
    """An error a user can act on. `str(err)` is the whole message; the CLI prints it
    on one line without a traceback and exits non-zero."""


class WarehouseMissing(RetroscopeError):
    pass


class WarehouseBusy(RetroscopeError):
    pass


class QueryError(RetroscopeError):
    pass


def interrupted(e: BaseException) -> bool:
    """Whether `e` is Ctrl+C: DuckDB reports a query interrupted by it as an ordinary error
    (InterruptException, or a RuntimeError "Query interrupted" from its Python layer), not as
    KeyboardInterrupt, and a load spends most of its time in queries (the facts build)."""
    if isinstance(e, KeyboardInterrupt):
        return True
    import duckdb

    return isinstance(e, duckdb.InterruptException) or (isinstance(e, RuntimeError)
                                                        and "query interrupted" in str(e).lower())


def did_you_mean(word: str, known) -> str:
    """"did you mean 'x'?" for the one known name closest to a mistyped `word` (difflib), or ""
    when none is close: how a message offers the name a typo probably meant."""
    import difflib

    near = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f"did you mean '{near[0]}'?" if near else ""


# how a damaged warehouse is mended (its retro records beside it: queries._rebuild)
REBUILD_WAREHOUSE = "rebuild it (demo, sync, import) or restore a backup"


def unreadable(msg: str, path=None) -> str:
    """What is wrong with a store DuckDB cannot read, in words: a file cut short (DuckDB: "Could
    not read enough bytes"), with its size when `path` is known, else DuckDB's own first line."""
    if "Could not read enough bytes" in msg:
        size = ""
        if path is not None:
            try:
                size = f"{os.stat(path).st_size:,} bytes, "
            except OSError:
                pass
        return (f"the file is cut short ({size}less than its own contents say: an unfinished copy or download, "
                "or a disk that filled up while it was written)")
    return msg.splitlines()[0]
