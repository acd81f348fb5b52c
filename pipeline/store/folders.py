"""What the database knows about each IMAP folder: how far it has been read, and
which after-processing actions are still owed to the mailbox.

State is kept per (account, folder, UIDVALIDITY): UIDs mean something only
under the UIDVALIDITY the server gave with them. When a folder comes back with
a new UIDVALIDITY (deleted and recreated, migrated to a new server) there is
no row for it yet, so it is read again from UID 1; the mails already stored
are recognised by their sha256 and not doubled.

`last_uid` and the queued action of a mail are written by `record_mail`
inside the transaction that records the mail itself (see `Store.save_raw`):
a mail is in the database if and only if the folder's state says so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.config import AfterAction
from pipeline.store import Store, now_iso


@dataclass(frozen=True)
class FolderKey:
    """A folder at one UIDVALIDITY: the scope in which a UID names a mail."""

    account: str
    folder: str
    uidvalidity: int

    @property
    def source(self) -> str:
        """The `seen.source` of mails from this folder."""
        return f"imap:{self.account}/{self.folder}"

    def mail_key(self, uid: int) -> str:
        """The `seen.key` of one mail: stable for as long as UIDVALIDITY is."""
        return f"{self.uidvalidity}:{uid}"


@dataclass(frozen=True)
class PendingAction:
    uid: int
    action: str
    target: str


@dataclass(frozen=True)
class FolderState:
    last_uid: int = 0  # every mail up to this UID is archived (or recorded as unreadable)
    failing_uid: int | None = None  # a FETCH of UIDs up to this one lost the connection
    failures: int = 0  # how often failing_uid, fetched alone, lost it


def folder_state(store: Store, key: FolderKey) -> FolderState | None:
    """How far this folder has been read under this UIDVALIDITY; None if never."""
    row = store.db.execute(
        "SELECT last_uid, failing_uid, failures FROM imap_state"
        " WHERE account = ? AND folder = ? AND uidvalidity = ?",
        (key.account, key.folder, key.uidvalidity),
    ).fetchone()
    if row is None:
        return None
    return FolderState(int(row["last_uid"]), row["failing_uid"], int(row["failures"]))


def known_uidvalidities(store: Store, account: str, folder: str) -> list[int]:
    rows = store.db.execute(
        "SELECT uidvalidity FROM imap_state WHERE account = ? AND folder = ? ORDER BY rowid",
        (account, folder),
    ).fetchall()
    return [int(r["uidvalidity"]) for r in rows]


def record_mail(
    db: sqlite3.Connection, key: FolderKey, uid: int, after: AfterAction | None
) -> None:
    """Inside the mail's own transaction: advance last_uid, queue the after-action."""
    advance(db, key, uid)
    if after is not None and after.action != "none":
        db.execute(
            "INSERT OR REPLACE INTO imap_actions"
            " (account, folder, uidvalidity, uid, action, target, queued_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (key.account, key.folder, key.uidvalidity, uid, after.action, after.target, now_iso()),
        )


def advance(db: sqlite3.Connection, key: FolderKey, uid: int) -> None:
    """Set last_uid to `uid` (never backwards); past failing_uid, forget the failures."""
    db.execute(
        "INSERT INTO imap_state (account, folder, uidvalidity, last_uid, updated_at)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (account, folder, uidvalidity) DO UPDATE SET"
        " last_uid = max(last_uid, excluded.last_uid), updated_at = excluded.updated_at,"
        " failures = CASE WHEN excluded.last_uid >= failing_uid THEN 0 ELSE failures END,"
        " failing_uid = CASE WHEN excluded.last_uid >= failing_uid THEN NULL"
        " ELSE failing_uid END",
        (key.account, key.folder, key.uidvalidity, uid, now_iso()),
    )


def save_skipped(store: Store, key: FolderKey, uid: int) -> None:
    """Move past a UID that has no mail to store (expunged, or recorded as unreadable)."""
    with store.transaction() as db:
        advance(db, key, uid)


def save_fetch_failure(store: Store, key: FolderKey, batch: list[int]) -> FolderState:
    """Remember that fetching `batch` lost the connection, to find the mail that does it.

    A failed batch makes the next attempt fetch its UIDs one by one; a single
    UID that fails again counts a failure against that UID.
    """
    current = folder_state(store, key) or FolderState()
    if len(batch) == 1 and current.failing_uid == batch[0]:
        new = FolderState(current.last_uid, batch[0], current.failures + 1)
    elif len(batch) == 1:
        new = FolderState(current.last_uid, batch[0], 1)
    else:
        new = FolderState(current.last_uid, batch[-1], 0)
    with store.transaction() as db:
        db.execute(
            "INSERT INTO imap_state (account, folder, uidvalidity, last_uid, failing_uid,"
            " failures, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (account, folder, uidvalidity) DO UPDATE SET"
            " failing_uid = excluded.failing_uid, failures = excluded.failures,"
            " updated_at = excluded.updated_at",
            (key.account, key.folder, key.uidvalidity, new.last_uid, new.failing_uid,
             new.failures, now_iso()),
        )  # fmt: skip
    return new


def pending_actions(store: Store, key: FolderKey) -> list[PendingAction]:
    rows = store.db.execute(
        "SELECT uid, action, target FROM imap_actions"
        " WHERE account = ? AND folder = ? AND uidvalidity = ? ORDER BY uid",
        (key.account, key.folder, key.uidvalidity),
    ).fetchall()
    return [PendingAction(int(r["uid"]), r["action"], r["target"]) for r in rows]


def has_pending_actions(store: Store, account: str, folder: str) -> bool:
    """Whether any after-action is owed in this folder (a crash came before it)."""
    row = store.db.execute(
        "SELECT 1 FROM imap_actions WHERE account = ? AND folder = ? LIMIT 1", (account, folder)
    ).fetchone()
    return row is not None


def save_actions_done(store: Store, key: FolderKey, uids: Iterable[int]) -> None:
    with store.transaction() as db:
        db.executemany(
            "DELETE FROM imap_actions"
            " WHERE account = ? AND folder = ? AND uidvalidity = ? AND uid = ?",
            [(key.account, key.folder, key.uidvalidity, uid) for uid in uids],
        )


def drop_stale_actions(store: Store, key: FolderKey) -> int:
    """Forget actions queued under another UIDVALIDITY: their UIDs name nothing now."""
    with store.transaction() as db:
        cur = db.execute(
            "DELETE FROM imap_actions WHERE account = ? AND folder = ? AND uidvalidity != ?",
            (key.account, key.folder, key.uidvalidity),
        )
    return cur.rowcount
