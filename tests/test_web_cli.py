"""`mailroll web user add` and `mailroll web` on its own, as real commands; the
workbook's 打开原件 links open the mail's page when [web] base_url is set."""

from __future__ import annotations

import signal
import subprocess
import sys

import openpyxl
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.process import load_rulebook
from pipeline.rollup.report import write_report
from pipeline.service.runner import open_store
from tests.conftest import REPO, Workspace
from tests.reportkit import processed
from tests.servicekit import Mailroll, wait_until
from tests.webkit import Client, free_port


def _cli(ws: Workspace, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "--config", str(ws.config_path), *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, timeout=60,
    )  # fmt: skip


def test_accounts_are_made_by_the_command_and_sign_in_on_a_standalone_web(
    workspace: Workspace,
) -> None:
    port = free_port()
    processed(workspace, f'[web]\nlisten = "127.0.0.1:{port}"\nwith_service = false')
    short = _cli(workspace, "web", "user", "add", "wang", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert short.stderr.strip() == "mailroll: error: the password must have at least 8 characters"
    made = _cli(workspace, "web", "user", "add", "wang", "--role", "leader", "--password-stdin",
                stdin="a long password\n")  # fmt: skip
    assert made.returncode == 0 and "created account wang (leader)" in made.stdout
    assert "wang\tleader" in _cli(workspace, "web", "user", "list").stdout
    config_text = workspace.config_path.read_text(encoding="utf-8")
    assert "a long password" not in config_text  # kept hashed in the database only

    web = Mailroll(workspace.config_path, "web")
    try:
        client = Client(f"http://127.0.0.1:{port}")
        wait_until("mailroll web to answer", lambda: _answers(client), web)
        assert client.sign_in("wang", "a long password").status == 302
        assert "总览" in client.get("/").text
        assert client.get("/nothing-here").text == "404 没有这个页面或文件"
    finally:
        web.signal(signal.SIGTERM)
        assert web.wait(30) == 0
    gone = _cli(workspace, "web", "user", "remove", "wang")
    assert gone.returncode == 0
    again = _cli(workspace, "web", "user", "remove", "wang")
    assert again.returncode == 1 and again.stderr.strip() == "mailroll: error: no account 'wang'"


def _answers(client: Client) -> bool:
    try:
        return client.get("/login").status == 200
    except OSError:
        return False


def test_the_prompted_password_is_asked_twice(workspace: Workspace) -> None:
    args = ["--config", str(workspace.config_path), "web", "user", "add", "zhao"]
    result = CliRunner().invoke(main, args, input="password-1\npassword-1\n")
    assert result.exit_code == 0, result.output
    assert "created account zhao (editor)" in result.output


def test_workbook_links_open_the_mail_page_when_base_url_is_set(workspace: Workspace) -> None:
    ws = processed(workspace, '[web]\nbase_url = "https://mailroll.jbjgswj.example/"')
    config = ws.config
    store = open_store(config)
    try:
        book = write_report(store, config, load_rulebook(config.rules_dir))
        shas = {m.sha256 for m in store.all_mails()}
    finally:
        store.close()
    sheet = openpyxl.load_workbook(book)["明细"]
    links = [c.hyperlink.target for row in sheet.iter_rows() for c in row if c.hyperlink]
    assert links
    prefix = "https://mailroll.jbjgswj.example/mail/"
    assert all(link.startswith(prefix) and link[len(prefix) :] in shas for link in links)
