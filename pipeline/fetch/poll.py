"""One poll of the configured IMAP accounts: every new mail archived exactly once.

For each folder: open it (EXAMINE unless an after-action is configured),
settle after-actions a crash left owed, compare UIDNEXT with the stored
`last_uid` (nothing new costs no further command), then `UID SEARCH UID n:*`
and FETCH BODY.PEEK[] in batches.

Commit per mail: the raw file is archived, then one transaction records the
mail, advances `last_uid` to its UID and queues its after-action. A kill at any
moment therefore loses nothing (what was not committed is fetched again) and
doubles nothing (what was committed is below `last_uid`; bytes archived twice
have the same sha256). Per-mail commits cost little with SQLite in WAL mode
and keep the redone work after a crash to at most one batch of downloads.
After-actions run after the batch's commits and are idempotent.

A dropped connection is retried with capped exponential backoff, a bounded
number of times per poll; the poll then ends with the error, and the next one
resumes from the last commit. A FETCH that fails makes the next attempt fetch
those UIDs one at a time; a single mail that fails POISON_LIMIT times (some
servers hang up on a mail they cannot read) is recorded in 待处理 and passed.
"""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import chain, groupby

from imapclient import IMAPClient

from pipeline.config import ImapAccount, ImapFolder
from pipeline.errors import MailboxError, MailrollError
from pipeline.fetch.imap import (
    PIECE,
    CommandMeter,
    MailboxUnreachable,
    apply_actions,
    connect,
    disconnect,
    fetch_mails,
    fetch_new_uids,
    fetch_rest,
    open_folder,
)
from pipeline.models import PollResult, Problem
from pipeline.store import Store
from pipeline.store import folders as state
from pipeline.store.folders import FolderKey
from pipeline.timings import stage

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 60.0  # seconds: the cap of the exponential backoff
POISON_LIMIT = 3  # a mail whose FETCH failed this many times alone is skipped (and recorded)
CRASH_ENV = "MAILROLL_TEST_CRASH_AT"  # test-only, see _crash_point


def _never() -> bool:
    return False


@dataclass
class _Tally:
    new_mails: int = 0
    should_stop: Callable[[], bool] = _never  # a service asked to stop: end between batches


def poll_imap(
    store: Store,
    accounts: tuple[ImapAccount, ...],
    sleep: Callable[[float], None] = time.sleep,
    should_stop: Callable[[], bool] = _never,
) -> PollResult:
    """Archive the new mail of every folder of every account.

    One account or folder failing does not stop the others; each failure is a
    line in `PollResult.errors` (the caller records and logs them). `should_stop`
    is checked between batches: every mail fetched so far is committed.
    """
    meter = CommandMeter()
    tally = _Tally(should_stop=should_stop)
    errors: list[str] = []
    for account in accounts:
        if should_stop():
            break
        errors += _poll_account(store, account, meter, tally, sleep)
    return PollResult(tally.new_mails, meter.total, tuple(errors))


def _poll_account(
    store: Store,
    account: ImapAccount,
    meter: CommandMeter,
    tally: _Tally,
    sleep: Callable[[float], None],
) -> list[str]:
    """Poll one account's folders, reconnecting after a dropped connection."""
    todo = list(account.folders)
    errors: list[str] = []
    failures = 0
    while True:
        try:
            _sync_account(store, account, todo, meter, tally, errors)
            return errors
        except MailboxUnreachable as exc:
            failures += 1
            if failures > account.retries:
                return [*errors, str(exc)]
            delay = min(account.retry_delay * 2 ** (failures - 1), MAX_RETRY_DELAY)
            log.warning("%s; retry %d of %d in %.1f s", exc, failures, account.retries, delay)
            sleep(delay)
        except MailrollError as exc:  # login, TLS, password: retrying will not help
            return [*errors, str(exc)]


def _sync_account(
    store: Store,
    account: ImapAccount,
    todo: list[ImapFolder],
    meter: CommandMeter,
    tally: _Tally,
    errors: list[str],
) -> None:
    """Work through `todo` on one connection; a folder is removed once it is done."""
    client = connect(account, meter)
    try:
        while todo:
            try:
                sync_folder(store, client, account, todo[0], tally)
            except MailboxUnreachable:
                raise
            except MailrollError as exc:  # this folder only (unknown name, refused)
                errors.append(str(exc))  # the caller records and logs it
            todo.pop(0)
    finally:
        disconnect(client)


def sync_folder(
    store: Store, client: IMAPClient, account: ImapAccount, folder: ImapFolder, tally: _Tally
) -> None:
    """Archive the mails of one folder above its stored last_uid, batch by batch."""
    owed = state.has_pending_actions(store, account.name, folder.name)
    writable = owed or folder.after.action != "none"
    status = open_folder(client, account, folder.name, writable)
    key = FolderKey(account.name, folder.name, status.uidvalidity)
    if owed:
        dropped = state.drop_stale_actions(store, key)
        if dropped:
            log.warning("%s: %d after-actions dropped: UIDVALIDITY changed", account.where, dropped)
        _settle_actions(store, client, account, key)
    known = state.folder_state(store, key)
    if known is None:
        _note_new_uidvalidity(store, account, folder, status.uidvalidity)
        known = state.FolderState()
    if status.exists == 0 or (status.uidnext is not None and status.uidnext <= known.last_uid + 1):
        log.debug("%s: %s has nothing new", account.where, folder.name)
        return
    uids = fetch_new_uids(client, account, known.last_uid)
    before = tally.new_mails
    for batch in _batches(uids, account.batch_size, known.failing_uid):
        if tally.should_stop():
            break
        if batch == [known.failing_uid] and known.failures >= POISON_LIMIT:
            _skip_unreadable(store, account, key, batch[0], known.failures)
            continue
        mails = _fetch(store, client, account, key, batch)
        _crash_point("after_fetch")
        for uid in batch:
            if uid in mails:
                tally.new_mails += _save_mail(store, client, account, key, uid, mails[uid], folder)
            else:  # a UID FETCH answers for every UID that exists: this one was expunged
                log.info("%s: %s UID %d was deleted meanwhile", account.where, key.folder, uid)
                state.save_skipped(store, key, uid)
        if folder.after.action != "none":
            _crash_point("before_action")
            _settle_actions(store, client, account, key)
    log.info(
        "%s: %s: %d mails above UID %d, %d new",
        account.where, folder.name, len(uids), known.last_uid, tally.new_mails - before,
    )  # fmt: skip


