"""The jobs behind the commands: poll, process what is pending, retag, run once.

Each mail is processed inside a guard: whatever goes wrong with one mail is
recorded as a problem row (shown in 待处理) and the run goes on. A mail is marked
in hand while it is worked on; after a run died (a kill, a crash) the mails it
had in hand are processed alone in a worker, so a mail that crashes mailroll is
set aside after `limits.max_attempts` crashes of its own, and a killed run
counts against none.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import MailboxError, MailrollError, StorageError
from pipeline.fetch.maildir import fetch_maildir
from pipeline.fetch.poll import poll_imap
from pipeline.models import PollResult, Problem
from pipeline.process import (
    Rulebook,
    extraction_limits,
    load_rulebook,
)
from pipeline.service.mails import process_one
from pipeline.service.ocr import run_ocr_queue
from pipeline.service.progress import progress
from pipeline.service.schedule import write_workbooks
from pipeline.service.workers import process_alone, process_in_workers, workers_for
from pipeline.store import MAILBOX_ERROR, Store, StoredMail
from pipeline.store.corrections import sender_units
from pipeline.store.faults import storage_error, storage_faults
from pipeline.store.readings import reading_version

log = logging.getLogger(__name__)

ShouldStop = Callable[[], bool]  # checked between mails: a service asked to stop


def _never() -> bool:
    return False


@dataclass(frozen=True)
class RunResult:
    new_mails: int = 0
    processed: int = 0
    failed: int = 0
    workbook: Path | None = None
    error: str | None = None
    imap_commands: int = 0  # commands sent to IMAP servers by the poll
    weekly: tuple[Path, ...] = ()  # weekly workbooks written because they were due
    stopped: bool = False  # asked to stop (SIGTERM) before everything was done


def open_store(config: Config) -> Store:
    """The store; a disk, permission or damaged-file fault raises StorageError."""
    with storage_faults(config.storage.database):
        return Store(config.storage.database, config.storage.archive, config.storage.mode)


def rulebook_for(store: Store, config: Config) -> Rulebook:
    """rules/ with the sender addresses a person tied to units in the web app."""
    remembered = {row["address"]: row["unit_id"] for row in sender_units(store)}
    return load_rulebook(config.rules_dir, remembered)


def poll(store: Store, config: Config, should_stop: ShouldStop = _never) -> int:
    """Archive every mail the store has not seen; return how many were new.

    Raises MailboxError if a mailbox could not be read (what was read is kept).
    """
    result = poll_mailbox(store, config, should_stop)
    if result.errors:
        raise MailboxError("; ".join(result.errors))
    return result.new_mails


def poll_mailbox(store: Store, config: Config, should_stop: ShouldStop = _never) -> PollResult:
    """Archive every mail the store has not seen, from the configured source.

    Failures do not raise: each is a line in `errors`, and whatever could be
    read is stored (one IMAP account failing does not stop the others).
    `should_stop` is checked between mails.
    """
    if config.mailbox.source == "imap":
        return poll_imap(store, config.imap, should_stop=should_stop)
    assert config.mailbox.path is not None
    new = 0
    try:
        for raw in fetch_maildir(config.mailbox.path, store.is_seen):
            if should_stop():
                break
            _, is_new = store.save_raw(raw.source, raw.key, raw.data)
            new += is_new
    except MailboxError as exc:
        return PollResult(new, errors=(str(exc),))
    return PollResult(new)


def process_pending(
    store: Store, config: Config, book: Rulebook, should_stop: ShouldStop = _never
) -> tuple[int, int]:
    """Process every archived mail not yet done; return (processed, failed).

    Many mails are shared out to one worker process per core (pipeline.service.workers)."""
    return _process_all(store, store.pending(), config, book, "processing mail", should_stop)


def _process_all(
    store: Store,
    mails: list[StoredMail],
    config: Config,
    book: Rulebook,
    label: str,
    should_stop: ShouldStop,
    prepare: Callable[[StoredMail], StoredMail] = lambda mail: mail,
) -> tuple[int, int]:
    """Process `mails`, each passed through `prepare` just before it is handed out.

    Mails a run that died had in hand go first, each alone in a worker process, so a
    mail that crashes mailroll is found out and a kill of the run counts against none."""
    suspects = [prepare(mail) for mail in mails if mail.in_hand]
    if suspects:
        log.info("%d mails a stopped run had in hand: each processed alone", len(suspects))
    done, failed = process_alone(store, suspects, book, config, should_stop)
    mails = [mail for mail in mails if not mail.in_hand]
    workers = workers_for(len(mails))
    if workers:
        log.info("%s: %d mails in %d worker processes", label, len(mails), workers)
        shown = map(prepare, progress(mails, label, log))  # counted as they are handed out
        counts = process_in_workers(store, shown, book, config, workers, should_stop)
        done, failed, mails = done + counts[0], failed + counts[1], mails[counts[2] :]
    for mail in progress(mails, label, log):
        if should_stop():
            break
        if process_one(store, prepare(mail), book, config):
            done += 1
        else:
            failed += 1
    return done, failed


def retag(
    config: Config, should_stop: ShouldStop = _never, reread: bool = False
) -> tuple[int, int]:
    """Tag every stored mail again with the current rules and roster.

    A mail is tagged from its stored Reading (pipeline.store.readings) when that was read
    by this mailroll with these [limits]; otherwise, or with `reread`, the archived
    raw mail is parsed and its attachments read again."""
    store = open_store(config)
    book = rulebook_for(store, config)
    version = reading_version(extraction_limits(config.limits))

    def with_reading(mail: StoredMail) -> StoredMail:
        return mail if reread else replace(mail, reading=store.reading(mail.sha256, version))

    try:
        with storage_faults(config.storage.database):
            store.reset_attempts()
            mails = store.all_mails()
            return _process_all(store, mails, config, book, "retag", should_stop, with_reading)
    finally:
        store.close()


def _repr_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"  # an unexpected error: its type says most


def _finish(store: Store, config: Config, run_id: int, counts: tuple[int, int],
            error: str | None) -> int:  # fmt: skip
    """Record the run's end (best effort when storage itself failed); the open problems."""
    problems = 0
    try:
        with storage_faults(config.storage.database):
            problems = store.counts()["problems"]
            store.finish_run(run_id, *counts, problems, error)
    except StorageError as exc:
        if error is None:  # the run went well and only this failed: say so
            raise
        log.error("could not record the run's end: %s", exc)
    finally:
        store.close()
    return problems


