"""The [[imap]] tables of config.toml (source = "imap"): accounts, folders and the
after-processing actions. Passwords are read only when connecting."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config.kit import Section
from pipeline.errors import ConfigError

IMAP_SECURITY = ("tls", "starttls", "plain")
AFTER_ACTIONS = ("none", "seen", "flag", "move")


@dataclass(frozen=True)
class AfterAction:
    """What to do to a mail in its folder once it is safely in the database."""

    action: str = "none"  # none | seen | flag | move
    target: str = ""  # move: the folder to move to; flag: the flag to add


@dataclass(frozen=True)
class ImapFolder:
    name: str  # as shown in the webmail, e.g. "节能宣传周" (sent as modified UTF-7)
    after: AfterAction = AfterAction()


@dataclass(frozen=True)
class ImapAccount:
    """One mailbox account. The password itself is never stored here: `password()`
    reads it from the environment variable or file named in config.toml."""

    name: str
    host: str
    port: int
    security: str  # tls (implicit, 993) | starttls (143) | plain (tests only)
    user: str
    folders: tuple[ImapFolder, ...]
    password_env: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None  # trust this CA (PEM) instead of the system store
    timeout: float = 60.0  # seconds, for connecting and for every read
    batch_size: int = 10  # mails per FETCH
    retries: int = 3  # reconnections within one poll after a dropped connection
    retry_delay: float = 2.0  # seconds before the first retry; doubles, at most 60
    config_path: Path = field(default=Path("config.toml"), repr=False)

    @property
    def where(self) -> str:
        return f'[[imap]] "{self.name}"'

    def password(self) -> str:
        """The secret, read now (not at config load, so `report` needs no secret)."""
        if self.password_env:
            value = os.environ.get(self.password_env)
            if not value:
                raise ConfigError(
                    f"imap.password_env: environment variable {self.password_env} is not set",
                    str(self.config_path),
                    self.where,
                )
            return value
        assert self.password_file is not None  # checked at load time
        try:
            value = self.password_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"imap.password_file: cannot read {self.password_file} ({exc.strerror})",
                str(self.config_path),
                self.where,
            ) from None
        if not value:
            raise ConfigError(
                f"imap.password_file: {self.password_file} is empty",
                str(self.config_path),
                self.where,
            )
        return value


def load_imap_accounts(path: Path, data: Any) -> tuple[ImapAccount, ...]:
    if not isinstance(data, list) or not data:
        raise ConfigError(
            'source = "imap" needs at least one [[imap]] table; see the example in config.toml',
            str(path),
        )
    accounts = tuple(_imap_account(path, i, table) for i, table in enumerate(data))
    names = [a.name for a in accounts]
    for name in names:
        if names.count(name) > 1:
            raise ConfigError(f'imap.name: two accounts are named "{name}"', str(path))
    return accounts


def _imap_account(path: Path, index: int, table: Any) -> ImapAccount:
    sec = Section(path, f"imap[{index + 1}]", table)
    security = sec.get("security", str, "tls")
    if security not in IMAP_SECURITY:
        raise sec._fail("security", f"unknown {security!r}; use one of {', '.join(IMAP_SECURITY)}")
    default_port = 993 if security == "tls" else 143
    env, file = sec.get("password_env", str, ""), sec.get("password_file", str, "")
    if bool(env) == bool(file):
        raise sec._fail(
            "password_env", "set exactly one of password_env and password_file (never the password)"
        )
    if "password" in sec.data:
        raise sec._fail("password", "passwords never go in config.toml; use password_env")
    default_after = _after(sec, sec.data.get("after", {}), "after")
    folders = tuple(
        _folder(sec, i, item, default_after)
        for i, item in enumerate(sec.get("folders", list, ["INBOX"]))
    )
    if not folders:
        raise sec._fail("folders", 'is empty; list at least one folder, e.g. ["INBOX"]')
    polled = {f.name.casefold() for f in folders}
    for f in folders:
        if f.after.action == "move" and f.after.target.casefold() in polled:
            raise sec._fail("after", f'moves mail into "{f.after.target}", a folder it also polls')
    account = ImapAccount(
        name=sec.get("name", str, "mailbox" if index == 0 else f"mailbox{index + 1}"),
        host=sec.get("host", str),
        port=sec.get("port", int, default_port),
        security=security,
        user=sec.get("user", str),
        folders=folders,
        password_env=env or None,
        password_file=sec.path_("password_file") if file else None,
        ca_file=sec.path_("ca_file") if "ca_file" in sec.data else None,
        timeout=float(sec.get("timeout", (int, float), 60)),
        batch_size=sec.get("batch_size", int, 10),
        retries=sec.get("retries", int, 3),
        retry_delay=float(sec.get("retry_delay", (int, float), 2)),
        config_path=path,
    )
    for key in ("timeout", "batch_size"):
        if getattr(account, key) <= 0:
            raise sec._fail(key, "must be greater than 0")
    if account.retries < 0 or account.retry_delay < 0:
        raise sec._fail("retries", "retries and retry_delay must not be negative")
    return account


def _folder(sec: Section, i: int, item: Any, default: AfterAction) -> ImapFolder:
    if isinstance(item, str) and item:
        return ImapFolder(item, default)
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
        after = _after(sec, item["after"], f"folders[{i}].after") if "after" in item else default
        return ImapFolder(item["name"], after)
    raise sec._fail(f"folders[{i}]", 'expected a folder name or {name = "...", after = {...}}')


def _after(sec: Section, data: Any, key: str) -> AfterAction:
    if not isinstance(data, dict):
        raise sec._fail(key, 'expected a table, e.g. {action = "seen"}')
    action = data.get("action", "none")
    if action not in AFTER_ACTIONS:
        raise sec._fail(key, f"unknown action {action!r}; use one of {', '.join(AFTER_ACTIONS)}")
    target = data.get("target", "\\Flagged" if action == "flag" else "")
    if not isinstance(target, str) or (action in ("move", "flag") and not target):
        raise sec._fail(key, f'action "{action}" needs target = "..." (a folder or a flag)')
    return AfterAction(action, target if action in ("move", "flag") else "")
