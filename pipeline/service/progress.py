"""Progress on long work: a bar on a terminal, a few plain log lines otherwise.

Used where a run can take minutes (the first backfill of a large mailbox,
`mailroll retag`, processing a season of mail). Short work shows nothing.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from typing import TypeVar

import click

T = TypeVar("T")
MIN_ITEMS = 20  # fewer than this is quick: no bar, no lines
LOG_EVERY = 10.0  # seconds between plain log lines when not on a terminal


def progress(items: Sequence[T], label: str, log: logging.Logger) -> Iterator[T]:
    """Yield `items`, showing progress on stderr when there are many of them."""
    total = len(items)
    if total < MIN_ITEMS:
        yield from items
        return
    if sys.stderr.isatty():
        with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
            yield from bar
        return
    log.info("%s: %d to do", label, total)
    last = time.monotonic()
    for n, item in enumerate(items, start=1):
        yield item
        if time.monotonic() - last >= LOG_EVERY and n < total:
            log.info("%s: %d/%d done", label, n, total)
            last = time.monotonic()
    log.info("%s: %d/%d done", label, total, total)
