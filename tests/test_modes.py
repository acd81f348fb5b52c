"""Files people can open, and nothing more (issue 17): workbooks and archived mail
readable by the group ([storage] mode, 0640 by default), the database and the logs
never readable by everyone, whatever the umask; `-v` logs no mail content."""

from __future__ import annotations

import os
import re
import stat
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from pipeline.service.runner import run_once
from tests.builders import CHINA, make_docx, make_mail
from tests.conftest import REPO, Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import use_imap

MAILROLL = REPO / ".venv" / "bin" / "mailroll"
SECRET_BODY = "区发改委组织干部职工绿色出行。内部备注XYZZY"
SECRET_FILE = "附件正文PLUGH，组织干部职工步行上班。"


@pytest.fixture
def cron_umask() -> Iterator[None]:
    """cron's umask (022): files made without an explicit mode are world-readable."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _mail() -> bytes:
    return make_mail(
        sender="fgw@jiangbei.example",
        body=SECRET_BODY,
        attachments=[("区发改委总结.docx", make_docx(["区发改委节能宣传周总结", SECRET_FILE]))],
    )


def test_default_modes_under_cron(workspace: Workspace, cron_umask: None) -> None:
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[service]\nlog_file = "{workspace.root / "log" / "mailroll.log"}"\n')
    workspace.add(_mail())
    out = subprocess.run(
        [str(MAILROLL), "--config", str(workspace.config_path), "run", "--once"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    config = workspace.config
    books = list(config.report.dir.glob("*.xlsx"))
    mails = list(config.storage.archive.rglob("*.eml"))
    assert books and mails
    assert {mode(p) for p in books + mails} == {0o640}  # the officials' group can open them
    assert {mode(p.parent) for p in mails} == {0o750}  # and reach the archived mail
    database = config.storage.database
    for path in (database, *database.parent.glob(database.name + "-*"), config.service.log_file):
        assert path is not None and mode(path) & 0o007 == 0, f"{path} is world-readable"


def test_storage_mode_is_honoured(workspace: Workspace, cron_umask: None) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(text.replace("[storage]\n", '[storage]\nmode = "0600"\n'))
    assert workspace.config.storage.mode == 0o600
    workspace.add(_mail())
    result = run_once(workspace.config)
    assert result.error is None and result.workbook is not None
    assert mode(result.workbook) == 0o600
    assert {mode(p) for p in workspace.config.storage.archive.rglob("*.eml")} == {0o600}
    assert mode(workspace.config.storage.database) == 0o600


def test_a_world_readable_mode_is_refused(workspace: Workspace) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(text.replace("[storage]\n", '[storage]\nmode = "644"\n'))
    out = subprocess.run(
        [str(MAILROLL), "--config", str(workspace.config_path), "check"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 1
    assert "storage.mode" in out.stderr and "world" in out.stderr


def test_verbose_logs_hold_no_mail_content(workspace: Workspace, dovecot: Dovecot) -> None:
    use_imap(workspace, dovecot)
    dovecot.append("INBOX", _mail())
    log = workspace.root / "mailroll.log"
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[service]\nlog_file = "{log}"\n')
    out = subprocess.run(
        [str(MAILROLL), "-v", "--config", str(workspace.config_path), "run", "--once"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "1 new mails, 1 processed" in out.stdout
    assert "imapclient" in out.stderr  # -v shows the IMAP conversation ...
    for text in (out.stderr, log.read_text(encoding="utf-8")):
        for secret in ("XYZZY", "PLUGH", "绿色出行"):
            assert secret not in text  # ... but no mail body, no attachment
        assert not re.search(r"[A-Za-z0-9+/]{200}", text)  # nor its base64


def test_log_lines_carry_the_configured_zones_time(workspace: Workspace) -> None:
    log = workspace.root / "mailroll.log"
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[service]\nlog_file = "{log}"\n')
    workspace.add(_mail())
    env = {**os.environ, "TZ": "UTC"}  # the server's clock, as on most servers
    out = subprocess.run(
        [str(MAILROLL), "--config", str(workspace.config_path), "run", "--once"],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    first = log.read_text(encoding="utf-8").splitlines()[0]
    logged = datetime.strptime(first[:19], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    assert abs(datetime.now(CHINA) - logged) < timedelta(minutes=2), first
