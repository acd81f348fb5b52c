"""One mailroll at work on a database at a time: a lock file held with flock.

`mailroll run --once` from cron, a job of `mailroll serve` and `mailroll retag`
each hold the lock while they work, so a cron run that overlaps the service (or
another cron run) exits at once with "already running (pid N since ...)".

The kernel releases an flock when its process dies, however it dies, so a lock
left by a killed process is never in the way: the next run takes it over. The
holder's pid, start time and command are written inside only for the message;
the file is emptied on a clean release, so text found in it on acquiring means
the last holder died while working (logged as a stale lock taken over). The
file itself is never deleted: unlinking a lock file races with a process that
has just opened it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from types import TracebackType

from pipeline.errors import MailrollError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Holder:
    """Who holds (or last held) the lock, as written in the lock file."""

    pid: int
    since: str  # local time with offset, ISO 8601
    command: str

    def describe(self) -> str:
        return f"pid {self.pid} since {self.since.replace('T', ' ')}, mailroll {self.command}"

    def alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # alive, another user's
            return True
        return True


class AlreadyRunning(MailrollError):
    """Another mailroll holds the lock on this database."""

    def __init__(self, path: Path, holder: Holder | None) -> None:
        who = holder.describe() if holder else "pid unknown"
        super().__init__(f"already running ({who})", f"lock {path}")
        self.holder = holder


def read_holder(path: Path) -> Holder | None:
    """The holder written in a lock file, or None if it is empty or missing."""
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return _parse(text)


def _parse(text: str) -> Holder | None:
    parts = text.strip().split(maxsplit=2)
    if len(parts) < 2 or not parts[0].isdigit():
        return None
    return Holder(int(parts[0]), parts[1], parts[2] if len(parts) > 2 else "?")


class RunLock:
    """An exclusive lock on `path`, for `command` (shown to whoever finds it taken).

    Use as a context manager (fails at once when taken) or call `acquire(wait=...)`.
    """

    def __init__(self, path: Path, command: str, tz: tzinfo | None = None) -> None:
        self.path = path
        self.command = command
        self.tz = tz  # the configured time zone: "since" reads like every other time shown
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0, should_stop: Callable[[], bool] | None = None) -> None:
        """Take the lock, trying for up to `wait` seconds; raise AlreadyRunning if taken.

        `should_stop` ends the wait early (a service that is shutting down)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                stopping = should_stop is not None and should_stop()
                if stopping or time.monotonic() >= deadline:
                    holder = _parse(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
                    os.close(fd)
                    raise AlreadyRunning(self.path, holder) from None
                time.sleep(0.2)
        previous = _parse(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        if previous is not None:
            log.warning(
                "took over a stale lock: %s stopped without releasing it (killed?); "
                "its unfinished mail is redone",
                previous.describe(),
            )
        since = datetime.now(self.tz).astimezone(self.tz).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {since} {self.command}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        os.ftruncate(fd, 0)  # empty = released cleanly
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
