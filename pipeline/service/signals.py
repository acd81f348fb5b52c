"""SIGTERM and SIGINT as a request to stop between mails (run, retag, serve)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

log = logging.getLogger("pipeline.service.serve")


@contextmanager
def stop_on_signals(
    stop: threading.Event, on_stop: Callable[[], None] | None = None
) -> Iterator[threading.Event]:
    """While inside, SIGTERM and SIGINT set `stop` (then call `on_stop`) instead of killing."""

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.info("%s again: still stopping", name)
            return
        log.info("%s: stopping after the mail in hand", name)
        stop.set()
        if on_stop is not None:
            on_stop()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
