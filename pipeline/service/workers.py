"""Process many stored mails on every core: workers analyse, the caller writes.

Parsing and tagging are pure Python, so threads would share one core; each
worker here is a process that parses a mail, extracts its files (through its
own sandboxed extraction worker, as in the serial path) and tags it, and
hands back an `Outcome`. The calling process stays the only database writer:
it marks each mail in hand before handing it out and writes the outcomes in
the order of the pending list, one transaction per mail, so the result is the
same as the serial loop's.

Only a mail's own crash counts against it. A worker that dies breaks the
pool, and a run can be killed with mails in hand; either way those mails are
then processed alone, one at a time, in a fresh worker (`process_alone`): the
one whose worker dies again gets the crash counted (after
`limits.max_attempts` it is set aside), the others are simply done. Workers
exit with the process that started them, even after SIGKILL
(pipeline.extract.sandbox.die_with). Starting a worker costs about a second
(imports, jieba's dictionary), so fewer than MIN_MAILS mails are processed
serially.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from pipeline import timings
from pipeline.config import Config
from pipeline.extract.sandbox import die_with, mp_context
from pipeline.process import Rulebook
from pipeline.service.mails import analyse_stored, begin_mail, record_outcome
from pipeline.store import Store, StoredMail

log = logging.getLogger(__name__)

MIN_MAILS = 20  # fewer mails than this are quicker to do serially

_state: tuple[Rulebook, Config] | None = None


def workers_for(count: int) -> int:
    """How many worker processes pay for `count` mails: one per core, 0 = serial."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if count < MIN_MAILS or (cores or 1) < 2:
        return 0
    return cores or 1


def process_in_workers(
    store: Store,
    mails: Iterable[StoredMail],
    book: Rulebook,
    config: Config,
    workers: int,
    should_stop: Callable[[], bool],
) -> tuple[int, int, int]:
    """Process `mails` in `workers` processes; return (processed, failed, how many were
    handed out). Stops handing out mails when `should_stop()`, or when a worker died."""
    done = failed = handed = 0
    window: deque[tuple[StoredMail, Future | None]] = deque()  # handed out, not yet written
    pool = _pool(workers, book, config)
    try:
        for mail in mails:
            if should_stop():
                break
            while len(window) >= 2 * workers:
                ok = _finish(store, *window[0], record_outcome)
                window.popleft()
                done, failed = done + ok, failed + (not ok)
            handed += 1
            if begin_mail(store, mail, config):
                window.append((mail, None))
                window[-1] = (mail, pool.submit(_analyse, mail))
            else:
                failed += 1
        while window:
            ok = _finish(store, *window[0], record_outcome)
            window.popleft()
            done, failed = done + ok, failed + (not ok)
    except BrokenProcessPool:
        log.error("a worker process died; %d mails in hand are processed one at a time",
                  len(window))  # fmt: skip
        pool.shutdown(cancel_futures=True)
        alone_done, alone_failed = process_alone(store, [m for m, _ in window], book, config)
        done, failed = done + alone_done, failed + alone_failed
    finally:
        pool.shutdown(cancel_futures=True)
    return done, failed, handed


def process_alone(
    store: Store,
    mails: Iterable[StoredMail],
    book: Rulebook,
    config: Config,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[int, int]:
    """Process each mail by itself in a worker process; a mail whose worker dies has
    the crash counted (and is set aside after `limits.max_attempts`), or stays pending
    for the next run. Return (processed, failed)."""
    done = failed = 0
    pool = None
    try:
        for mail in mails:
            if should_stop():
                break
            if not begin_mail(store, mail, config):
                failed += 1
                continue
            pool = pool or _pool(1, book, config)
            try:
                ok = _finish(store, mail, pool.submit(_analyse, mail), record_outcome)
            except BrokenProcessPool:
                crashes = store.count_crash(mail.sha256)
                log.error("mail %s crashed its worker (%d times)", mail.sha256[:12], crashes)
                pool.shutdown(cancel_futures=True)
                pool, ok = None, False
                if crashes >= config.limits.max_attempts:
                    begin_mail(store, replace(mail, attempts=crashes), config)  # set aside
            done, failed = done + ok, failed + (not ok)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return done, failed


def _pool(workers: int, book: Rulebook, config: Config) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        workers, mp_context(), initializer=_start, initargs=(book, config, os.getpid())
    )


def _finish(store: Store, mail: StoredMail, future: Future | None, record: Callable) -> bool:
    if future is None:  # the pool broke as the mail was handed to it
        raise BrokenProcessPool("the pool broke while a mail was handed out")
    outcome, stages = future.result()
    for name, seconds in stages.items():
        timings.add(name, seconds)
    return bool(record(store, mail, outcome))


def _start(book: Rulebook, config: Config, owner: int) -> None:
    """Worker start-up: keep the rules, leave Ctrl-C to the parent, exit with it."""
    import signal

    global _state
    die_with(owner)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state = (book, config)


def _analyse(mail: StoredMail) -> tuple[object, dict[str, float]]:
    """In the worker: one mail's Outcome, and the seconds its stages took."""
    assert _state is not None
    timings.reset()
    outcome = analyse_stored(mail, *_state)
    return outcome, timings.snapshot()
