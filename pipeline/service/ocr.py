"""The OCR queue: scans are read after the text mail, in the OCR worker, off the poll.

A mail with a scanned PDF or a photographed page is processed at once like any
other (it counts as reported; 明细 marks the scan 识别中) and its scans are queued
(table `ocr_jobs`). After each poll has processed the new mail and written the
workbook, the queue is worked through for at most half a poll interval: each
mail's scans are read in one OCR worker process under `[ocr]`'s time and memory
limits, the mail is tagged again with the text OCR found, and the result replaces
the earlier one in the same transaction that marks the job done, so a mail is
never OCR'd twice. An attempt is counted before it starts, so a kill in the middle
is resumed at the next run and a mail that keeps killing the worker is settled
with a problem row after `limits.max_attempts` tries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace

from pipeline.config import Config
from pipeline.extract.ocrworker import run_ocr
from pipeline.models import Attachment, Problem, Reading
from pipeline.parse import parse_file
from pipeline.process import (
    Rulebook,
    extraction_limits,
    pending_scans,
    read_message,
    scan_files,
    tag_reading,
    with_ocr,
    without_ocr,
)
from pipeline.service.mails import Outcome, record_outcome
from pipeline.store import Store, StoredMail
from pipeline.store.ocrjobs import begin_ocr, ocr_queue
from pipeline.store.readings import dump_reading, load_reading, reading_version
from pipeline.timings import stage

log = logging.getLogger(__name__)


def run_ocr_queue(
    store: Store,
    config: Config,
    book: Rulebook,
    should_stop: Callable[[], bool],
    budget_s: float,
) -> int:
    """Read the queued scans, oldest mail first, until the queue is empty, `budget_s`
    seconds have passed or the service is asked to stop; return the mails finished."""
    started, finished = time.monotonic(), 0
    for mail in ocr_queue(store):
        if should_stop() or time.monotonic() - started >= budget_s:
            break
        attempts = begin_ocr(store, mail.sha256)
        ocr_mail(store, mail, book, config, gave_up=attempts > config.limits.max_attempts)
        finished += 1
    left = store.counts()["ocr_queued"]
    if finished or left:
        log.info("ocr: %d mails read, %d waiting, %.1fs", finished, left,
                 time.monotonic() - started)  # fmt: skip
    return finished


def ocr_mail(store: Store, mail: StoredMail, book: Rulebook, config: Config, gave_up: bool) -> None:
    """OCR one mail's scans and save the mail tagged again; whatever fails is a problem row."""
    limits = extraction_limits(config.limits)
    version = reading_version(limits)
    with stage("parse"):
        message = parse_file(mail.path, config.campaign.timezone)
    blob = store.reading(mail.sha256, version)
    reading = load_reading(blob)[1] if blob is not None else read_message(message, limits)
    try:
        reading = _read_scans(message.attachments, reading, config, gave_up, mail.attempts + 1)
    except Exception as exc:  # the guard: the mail must leave the queue with a reason
        log.exception("OCR of mail %s failed", mail.sha256[:12])
        reading = _settled(reading, f"文字识别出错（{exc.__class__.__name__}），未识别")
    with stage("tag"):
        submission = tag_reading(message, reading, book)
    stored = (version, dump_reading(message, reading))
    record_outcome(
        store, mail, Outcome(replace(message, attachments=()), submission, reading=stored)
    )


def _read_scans(
    attachments: tuple[Attachment, ...],
    reading: Reading,
    config: Config,
    gave_up: bool,
    attempts: int,
) -> Reading:
    if gave_up:
        return _settled(reading, f"文字识别已中断 {attempts - 1} 次，不再自动重试")
    if not config.ocr.enabled:
        return without_ocr(reading)
    files = scan_files(pending_scans(reading), {a.filename: a.data for a in attachments})
    with stage("ocr"):
        results = run_ocr(list(files.items()), config.ocr)
    return with_ocr(reading, dict(zip(files, results, strict=True)))


def _settled(reading: Reading, reason: str) -> Reading:
    """The Reading without OCR, with one problem per scan saying why."""
    problems = tuple(
        Problem(name, reason, "请打开原始邮件人工查看该扫描件") for name in pending_scans(reading)
    )
    settled = without_ocr(reading)
    return Reading(settled.documents, settled.photos, settled.problems + problems)
