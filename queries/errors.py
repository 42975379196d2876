"""User-facing errors: one line that says what went wrong, where, and how to fix it."""


class RetroscopeError(Exception):
    """An error a user can act on. `str(err)` is the whole message; the CLI prints it
    on one line without a traceback and exits non-zero."""


class WarehouseMissing(RetroscopeError):
    pass


class WarehouseBusy(RetroscopeError):
    pass


class QueryError(RetroscopeError):
    pass
