"""The run lock, held by a real second process: taken, refused, taken over when stale."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.service.lock import AlreadyRunning, RunLock, read_holder
from tests.conftest import REPO

HOLD = """
import sys, time
from pathlib import Path
from pipeline.service.lock import RunLock
lock = RunLock(Path(sys.argv[1]), "serve (poll)")
lock.acquire()
print("locked", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path: Path) -> subprocess.Popen[str]:
    """Another process holding the lock on tmp_path/mailroll.lock."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "mailroll.lock")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    yield proc
    proc.kill()
    proc.wait()


def test_a_held_lock_is_refused_at_once_naming_the_holder(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(AlreadyRunning) as caught:
        RunLock(tmp_path / "mailroll.lock", "run --once").acquire()
    message = str(caught.value)
    assert message.startswith(f"already running (pid {holder.pid} since ")
    assert "mailroll serve (poll)" in message and str(tmp_path / "mailroll.lock") in message
    found = read_holder(tmp_path / "mailroll.lock")
    assert found is not None and found.pid == holder.pid and found.alive()


def test_waiting_for_a_held_lock_gives_up_when_told_to_stop(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    with pytest.raises(AlreadyRunning):
        RunLock(tmp_path / "mailroll.lock", "serve (weekly_report)").acquire(
            wait=60, should_stop=lambda: True
        )


def test_the_lock_of_a_killed_process_is_taken_over(
    tmp_path: Path, holder: subprocess.Popen[str], caplog: pytest.LogCaptureFixture
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    dead = read_holder(tmp_path / "mailroll.lock")
    assert dead is not None and not dead.alive()  # what `mailroll status` calls a stale lock
    lock = RunLock(tmp_path / "mailroll.lock", "run --once")
    with caplog.at_level(logging.WARNING, logger="pipeline.service.lock"):
        lock.acquire()
    assert f"took over a stale lock: pid {holder.pid}" in caplog.text
    mine = read_holder(tmp_path / "mailroll.lock")
    assert mine is not None and mine.pid == os.getpid() and mine.command == "run --once"
    lock.release()
    assert read_holder(tmp_path / "mailroll.lock") is None  # empty: released cleanly


def test_a_cleanly_released_lock_is_taken_without_a_stale_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "var" / "mailroll.lock"
    with caplog.at_level(logging.WARNING, logger="pipeline.service.lock"):
        with RunLock(path, "retag"):
            assert read_holder(path) is not None
            with pytest.raises(AlreadyRunning):  # a second holder in the same process, too
                RunLock(path, "run --once").acquire()
        with RunLock(path, "run --once"):
            pass
    assert "stale" not in caplog.text
    assert path.read_text() == ""
