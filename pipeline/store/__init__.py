"""Stage `store`: raw mail and results in, the same back out; the only place that speaks SQL.

The archive of raw mails on disk and the SQLite database. Besides `Store`:
readings (a mail's Reading kept for retag), folders (IMAP folder state),
sent (the mail-out record), workbooks (workbooks written, runs asked about),
rolls (the tables the roll-up reads).

A raw mail is written to ``<archive>/<sha256[:2]>/<sha256>.eml`` (atomically,
content-addressed, so writing it twice is harmless) and recorded in SQLite in
one transaction before anything parses it. Everything later (submissions,
documents, problems) can be rebuilt from the archive with ``mailroll retag``.

Schema changes go through the numbered MIGRATIONS below, recorded in
``PRAGMA user_version``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.models import OCR_PENDING, Message, Problem, Submission
from pipeline.store.submissions import insert_submission, link_copies

MIGRATIONS: tuple[str, ...] = (
    # 1: the first schema
    """
    CREATE TABLE mails (
        sha256      TEXT PRIMARY KEY,
        path        TEXT NOT NULL,             -- archive path, relative to the archive dir
        size        INTEGER NOT NULL,
        source      TEXT NOT NULL,             -- where it was first seen
        source_key  TEXT NOT NULL,
        archived_at TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'new' CHECK (state IN ('new', 'done', 'failed')),
        attempts    INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE seen (
        source  TEXT NOT NULL,
        key     TEXT NOT NULL,
        sha256  TEXT NOT NULL REFERENCES mails(sha256),
        seen_at TEXT NOT NULL,
        PRIMARY KEY (source, key)
    );
    CREATE TABLE submissions (
        sha256        TEXT PRIMARY KEY REFERENCES mails(sha256),
        message_id    TEXT NOT NULL,
        sender        TEXT NOT NULL,
        sender_name   TEXT NOT NULL,
        subject       TEXT NOT NULL,
        sent_at       TEXT,                    -- ISO 8601 with offset; NULL if the mail had no date
        unit_id       TEXT,                    -- NULL: unknown unit (待确认)
        unit_how      TEXT NOT NULL,
        unit_evidence TEXT NOT NULL,
        kind          TEXT NOT NULL,
        categories    TEXT NOT NULL,           -- JSON list of category ids
        evidence      TEXT NOT NULL,           -- JSON {category: sentence}
        figures       TEXT NOT NULL,           -- JSON {key: int}
        summary       TEXT NOT NULL,
        photos        TEXT NOT NULL,           -- JSON list of image file names
        processed_at  TEXT NOT NULL
    );
    CREATE TABLE documents (
        sha256     TEXT NOT NULL REFERENCES mails(sha256),
        ordinal    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        filetype   TEXT NOT NULL,
        kind       TEXT NOT NULL,
        chars      INTEGER NOT NULL,
        categories TEXT NOT NULL,
        tags       TEXT NOT NULL,              -- JSON [[category, sentence, phrase], ...]
        figures    TEXT NOT NULL,
        summary    TEXT NOT NULL,
        PRIMARY KEY (sha256, ordinal)
    );
    CREATE TABLE problems (
        id         INTEGER PRIMARY KEY,
        sha256     TEXT REFERENCES mails(sha256),  -- NULL for problems of a whole poll
        stage      TEXT NOT NULL,                  -- fetch, process
        location   TEXT NOT NULL,
        reason     TEXT NOT NULL,
        action     TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX problems_sha256 ON problems(sha256);
    CREATE TABLE runs (
        id          INTEGER PRIMARY KEY,
        command     TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        new_mails   INTEGER NOT NULL DEFAULT 0,
        processed   INTEGER NOT NULL DEFAULT 0,
        problems    INTEGER NOT NULL DEFAULT 0,
        error       TEXT
    );
    """,
    # 2: mail sent by mailroll (weekly workbook, reminders, receipts), each at most once
    """
    CREATE TABLE sent_mail (
        kind       TEXT NOT NULL CHECK (kind IN ('report', 'reminder', 'receipt')),
        campaign   TEXT NOT NULL,             -- campaign id
        recipient  TEXT NOT NULL,             -- address (report, receipt) or unit id (reminder)
        ref        TEXT NOT NULL,             -- ISO week (report), "D-2" (reminder stage),
                                              -- sha256 of the mail answered (receipt)
        addresses  TEXT NOT NULL,             -- JSON list of the To addresses
        subject    TEXT NOT NULL,
        message_id TEXT NOT NULL,
        state      TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
        attempts   INTEGER NOT NULL DEFAULT 1,
        error      TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        sent_at    TEXT,
        PRIMARY KEY (kind, campaign, recipient, ref)
    );
    """,
    # 3: IMAP sync state (pipeline/store/folders.py)
    """
    CREATE TABLE imap_state (
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        last_uid    INTEGER NOT NULL DEFAULT 0,  -- every mail up to this UID is archived
        failing_uid INTEGER,                     -- a FETCH up to this UID lost the connection
        failures    INTEGER NOT NULL DEFAULT 0,  -- times failing_uid alone lost it
        updated_at  TEXT NOT NULL,
        PRIMARY KEY (account, folder, uidvalidity)
    );
    CREATE TABLE imap_actions (                  -- after-processing actions not yet applied
        account     TEXT NOT NULL,
        folder      TEXT NOT NULL,
        uidvalidity INTEGER NOT NULL,
        uid         INTEGER NOT NULL,
        action      TEXT NOT NULL,               -- seen, flag or move
        target      TEXT NOT NULL,               -- the flag or the folder
        queued_at   TEXT NOT NULL,
        PRIMARY KEY (account, folder, uidvalidity, uid)
    );
    """,
    # 4: every roll-up workbook written by a run or the service, so a weekly one
    #    the schedule called for and nobody wrote (the machine was off) is caught up
    """
    CREATE TABLE workbooks (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('weekly', 'cumulative')),
        period     TEXT NOT NULL,              -- ISO week (2024-W20) or 累计
        path       TEXT NOT NULL,
        due_at     TEXT,                       -- weekly: the scheduled time it was for
        written_at TEXT NOT NULL
    );
    CREATE INDEX workbooks_kind_period ON workbooks(kind, period);
    """,
    # 5: what each processed mail says before any rule (pipeline.store.readings): retag reuses it
    """
    CREATE TABLE readings (
        sha256  TEXT PRIMARY KEY REFERENCES mails(sha256),
        version TEXT NOT NULL,                 -- mailroll and [limits] that read it
        data    BLOB NOT NULL                  -- zlib-compressed JSON
    );
    """,
    # 6: a person's judgement (pipeline.store.corrections) and the web app's accounts
    #    (pipeline.store.accounts); rules/ files are never rewritten
    """
    CREATE TABLE corrections (
        id         INTEGER PRIMARY KEY,
        sha256     TEXT REFERENCES mails(sha256),  -- NULL: a problem of a whole poll
        ordinal    INTEGER,                        -- the document, for category and figure
        action     TEXT NOT NULL CHECK (action IN ('unit', 'category', 'figure', 'report',
                                                   'handled', 'ignore_sender', 'forget_sender')),
        key        TEXT NOT NULL DEFAULT '',       -- category id, figure key, problem key, address
        old_value  TEXT NOT NULL DEFAULT '',
        new_value  TEXT NOT NULL DEFAULT '',
        note       TEXT NOT NULL DEFAULT '',
        user       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        undone_by  TEXT,
        undone_at  TEXT
    );
    CREATE INDEX corrections_sha256 ON corrections(sha256);
    CREATE TABLE sender_units (                    -- addresses a person tied to a unit
        address       TEXT PRIMARY KEY,
        unit_id       TEXT NOT NULL,
        correction_id INTEGER REFERENCES corrections(id),
        user          TEXT NOT NULL,
        created_at    TEXT NOT NULL
    );
    CREATE TABLE web_users (
        name          TEXT PRIMARY KEY,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('editor', 'leader')),
        created_at    TEXT NOT NULL
    );
    CREATE TABLE web_sessions (
        token_hash TEXT PRIMARY KEY,              -- sha256 of the cookie's token
        user       TEXT NOT NULL REFERENCES web_users(name) ON DELETE CASCADE,
        csrf       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE web_logins (                     -- sign-in attempts, for rate limiting
        id      INTEGER PRIMARY KEY,
        name    TEXT NOT NULL,
        address TEXT NOT NULL,
        ok      INTEGER NOT NULL,
        at      TEXT NOT NULL
    );
    CREATE INDEX web_logins_at ON web_logins(at);
    """,
    # 7: what a mail is besides its text (pipeline.parse.screen): replies, machine mail,
    #    the same mail by two paths
    """
    ALTER TABLE submissions ADD COLUMN in_reply_to TEXT NOT NULL DEFAULT '';
    ALTER TABLE submissions ADD COLUMN refs TEXT NOT NULL DEFAULT '';   -- References, spaced
    ALTER TABLE submissions ADD COLUMN arrived_at TEXT;  -- top Received header; NULL: none
    ALTER TABLE submissions ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
    -- '' a person's mail; auto_reply, bounce; own (mail mailroll sent, come back);
    -- reply (answers a receipt or workbook mailroll sent)
    ALTER TABLE submissions ADD COLUMN screen TEXT NOT NULL DEFAULT '';
    -- the earlier copy of the same mail (same Message-ID, sender, text and attachments)
    ALTER TABLE submissions ADD COLUMN duplicate_of TEXT;
    -- another mail has the same Message-ID and sender but other contents
    ALTER TABLE submissions ADD COLUMN conflict INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX submissions_message_id ON submissions(message_id, sender);
    CREATE INDEX sent_mail_message_id ON sent_mail(message_id);  -- is it a reply to ours?
    """,
    # 8: notices for the office chat's group bots (pipeline.store.notices), sent once each
    """
    CREATE TABLE notices (
        bot        TEXT NOT NULL,              -- [[notify]] name
        key        TEXT NOT NULL,              -- what it is about, e.g. weekly:2024-W20
        event      TEXT NOT NULL,              -- weekly, alerts
        text       TEXT NOT NULL,
        state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent')),
        attempts   INTEGER NOT NULL DEFAULT 0,
        error      TEXT NOT NULL DEFAULT '',
        next_try   TEXT NOT NULL,              -- ISO 8601 UTC: not before
        created_at TEXT NOT NULL,
        sent_at    TEXT,
        PRIMARY KEY (bot, key)
    );
    """,
    # 9: a mail handed out and not yet finished (issue 14): `attempts` now counts only
    #    the times its own processing killed its worker, never a kill of the whole run
    """
    ALTER TABLE mails ADD COLUMN in_hand INTEGER NOT NULL DEFAULT 0;
    UPDATE mails SET in_hand = 1, attempts = 0 WHERE state = 'new' AND attempts > 0;
    """,
    # 10: scans waiting for OCR (read off the poll by the service); what OCR read is marked
    """
    CREATE TABLE ocr_jobs (
        sha256      TEXT PRIMARY KEY REFERENCES mails(sha256),
        state       TEXT NOT NULL CHECK (state IN ('queued', 'done')),
        attempts    INTEGER NOT NULL DEFAULT 0,  -- counted before each try: a kill is a try
        queued_at   TEXT NOT NULL,
        finished_at TEXT
    );
    ALTER TABLE documents ADD COLUMN source TEXT NOT NULL DEFAULT '';   -- '', ocr, ocr_pending
    ALTER TABLE documents ADD COLUMN doubtful TEXT NOT NULL DEFAULT '[]';  -- JSON figure keys
    """,
)


MAILBOX_ERROR = "读取邮箱失败"  # the reason of a poll's mailbox error rows starts so


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class StoredMail:
    sha256: str
    path: Path
    attempts: int  # times its own processing crashed its worker
    reading: bytes | None = None  # its stored Reading, when retag may reuse it
    in_hand: bool = False  # a run that died had it in hand: process it alone, to be sure


def folder_mode(mode: int) -> int:
    """The mode of a folder holding files of `mode`: whoever may read may enter."""
    return mode | 0o700 | ((mode & 0o044) >> 2)


def _private(path: Path, mode: int) -> None:
    """The database (and its -wal, -shm, which SQLite creates with the database's
    mode) gets the group part of `mode`, never a world bit, never an execute bit."""
    try:
        if path.stat().st_uid == os.getuid():
            os.chmod(path, mode & 0o660)
    except OSError:  # not ours to change (a read-only copy): leave it
        pass


class Store:
    """The SQLite database plus the raw-mail archive folder."""

    def __init__(self, database: Path, archive: Path, mode: int = 0o640) -> None:
        database.parent.mkdir(parents=True, exist_ok=True)
        archive.mkdir(parents=True, exist_ok=True)
        self.archive, self.mode = archive, mode
        database.touch(exist_ok=True)
        _private(database, mode)  # never world-readable, whatever the umask (cron: 022)
        self.db = sqlite3.connect(database, isolation_level=None, timeout=30)
        self.db.row_factory = sqlite3.Row
        _use_wal(self.db)
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.execute("PRAGMA synchronous=NORMAL")
        migrate(self.db)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- raw mail ---------------------------------------------------------

    def is_seen(self, source: str, key: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM seen WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        return row is not None

    def archive_raw(self, data: bytes) -> str:
        """Write the bytes to the archive (once: the name is their sha256); return it."""
        sha = sha256_of(data)
        target = self.archive / sha[:2] / f"{sha}.eml"
        if not target.exists():
            self.archive_stream([data])
        return sha

    def archive_stream(self, chunks: Iterable[bytes]) -> tuple[str, int]:
        """Write a mail to the archive piece by piece, as the pieces arrive, so that a
        mail with a 50 MB attachment is never whole in memory; return (sha256, size)."""
        self.archive.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.archive, prefix=".tmp-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    digest.update(chunk)
                    fh.write(chunk)
                    size += len(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            sha = digest.hexdigest()
            target = self.archive / sha[:2] / f"{sha}.eml"
            if not target.parent.is_dir():
                target.parent.mkdir(exist_ok=True)
                os.chmod(target.parent, folder_mode(self.mode))
            os.chmod(tmp, self.mode)  # mkstemp made it 0600: the officials' links must open
            os.replace(tmp, target)  # the same name means the same bytes: replacing is harmless
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha, size

    def save_raw(
        self,
        source: str,
        key: str,
        data: bytes,
        then: Callable[[sqlite3.Connection, str], None] | None = None,
    ) -> tuple[str, bool]:
        """Archive the bytes and record them; return (sha256, whether the mail is new).

        A mail already archived under another key (the same bytes from another
        folder, or after a UIDVALIDITY change) is recorded as seen, not doubled.
        `then(db, sha256)` runs inside the same transaction (the IMAP source
        advances its sync state there, so both commit or neither does).
        """
        sha = self.archive_raw(data)
        return sha, self.record_archived(source, key, sha, len(data), then)

    def record_archived(
        self,
        source: str,
        key: str,
        sha: str,
        size: int,
        then: Callable[[sqlite3.Connection, str], None] | None = None,
    ) -> bool:
        """Record a mail already in the archive (see save_raw); whether it is new."""
        rel = Path(sha[:2]) / f"{sha}.eml"
        with self.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO mails (sha256, path, size, source, source_key, archived_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (sha, str(rel), size, source, key, now_iso()),
            )
            db.execute(
                "INSERT OR IGNORE INTO seen (source, key, sha256, seen_at) VALUES (?, ?, ?, ?)",
                (source, key, sha, now_iso()),
            )
            is_new = cur.rowcount == 1
            if then is not None:
                then(db, sha)
        return is_new

    def raw_path(self, sha: str) -> Path:
        row = self.db.execute("SELECT path FROM mails WHERE sha256 = ?", (sha,)).fetchone()
        if row is None:
            raise KeyError(sha)
        return self.archive / row["path"]

    def pending(self) -> list[StoredMail]:
        """Mails archived but not yet processed, oldest first."""
        return self._mails("WHERE state = 'new'")

    def all_mails(self) -> list[StoredMail]:
        return self._mails()

    def _mails(self, where: str = "") -> list[StoredMail]:
        rows = self.db.execute(
            f"SELECT sha256, path, attempts, in_hand FROM mails {where} ORDER BY rowid"
        ).fetchall()
        return [
            StoredMail(
                r["sha256"], self.archive / r["path"], r["attempts"], None, bool(r["in_hand"])
            )
            for r in rows
        ]

    def reading(self, sha: str, version: str) -> bytes | None:
        """The stored Reading of a mail, if `version` read it (see pipeline.store.readings)."""
        row = self.db.execute(
            "SELECT data FROM readings WHERE sha256 = ? AND version = ?", (sha, version)
        ).fetchone()
        return None if row is None else bytes(row["data"])

    def hand_out(self, sha: str) -> None:
        """Mark a mail as in hand until its outcome is saved: if the run dies meanwhile,
        the next run processes it alone in a worker, to learn whether it was the cause."""
        with self.transaction() as db:
            db.execute("UPDATE mails SET in_hand = 1 WHERE sha256 = ?", (sha,))

    def count_crash(self, sha: str) -> int:
        """Its own processing killed its worker: count it; return the count so far."""
        with self.transaction() as db:
            db.execute("UPDATE mails SET attempts = attempts + 1 WHERE sha256 = ?", (sha,))
            row = db.execute("SELECT attempts FROM mails WHERE sha256 = ?", (sha,)).fetchone()
        return int(row["attempts"])

    def reset_attempts(self, sha: str | None = None) -> None:
        """Forget the crashes counted for one mail, or (None) for every mail."""
        with self.transaction() as db:
            if sha is None:
                db.execute("UPDATE mails SET attempts = 0, in_hand = 0")
            else:
                db.execute("UPDATE mails SET attempts = 0, in_hand = 0 WHERE sha256 = ?", (sha,))

    # -- results ----------------------------------------------------------

    def save_submission(
        self,
        sha: str,
        message: Message,
        sub: Submission,
        reading: tuple[str, bytes] | None = None,
        screen: str = "",
    ) -> None:
        """Replace everything known about one mail with a fresh result, atomically;
        `reading` is (version, data) of what the mail says (pipeline.store.readings), if new;
        `screen` what the mail is when not a person's own mail (see migration 7).

        Copies of one mail (same Message-ID and sender) are linked here: a later copy
        with the same fingerprint is a duplicate of the first, and copies whose
        contents differ are all marked as in conflict."""
        with self.transaction() as db:
            _clear_results(db, sha)
            if reading is not None:
                db.execute(
                    "INSERT OR REPLACE INTO readings (sha256, version, data) VALUES (?, ?, ?)",
                    (sha, *reading),
                )
            insert_submission(db, sha, message, sub, screen, now_iso())
            for i, res in enumerate(sub.documents):
                a = res.analysis
                db.execute(
                    "INSERT INTO documents (sha256, ordinal, name, filetype, kind, chars,"
                    " categories, tags, figures, summary, source, doubtful)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        sha,
                        i,
                        res.document.name,
                        res.document.filetype,
                        a.kind,
                        len(res.document.text),
                        _json(a.categories),
                        _json([[t.category, t.sentence, t.phrase] for t in a.tags]),
                        _json(dict(a.figures)),
                        a.summary,
                        res.document.source,
                        _json(res.doubtful),
                    ),
                )
            for p in sub.problems:
                _insert_problem(db, sha, "process", p)
            db.execute("UPDATE mails SET state = 'done', in_hand = 0 WHERE sha256 = ?", (sha,))
            if message.message_id:
                link_copies(db, message.message_id, message.sender)
            from pipeline.store.ocrjobs import queue_ocr  # (imports this module)

            queue_ocr(db, sha, any(d.document.source == OCR_PENDING for d in sub.documents))

    def save_failure(self, sha: str, problem: Problem) -> None:
        """Record that a mail could not be processed; it is kept and not retried."""
        with self.transaction() as db:
            _clear_results(db, sha)
            _insert_problem(db, sha, "process", problem)
            db.execute("UPDATE mails SET state = 'failed', in_hand = 0 WHERE sha256 = ?", (sha,))

    def save_missing_archive(self, sha: str, problem: Problem) -> None:
        """The archived raw mail is gone: a mail already processed keeps its result and
        gets one problem row saying so (stage 'archive'); any other mail is a failure."""
        with self.transaction() as db:
            row = db.execute("SELECT state FROM mails WHERE sha256 = ?", (sha,)).fetchone()
            if row is None or row["state"] != "done":
                _clear_results(db, sha)
                db.execute("UPDATE mails SET state = 'failed' WHERE sha256 = ?", (sha,))
            db.execute("DELETE FROM problems WHERE sha256 = ? AND stage = 'archive'", (sha,))
            _insert_problem(db, sha, "archive", problem)
            db.execute("UPDATE mails SET in_hand = 0 WHERE sha256 = ?", (sha,))

    def save_poll_problem(self, problem: Problem) -> None:
        with self.transaction() as db:
            _insert_problem(db, None, "fetch", problem)

    def save_mailbox_errors(self, problems: Iterable[Problem]) -> None:
        """Replace the rows of the last poll's mailbox errors (reasons starting with
        MAILBOX_ERROR) with this poll's: a row closes when the mailbox is read again,
        and failing polls do not pile rows up."""
        with self.transaction() as db:
            db.execute("DELETE FROM problems WHERE sha256 IS NULL AND stage = 'fetch'"
                       f" AND reason LIKE '{MAILBOX_ERROR}%'")  # fmt: skip
            for problem in problems:
                _insert_problem(db, None, "fetch", problem)

    # -- runs -------------------------------------------------------------

    def start_run(self, command: str) -> int:
        cur = self.db.execute(
            "INSERT INTO runs (command, started_at) VALUES (?, ?)", (command, now_iso())
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self, run_id: int, new_mails: int, processed: int, problems: int, error: str | None
    ) -> None:
        self.db.execute(
            "UPDATE runs SET finished_at = ?, new_mails = ?, processed = ?, problems = ?,"
            " error = ? WHERE id = ?",
            (now_iso(), new_mails, processed, problems, error, run_id),
        )

    def counts(self) -> dict[str, int]:
        one = self.db.execute
        return {
            "mails": one("SELECT count(*) FROM mails").fetchone()[0],
            "submissions": one("SELECT count(*) FROM submissions").fetchone()[0],
            "failed": one("SELECT count(*) FROM mails WHERE state = 'failed'").fetchone()[0],
            "pending": one("SELECT count(*) FROM mails WHERE state = 'new'").fetchone()[0],
            "problems": one("SELECT count(*) FROM problems").fetchone()[0],
            "ocr_queued": one("SELECT count(*) FROM ocr_jobs WHERE state = 'queued'").fetchone()[0],
        }

    def last_run(self, command: str | None = None) -> sqlite3.Row | None:
        if command:
            return self.db.execute(
                "SELECT * FROM runs WHERE command = ? ORDER BY id DESC LIMIT 1", (command,)
            ).fetchone()
        return self.db.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()


def _use_wal(db: sqlite3.Connection, tries: int = 50) -> None:
    """Switch to WAL once per database. The switch needs the database to itself and,
    unlike other statements, does not wait for the busy timeout: two processes opening
    a new database at once (the scheduler and a manual run) must retry."""
    for _ in range(tries):
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                return
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    db.execute("PRAGMA journal_mode=WAL")


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations this database has not seen yet, each in a transaction."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        # executescript runs the whole step, version bump included, as one transaction
        try:
            db.executescript(f"BEGIN IMMEDIATE; {script}; PRAGMA user_version = {number}; COMMIT;")
        except sqlite3.OperationalError:
            if db.in_transaction:  # a failed step leaves its transaction (and lock) open
                db.execute("ROLLBACK")
            if db.execute("PRAGMA user_version").fetchone()[0] >= number:
                continue  # another process (scheduler and a manual run) applied it meanwhile
            raise


def _clear_results(db: sqlite3.Connection, sha: str) -> None:
    db.execute("DELETE FROM documents WHERE sha256 = ?", (sha,))
    db.execute("DELETE FROM submissions WHERE sha256 = ?", (sha,))
    db.execute("DELETE FROM problems WHERE sha256 = ? AND stage IN ('process', 'archive')", (sha,))


def _insert_problem(db: sqlite3.Connection, sha: str | None, stage: str, p: Problem) -> None:
    db.execute(
        "INSERT INTO problems (sha256, stage, location, reason, action, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (sha, stage, p.where, p.reason, p.action, now_iso()),
    )


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
