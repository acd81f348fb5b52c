"""A person's corrections to what the pipeline worked out, kept apart from its results.

Each correction is one row of `corrections` (who, when, old and new value, note);
undoing one stamps `undone_by`/`undone_at` and keeps the row, so the 操作记录 shows
both. Retag rewrites submissions and documents but never this table, and the
roll-up applies the corrections in force each time it is built (pipeline.rollup.fixes),
so a correction survives retag and any rule change.

Actions (`action`, `key`, `new_value`):
- ``unit``: the mail is credited to roster unit `new_value` ('' = back to 待确认);
- ``category``: document `ordinal` gains (`new_value` '1') or loses ('0') category `key`;
- ``figure``: document `ordinal` has figure `key` = `new_value` ('' = none);
- ``report``: the mail counts as a report ('1') or not ('0');
- ``handled``: the 待处理 row `key` of the mail (or poll) is dealt with;
- ``ignore_sender``: mail from address `key` is ignored from now on;
- ``forget_sender``: a remembered address was removed (a log entry only).

`sender_units` holds the addresses a person tied to a unit ("remember this
address"); the roster of rules/roster.toml is never rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.store import Store, now_iso

ACTIONS = ("unit", "category", "figure", "report", "handled", "ignore_sender", "forget_sender")


@dataclass(frozen=True)
class Correction:
    """One change a person asks for; see the module docstring for the actions."""

    action: str
    sha256: str | None = None
    ordinal: int | None = None
    key: str = ""
    old_value: str = ""
    new_value: str = ""
    note: str = ""


def save_correction(
    store: Store, fix: Correction, user: str, remember: tuple[str, str] | None = None
) -> int:
    """Record a correction (and, with `remember` = (address, unit id), tie the
    address to the unit); return its id. An earlier correction of the same thing
    still in force is superseded: it is marked undone by this one."""
    if fix.action not in ACTIONS:
        raise ValueError(f"unknown correction {fix.action!r}")
    now = now_iso()
    with store.transaction() as db:
        db.execute(
            "UPDATE corrections SET undone_by = ?, undone_at = ? WHERE undone_at IS NULL"
            " AND action = ? AND sha256 IS ? AND ordinal IS ? AND key = ?",
            (user, now, fix.action, fix.sha256, fix.ordinal, fix.key),
        )
        cur = db.execute(
            "INSERT INTO corrections (sha256, ordinal, action, key, old_value, new_value, note,"
            " user, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (fix.sha256, fix.ordinal, fix.action, fix.key, fix.old_value, fix.new_value,
             fix.note, user, now),
        )  # fmt: skip
        fix_id = int(cur.lastrowid or 0)
        if remember is not None:
            address, unit_id = remember
            db.execute(
                "INSERT OR REPLACE INTO sender_units (address, unit_id, correction_id, user,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (address.strip().lower(), unit_id, fix_id, user, now),
            )
    return fix_id


def undo_correction(store: Store, fix_id: int, user: str) -> bool:
    """Take a correction back (and the address it remembered); False if not in force."""
    with store.transaction() as db:
        cur = db.execute(
            "UPDATE corrections SET undone_by = ?, undone_at = ?"
            " WHERE id = ? AND undone_at IS NULL",
            (user, now_iso(), fix_id),
        )
        db.execute("DELETE FROM sender_units WHERE correction_id = ?", (fix_id,))
    return cur.rowcount == 1


def corrections_in_force(store: Store) -> list[dict[str, Any]]:
    """Every correction not undone, oldest first."""
    rows = store.db.execute(
        "SELECT * FROM corrections WHERE undone_at IS NULL ORDER BY id"
    ).fetchall()
    return [dict(r) for r in rows]


def correction_log(store: Store, limit: int = 500, sha: str | None = None) -> list[dict[str, Any]]:
    """The newest corrections first, undone ones included (the 操作记录)."""
    where, args = ("WHERE sha256 = ?", (sha,)) if sha else ("", ())
    rows = store.db.execute(
        f"SELECT * FROM corrections {where} ORDER BY id DESC LIMIT ?", (*args, limit)
    ).fetchall()
    return [dict(r) for r in rows]


def correction(store: Store, fix_id: int) -> dict[str, Any] | None:
    row = store.db.execute("SELECT * FROM corrections WHERE id = ?", (fix_id,)).fetchone()
    return dict(row) if row else None


def sender_units(store: Store) -> list[dict[str, Any]]:
    """The addresses a person tied to a unit, with who and when."""
    rows = store.db.execute("SELECT * FROM sender_units ORDER BY address").fetchall()
    return [dict(r) for r in rows]


def forget_sender(store: Store, address: str, user: str) -> bool:
    """Remove a remembered address (its correction stays: the mail keeps its unit)."""
    with store.transaction() as db:
        row = db.execute("SELECT * FROM sender_units WHERE address = ?", (address,)).fetchone()
        if row is None:
            return False
        db.execute("DELETE FROM sender_units WHERE address = ?", (address,))
        db.execute(
            "INSERT INTO corrections (action, key, old_value, user, created_at)"
            " VALUES ('forget_sender', ?, ?, ?, ?)",
            (address, row["unit_id"], user, now_iso()),
        )
    return True


def mail_row(store: Store, sha: str) -> dict[str, Any] | None:
    """One stored mail with its submission (if processed)."""
    row = store.db.execute(
        "SELECT m.sha256, m.path, m.size, m.source, m.source_key, m.archived_at, m.state,"
        " s.message_id, s.sender, s.sender_name, s.subject, s.sent_at, s.unit_id, s.unit_how,"
        " s.unit_evidence, s.kind, s.categories, s.figures, s.summary, s.photos"
        " FROM mails m LEFT JOIN submissions s USING (sha256) WHERE m.sha256 = ?",
        (sha,),
    ).fetchone()
    return dict(row) if row else None


def mail_documents(store: Store, sha: str) -> list[dict[str, Any]]:
    rows = store.db.execute(
        "SELECT * FROM documents WHERE sha256 = ? ORDER BY ordinal", (sha,)
    ).fetchall()
    return [dict(r) for r in rows]


def stored_reading(store: Store, sha: str) -> bytes | None:
    """A mail's stored Reading whatever version read it (for showing its text)."""
    row = store.db.execute("SELECT data FROM readings WHERE sha256 = ?", (sha,)).fetchone()
    return None if row is None else bytes(row["data"])
