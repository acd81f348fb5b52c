"""The sent_mail table: what mailroll mailed out, each mail named by
(kind, campaign, recipient, ref), with its state: sending, sent or failed."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pipeline.store import Store, now_iso

MailKey = tuple[str, str, str, str]  # kind, campaign, recipient, ref


def sent_state(store: Store, key: MailKey) -> str | None:
    """The state of the mail named `key`, or None when it was never claimed."""
    row = store.db.execute(
        "SELECT state FROM sent_mail WHERE kind = ? AND campaign = ? AND recipient = ? AND ref = ?",
        key,
    ).fetchone()
    return row["state"] if row else None


def save_claim(
    store: Store,
    key: MailKey,
    to: Sequence[str],
    subject: str,
    message_id: str,
    resend_unsure: bool,
) -> str | None:
    """Mark the mail 'sending' before it goes out; return its Message-ID, or None when
    another run has it. A retry keeps the first Message-ID, so a client that got
    the mail already can recognise the copy."""
    with store.transaction() as db:
        row = db.execute(
            "SELECT state, message_id FROM sent_mail WHERE kind = ? AND campaign = ?"
            " AND recipient = ? AND ref = ?",
            key,
        ).fetchone()
        if row is None:
            db.execute(
                "INSERT INTO sent_mail (kind, campaign, recipient, ref, addresses, subject,"
                " message_id, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'sending', ?)",
                (*key, json.dumps(list(to)), subject, message_id, now_iso()),
            )
            return message_id
        retry = row["state"] == "failed" or (row["state"] == "sending" and resend_unsure)
        if not retry:
            return None
        db.execute(
            "UPDATE sent_mail SET state = 'sending', attempts = attempts + 1, addresses = ?,"
            " subject = ? WHERE kind = ? AND campaign = ? AND recipient = ? AND ref = ?",
            (json.dumps(list(to)), subject, *key),
        )
        return str(row["message_id"])


def save_sent(store: Store, key: MailKey) -> None:
    store.db.execute(
        "UPDATE sent_mail SET state = 'sent', sent_at = ?, error = '' WHERE kind = ?"
        " AND campaign = ? AND recipient = ? AND ref = ?",
        (now_iso(), *key),
    )


def save_failed(store: Store, key: MailKey, reason: str) -> None:
    store.db.execute(
        "UPDATE sent_mail SET state = 'failed', error = ? WHERE kind = ? AND campaign = ?"
        " AND recipient = ? AND ref = ?",
        (reason, *key),
    )


def sent_kind(store: Store, message_ids: Sequence[str]) -> str | None:
    """The kind (report, reminder, receipt) of the mail mailroll sent under one of
    `message_ids`, or None when it sent none of them. With several, the last named
    (In-Reply-To and the end of References name the mail answered)."""
    ids = [m for m in message_ids if m]
    if not ids:
        return None
    marks = ", ".join("?" for _ in ids)
    rows = store.db.execute(
        f"SELECT message_id, kind FROM sent_mail WHERE message_id IN ({marks})", ids
    ).fetchall()
    kinds = {r["message_id"]: r["kind"] for r in rows}
    return next((kinds[m] for m in reversed(ids) if m in kinds), None)
