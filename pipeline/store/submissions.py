"""The submissions table: one row per processed mail, and the copies of one mail
linked (the same mail by two paths counts once). Used by Store.save_submission,
inside its transaction."""

from __future__ import annotations

import json
import sqlite3

from pipeline.models import Message, Submission


def insert_submission(
    db: sqlite3.Connection, sha: str, message: Message, sub: Submission, screen: str, now: str
) -> None:
    """One row of `submissions` (the caller holds the transaction)."""
    unit = sub.unit.unit
    row = {
        "sha256": sha,
        "message_id": message.message_id,
        "sender": message.sender,
        "sender_name": message.sender_name,
        "subject": message.subject,
        "sent_at": message.date.isoformat() if message.date else None,
        "unit_id": unit.id if unit else None,
        "unit_how": sub.unit.how,
        "unit_evidence": sub.unit.evidence,
        "kind": sub.kind,
        "categories": _dumps(sub.categories),
        "evidence": _dumps(sub.evidence),
        "figures": _dumps(sub.figures),
        "summary": sub.summary,
        "photos": _dumps(list(sub.photos)),
        "processed_at": now,
        "in_reply_to": message.in_reply_to,
        "refs": " ".join(message.references),
        "arrived_at": message.arrived.isoformat() if message.arrived else None,
        "fingerprint": message.fingerprint,
        "screen": screen,
    }
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    db.execute(f"INSERT INTO submissions ({names}) VALUES ({marks})", row)


def link_copies(db: sqlite3.Connection, message_id: str, sender: str) -> None:
    """Mark the copies of one mail (same Message-ID and sender), oldest first: a copy
    with the same fingerprint as an earlier one is its duplicate; when the copies'
    contents differ, every copy is marked as in conflict."""
    rows = db.execute(
        "SELECT s.sha256, s.fingerprint FROM submissions s JOIN mails m USING (sha256)"
        " WHERE s.message_id = ? AND s.sender = ? ORDER BY m.rowid",
        (message_id, sender),
    ).fetchall()
    first: dict[str, str] = {}
    conflict = len({r["fingerprint"] for r in rows}) > 1
    for r in rows:
        original = first.setdefault(r["fingerprint"], r["sha256"])
        db.execute(
            "UPDATE submissions SET duplicate_of = ?, conflict = ? WHERE sha256 = ?",
            (original if original != r["sha256"] else None, int(conflict), r["sha256"]),
        )


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
