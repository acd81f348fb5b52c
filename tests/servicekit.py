"""Helpers for the tests of the unattended service: mailboxes of each kind, a
config for them, and `mailroll` started as a real subprocess.

The mailbox kind is a parameter (the `mailbox` fixture in test_service.py):
every service test runs against each kind listed in MAILBOX_KINDS: a local
Maildir, and a real Dovecot server read over IMAP.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from pipeline.config import load_config
from pipeline.service.runner import open_store
from tests.builders import CHINA, make_mail
from tests.conftest import REPO
from tests.dovecot import Dovecot

MAILBOX_KINDS = ["maildir", "dovecot"]
SENDERS = [
    ("guanyinqiao@jiangbei.example", "观音桥街道"),
    ("huaxinjie@jiangbei.example", "华新街街道"),
    ("wulidian@jiangbei.example", "五里店街道"),
    ("cuntan@jiangbei.example", "寸滩街道"),
]


class Mailbox(Protocol):
    kind: str

    def config(self) -> str:
        """The [mailbox] table (and any other table it needs) of config.toml."""
        ...

    def add(self, raw: bytes) -> None:
        """Deliver one mail, as a mail server would."""
        ...


class DovecotBox:
    """The real IMAP server of the `dovecot` fixture: delivery is an IMAP APPEND."""

    kind = "dovecot"

    def __init__(self, root: Path, server: Dovecot) -> None:
        self.server = server
        self.secret = root / "imap.password"
        self.secret.write_text(server.password + "\n", encoding="utf-8")

    def config(self) -> str:
        return (
            '[mailbox]\nsource = "imap"\n\n[[imap]]\nname = "bureau"\n'
            f'host = "{self.server.host}"\nport = {self.server.port}\nsecurity = "plain"\n'
            f'user = "{self.server.user}"\npassword_file = "{self.secret}"\n'
            'folders = ["INBOX"]\ntimeout = 10\nbatch_size = 10\n'
        )

    def add(self, raw: bytes) -> None:
        self.server.append("INBOX", raw)


class MaildirBox:
    """A local Maildir: delivery writes to tmp/ and renames into new/, like an MDA."""

    kind = "maildir"

    def __init__(self, root: Path) -> None:
        self.path = root / "mail"
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True)
        self._n = 0

    def config(self) -> str:
        return f'[mailbox]\nsource = "maildir"\npath = "{self.path}"\n'

    def add(self, raw: bytes) -> None:
        self._n += 1
        name = f"{time.time_ns()}.M{self._n}P{os.getpid()}.test"
        tmp = self.path / "tmp" / name
        tmp.write_bytes(raw)
        tmp.rename(self.path / "new" / name)


def write_service_config(
    root: Path,
    mailbox: Mailbox,
    *,
    start: date | None = None,
    end: date | None = None,
    poll_minutes: float = 0.02,
    weekly_report: str = "0 8 * * mon",
) -> Path:
    """A config.toml with everything under root, and a quick poll (every 1.2 s by default).

    The campaign is in the future unless given, so no weekly workbook is due
    (writing workbooks is slow and not what most of these tests are about)."""
    start = start or date.today() + timedelta(days=60)
    end = end or start + timedelta(days=6)
    path = root / "config.toml"
    path.write_text(
        f"""{mailbox.config()}
[storage]
database = "{root / "var" / "mailroll.sqlite3"}"
archive = "{root / "var" / "archive"}"

[campaign]
name = "2024年全国节能宣传周和全国低碳日"
start = {start.isoformat()}
end = {end.isoformat()}
deadline = {end.isoformat()}
timezone = "Asia/Shanghai"

[rules]
dir = "{REPO / "rules"}"

[report]
dir = "{root / "output"}"
title = "江北区节能宣传周汇总"

[service]
poll_minutes = {poll_minutes}
weekly_report = "{weekly_report}"
log_file = "{root / "var" / "mailroll.log"}"
""",
        encoding="utf-8",
    )
    return path


def installed_since(config: Path, when: datetime) -> None:
    """History for a test: mailroll first ran on this database at `when` (the weekly
    catch-up only counts scheduled times after the first run)."""
    store = open_store(load_config(config))
    stamp = when.astimezone(UTC).isoformat(timespec="seconds")  # as store.now_iso writes it
    with store.transaction() as db:
        db.execute(
            "INSERT INTO runs (command, started_at, finished_at) VALUES ('run', ?, ?)",
            (stamp, stamp),
        )
    store.close()


def report_mail(n: int, date: datetime | None = None) -> bytes:
    """The n-th of many distinct, small, valid report mails from roster units."""
    sender, unit = SENDERS[n % len(SENDERS)]
    return make_mail(
        sender=sender,
        subject=f"{unit}节能宣传周工作动态（第{n}期）",
        body=f"{unit}第{n}期动态：组织干部职工{n + 10}人步行上班，悬挂横幅{n % 7 + 1}条。",
        date=date or datetime(2024, 5, 14, 9, 0, tzinfo=CHINA),
        message_id=f"<svc-{n}@jiangbei.example>",
    )


class Mailroll:
    """`python -m pipeline --config CONFIG ...` as a real process in its own session,
    its output in a file (a pipe nobody reads could fill up and block it)."""

    def __init__(self, config: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.output = config.parent / f"mailroll-{time.time_ns()}.out"
        self._out = self.output.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline", "--config", str(config), *args],
            cwd=REPO,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def signal(self, sig: int) -> None:
        """Signal mailroll itself (systemd's KillMode=mixed); SIGKILL takes the whole
        process group, as a crash or the OOM killer would."""
        if sig == signal.SIGKILL:
            os.killpg(self.proc.pid, sig)
        else:
            os.kill(self.proc.pid, sig)

    def wait(self, timeout: float = 30) -> int:
        """The exit status; fails the test (after killing it) if it does not exit in time."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"mailroll did not exit in {timeout}s:\n{self.text()}") from None
        finally:
            self._out.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.signal(signal.SIGKILL)
            self.proc.wait()
        self._out.close()


def wait_until(what: str, check: Callable[[], bool], proc: Mailroll | None = None,
               timeout: float = 60) -> None:  # fmt: skip
    """Poll `check` until it holds; fail with `what` (and the process output) if it
    does not within `timeout` seconds (a hang guard, not a speed requirement)."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"mailroll exited ({proc.proc.returncode}) before {what}:\n"
                                 f"{proc.text()}")  # fmt: skip
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{proc.text() if proc else ''}")
        time.sleep(0.02)


def query(database: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    """Read the service's database from outside, as monitoring would (read-only)."""
    if not database.exists():
        return []
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:  # no such table: not migrated yet
        if "no such table" in str(exc):
            return []
        raise
    finally:
        db.close()


def count(database: Path, table: str, where: str = "1") -> int:
    rows = query(database, f"SELECT count(*) FROM {table} WHERE {where}")
    return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]
