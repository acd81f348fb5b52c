"""Read config.toml once, at the edge, into frozen dataclasses.

Every problem names the file, the key and the fix. Relative paths are taken
relative to the directory of config.toml, so the service can run from anywhere.
Secrets never live here: a mailbox password comes from an environment variable
or a file that config.toml names.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError
from pipeline.models import CATEGORY_IDS

DEFAULT_CONFIG = Path("config.toml")


@dataclass(frozen=True)
class MailboxConfig:
    source: str  # "maildir" (a local Maildir or folder of .eml files) or "imap"
    path: Path | None  # the local folder; None for source = "imap"


@dataclass(frozen=True)
class StorageConfig:
    database: Path
    archive: Path


@dataclass(frozen=True)
class Campaign:
    name: str
    start: date
    end: date
    deadline: datetime  # timezone-aware
    timezone: ZoneInfo
    id: str = "campaign"
    title: str = "江北区节能宣传周汇总"  # workbook title and file-name prefix
    categories: tuple[str, ...] = CATEGORY_IDS  # the activities the notice asks for
    early_days: int = 7  # mail this many days before `start` still belongs to the campaign
    late_days: int = 14  # ... and this many days after `end` (late reports)


@dataclass(frozen=True)
class ReportConfig:
    dir: Path
    title: str
    links: str = "relative"  # link to the archived original: "relative" or "none" (path as text)
    font: str = "宋体"  # the Chinese font named in every cell


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int
    max_attempts: int
    max_message_bytes: int = 100 * 2**20
    extract_timeout_s: float = 60.0  # per file, in the sandboxed worker
    extract_memory_mb: int = 1024  # address space of the worker process


@dataclass(frozen=True)
class ServiceConfig:
    """Running unattended: the schedule of `mailroll serve`, the lock, the log file."""

    poll_minutes: float = 10.0  # fractions allowed (tests poll every few seconds)
    weekly_report: str = "0 8 * * mon"  # crontab, in the campaign time zone
    reminders: str = "0 9 * * *"  # crontab for the reminder job
    lock: Path = Path("var/mailroll.lock")  # the loader puts it next to the database
    log_file: Path | None = None  # None: stderr only
    log_max_bytes: int = 5 * 2**20
    log_backups: int = 5


@dataclass(frozen=True)
class Config:
    path: Path
    mailbox: MailboxConfig
    storage: StorageConfig
    campaign: Campaign
    rules_dir: Path
    report: ReportConfig
    limits: Limits
    campaigns: tuple[Campaign, ...] = ()  # every campaign; `campaign` is the first
    smtp: SmtpConfig | None = None
    send: SendConfig = field(default_factory=lambda: SendConfig())
    imap: tuple[ImapAccount, ...] = ()  # the [[imap]] accounts, for source = "imap"
    service: ServiceConfig = field(default_factory=ServiceConfig)


class _Section:
    """Typed access to one table of the config, with errors that name the key."""

    def __init__(self, path: Path, name: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"[{name}] must be a table", str(path))
        self.path, self.name, self.data = path, name, data

    def _fail(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.name}.{key}: {what}", str(self.path))

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise self._fail(key, "missing; see the commented example config.toml")
            return default
        value = self.data[key]
        if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self._fail(key, f"expected {names}, got {value!r}")
        return value

    def path_(self, key: str, default: str | None = None) -> Path:
        raw = Path(self.get(key, str, default) if default is not None else self.get(key, str))
        return raw if raw.is_absolute() else (self.path.parent / raw).resolve()


def load_config(path: Path = DEFAULT_CONFIG) -> Config:
    """Load and validate config.toml; raise ConfigError naming the file and key."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            "config file not found", str(path), "pass --config PATH or copy config.toml"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
    path = path.resolve()

    def section(name: str) -> _Section:
        return _Section(path, name, data.get(name, {}))

    mailbox = section("mailbox")
    source = mailbox.get("source", str, "maildir")
    if source not in ("maildir", "imap"):
        raise mailbox._fail("source", f'unknown source {source!r}; use "maildir" or "imap"')
    accounts = _imap_accounts(path, data.get("imap")) if source == "imap" else ()

    storage = section("storage")
    rules = section("rules")
    report = section("report")
    limits = section("limits")
    title = report.get("title", str, "江北区节能宣传周汇总")
    campaigns = _campaigns(path, data, title)
    rules_dir = rules.path_("dir", "rules")
    smtp = _smtp(section("smtp")) if "smtp" in data else None
    return Config(
        path=path,
        mailbox=MailboxConfig(
            source=source, path=mailbox.path_("path") if source == "maildir" else None
        ),
        storage=StorageConfig(
            database=storage.path_("database", "var/mailroll.sqlite3"),
            archive=storage.path_("archive", "var/archive"),
        ),
        campaign=campaigns[0],
        rules_dir=rules_dir,
        report=ReportConfig(
            dir=report.path_("dir", "output"),
            title=title,
            links=_choice(report, "links", ("relative", "none"), "relative"),
            font=report.get("font", str, "宋体"),
        ),
        limits=Limits(
            max_attachment_bytes=int(limits.get("max_attachment_mb", (int, float), 30) * 2**20),
            max_attempts=limits.get("max_attempts", int, 3),
            **_extract_limits(limits),
        ),
        campaigns=campaigns,
        smtp=smtp,
        send=_send(section("send"), smtp, rules_dir),
        imap=accounts,
        service=_service(section("service"), storage.path_("database", "var/mailroll.sqlite3")),
    )


