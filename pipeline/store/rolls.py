"""What the roll-up reads: every submission, document, problem, reminder sent and
correction in force,
as (column names, rows) that the roll-up turns into frames."""

from __future__ import annotations

from typing import Any

from pipeline.store import Store

Table = tuple[list[str], list[tuple[Any, ...]]]

_SUBMISSIONS = """
SELECT s.sha256, s.message_id, s.sender, s.sender_name, s.subject, s.sent_at, s.unit_id,
       s.unit_how, s.kind, s.categories, s.figures, s.summary, s.photos, s.arrived_at,
       s.screen, s.duplicate_of, s.conflict,
       m.path AS archive_path, m.archived_at, m.source, m.source_key,
       (SELECT count(*) FROM problems p WHERE p.sha256 = s.sha256) AS problems,
       (SELECT count(*) FROM documents d WHERE d.sha256 = s.sha256 AND d.source = 'ocr_pending')
           AS ocr_waiting,
       (SELECT count(*) FROM documents d WHERE d.sha256 = s.sha256 AND d.doubtful != '[]')
           AS ocr_doubtful,
       (SELECT group_concat(d.name, char(10)) FROM documents d WHERE d.sha256 = s.sha256)
           AS names
FROM submissions s JOIN mails m USING (sha256) ORDER BY m.rowid
"""
_DOCUMENTS = (
    "SELECT sha256, ordinal, name, filetype, kind, chars, categories, tags, figures, summary,"
    " source, doubtful FROM documents ORDER BY sha256, ordinal"
)
_PROBLEMS = """
SELECT p.id, p.sha256, p.stage, p.location, p.reason, p.action, p.created_at,
       s.sender, s.subject, s.sent_at, m.path AS archive_path, m.archived_at,
       m.source, m.source_key
FROM problems p LEFT JOIN submissions s USING (sha256) LEFT JOIN mails m USING (sha256)
ORDER BY p.id
"""
_REMINDERS = (
    "SELECT campaign, recipient AS unit_id, max(sent_at) AS sent_at FROM sent_mail"
    " WHERE kind = 'reminder' AND state = 'sent' GROUP BY campaign, recipient"
)
_CORRECTIONS = (
    "SELECT id, sha256, ordinal, action, key, old_value, new_value, note, user, created_at"
    " FROM corrections WHERE undone_at IS NULL AND action != 'forget_sender' ORDER BY id"
)


def submissions_table(store: Store) -> Table:
    """One row per processed mail, with its archive path and counts of problems."""
    return _table(store, _SUBMISSIONS)


def documents_table(store: Store) -> Table:
    """One row per document read from a processed mail."""
    return _table(store, _DOCUMENTS)


def problems_table(store: Store) -> Table:
    """One row per problem, with the mail it belongs to (if any)."""
    return _table(store, _PROBLEMS)


def reminders_table(store: Store) -> Table:
    """The last reminder sent to each unit per campaign."""
    return _table(store, _REMINDERS)


def corrections_table(store: Store) -> Table:
    """Every correction in force (see pipeline.store.corrections), oldest first."""
    return _table(store, _CORRECTIONS)


def _table(store: Store, query: str) -> Table:
    cursor = store.db.execute(query)
    columns = [d[0] for d in cursor.description]
    return columns, [tuple(row) for row in cursor.fetchall()]
