"""Which failures mean "the database is away" (answer 503 and retry) rather than a bug.

Bad values are caught before they reach the database (``webhooks.payload``), so what is left
here is the database being stopped, unreachable, full, read-only, hung past its timeout, or a
connection dying mid-transaction.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import exc as sa_exc


class OutcomeUnknownError(Exception):
    """The connection failed during COMMIT: the transaction may or may not have landed."""


def is_unavailable(error: BaseException) -> bool:
    """True for failures of the database itself, on either driver, wrapped or not."""
    if isinstance(error, OutcomeUnknownError | TimeoutError | ConnectionError | OSError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or _unavailable_driver_error(error.orig)
    if isinstance(error, sa_exc.TimeoutError | sa_exc.InterfaceError):
        return True
    return _unavailable_driver_error(error)


def _unavailable_driver_error(error: BaseException | None, depth: int = 0) -> bool:
    """The driver's error, or what it wraps (SQLAlchemy's asyncpg adapter keeps asyncpg's
    own exception as the cause), is about the database, not the statement."""
    if error is None or depth > 3:
        return False
    if isinstance(error, sqlite3.OperationalError):  # locked, disk full, I/O, read-only
        return True
    if isinstance(error, TimeoutError | ConnectionError | OSError):
        return True
    name = type(error).__name__
    sqlstate = str(getattr(error, "sqlstate", "") or "")
    if name in _ASYNCPG_UNAVAILABLE or name.endswith("ConnectionError"):
        return True
    if sqlstate.startswith(_UNAVAILABLE_SQLSTATES):
        return True
    return _unavailable_driver_error(error.__cause__, depth + 1)


# 08 connection exception, 53 insufficient resources, 57P admin/crash shutdown and "cannot
# connect now" (starting up), 57014 statement timeout, 25006 read-only transaction.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P", "57014", "25006")


_ASYNCPG_UNAVAILABLE = frozenset(
    {
        "InterfaceError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "CannotConnectNowError",
        "QueryCanceledError",  # statement_timeout
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
        "DiskFullError",
        "ReadOnlySQLTransactionError",
        "InternalClientError",
    }
)