def _extract_limits(sec: _Section) -> dict[str, Any]:
    """The [limits] keys of attachment reading: message size, worker time and memory."""
    values = {
        "max_message_bytes": int(sec.get("max_message_mb", (int, float), 100) * 2**20),
        "extract_timeout_s": float(sec.get("extract_timeout_s", (int, float), 60)),
        "extract_memory_mb": sec.get("extract_memory_mb", int, 1024),
    }
    if values["extract_timeout_s"] <= 0:
        raise sec._fail("extract_timeout_s", "must be a positive number of seconds")
    if values["extract_memory_mb"] < 256:
        raise sec._fail("extract_memory_mb", "must be at least 256 (the readers need that much)")
    return values


def _campaign(sec: _Section, title: str = "江北区节能宣传周汇总") -> Campaign:
    tz_name = sec.get("timezone", str, "Asia/Shanghai")
    try:
        tz = ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise sec._fail("timezone", f"unknown time zone {tz_name!r}") from None
    start = sec.get("start", date)
    end = sec.get("end", date)
    if end < start:
        raise sec._fail("end", "is before start")
    deadline = sec.get("deadline", (datetime, date))
    if not isinstance(deadline, datetime):  # a bare date means the end of that day
        deadline = datetime.combine(deadline, time(23, 59, 59))
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=tz)
    categories = tuple(sec.get("categories", list, list(CATEGORY_IDS)))
    unknown = [c for c in categories if c not in CATEGORY_IDS]
    if unknown or not categories:
        raise sec._fail("categories", f"use some of {', '.join(CATEGORY_IDS)}; got {unknown}")
    return Campaign(
        name=sec.get("name", str),
        start=start,
        end=end,
        deadline=deadline,
        timezone=tz,
        id=sec.get("id", str, "campaign"),
        title=sec.get("title", str, title),
        categories=categories,
        early_days=_days(sec, "early_days", 7),
        late_days=_days(sec, "late_days", 14),
    )


# -- several campaigns, and mail out over SMTP ------------------------------


@dataclass(frozen=True)
class SmtpConfig:
    """The outgoing mail server; the password is read only when mail is sent."""

    host: str
    port: int
    security: str  # "ssl" (implicit TLS), "starttls", or "plain" (tests, a local relay)
    sender: str  # the From address
    sender_name: str
    username: str = ""  # empty: no login
    password_env: str = ""  # environment variable holding the password
    password_file: Path | None = None  # or a file holding it (first line)
    timeout: float = 30.0
    ca_file: Path | None = None  # extra CA certificates (PEM) for a private server


@dataclass(frozen=True)
class SendConfig:
    """What mailroll mails out. Everything is off unless switched on here."""

    report: bool = False  # the weekly workbook to `report_to`
    report_to: tuple[str, ...] = ()
    reminders: bool = False  # 催报 to each roster unit with nothing yet
    reminder_days: tuple[int, ...] = (2,)  # days before the deadline
    receipts: bool = False  # 回执 to each sender
    receipt_max_age_days: int = 3  # never answer mail older than this (a backfill)
    templates: Path = Path("rules/templates")


def _campaigns(path: Path, data: dict[str, Any], title: str) -> tuple[Campaign, ...]:
    """One [campaign] table (the simple case) or several [[campaigns]] tables."""
    if "campaign" in data and "campaigns" in data:
        raise ConfigError("use either [campaign] or [[campaigns]], not both", str(path))
    if "campaigns" not in data:
        return (_campaign(_Section(path, "campaign", data.get("campaign", {})), title),)
    tables = data["campaigns"]
    if not isinstance(tables, list) or not tables:
        raise ConfigError("[[campaigns]] must be one or more tables", str(path))
    found: list[Campaign] = []
    for i, table in enumerate(tables, start=1):
        sec = _Section(path, f"campaigns[{i}]", table)
        sec.get("id", str)  # required when there are several
        campaign = _campaign(sec, title)
        for other in found:
            if other.id == campaign.id:
                raise sec._fail("id", f"{campaign.id!r} is used twice")
            if other.title == campaign.title:
                raise sec._fail("title", "two campaigns would write the same workbook; set title")
        found.append(campaign)
    return tuple(found)


def _days(sec: _Section, key: str, default: int) -> int:
    value = sec.get(key, int, default)
    if value < 0:
        raise sec._fail(key, "must be 0 or more")
    return value


def _choice(sec: _Section, key: str, choices: tuple[str, ...], default: str) -> str:
    value = sec.get(key, str, default)
    if value not in choices:
        raise sec._fail(key, f"use one of {', '.join(choices)}; got {value!r}")
    return value


