"""One stored mail through the stages: mark it in hand, analyse it inside the
guard, record the outcome. The serial loop (runner) and the worker processes
(workers) both use these, so they give the same result."""

from __future__ import annotations

import logging
import os
import signal
import zlib
from dataclasses import dataclass, replace

from pipeline.config import Config
from pipeline.errors import ParseError
from pipeline.models import Message, Problem, Reading, Submission
from pipeline.parse import parse_file
from pipeline.parse.bounds import MailOutOfBounds
from pipeline.process import (
    Rulebook,
    extraction_limits,
    read_message,
    tag_reading,
    without_ocr,
)
from pipeline.service.screening import screen, screened
from pipeline.store import Store, StoredMail
from pipeline.store.readings import dump_reading, load_reading, reading_version
from pipeline.timings import stage

log = logging.getLogger(__name__)

CRASH_ENV = "MAILROLL_TEST_CRASH_MAIL"  # test-only, see _crash_point


@dataclass(frozen=True)
class Outcome:
    """What processing one mail gave: the parsed mail and its result, or the problem."""

    message: Message | None = None
    submission: Submission | None = None
    problem: Problem | None = None
    reading: tuple[str, bytes] | None = None  # (version, data) to store, when newly read
    missing: bool = False  # the archived raw mail is gone: keep what is stored


def process_one(store: Store, mail: StoredMail, book: Rulebook, config: Config) -> bool:
    """Parse, extract, identify and tag one stored mail; record a problem on failure."""
    if not begin_mail(store, mail, config):
        return False
    return record_outcome(store, mail, analyse_stored(mail, book, config))


def begin_mail(store: Store, mail: StoredMail, config: Config) -> bool:
    """Mark the mail in hand; False (and the mail set aside) once its own processing has
    crashed its worker `limits.max_attempts` times (pipeline.service.workers.process_alone).
    A run that is stopped or killed counts nothing against the mails it had in hand."""
    if mail.attempts >= config.limits.max_attempts:
        store.save_failure(
            mail.sha256,
            Problem(
                "邮件",
                f"处理已失败 {mail.attempts} 次（处理进程异常退出），不再自动重试",
                f"原始邮件保存在 {mail.path}，请人工查看；修复后可运行 mailroll retag",
            ),
        )
        return False
    with stage("store"):
        store.hand_out(mail.sha256)
    return True


def analyse_stored(mail: StoredMail, book: Rulebook, config: Config) -> Outcome:
    """The guard: parse and process one archived mail; whatever fails becomes a Problem.

    Touches no database, so it can run in a worker process (pipeline.service.workers)."""
    limits = extraction_limits(config.limits)
    stored = None
    kept = _kept_reading(mail)
    if kept is None and not mail.path.exists():
        log.error("archived mail %s is missing: %s", mail.sha256[:12], mail.path)
        return Outcome(problem=_missing(mail), missing=True)
    try:
        if kept is not None:
            message, reading = kept
        else:
            with stage("parse"):
                message = parse_file(
                    mail.path, config.campaign.timezone, config.limits.max_mail_bytes
                )
            reading = read_message(message, limits)
            stored = (reading_version(limits), dump_reading(message, reading))
        _crash_point(message.subject)
        if not config.ocr.enabled:  # scans become problem rows, as they were before OCR
            reading = without_ocr(reading)
        with stage("tag"):
            submission = tag_reading(message, reading, book, config.mailbox.auth_results_from)
    except MailOutOfBounds as exc:
        log.warning("mail %s not parsed: %s", mail.sha256[:12], exc)
        action = f"原始邮件保存在 {mail.path}；{exc.action}"
        return Outcome(problem=Problem("邮件", exc.reason, action))
    except ParseError as exc:
        log.warning("mail %s could not be parsed: %s", mail.sha256[:12], exc)
        return Outcome(
            problem=Problem(
                "邮件", f"邮件无法解析（{exc}）", f"原始邮件保存在 {mail.path}，请人工查看"
            )
        )
    except Exception as exc:  # the guard: one bad mail must not stop the run
        log.exception("mail %s failed", mail.sha256[:12])
        return Outcome(
            problem=Problem(
                "邮件",
                f"处理出错（{exc.__class__.__name__}: {exc}）",
                f"原始邮件保存在 {mail.path}，请人工查看并报告此问题",
            )
        )
    # the attachments' bytes are not stored with the result: do not carry them around
    return Outcome(replace(message, attachments=()), submission, reading=stored)


def _crash_point(subject: str) -> None:
    """Test-only hook: SIGKILL this process while it processes a mail whose subject holds
    the text in MAILROLL_TEST_CRASH_MAIL (the crash tests set it; unset, it does nothing),
    as a parser crash or the OOM killer would."""
    marker = os.environ.get(CRASH_ENV)
    if marker and marker in subject:
        os.kill(os.getpid(), signal.SIGKILL)


def _missing(mail: StoredMail) -> Problem:
    return Problem(
        "邮件",
        f"原始邮件文件缺失（{mail.path}），未能重新读取；保留此前的处理结果",
        "请从备份中恢复该文件（var/archive 整个目录），再运行 mailroll retag --reread",
    )


def _kept_reading(mail: StoredMail) -> tuple[Message, Reading] | None:
    """The mail's stored Reading, if retag handed one over and it is intact."""
    if mail.reading is None:
        return None
    try:
        return load_reading(mail.reading)
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        log.warning("stored reading of mail %s is damaged (%s): reading the mail again",
                    mail.sha256[:12], exc)  # fmt: skip
        return None


def record_outcome(store: Store, mail: StoredMail, outcome: Outcome) -> bool:
    """Write one mail's result (or its problem); True if it was processed."""
    with stage("store"):
        if outcome.submission is None or outcome.message is None:
            assert outcome.problem is not None
            if outcome.missing:  # keep the stored result, if any, and say the file is gone
                store.save_missing_archive(mail.sha256, outcome.problem)
            else:
                store.save_failure(mail.sha256, outcome.problem)
            return False
        kind = screen(store, outcome.message)
        submission = screened(outcome.submission, kind)
        store.save_submission(mail.sha256, outcome.message, submission, outcome.reading, kind)
    return True
