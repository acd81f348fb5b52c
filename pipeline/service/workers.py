"""Process many stored mails on every core: workers analyse, the caller writes.

Parsing and tagging are pure Python, so threads would share one core; each
worker here is a process that parses a mail, extracts its files (through its
own sandboxed extraction worker, as in the serial path) and tags it, and
hands back an `Outcome`. The calling process stays the only database writer:
it counts each mail's attempt before handing it out and writes the outcomes
in the order of the pending list, one transaction per mail, so the result is
the same as the serial loop's.

A worker that dies (a mail that crashes the parser itself) breaks the pool:
the mails in flight keep their counted attempt and stay pending, exactly as
after a crash of the whole process, and the rest of the run goes on serially.
Starting a worker costs about a second (imports, jieba's dictionary), so
fewer than MIN_MAILS mails are processed serially.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from pipeline import timings
from pipeline.config import Config
from pipeline.extract.sandbox import mp_context
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
    window: deque[tuple[StoredMail, Future]] = deque()
    pool = ProcessPoolExecutor(workers, mp_context(), initializer=_start, initargs=(book, config))
    try:
        for mail in mails:
            if should_stop():
                break
            while len(window) >= 2 * workers:
                ok = _finish(store, *window.popleft(), record_outcome)
                done, failed = done + ok, failed + (not ok)
            handed += 1
            if begin_mail(store, mail, config):
                window.append((mail, pool.submit(_analyse, mail)))
            else:
                failed += 1
        while window:
            ok = _finish(store, *window.popleft(), record_outcome)
            done, failed = done + ok, failed + (not ok)
    except BrokenProcessPool:
        log.error("a worker process died; %d mails left pending, going on serially", len(window))
        handed -= len(window)  # still pending: the next run retries them (attempt counted)
    finally:
        pool.shutdown(cancel_futures=True)
    return done, failed, handed


def _finish(store: Store, mail: StoredMail, future: Future, record: Callable) -> bool:
    outcome, stages = future.result()
    for name, seconds in stages.items():
        timings.add(name, seconds)
    return bool(record(store, mail, outcome))


def _start(book: Rulebook, config: Config) -> None:
    """Worker start-up: keep the rules, and leave Ctrl-C to the parent."""
    import signal

    global _state
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _state = (book, config)


def _analyse(mail: StoredMail) -> tuple[object, dict[str, float]]:
    """In the worker: one mail's Outcome, and the seconds its stages took."""
    assert _state is not None
    timings.reset()
    outcome = analyse_stored(mail, *_state)
    return outcome, timings.snapshot()