def _batches(uids: list[int], size: int, failing_uid: int | None) -> Iterator[list[int]]:
    """Batches of `size` UIDs; those up to `failing_uid` one at a time, so that a mail
    the server cannot deliver (it drops the connection) is singled out."""
    i = 0
    while i < len(uids):
        n = 1 if failing_uid is not None and uids[i] <= failing_uid else size
        yield uids[i : i + n]
        i += n


def _fetch(
    store: Store, client: IMAPClient, account: ImapAccount, key: FolderKey, batch: list[int]
) -> dict[int, bytes]:
    """FETCH one batch; on failure remember which UIDs were asked for, then retry."""
    try:
        with stage("fetch"):
            return fetch_mails(client, account, batch)
    except MailboxError as exc:
        state.save_fetch_failure(store, key, batch)
        if isinstance(exc, MailboxUnreachable):
            raise
        raise MailboxUnreachable(exc.message, *exc.context) from None


def _note_new_uidvalidity(
    store: Store, account: ImapAccount, folder: ImapFolder, uidvalidity: int
) -> None:
    old = state.known_uidvalidities(store, account.name, folder.name)
    if old:
        log.warning(
            "%s: UIDVALIDITY of %s changed (%s -> %d); reading it again,"
            " mails already stored are skipped",
            account.where, folder.name, old[-1], uidvalidity,
        )  # fmt: skip


def _save_mail(
    store: Store,
    client: IMAPClient,
    account: ImapAccount,
    key: FolderKey,
    uid: int,
    head: bytes,
    folder: ImapFolder,
) -> bool:
    """Archive one mail, then record it and advance last_uid in one transaction.

    `head` is the mail's first PIECE bytes; a mail that fills them is fetched on
    piece by piece, each piece written to the archive as it arrives."""
    if len(head) < PIECE:
        with stage("archive"):
            sha = store.archive_raw(head)
        size = len(head)
    else:
        log.info("%s: %s UID %d is larger than %d MB: fetching it piece by piece",
                 account.where, key.folder, uid, PIECE // 2**20)  # fmt: skip
        try:
            with stage("fetch"):
                sha, size = store.archive_stream(
                    chain([head], fetch_rest(client, account, uid, len(head)))
                )
        except MailboxError as exc:
            state.save_fetch_failure(store, key, [uid])
            if isinstance(exc, MailboxUnreachable):
                raise
            raise MailboxUnreachable(exc.message, *exc.context) from None
    _crash_point("after_archive")

    def advance(db: sqlite3.Connection, _sha: str) -> None:
        state.record_mail(db, key, uid, folder.after)
        _crash_point("mid_transaction")

    with stage("archive"):
        return store.record_archived(key.source, key.mail_key(uid), sha, size, then=advance)


def _skip_unreadable(
    store: Store, account: ImapAccount, key: FolderKey, uid: int, failures: int
) -> None:
    """Give up on a mail the server failed to deliver `failures` times: record it for
    the official and move past it, so it cannot block the folder forever."""
    log.error(
        "%s: %s UID %d: the server failed %d times to deliver it; skipped",
        account.where, key.folder, uid, failures,
    )  # fmt: skip
    store.save_poll_problem(
        Problem(
            f"邮箱 {key.account}/{key.folder} UID {uid}",
            f"邮件服务器连续 {failures} 次无法提供这封邮件，已跳过",
            "请在网页邮箱中打开该文件夹查看这封邮件，必要时请发件单位重新发送",
        )
    )
    state.save_skipped(store, key, uid)


def _settle_actions(store: Store, client: IMAPClient, account: ImapAccount, key: FolderKey) -> None:
    """Apply the after-actions owed for committed mails, then forget them."""
    pending = state.pending_actions(store, key)
    for (action, target), group in groupby(
        sorted(pending, key=lambda p: (p.action, p.target, p.uid)), lambda p: (p.action, p.target)
    ):
        uids = [p.uid for p in group]
        apply_actions(client, account, action, target, uids)
        _crash_point("after_action")
        state.save_actions_done(store, key, uids)
        log.info("%s: %s: %s %s on %d mails", account.where, key.folder, action, target, len(uids))


def _crash_point(stage: str) -> None:
    """Test-only hook: SIGKILL this process at a named stage of a poll.

    Does nothing unless the environment variable MAILROLL_TEST_CRASH_AT is set
    (only the interruption tests set it) to a stage name, optionally with ":N"
    for the N-th passage: after_fetch, after_archive, mid_transaction,
    before_action, after_action.
    """
    wanted = os.environ.get(CRASH_ENV)
    if not wanted:
        return
    name, _, nth = wanted.partition(":")
    if name != stage:
        return
    _PASSED[stage] = _PASSED.get(stage, 0) + 1
    if _PASSED[stage] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


_PASSED: dict[str, int] = {}
