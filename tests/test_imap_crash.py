"""The mailroll process SIGKILLed at each stage of an IMAP poll, then run again:
every mail stored exactly once, the after-action applied, and the workbook
counting each submission once (mbsync-style interruption tests).

The kill comes from the test-only hook in pipeline/fetch/poll.py
(MAILROLL_TEST_CRASH_AT=stage[:N]), so it lands exactly at the named point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipeline.config import load_config
from pipeline.service.runner import run_once
from tests.conftest import REPO, Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import FOLDER, Stored, report_mail, use_imap

MAILS = 5


def mailroll(config: Path, *args: str, crash_at: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "MAILROLL_TEST_CRASH_AT": crash_at}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(config), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("crash_at", "left"),
    [  # what the kill leaves: (mail rows, archived files, after-actions owed)
        ("after_fetch", (0, 0, 0)),  # the first batch downloaded, nothing archived
        ("after_archive:3", (2, 3, 0)),  # the third mail's file written, no row
        ("mid_transaction:3", (2, 3, 0)),  # the third mail's rows written, not committed
        ("before_action:2", (4, 4, 2)),  # two batches committed, the second one's \\Seen owed
    ],
)
def test_killed_at_each_stage_then_run_again(
    workspace: Workspace, dovecot: Dovecot, crash_at: str, left: tuple[int, int, int]
) -> None:
    dovecot.create_folder(FOLDER)
    for n in range(MAILS):
        dovecot.append(FOLDER, report_mail(n))
    config = use_imap(workspace, dovecot, folders=f'["{FOLDER}"]', after='{ action = "seen" }')

    killed = mailroll(config, "run", "--once", crash_at=crash_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored = Stored(workspace)
    assert (stored.count("mails"), stored.archived_files(), stored.count("imap_actions")) == left

    again = run_once(load_config(config))  # the restart (in-process: the kill is over)
    assert (again.new_mails, again.failed, again.error) == (MAILS - left[0], 0, None)
    assert stored.count("mails") == stored.count("submissions") == MAILS
    assert stored.count("seen") == stored.archived_files() == MAILS
    assert stored.message_ids() == sorted(f"<report-{n}@jiangbei.example>" for n in range(MAILS))
    assert stored.count("imap_actions") == 0
    assert all(b"\\Seen" in flags for flags in dovecot.flags(FOLDER).values())

    assert again.workbook is not None
    workbook = openpyxl.load_workbook(again.workbook, read_only=True)
    header, *details = list(workbook["明细"].iter_rows(min_row=2, values_only=True))
    per_subject = Counter(row[header.index("主题")] for row in details)
    assert len(per_subject) == MAILS
    assert set(per_subject.values()) == {2}  # body + docx of each mail, never four
    header, *rows = list(workbook["汇总"].iter_rows(min_row=2, values_only=True))
    units = [row for row in rows if isinstance(row[0], (int, float))]  # not 小计, 合计, headings
    assert sum(row[header.index("报送次数")] or 0 for row in units) == MAILS
    (total,) = [row for row in rows if row[header.index("单位名称")] == "合计"]
    assert total[header.index("报送次数")] == MAILS

    assert run_once(load_config(config)).new_mails == 0


def test_killed_between_the_move_and_its_record(workspace: Workspace, dovecot: Dovecot) -> None:
    """The move is done but not yet marked done: repeating it on restart is harmless."""
    for n in range(MAILS):
        dovecot.append("INBOX", report_mail(n))
    move = '{ action = "move", target = "已处理" }'
    config = use_imap(workspace, dovecot, after=move)

    killed = mailroll(config, "run", "--once", crash_at="after_action:2")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored = Stored(workspace)
    assert (stored.count("mails"), stored.count("imap_actions")) == (4, 2)
    assert len(dovecot.flags("已处理")) == 4  # moved, but the database does not know yet

    again = run_once(load_config(config))
    assert (again.new_mails, again.error) == (1, None)
    assert stored.count("mails") == stored.count("submissions") == MAILS
    assert stored.count("imap_actions") == 0
    assert dovecot.flags("INBOX") == {}
    assert len(dovecot.flags("已处理")) == MAILS  # each mail moved once, none copied twice
