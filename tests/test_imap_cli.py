"""`mailroll check` and `mailroll run` against a real Dovecot: what works is
listed, and each thing that is wrong is one clear line, never a traceback, never
the password."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pipeline.cli import main
from pipeline.config import ImapAccount, ImapFolder
from pipeline.fetch.imap import login_hint
from tests.conftest import REPO, Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import FOLDER, report_mail, use_imap

WRONG_PASSWORD = "wr0ng-Secret-999"


def mailroll(config: Path, *args: str) -> Result:
    """The command in-process (its exit code, stdout and stderr as a user sees them)."""
    return CliRunner().invoke(main, ["--config", str(config), *args])


def the_error_line(result: Result) -> str:
    """The single `mailroll: error:` line; fails on a traceback or a second line."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not an uncaught exception
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("mailroll: error:")]
    assert len(lines) == 1, result.stderr
    for secret in (WRONG_PASSWORD, "s3cret-pass"):
        assert secret not in result.output
    return lines[0]


def test_check_lists_the_account_and_its_folders(workspace: Workspace, dovecot: Dovecot) -> None:
    dovecot.create_folder(FOLDER)
    dovecot.append(FOLDER, report_mail(0))
    move = f'{{ name = "{FOLDER}", after = {{ action = "move", target = "已处理" }} }}'
    config = use_imap(workspace, dovecot, folders=f'["INBOX", {move}]')
    result = mailroll(config, "check")
    assert result.exit_code == 0, result.output
    assert f'imap [[imap]] "bureau" {dovecot.user} at 127.0.0.1:{dovecot.port} (plain) ok' in (
        result.stdout
    )
    assert f"  folders on the server: INBOX, {FOLDER}\n" in result.stdout
    assert "folder INBOX: 0 mails" in result.stdout
    assert f"folder {FOLDER}: 1 mails; after: move 已处理" in result.stdout
    assert "已处理 does not exist; it is created on first use" in result.stdout
    assert dovecot.flags(FOLDER) == {1: frozenset()}  # check changed nothing


EXPECTED = {
    "wrong password": "login failed for mailroll@example.test at 127.0.0.1:",
    "wrong port": "cannot connect to 127.0.0.1:1: connection refused; check host and port",
    "untrusted TLS": "TLS certificate of 127.0.0.1:{tls} is not trusted (self-signed",
    "unknown folder": 'folder "节能周" not found; folders in this account: INBOX, 节能宣传周',
}


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("problem", sorted(EXPECTED))
def test_each_problem_is_one_clear_line(
    workspace: Workspace, dovecot: Dovecot, command: str, problem: str
) -> None:
    dovecot.create_folder(FOLDER)
    keys: dict[str, object] = {
        "wrong password": {},
        "wrong port": {"port": 1},
        "untrusted TLS": {"security": "tls", "port": dovecot.tls_port},
        "unknown folder": {"folders": '["INBOX", "节能周"]'},
    }[problem]
    expected = EXPECTED[problem]
    config = use_imap(workspace, dovecot, **keys)
    if problem == "wrong password":
        (workspace.root / "imap.password").write_text(WRONG_PASSWORD, encoding="utf-8")

    line = the_error_line(mailroll(config, command))

    assert expected.format(tls=dovecot.tls_port) in line
    assert line.endswith('([[imap]] "bureau")')
    if command == "run":  # recorded for the 待处理 sheet and in the run's row
        db = sqlite3.connect(workspace.root / "var" / "mailroll.sqlite3")
        reasons = [r[0] for r in db.execute("SELECT reason FROM problems WHERE stage = 'fetch'")]
        run_error = db.execute("SELECT error FROM runs ORDER BY id DESC").fetchone()[0]
        db.close()
        assert len(reasons) == 1 and reasons[0].startswith("读取邮箱失败：")
        assert expected.format(tls=dovecot.tls_port) in run_error


def test_verbose_run_never_logs_the_password(workspace: Workspace, dovecot: Dovecot) -> None:
    config = use_imap(workspace, dovecot)
    result = subprocess.run(  # a real process: its logging goes to the real stderr
        [sys.executable, "-m", "pipeline", "--config", str(config), "-v", "run", "--once"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "0 new mails, 0 processed, 0 failed, 5 IMAP commands" in result.stdout
    assert "LOGIN **REDACTED**" in result.stderr  # the conversation is logged, not the secret
    assert dovecot.password not in result.stdout + result.stderr


def test_a_missing_password_variable_names_the_key(workspace: Workspace, dovecot: Dovecot) -> None:
    config = use_imap(workspace, dovecot)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace(f'password_file = "{workspace.root / "imap.password"}"',
                     'password_env = "MAILROLL_TEST_NO_SUCH_VARIABLE"'),
        encoding="utf-8",
    )  # fmt: skip
    env_before = os.environ.pop("MAILROLL_TEST_NO_SUCH_VARIABLE", None)
    assert env_before is None
    line = the_error_line(mailroll(config, "check"))
    assert "imap.password_env: environment variable MAILROLL_TEST_NO_SUCH_VARIABLE is not set" in (
        line
    )


def _account(host: str) -> ImapAccount:
    return ImapAccount(
        name="bureau",
        host=host,
        port=993,
        security="tls",
        user="jbjgswj@qq.com",
        folders=(ImapFolder("INBOX"),),
        password_env="MAILROLL_IMAP_PASSWORD",
    )


def test_the_login_hint_names_what_each_provider_wants() -> None:
    assert "QQ Mail needs the authorization code, not the account password" in login_hint(
        _account("imap.qq.com")
    )
    assert "客户端授权密码" in login_hint(_account("imap.163.com"))
    generic = login_hint(_account("imap.example.org"))
    assert "QQ" not in generic and "MAILROLL_IMAP_PASSWORD" in generic
