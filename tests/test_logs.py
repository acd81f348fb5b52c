"""Logs of unattended runs (rotating file, no secrets) and progress on long work."""

from __future__ import annotations

import logging
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import ServiceConfig
from pipeline.service.logs import MASK, unattended_logging
from pipeline.service.runner import run_once
from tests.builders import make_mail
from tests.conftest import REPO, Workspace


def test_secrets_from_the_environment_never_reach_the_log_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAILROLL_IMAP_PASSWORD", "qq-auth-code-1234")
    log_file = tmp_path / "mailroll.log"
    root = logging.getLogger()
    before = list(root.handlers)
    with unattended_logging(ServiceConfig(log_file=log_file)):
        log = logging.getLogger("pipeline.test")
        log.warning("login failed for jb@example.com with %s", "qq-auth-code-1234")
        try:
            raise RuntimeError("LOGIN jb@example.com qq-auth-code-1234 refused")
        except RuntimeError:
            log.exception("poll failed")
    assert root.handlers == before  # the file handler is gone again
    text = log_file.read_text(encoding="utf-8")
    assert "qq-auth-code-1234" not in text
    assert f"login failed for jb@example.com with {MASK}" in text
    assert f"RuntimeError: LOGIN jb@example.com {MASK} refused" in text


def test_the_log_file_rotates(tmp_path: Path) -> None:
    log_file = tmp_path / "mailroll.log"
    with unattended_logging(ServiceConfig(log_file=log_file, log_max_bytes=2000, log_backups=2)):
        for n in range(200):
            logging.getLogger("pipeline.test").warning("poll: %d new mails", n)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "mailroll.log", "mailroll.log.1", "mailroll.log.2"
    ]  # fmt: skip
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())


def _retag(ws: Workspace, stderr: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--config", str(ws.config_path), "retag"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )


@pytest.fixture
def many_mails(workspace: Workspace) -> Workspace:
    for n in range(25):
        workspace.add(make_mail(sender="fgw@jiangbei.example", body=f"区发改委第{n}次绿色出行。"))
    assert run_once(workspace.config).processed == 25
    return workspace


def test_long_work_shows_a_progress_bar_on_a_terminal(many_mails: Workspace) -> None:
    master, slave = pty.openpty()
    proc = _retag(many_mails, slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed: the process has exited
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=60) == 0
    text = seen.decode("utf-8", "replace")
    assert "retag" in text and "25/25" in text and "[#" in text


def test_long_work_logs_plain_lines_when_not_on_a_terminal(many_mails: Workspace) -> None:
    proc = _retag(many_mails, subprocess.PIPE)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    text = err.decode()
    assert "retag: 25 to do" in text and "retag: 25/25 done" in text
    assert "[#" not in text
