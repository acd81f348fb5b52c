"""Storage faults: the disk is full, the database or its folder cannot be written,
the database file is damaged. None of them is a bug, and none loses data (SQLite
rolls back, the archive writes through a temp file), so each becomes one
StorageError line that says what to do, never a traceback."""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import StorageError

_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DENIED = (errno.EROFS, errno.EACCES, errno.EPERM)
_WHAT_TO_DO = {
    "full": "free space on that disk (or move var/ to a larger one), then run mailroll again;"
    " nothing already stored is lost",
    "denied": "make the folder and the database writable by the user running mailroll"
    " (and the disk not read-only), then run mailroll again",
    "damaged": "stop mailroll and restore the database from a backup; without one, move it"
    " aside and run mailroll again (the mailbox is read anew, the archive keeps every mail)",
    "io": "check the disk (dmesg, free space), then run mailroll again",
}


def storage_error(exc: BaseException, database: Path) -> StorageError | None:
    """The StorageError for `exc` if it is a storage fault, else None."""
    kind = _kind(exc)
    if kind is None:
        return None
    # sqlite names no file; an OSError its file, or else it was the data folder's disk
    where = database if isinstance(exc, sqlite3.Error) else getattr(exc, "filename", None)
    where = where or database.parent
    what = {
        "full": "disk full",
        "denied": "cannot write",
        "damaged": "database damaged",
        "io": "disk I/O error",
    }[kind]
    detail = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return StorageError(f"{what}: {where} ({detail}); {_WHAT_TO_DO[kind]}")


def _kind(exc: BaseException) -> str | None:
    if isinstance(exc, sqlite3.Error):
        text = str(exc).lower()
        if "disk is full" in text:
            return "full"
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return "denied"
        if "not a database" in text or "malformed" in text or "corrupt" in text:
            return "damaged"
        if "disk i/o error" in text:
            return "io"
        return None
    if isinstance(exc, OSError):
        if exc.errno in _FULL:
            return "full"
        if exc.errno in _DENIED:
            return "denied"
        if exc.errno == errno.EIO:
            return "io"
    return None


@contextmanager
def storage_faults(database: Path) -> Iterator[None]:
    """Turn a storage fault raised inside into a StorageError (anything else passes)."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        fault = storage_error(exc, database)
        if fault is None:
            raise
        raise fault from exc
