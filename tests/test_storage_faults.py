"""Issue 14: storage faults (disk full, a read-only disk, a damaged database) end in
one `mailroll: error:` line that says what to do, with exit status 74, and `status`
reports them instead of crashing. Nothing is lost: after the fix, a run goes on.

The disk is a real small tmpfs mounted over var/ (the tests need root, as `make
test` runs in CI; elsewhere they are skipped)."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.errors import EXIT_STORAGE
from tests.builders import make_mail
from tests.conftest import REPO, Workspace
from tests.servicekit import (
    MaildirBox,
    Mailroll,
    count,
    report_mail,
    wait_until,
    write_service_config,
)


def mailroll(ws: Workspace, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(ws.config_path), *args],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def one_line_error(proc: subprocess.CompletedProcess[str], *words: str) -> str:
    assert proc.returncode == EXIT_STORAGE, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    (line,) = [x for x in proc.stderr.splitlines() if x.startswith("mailroll: error:")]
    assert all(w in line for w in words), line
    return line


@pytest.fixture
def small_disk(workspace: Workspace) -> Iterator[Path]:
    """var/ of the workspace on its own 3 MB tmpfs."""
    var = workspace.root / "var"
    var.mkdir()
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(var)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    if got.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {got.stderr.strip()}")
    try:
        yield var
    finally:
        subprocess.run(["umount", "-l", str(var)], check=False)


def remount(var: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(var)], check=True)


def test_disk_full_is_one_line_and_nothing_is_lost(workspace: Workspace, small_disk: Path) -> None:
    for n in range(4):
        workspace.add(report_mail(n))
    workspace.add(make_mail(body="观音桥街道组织绿色出行。" + "节能" * 1_500_000,
                            message_id="<big@x>"))  # 9 MB: more than the disk holds  # fmt: skip
    line = one_line_error(mailroll(workspace, "run", "--once"), "disk full", "free space")
    assert str(small_disk) in line
    status = mailroll(workspace, "status")
    assert "Traceback" not in status.stdout + status.stderr
    assert "ATTENTION" in status.stdout

    remount(small_disk, "size=64m")  # space freed
    again = mailroll(workspace, "run", "--once")
    assert again.returncode == 0, again.stderr
    database = small_disk / "mailroll.sqlite3"
    assert count(database, "mails") == 5 and count(database, "submissions") == 5


def test_a_read_only_disk_is_one_line(workspace: Workspace, small_disk: Path) -> None:
    workspace.add(report_mail(0))
    assert mailroll(workspace, "run", "--once").returncode == 0
    workspace.add(report_mail(1))
    remount(small_disk, "ro")
    one_line_error(mailroll(workspace, "run", "--once"), "cannot write", "writable")
    status = mailroll(workspace, "status")
    assert "Traceback" not in status.stdout + status.stderr
    assert "ATTENTION" in status.stdout

    remount(small_disk, "rw")
    assert mailroll(workspace, "run", "--once").returncode == 0
    assert count(small_disk / "mailroll.sqlite3", "submissions") == 2


@pytest.mark.parametrize("damage", ["overwritten", "truncated"])
def test_a_damaged_database_is_one_line_and_status_says_so(
    workspace: Workspace, damage: str
) -> None:
    for n in range(30):
        workspace.add(report_mail(n))
    assert mailroll(workspace, "run", "--once").returncode == 0
    database = workspace.root / "var" / "mailroll.sqlite3"
    data = database.read_bytes()
    if damage == "overwritten":
        database.write_bytes(b"\x00garbage" * 16 + data[128:])
    else:
        database.write_bytes(data[: len(data) // 3])
    workspace.add(report_mail(99))

    one_line_error(mailroll(workspace, "run", "--once"), "database damaged", "backup")
    status = mailroll(workspace, "status")
    assert status.returncode == EXIT_STORAGE and "Traceback" not in status.stderr
    assert "storage error: database damaged" in status.stdout
    as_json = mailroll(workspace, "status", "--json")
    assert '"ok": false' in as_json.stdout and "storage_error" in as_json.stdout


def test_the_service_logs_one_line_and_goes_on_after_space_is_freed(tmp_path: Path) -> None:
    box = MaildirBox(tmp_path)
    config = write_service_config(tmp_path, box)
    var = tmp_path / "var"
    var.mkdir()
    got = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(var)],
                         capture_output=True, text=True, check=False)  # fmt: skip
    if got.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {got.stderr.strip()}")
    serve = Mailroll(config, "serve")
    try:
        box.add(make_mail(body="观音桥街道组织绿色出行。" + "节能" * 1_500_000, message_id="<b@x>"))
        wait_until("the disk-full line", lambda: "poll failed: disk full" in serve.text(), serve)
        assert "Traceback" not in serve.text()
        remount(var, "size=64m")
        database = var / "mailroll.sqlite3"
        wait_until("the mail processed", lambda: count(database, "submissions") == 1, serve)
        serve.signal(signal.SIGTERM)
        assert serve.wait(60) == 0
    finally:
        serve.kill()
        subprocess.run(["umount", "-l", str(var)], check=False)
