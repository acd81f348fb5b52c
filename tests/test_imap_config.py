"""The [[imap]] part of config.toml: defaults, per-folder actions, and errors
that name the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import AfterAction, ImapFolder, load_config
from pipeline.errors import ConfigError
from tests.conftest import REPO, Workspace

ACCOUNT = """
[[imap]]
name = "bureau"
host = "imap.qq.com"
user = "jbjgswj@qq.com"
password_env = "MAILROLL_IMAP_PASSWORD"
"""
MOVE_INTO_POLLED = 'folders = ["INBOX", "已处理"]\nafter = { action = "move", target = "已处理" }'


def imap_config(ws: Workspace, tables: str) -> Path:
    text = ws.config_path.read_text(encoding="utf-8").replace(
        'source = "maildir"', 'source = "imap"'
    )
    ws.config_path.write_text(text + tables, encoding="utf-8")
    return ws.config_path


def test_defaults_are_safe(workspace: Workspace) -> None:
    config = load_config(imap_config(workspace, ACCOUNT))
    assert config.mailbox.source == "imap" and config.mailbox.path is None
    (account,) = config.imap
    assert (account.port, account.security) == (993, "tls")
    assert account.folders == (ImapFolder("INBOX", AfterAction("none")),)
    assert account.ca_file is None and account.timeout > 0


def test_folders_with_chinese_names_and_their_own_after_actions(workspace: Workspace) -> None:
    config = load_config(
        imap_config(
            workspace,
            ACCOUNT
            + 'security = "starttls"\n'
            + 'after = { action = "seen" }\n'
            + 'folders = ["INBOX", { name = "节能宣传周", after = { action = "move",'
            + ' target = "节能宣传周/已处理" } }, { name = "其他", after = { action = "flag" } }]\n'
            + ACCOUNT.replace('"bureau"', '"second"'),
        )
    )
    first, second = config.imap
    assert first.port == 143
    assert first.folders == (
        ImapFolder("INBOX", AfterAction("seen")),
        ImapFolder("节能宣传周", AfterAction("move", "节能宣传周/已处理")),
        ImapFolder("其他", AfterAction("flag", "\\Flagged")),
    )
    assert second.name == "second"


def test_the_password_comes_from_the_environment_or_a_file(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    (account,) = load_config(imap_config(workspace, ACCOUNT)).imap
    monkeypatch.setenv("MAILROLL_IMAP_PASSWORD", "abcdefghijklmnop")
    assert account.password() == "abcdefghijklmnop"
    monkeypatch.delenv("MAILROLL_IMAP_PASSWORD")
    with pytest.raises(ConfigError, match="MAILROLL_IMAP_PASSWORD is not set"):
        account.password()

    secret = workspace.root / "secret"
    secret.write_text("abcdefghijklmnop\n", encoding="utf-8")
    workspace.copy_rules()  # a fresh config.toml
    text = ACCOUNT.replace('password_env = "MAILROLL_IMAP_PASSWORD"', 'password_file = "secret"')
    (account,) = load_config(imap_config(workspace, text)).imap
    assert account.password_file == secret and account.password() == "abcdefghijklmnop"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("", ""), None),
        (('password_env = "MAILROLL_IMAP_PASSWORD"', ""), "set exactly one of password_env"),
        (("user =", 'password_file = "x"\nuser ='), "set exactly one of password_env"),
        (("user =", 'password = "hunter2"\nuser ='), "passwords never go in config.toml"),
        (("user =", 'security = "ssl"\nuser ='), "imap[1].security: use one of tls, starttls"),
        (("user =", "folders = []\nuser ="), "imap[1].folders: is empty"),
        (("user =", "folders = [1]\nuser ="), "imap[1].folders[1]: expected a list of"),
        (("user =", 'after = { action = "delete" }\nuser ='), "flag, move, got 'delete'"),
        (("user =", 'after = { action = "move" }\nuser ='), 'action "move" needs target'),
        (("user =", f"{MOVE_INTO_POLLED}\nuser ="), 'moves mail into "已处理", a folder it'),
        (("user =", "batch_size = 0\nuser ="), "imap[1].batch_size: must be 1 or more"),
        (('host = "imap.qq.com"', ""), "imap[1].host: missing"),
    ],
)  # fmt: skip
def test_mistakes_name_the_key(
    workspace: Workspace, change: tuple[str, str], message: str | None
) -> None:
    path = imap_config(workspace, ACCOUNT.replace(*change))
    if message is None:
        assert load_config(path).imap[0].name == "bureau"
        return
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")) as exc:
        load_config(path)
    assert str(path) in str(exc.value)


def test_imap_source_needs_an_account_and_names_are_unique(workspace: Workspace) -> None:
    with pytest.raises(ConfigError, match=r"needs at least one \[\[imap\]\] table"):
        load_config(imap_config(workspace, ""))
    workspace.copy_rules()
    with pytest.raises(ConfigError, match='two accounts are named "bureau"'):
        load_config(imap_config(workspace, ACCOUNT + ACCOUNT))


def test_the_shipped_config_still_reads_the_demo_mailbox() -> None:
    config = load_config(REPO / "config.toml")
    assert config.mailbox.source == "maildir" and config.imap == ()
    assert config.mailbox.path == REPO / "demo" / "mail"


def test_the_commented_example_in_config_toml_loads(tmp_path: Path) -> None:
    """Uncommenting the [[imap]] example (and choosing source = "imap") gives a valid config."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    last = "# retry_delay = 2"
    block = text[text.index("# [[imap]]") : text.index(last) + len(last)]
    example = "\n".join(
        line[2:]
        for line in block.splitlines()
        if line.startswith("# ") and not line.startswith("# #")
    )
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        text.replace('source = "maildir"', 'source = "imap"').replace(block, example),
        encoding="utf-8",
    )
    (account,) = load_config(config_path).imap
    assert (account.host, account.port, account.security) == ("imap.qq.com", 993, "tls")
    assert [f.name for f in account.folders] == ["INBOX", "节能宣传周"]
    assert account.password_env == "MAILROLL_IMAP_PASSWORD"
