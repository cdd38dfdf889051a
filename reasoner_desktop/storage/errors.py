"""The history's errors and the one place that turns SQLite's (and the file system's) errors
into a sentence for the user.

No SQLAlchemy import here, so that the command line can catch these without loading it.
A translated error never carries the SQL or its parameters (message text) along.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

# SQLite result codes (the low byte of an extended code), https://sqlite.org/rescode.html
_BUSY, _LOCKED, _READONLY, _IOERR, _FULL = 5, 6, 8, 10, 13
_IOERR_SHMSIZE = 4874  # the -shm file could not grow: no space left
NEARLY_FULL_BYTES = 1 << 20  # an unexplained I/O error with less free space than this is a full disk

LOCKED, FULL, READ_ONLY = "locked", "full", "read-only"
_REASONS = {
    LOCKED: "the history is locked by another program",
    FULL: "the disk is full",
    READ_ONLY: "the history is read-only",
}


class DatabaseError(Exception):
    """The history database cannot be used. str(error) is the user-facing sentence."""


class DatabaseTooNew(DatabaseError):
    """Written by a newer version of the app; refused, and left unchanged."""


class HistoryWriteError(DatabaseError):
    """The history could not be written: locked by another program, a full disk, or read-only.

    str(error) is one sentence for the user; `kind` is LOCKED, FULL or READ_ONLY and `reason`
    the same as a short lower-case phrase ("the disk is full"), for inside another sentence.
    The transaction that failed was rolled back whole."""

    def __init__(self, kind: str, path: Path | str | None = None) -> None:
        self.kind = kind
        self.reason = _REASONS[kind]
        self.path = Path(path) if path else None
        super().__init__(_sentence(kind, self.path))

    def __reduce__(self):  # copies and pickles rebuild it from (kind, path), not from the sentence
        return type(self), (self.kind, self.path)


def _sentence(kind: str, path: Path | None) -> str:
    if kind == LOCKED:
        return "The history is locked by another program; try again when it has finished."
    if kind == FULL:
        where = f" holding {path.parent}" if path else ""
        return f"The disk{where} is full; free some space and try again."
    where = f": {path} cannot be written" if path else ""
    return f"The history is read-only{where}."


def sqlite_error_of(exc: BaseException) -> sqlite3.Error | None:
    """The driver's error inside a SQLAlchemy error (its `.orig`), or `exc` itself."""
    if isinstance(exc, sqlite3.Error):
        return exc
    orig = getattr(exc, "orig", None)
    return orig if isinstance(orig, sqlite3.Error) else None


def write_error_kind(exc: BaseException, path: Path | None = None) -> str | None:
    """LOCKED, FULL or READ_ONLY when `exc` (a sqlite3, SQLAlchemy or OS error) is one of those."""
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return FULL
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return READ_ONLY
        return None
    err = sqlite_error_of(exc)
    if err is None:
        return None
    code = getattr(err, "sqlite_errorcode", None)
    text = str(err).lower()
    if code is None:  # a driver without error codes: the messages are stable
        if "locked" in text:
            return LOCKED
        if "full" in text:
            return FULL
        if "readonly" in text or "read-only" in text:
            return READ_ONLY
        return None
    primary = code & 0xFF
    if primary in (_BUSY, _LOCKED):
        return LOCKED
    if primary == _FULL or code == _IOERR_SHMSIZE:
        return FULL
    if primary == _READONLY:
        return READ_ONLY
    if primary == _IOERR and path is not None and _nearly_full(path):
        return FULL
    return None


def _nearly_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(path.parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def translate_error(exc: BaseException, path: Path | str | None = None) -> DatabaseError:
    """The sentence-carrying error for `exc`: HistoryWriteError for a lock, a full disk or a
    read-only history, else a DatabaseError quoting SQLite's own short message (never the SQL
    or its parameters)."""
    if isinstance(exc, DatabaseError):
        return exc
    path = Path(path) if path else None
    kind = write_error_kind(exc, path)
    if kind is not None:
        return HistoryWriteError(kind, path)
    err = sqlite_error_of(exc)
    detail = str(err) if err is not None else (getattr(exc, "strerror", None) or type(exc).__name__)
    where = f" {path}" if path else ""
    return DatabaseError(f"The history database{where} could not be read or written: {detail}.")


def describe(exc: BaseException, path: Path | str | None = None) -> str:
    """A short lower-case phrase for `exc`, to use inside another sentence
    ("the answer could not be saved (the disk is full)")."""
    kind = write_error_kind(exc, Path(path) if path else None) if not isinstance(exc, HistoryWriteError) else exc.kind
    if kind is not None:
        return _REASONS[kind]
    err = sqlite_error_of(exc)
    return str(err) if err is not None else str(exc)
