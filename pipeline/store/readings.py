"""A mail's Reading (its documents, photos and reading problems), stored for retag.

Parsing a season's mail and reading every attachment again is a third of a
backfill's work, and editing rules/ changes none of it, so each processed mail's
Reading is stored (zlib-compressed JSON, table `readings`) with the version of
what read it: mailroll's own version and the extraction limits of config.toml.
`mailroll retag` tags the stored Reading when the version matches, and reads the
archived raw mail again when it does not (after an upgrade, or a change to
[limits]) or when asked to (`--reread`).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import astuple
from datetime import datetime
from typing import Any

from pipeline import __version__
from pipeline.models import Attachment, Document, Limits, Message, Problem, Reading

FORMAT = 3  # bump when the JSON below or what a reader reads changes: stored ones go stale


def reading_version(limits: Limits) -> str:
    """What a stored Reading must have been read with to be reused."""
    return "/".join(map(str, (FORMAT, __version__, *astuple(limits))))


def dump_reading(message: Message, reading: Reading) -> bytes:
    """The mail (without its attachments' bytes) and its Reading, compressed."""
    data = {
        "message": {
            "message_id": message.message_id,
            "sender": message.sender,
            "sender_name": message.sender_name,
            "subject": message.subject,
            "date": message.date.isoformat() if message.date else None,
            "body": message.body,
            "attachments": [[a.filename, a.content_type] for a in message.attachments],
            "problems": [_problem(p) for p in message.problems],
            "in_reply_to": message.in_reply_to,
            "references": list(message.references),
            "machine": message.machine,
            "arrived": message.arrived.isoformat() if message.arrived else None,
            "fingerprint": message.fingerprint,
            "auth_results": list(message.auth_results),
        },
        "documents": [_document(d) for d in reading.documents],
        "photos": list(reading.photos),
        "problems": [_problem(p) for p in reading.problems],
    }
    return zlib.compress(json.dumps(data, ensure_ascii=False).encode(), 6)


def load_reading(blob: bytes) -> tuple[Message, Reading]:
    """The mail and its Reading from `dump_reading`; the attachments carry no bytes.

    Raises ValueError (or KeyError/TypeError) when the blob is damaged."""
    data = json.loads(zlib.decompress(blob))
    m = data["message"]
    message = Message(
        message_id=m["message_id"],
        sender=m["sender"],
        sender_name=m["sender_name"],
        subject=m["subject"],
        date=datetime.fromisoformat(m["date"]) if m["date"] else None,
        body=m["body"],
        attachments=tuple(Attachment(name, ctype, b"") for name, ctype in m["attachments"]),
        problems=tuple(Problem(*p) for p in m["problems"]),
        in_reply_to=m["in_reply_to"],
        references=tuple(m["references"]),
        machine=m["machine"],
        arrived=datetime.fromisoformat(m["arrived"]) if m["arrived"] else None,
        fingerprint=m["fingerprint"],
        auth_results=tuple(m["auth_results"]),
    )
    reading = Reading(
        documents=tuple(
            Document(*d[:4], uncertain=tuple(d[4]) if len(d) > 4 else ()) for d in data["documents"]
        ),
        photos=tuple(data["photos"]),
        problems=tuple(Problem(*p) for p in data["problems"]),
    )
    return message, reading


def _document(d: Document) -> list[Any]:
    """[name, filetype, text], then source and uncertain numbers for an OCR'd or queued scan."""
    if d.source or d.uncertain:
        return [d.name, d.filetype, d.text, d.source, list(d.uncertain)]
    return [d.name, d.filetype, d.text]


def _problem(p: Problem) -> list[Any]:
    return [p.where, p.reason, p.action]
