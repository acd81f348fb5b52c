"""The archive and the SQLite database: every mail stored once, migrations recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pipeline.store import MIGRATIONS, Store, sha256_of


def test_save_raw_archives_content_addressed_and_once(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3", tmp_path / "archive")
    data = b"Subject: x\r\n\r\nbody"
    sha, new = store.save_raw("maildir:a", "1.eml", data)
    assert new and sha == sha256_of(data)
    assert store.raw_path(sha).read_bytes() == data
    assert store.raw_path(sha).name == f"{sha}.eml"
    # same key again, and the same bytes from another folder: recorded, never doubled
    assert store.save_raw("maildir:a", "1.eml", data) == (sha, False)
    assert store.save_raw("maildir:b", "x.eml", data) == (sha, False)
    assert store.is_seen("maildir:b", "x.eml")
    assert store.counts()["mails"] == 1
    assert [m.sha256 for m in store.pending()] == [sha]
    store.close()


def test_migrations_are_recorded_and_reopening_keeps_data(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3", tmp_path / "archive")
    store.save_raw("s", "k", b"mail")
    store.close()
    db = sqlite3.connect(tmp_path / "db.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    db.close()
    again = Store(tmp_path / "db.sqlite3", tmp_path / "archive")
    assert again.counts()["mails"] == 1
    again.close()


def test_a_mail_in_hand_and_its_crashes(tmp_path: Path) -> None:
    store = Store(tmp_path / "db.sqlite3", tmp_path / "archive")
    sha, _ = store.save_raw("s", "k", b"mail")
    store.hand_out(sha)
    (mail,) = store.pending()
    assert mail.in_hand and mail.attempts == 0  # handing out counts nothing
    assert store.count_crash(sha) == 1
    assert store.count_crash(sha) == 2
    store.reset_attempts(sha)
    (mail,) = store.pending()
    assert not mail.in_hand and mail.attempts == 0
    store.close()
