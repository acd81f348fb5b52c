"""What `mailroll status` reports: is the service healthy, without reading logs.

Everything comes from the database, the lock file and the config's triggers,
never from a live process, so it works the same under cron, under systemd and
after a crash. `ok` is false when the last poll failed, when nothing has polled
for three intervals, or when a weekly workbook that is due was not written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.config import Config
from pipeline.service.lock import read_holder
from pipeline.service.schedule import missing_weeks, next_runs, poll_interval
from pipeline.store import Store
from pipeline.store.workbooks import last_error, last_success, last_workbook

POLL_COMMANDS = ("run", "poll")  # `runs` rows that polled the mailbox
OVERDUE_INTERVALS = 3
WORKBOOK_KINDS = ("cumulative", "weekly")


def status(store: Store, config: Config, now: datetime | None = None) -> dict[str, Any]:
    """Counts, last successful poll, last error, workbooks, next runs, who is working."""
    tz = config.campaign.timezone
    now = now or datetime.now(tz)
    info: dict[str, Any] = {"database": str(config.storage.database), **store.counts()}
    last = store.last_run()
    info["last_run"] = _local_row(last, tz)
    success = last_success(store, POLL_COMMANDS)
    info["last_success"] = _local_row(success, tz)
    error = last_error(store)
    info["last_error"] = _local_row(error, tz)
    info["last_workbook"] = {k: _local_row(last_workbook(store, k), tz) for k in WORKBOOK_KINDS}
    info["missing_weekly"] = [w.label for w in missing_weeks(store, config, now)]
    last_poll = _time(success["started_at"], tz) if success else None
    info["next_runs"] = {k: v.isoformat() for k, v in next_runs(config, last_poll, now).items()}
    holder = read_holder(config.service.lock)
    info["lock"] = (
        {
            "pid": holder.pid,
            "since": _local(holder.since, tz),
            "command": holder.command,
            "alive": holder.alive(),
        }
        if holder
        else None
    )
    working = bool(holder and holder.alive())
    if last_poll is None:  # never polled: fine only while the first load is running
        overdue = not working
    else:
        overdue = now - last_poll > OVERDUE_INTERVALS * poll_interval(config)
    info["poll_overdue"] = overdue
    failing = bool(last and last["error"])  # the latest run of any job failed
    info["ok"] = not (failing or overdue or info["missing_weekly"])
    return info


def format_status(info: dict[str, Any]) -> list[str]:
    """The same facts as readable lines."""
    if "storage_error" in info:  # the database could not be read: that is the news
        return ["status: ATTENTION", f"database: {info['database']}",
                f"storage error: {info['storage_error']}"]  # fmt: skip
    lines = [
        f"status: {'ok' if info['ok'] else 'ATTENTION'}",
        f"database: {info['database']}",
        f"mails: {info['mails']}  submissions: {info['submissions']}  pending: {info['pending']}"
        f"  failed: {info['failed']}  problems: {info['problems']}"
        + (f"  scans waiting for OCR: {info['ocr_queued']}" if info.get("ocr_queued") else ""),
    ]
    ok = info["last_success"]
    lines.append(
        f"last successful poll: {_show(ok['started_at'])} ({ok['command']}: "
        f"{ok['new_mails']} new, {ok['processed']} processed)"
        + ("  OVERDUE" if info["poll_overdue"] else "")
        if ok
        else "last successful poll: never"
    )
    err = info["last_error"]
    lines.append(
        f"last error: {_show(err['started_at'])} {err['command']}: {err['error']}"
        if err
        else "last error: none"
    )
    for kind, book in info["last_workbook"].items():
        lines.append(
            f"last {kind} workbook: {_show(book['written_at'])} {book['period']} {book['path']}"
            if book
            else f"last {kind} workbook: none yet"
        )
    if info["missing_weekly"]:
        lines.append(f"weekly workbooks due but not written: {', '.join(info['missing_weekly'])}")
    nxt = info["next_runs"]
    lines.append(
        "next runs: " + ("; ".join(f"{job} {_show(when)}" for job, when in nxt.items()) or "-")
    )
    holder = info["lock"]
    if holder and holder["alive"]:
        lines.append(f"working now: pid {holder['pid']} since {_show(holder['since'])}, "
                     f"mailroll {holder['command']}")  # fmt: skip
    elif holder:
        lines.append(f"stale lock: pid {holder['pid']} (mailroll {holder['command']}) died "
                     "while working; the next run takes over")  # fmt: skip
    return lines


def _time(iso: str, tz: Any) -> datetime:
    return datetime.fromisoformat(iso).astimezone(tz)


def _local(iso: str, tz: Any) -> str:
    try:
        return _time(iso, tz).isoformat()
    except ValueError:  # a lock file written by hand: show it as it is
        return iso


def _local_row(row: Any, tz: Any) -> dict[str, Any] | None:
    """A row as a dict, its times in the campaign time zone."""
    if row is None:
        return None
    out = dict(row)
    for key in ("started_at", "finished_at", "written_at", "due_at"):
        if out.get(key):
            out[key] = _time(out[key], tz).isoformat()
    return out


def _show(iso: str) -> str:
    return iso[:19].replace("T", " ")