def _smtp(sec: _Section) -> SmtpConfig:
    security = _choice(sec, "security", ("ssl", "starttls", "plain"), "ssl")
    port = sec.get("port", int, {"ssl": 465, "starttls": 587, "plain": 25}[security])
    sender = sec.get("from", str)
    if "@" not in sender:
        raise sec._fail("from", f"not a mail address: {sender!r}")
    username = sec.get("username", str, "")
    password_env = sec.get("password_env", str, "")
    password_file = sec.path_("password_file") if "password_file" in sec.data else None
    if username and not (password_env or password_file):
        raise sec._fail("password_env", "set password_env or password_file (never the password)")
    if "password" in sec.data:
        raise sec._fail("password", "passwords never go in config.toml; use password_env")
    return SmtpConfig(
        host=sec.get("host", str),
        port=port,
        security=security,
        sender=sender,
        sender_name=sec.get("from_name", str, ""),
        username=username,
        password_env=password_env,
        password_file=password_file,
        timeout=float(sec.get("timeout", (int, float), 30)),
        ca_file=sec.path_("ca_file") if "ca_file" in sec.data else None,
    )


def _send(sec: _Section, smtp: SmtpConfig | None, rules_dir: Path) -> SendConfig:
    send = SendConfig(
        report=sec.get("report", bool, False),
        report_to=tuple(sec.get("report_to", list, [])),
        reminders=sec.get("reminders", bool, False),
        reminder_days=tuple(sec.get("reminder_days", list, [2])),
        receipts=sec.get("receipts", bool, False),
        receipt_max_age_days=_days(sec, "receipt_max_age_days", 3),
        templates=sec.path_("templates") if "templates" in sec.data else rules_dir / "templates",
    )
    if not all(isinstance(a, str) and "@" in a for a in send.report_to):
        raise sec._fail("report_to", "must be a list of mail addresses")
    if not all(isinstance(d, int) and d >= 0 for d in send.reminder_days):
        raise sec._fail("reminder_days", "must be a list of whole days, e.g. [3, 1]")
    if send.report and not send.report_to:
        raise sec._fail("report_to", "report = true needs at least one address")
    if (send.report or send.reminders or send.receipts) and smtp is None:
        raise sec._fail("report", "sending mail needs an [smtp] section")
    return send


# -- [[imap]] accounts (source = "imap") --------------------------------------

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


def _imap_accounts(path: Path, data: Any) -> tuple[ImapAccount, ...]:
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
    sec = _Section(path, f"imap[{index}]", table)
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


def _folder(sec: _Section, i: int, item: Any, default: AfterAction) -> ImapFolder:
    if isinstance(item, str) and item:
        return ImapFolder(item, default)
    if isinstance(item, dict) and isinstance(item.get("name"), str) and item["name"]:
        after = _after(sec, item["after"], f"folders[{i}].after") if "after" in item else default
        return ImapFolder(item["name"], after)
    raise sec._fail(f"folders[{i}]", 'expected a folder name or {name = "...", after = {...}}')


def _after(sec: _Section, data: Any, key: str) -> AfterAction:
    if not isinstance(data, dict):
        raise sec._fail(key, 'expected a table, e.g. {action = "seen"}')
    action = data.get("action", "none")
    if action not in AFTER_ACTIONS:
        raise sec._fail(key, f"unknown action {action!r}; use one of {', '.join(AFTER_ACTIONS)}")
    target = data.get("target", "\\Flagged" if action == "flag" else "")
    if not isinstance(target, str) or (action in ("move", "flag") and not target):
        raise sec._fail(key, f'action "{action}" needs target = "..." (a folder or a flag)')
    return AfterAction(action, target if action in ("move", "flag") else "")


def _service(sec: _Section, database: Path) -> ServiceConfig:
    poll = sec.get("poll_minutes", (int, float), 10)
    if poll <= 0:
        raise sec._fail("poll_minutes", "must be more than 0")
    log_file = sec.get("log_file", str, "var/mailroll.log")
    return ServiceConfig(
        poll_minutes=float(poll),
        weekly_report=_crontab(sec, "weekly_report", "0 8 * * mon"),
        reminders=_crontab(sec, "reminders", "0 9 * * *"),
        lock=sec.path_("lock") if "lock" in sec.data else database.with_suffix(".lock"),
        log_file=sec.path_("log_file", log_file) if log_file else None,
        log_max_bytes=int(sec.get("log_max_mb", (int, float), 5) * 2**20),
        log_backups=sec.get("log_backups", int, 5),
    )


def _crontab(sec: _Section, key: str, default: str) -> str:
    """A five-field crontab expression; weekdays by name, since APScheduler 3 counts
    0 as Monday where cron counts 0 as Sunday."""
    from apscheduler.triggers.cron import CronTrigger

    expr = sec.get(key, str, default)
    fields = expr.split()
    if len(fields) == 5 and any(ch.isdigit() for ch in fields[4]):
        raise sec._fail(key, f"{expr!r}: write weekdays as names (mon, tue, ... sun), not numbers")
    try:
        CronTrigger.from_crontab(expr)
    except ValueError as exc:
        raise sec._fail(
            key, f'{expr!r} is not a crontab expression ({exc}); e.g. "0 8 * * mon"'
        ) from None
    return expr
