"""The web app's accounts, sessions and sign-in attempts (the SQL; pipeline.web.auth
decides what they mean). Passwords are stored only as hashes made by the caller;
a session is stored as the sha256 of its cookie token, so a copy of the database
does not sign anyone in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pipeline.store import Store, now_iso


def save_user(store: Store, name: str, password_hash: str, role: str) -> bool:
    """Create or update an account; True if it is new. Existing sessions of an
    updated account end (a changed password signs everyone out)."""
    with store.transaction() as db:
        new = db.execute("SELECT 1 FROM web_users WHERE name = ?", (name,)).fetchone() is None
        db.execute(
            "INSERT OR REPLACE INTO web_users (name, password_hash, role, created_at)"
            " VALUES (?, ?, ?, ?)",
            (name, password_hash, role, now_iso()),
        )
        db.execute("DELETE FROM web_sessions WHERE user = ?", (name,))
    return new


def delete_user(store: Store, name: str) -> bool:
    with store.transaction() as db:
        db.execute("DELETE FROM web_sessions WHERE user = ?", (name,))
        return db.execute("DELETE FROM web_users WHERE name = ?", (name,)).rowcount == 1


def user(store: Store, name: str) -> dict[str, Any] | None:
    row = store.db.execute("SELECT * FROM web_users WHERE name = ?", (name,)).fetchone()
    return dict(row) if row else None


def users(store: Store) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in store.db.execute("SELECT name, role, created_at FROM web_users ORDER BY name")
    ]


def save_session(store: Store, token_hash: str, name: str, csrf: str, expires: datetime) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM web_sessions WHERE expires_at < ?", (now_iso(),))
        db.execute(
            "INSERT INTO web_sessions (token_hash, user, csrf, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (token_hash, name, csrf, now_iso(), expires.isoformat(timespec="seconds")),
        )


def session(store: Store, token_hash: str) -> dict[str, Any] | None:
    """The live session with this token hash and its user's role, or None."""
    row = store.db.execute(
        "SELECT s.user, s.csrf, s.expires_at, u.role FROM web_sessions s"
        " JOIN web_users u ON u.name = s.user WHERE s.token_hash = ? AND s.expires_at > ?",
        (token_hash, now_iso()),
    ).fetchone()
    return dict(row) if row else None


def end_session(store: Store, token_hash: str) -> None:
    with store.transaction() as db:
        db.execute("DELETE FROM web_sessions WHERE token_hash = ?", (token_hash,))


def record_login(store: Store, name: str, address: str, ok: bool) -> None:
    with store.transaction() as db:
        db.execute(
            "INSERT INTO web_logins (name, address, ok, at) VALUES (?, ?, ?, ?)",
            (name, address, int(ok), now_iso()),
        )


def failed_logins(store: Store, since: datetime, name: str, address: str) -> tuple[int, int]:
    """Failed sign-ins since `since`: (for this account name, from this address)."""
    when = since.isoformat(timespec="seconds")
    one = store.db.execute
    by_name = one(
        "SELECT count(*) FROM web_logins WHERE ok = 0 AND at >= ? AND name = ?", (when, name)
    ).fetchone()[0]
    by_address = one(
        "SELECT count(*) FROM web_logins WHERE ok = 0 AND at >= ? AND address = ?", (when, address)
    ).fetchone()[0]
    return int(by_name), int(by_address)


def prune_logins(store: Store, older_than: timedelta, now: datetime) -> None:
    with store.transaction() as db:
        db.execute(
            "DELETE FROM web_logins WHERE at < ?",
            ((now - older_than).isoformat(timespec="seconds"),),
        )
