"""The notices table: messages for the office chat's group bots, each (bot, key)
queued once and sent once; a failed POST waits for its next try."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.store import Store, now_iso


@dataclass(frozen=True)
class Notice:
    bot: str
    key: str
    event: str
    text: str
    attempts: int


def save_notice(store: Store, bot: str, key: str, event: str, text: str) -> bool:
    """Queue a notice; False when one with this key was queued before (never twice)."""
    cur = store.db.execute(
        "INSERT OR IGNORE INTO notices (bot, key, event, text, next_try, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (bot, key, event, text, now_iso(), now_iso()),
    )
    return cur.rowcount == 1


def due_notices(store: Store, now: datetime) -> list[Notice]:
    """Pending notices whose next try has come, oldest first."""
    rows = store.db.execute(
        "SELECT bot, key, event, text, attempts FROM notices WHERE state = 'pending'"
        " AND next_try <= ? ORDER BY created_at, rowid",
        (now.isoformat(timespec="seconds"),),
    ).fetchall()
    return [Notice(r["bot"], r["key"], r["event"], r["text"], r["attempts"]) for r in rows]


def save_notice_sent(store: Store, notice: Notice) -> None:
    store.db.execute(
        "UPDATE notices SET state = 'sent', sent_at = ?, attempts = attempts + 1, error = ''"
        " WHERE bot = ? AND key = ?",
        (now_iso(), notice.bot, notice.key),
    )


def save_notice_failed(store: Store, notice: Notice, error: str, next_try: datetime) -> None:
    store.db.execute(
        "UPDATE notices SET attempts = attempts + 1, error = ?, next_try = ?"
        " WHERE bot = ? AND key = ?",
        (error, next_try.isoformat(timespec="seconds"), notice.bot, notice.key),
    )
