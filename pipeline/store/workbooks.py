"""The workbooks table (which roll-up workbooks were written, and when) and the
questions the scheduler and `status` ask of the runs table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.store import Store, now_iso


def first_run_started(store: Store) -> str | None:
    """When mailroll first ran on this database (ISO time), or None."""
    return store.db.execute("SELECT min(started_at) FROM runs").fetchone()[0]


def weekly_periods_written(store: Store) -> set[str]:
    """The ISO weeks whose weekly workbook was written."""
    return {
        row[0] for row in store.db.execute("SELECT period FROM workbooks WHERE kind = 'weekly'")
    }


def save_workbook_record(
    store: Store, kind: str, period: str, path: Path, due_at: datetime | None = None
) -> None:
    """Record a workbook written (kind 'weekly' or 'cumulative')."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO workbooks (kind, period, path, due_at, written_at) VALUES (?, ?, ?, ?, ?)",
            (kind, period, str(path), due_at.isoformat() if due_at else None, now_iso()),
        )


def last_workbook(store: Store, kind: str) -> dict[str, Any] | None:
    """The last workbook of a kind ('weekly' or 'cumulative') written, or None."""
    row = store.db.execute(
        "SELECT kind, period, path, due_at, written_at FROM workbooks WHERE kind = ?"
        " ORDER BY id DESC LIMIT 1",
        (kind,),
    ).fetchone()
    return dict(row) if row else None


def cumulative_stale(store: Store) -> bool:
    """Whether the 累计 workbook is missing or older than the last change to the data."""
    row = store.db.execute(
        "SELECT path, written_at FROM workbooks WHERE kind = 'cumulative' ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None or not Path(row["path"]).exists():
        return True
    changed = store.db.execute(
        "SELECT max(t) FROM (SELECT max(processed_at) AS t FROM submissions"
        " UNION ALL SELECT max(created_at) FROM problems"
        " UNION ALL SELECT max(archived_at) FROM mails)"
    ).fetchone()[0]
    # a person's correction (times in whole seconds) made in the very second the
    # workbook was written may have come after it: write once more rather than miss it
    corrected = store.db.execute(
        "SELECT max(max(created_at), coalesce(max(undone_at), '')) FROM corrections"
    ).fetchone()[0]
    return (changed is not None and changed > row["written_at"]) or (
        corrected is not None and corrected >= row["written_at"]
    )


def last_success(store: Store, commands: Sequence[str]) -> Any:
    """The last finished run of one of `commands` without an error (a sqlite3.Row), or None."""
    marks = ",".join("?" * len(commands))
    return store.db.execute(
        f"SELECT * FROM runs WHERE command IN ({marks}) AND finished_at IS NOT NULL"
        " AND error IS NULL ORDER BY id DESC LIMIT 1",
        tuple(commands),
    ).fetchone()


def last_error(store: Store) -> Any:
    """The last run that ended in an error (a sqlite3.Row), or None."""
    return store.db.execute(
        "SELECT * FROM runs WHERE error IS NOT NULL ORDER BY id DESC LIMIT 1"
    ).fetchone()


def last_finished(store: Store, commands: Sequence[str]) -> Any:
    """The last finished run of one of `commands`, failed or not (a sqlite3.Row), or None."""
    marks = ",".join("?" * len(commands))
    return store.db.execute(
        f"SELECT * FROM runs WHERE command IN ({marks}) AND finished_at IS NOT NULL"
        " ORDER BY id DESC LIMIT 1",
        tuple(commands),
    ).fetchone()