def run_once(
    config: Config,
    *,
    command: str = "run",
    now: datetime | None = None,
    should_stop: ShouldStop = _never,
    write_unchanged: bool = True,
    ocr_budget_s: float | None = None,
) -> RunResult:
    """One poll, processing of everything pending, the roll-up workbook, and any
    weekly workbook that is due (see pipeline.service.schedule).

    `should_stop` is checked between mails; `write_unchanged=False` (the service)
    rewrites the 累计 workbook only when something changed since it was written.
    Queued scans are read by OCR last (pipeline.service.ocr), for at most
    `ocr_budget_s` seconds (default: half the poll interval), and the workbook
    rewritten if any finished."""
    store = open_store(config)
    started = time.monotonic()
    with storage_faults(config.storage.database):
        run_id = store.start_run(command)
    new = done = failed = commands = 0
    error = None
    workbook, weekly = None, []
    try:
        book = rulebook_for(store, config)
        polled = poll_mailbox(store, config, should_stop)
        new, commands = polled.new_mails, polled.imap_commands
        store.save_mailbox_errors(
            Problem("邮箱", f"{MAILBOX_ERROR}：{line}", "检查 config.toml 的邮箱设置与网络")
            for line in polled.errors
        )
        for line in polled.errors:
            log.error("poll failed: %s", line)
        error = "; ".join(polled.errors) or None
        done, failed = process_pending(store, config, book, should_stop)
        when = now or datetime.now(config.campaign.timezone)
        if not should_stop():
            workbook, weekly = write_workbooks(store, config, book, when, write_unchanged)
        # scans last, after the text mail and its workbook, for half a poll interval
        budget = config.service.poll_minutes * 30 if ocr_budget_s is None else ocr_budget_s
        if run_ocr_queue(store, config, book, should_stop, budget) and not should_stop():
            workbook, more = write_workbooks(store, config, book, when, write_unchanged)
            weekly = [*weekly, *more]
    except Exception as exc:  # recorded in `runs` for `mailroll status`, then raised
        fault = storage_error(exc, config.storage.database)
        error = str(fault or exc) if fault or isinstance(exc, MailrollError) else _repr_error(exc)
        if fault is not None:
            raise fault from exc
        raise
    finally:
        problems = _finish(store, config, run_id, (new, done), error)
    log.info(
        "%s: %d new mails, %d processed, %d failed, %d open problems, %d IMAP commands, %.1fs%s",
        command, new, done, failed, problems, commands, time.monotonic() - started,
        " (stopped early)" if should_stop() else "",
    )  # fmt: skip
    return RunResult(new, done, failed, workbook, error, commands, tuple(weekly), should_stop())
