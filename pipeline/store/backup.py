"""Back up and restore `var/`: the database by SQLite's online backup, the archive
by copying the mails the copy does not have yet.

The online backup (sqlite3 `Connection.backup`) gives a consistent copy while the
service keeps working; a plain `cp` of a database in WAL mode can miss the last
commits. Archived mails never change (their name is their sha256), so copying
only the new ones is a complete, incremental copy.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

DATABASE_NAME = "mailroll.sqlite3"
ARCHIVE_NAME = "archive"


def backup_database(database: Path, target: Path, mode: int = 0o640) -> int:
    """Copy the live database to `target` (replaced); return its number of mails."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            (mails,) = copy.execute("SELECT COUNT(*) FROM mails").fetchone()
        finally:
            copy.close()
    finally:
        source.close()
    os.chmod(partial, mode & 0o660)
    os.replace(partial, target)
    return int(mails)


def check_database(path: Path) -> int:
    """Open a backup and check it is whole; return its number of mails."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        (verdict,) = db.execute("PRAGMA integrity_check").fetchone()
        if verdict != "ok":
            raise sqlite3.DatabaseError(f"{path} is damaged: {verdict}")
        (mails,) = db.execute("SELECT COUNT(*) FROM mails").fetchone()
        return int(mails)
    finally:
        db.close()


def copy_archive(source: Path, target: Path, mode: int = 0o640) -> int:
    """Copy the archived mails `target` lacks; return how many were copied."""
    copied = 0
    for path in sorted(source.glob("??/*.eml")):
        dest = target / path.parent.name / path.name
        if dest.exists() and dest.stat().st_size == path.stat().st_size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_name(dest.name + ".partial")
        shutil.copyfile(path, partial)
        os.chmod(partial, mode)
        os.replace(partial, dest)
        copied += 1
    return copied
