"""`mailroll backup DIR` and `mailroll restore DIR`: all of `var/` that matters, the
database and the archived mails, to a folder and back (see README, 运维)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import MailrollError
from pipeline.service.lock import RunLock
from pipeline.store.backup import (
    ARCHIVE_NAME,
    DATABASE_NAME,
    backup_database,
    check_database,
    copy_archive,
)


@dataclass(frozen=True)
class Copied:
    database: Path
    mails: int  # mails recorded in the database copied
    files: int  # archived mails copied this time (the others were there already)


def backup(config: Config, folder: Path) -> Copied:
    """Copy the database (online: the service may keep running) and the archived
    mails the folder does not have yet. Run it again into the same folder to update."""
    if not config.storage.database.exists():
        raise MailrollError("nothing to back up: no database yet", str(config.storage.database))
    target = folder / DATABASE_NAME
    mails = backup_database(config.storage.database, target, config.storage.mode)
    files = copy_archive(config.storage.archive, folder / ARCHIVE_NAME, config.storage.mode)
    return Copied(target, mails, files)


def restore(config: Config, folder: Path) -> Copied:
    """Put a backup in place of the configured database and archive. Holds the run
    lock, so it refuses while the service or a cron run is working."""
    source = folder / DATABASE_NAME
    if not source.is_file():
        raise MailrollError(f"no {DATABASE_NAME} in {folder}: not a mailroll backup folder")
    try:
        check_database(source)
    except Exception as exc:  # sqlite3.DatabaseError and friends: one line for the user
        raise MailrollError(f"the backup cannot be used: {exc}", str(source)) from None
    with RunLock(config.service.lock, "restore", config.campaign.timezone):
        database = config.storage.database
        for stale in (database.with_name(database.name + s) for s in ("-wal", "-shm")):
            stale.unlink(missing_ok=True)
        mails = backup_database(source, database, config.storage.mode)
        files = copy_archive(folder / ARCHIVE_NAME, config.storage.archive, config.storage.mode)
    return Copied(database, mails, files)
