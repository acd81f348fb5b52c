"""The OCR queue (table `ocr_jobs`): mails whose scans wait for OCR.

A mail is queued in the transaction that saves a result with a scan still to be
read (`save_submission`), and leaves the queue in the transaction that saves the
result with the scan read (or settled with a problem), so it is OCR'd once. An
attempt is counted before the OCR starts: a kill in the middle counts, and a
restart resumes the queue (pipeline.service.ocr).
"""

from __future__ import annotations

import sqlite3

from pipeline.store import Store, StoredMail, now_iso


def queue_ocr(db: sqlite3.Connection, sha: str, pending: bool) -> None:
    """Inside save_submission's transaction: queue the mail's scans (again, if a re-read
    brought them back), or mark its OCR done."""
    if pending:
        db.execute(
            "INSERT INTO ocr_jobs (sha256, state, queued_at) VALUES (?, 'queued', ?)"
            " ON CONFLICT (sha256) DO UPDATE SET state = 'queued', attempts = 0,"
            " finished_at = NULL WHERE state != 'queued'",
            (sha, now_iso()),
        )
    else:
        db.execute(
            "UPDATE ocr_jobs SET state = 'done', finished_at = ? WHERE sha256 = ?"
            " AND state = 'queued'",
            (now_iso(), sha),
        )


def ocr_queue(store: Store) -> list[StoredMail]:
    """Mails with scans waiting for OCR, oldest first (a restart resumes them)."""
    rows = store.db.execute(
        "SELECT m.sha256, m.path, j.attempts FROM ocr_jobs j JOIN mails m USING (sha256)"
        " WHERE j.state = 'queued' ORDER BY j.queued_at, m.rowid"
    ).fetchall()
    return [StoredMail(r["sha256"], store.archive / r["path"], r["attempts"]) for r in rows]


def begin_ocr(store: Store, sha: str) -> int:
    """Count an OCR attempt before it starts (a kill counts); return the attempts."""
    with store.transaction() as db:
        db.execute("UPDATE ocr_jobs SET attempts = attempts + 1 WHERE sha256 = ?", (sha,))
        row = db.execute("SELECT attempts FROM ocr_jobs WHERE sha256 = ?", (sha,)).fetchone()
    return int(row["attempts"]) if row else 0
