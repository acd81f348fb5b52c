"""Layer `config`: config.toml in, frozen dataclasses out (read once, at the edge).

imap: the [[imap]] accounts and folders; mail: [smtp] and [send]; kit: typed
access to a table with errors that name the file and key.

Every problem names the file, the key and the fix. Relative paths are taken
relative to the directory of config.toml, so the service can run from anywhere.
Secrets never live here: a mailbox password comes from an environment variable
or a file that config.toml names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.config import schema
from pipeline.config.imap import AfterAction, ImapAccount, ImapFolder, load_imap_accounts
from pipeline.config.kit import Section, choice, days, read_toml
from pipeline.config.mail import SendConfig, SmtpConfig, load_send, load_smtp
from pipeline.config.notify import BotConfig, load_bots
from pipeline.errors import ConfigError
from pipeline.models import CATEGORY_IDS, OcrSettings

__all__ = [  # the account and mail settings live in their own modules; import them here
    "AfterAction", "BotConfig", "Campaign", "Config", "ImapAccount", "ImapFolder", "Limits",
    "SendConfig", "SmtpConfig", "WebConfig", "load_config",
]  # fmt: skip

DEFAULT_CONFIG = Path("config.toml")


@dataclass(frozen=True)
class MailboxConfig:
    source: str  # "maildir" (a local Maildir or folder of .eml files) or "imap"
    path: Path | None  # the local folder; None for source = "imap"
    auth_results_from: tuple[str, ...] = ()  # authserv-ids whose Authentication-Results count


@dataclass(frozen=True)
class StorageConfig:
    database: Path
    archive: Path
    # workbooks and archived mail: readable by the group (the officials' shared folder);
    # the database and logs get the same minus any world bit
    mode: int = 0o640


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
    max_mail_bytes: int = 150 * 2**20  # a larger raw mail is stored and listed, not parsed
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
class WebConfig:
    """The web app (`mailroll web`, or alongside `mailroll serve`)."""

    host: str = "127.0.0.1"  # only this machine unless a reverse proxy is set up
    port: int = 8080
    base_url: str = ""  # e.g. "https://mailroll.jb.gov.cn": workbook links go to the mail's page
    with_service: bool = True  # `mailroll serve` runs it in the same process
    session_hours: float = 8.0
    proxy_hops: int = 0  # reverse proxies in front that set X-Forwarded-For/-Proto/-Host

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


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
    web: WebConfig = field(default_factory=WebConfig)
    notify: tuple[BotConfig, ...] = ()  # the [[notify]] group bots; none: off
    ocr: OcrSettings = field(default_factory=OcrSettings)


def load_config(path: Path = DEFAULT_CONFIG) -> Config:
    """Load and validate config.toml; raise ConfigError naming the file and key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            "config file not found", str(path), "pass --config PATH or copy config.toml"
        ) from None
    data = read_toml(text, path)
    if "campaign" in data and "campaigns" in data:
        raise ConfigError("use either [campaign] or [[campaigns]], not both", str(path))
    schema.check(schema.ConfigFile, data, path, text)
    path = path.resolve()

    def section(name: str) -> Section:
        return Section(path, name, data.get(name, {}))

    mailbox = section("mailbox")
    source = mailbox.get("source", str, "maildir")
    if source not in ("maildir", "imap"):
        raise mailbox._fail("source", f'unknown source {source!r}; use "maildir" or "imap"')
    accounts = load_imap_accounts(path, data.get("imap")) if source == "imap" else ()

    storage = section("storage")
    rules = section("rules")
    report = section("report")
    limits = section("limits")
    title = report.get("title", str, "江北区节能宣传周汇总")
    campaigns = _campaigns(path, data, title)
    rules_dir = rules.path_("dir", "rules")
    smtp = load_smtp(section("smtp")) if "smtp" in data else None
    return Config(
        path=path,
        mailbox=MailboxConfig(
            source=source,
            path=mailbox.path_("path") if source == "maildir" else None,
            auth_results_from=_auth_servers(mailbox),
        ),
        storage=StorageConfig(
            database=storage.path_("database", "var/mailroll.sqlite3"),
            archive=storage.path_("archive", "var/archive"),
            mode=int(storage.get("mode", str, "0640"), 8),
        ),
        campaign=campaigns[0],
        rules_dir=rules_dir,
        report=ReportConfig(
            dir=report.path_("dir", "output"),
            title=title,
            links=choice(report, "links", ("relative", "none"), "relative"),
            font=report.get("font", str, "宋体"),
        ),
        limits=Limits(
            max_attachment_bytes=int(limits.get("max_attachment_mb", (int, float), 30) * 2**20),
            max_attempts=limits.get("max_attempts", int, 3),
            **_extract_limits(limits),
        ),
        campaigns=campaigns,
        smtp=smtp,
        send=load_send(section("send"), smtp, rules_dir),
        imap=accounts,
        service=_service(section("service"), storage.path_("database", "var/mailroll.sqlite3")),
        web=_web(section("web")),
        notify=load_bots(path, data.get("notify")),
        ocr=_ocr(section("ocr")),
    )


def _web(sec: Section) -> WebConfig:
    listen = sec.get("listen", str, "127.0.0.1:8080")
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:  # 0: any free port
        raise sec._fail("listen", f'{listen!r}: write host:port, e.g. "127.0.0.1:8080"')
    base_url = sec.get("base_url", str, "").rstrip("/")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise sec._fail(
            "base_url", f'{base_url!r}: write the full address, e.g. "https://mailroll.example.org"'
        )
    hours = sec.get("session_hours", (int, float), 8)
    if hours <= 0:
        raise sec._fail("session_hours", "must be more than 0")
    hops = sec.get("proxy_hops", int, 0)
    if hops < 0:
        raise sec._fail("proxy_hops", "must be 0 or more")
    return WebConfig(
        host=host.strip("[]"),
        port=int(port),
        base_url=base_url,
        with_service=sec.get("with_service", bool, True),
        session_hours=float(hours),
        proxy_hops=hops,
    )


def _auth_servers(sec: Section) -> tuple[str, ...]:
    """[mailbox] auth_results_from: the bureau's provider's authserv-ids (mx.qq.com)."""
    servers = sec.get("auth_results_from", list, [])
    if not all(isinstance(s, str) and s.strip() and " " not in s.strip() for s in servers):
        raise sec._fail("auth_results_from", 'must be a list of server names, e.g. ["mx.qq.com"]')
    return tuple(s.strip().lower() for s in servers)


def _ocr(sec: Section) -> OcrSettings:
    """[ocr]: on/off, pages per mail, seconds per page, memory of the OCR worker."""
    ocr = OcrSettings(
        enabled=sec.get("enabled", bool, True),
        max_pages=sec.get("max_pages", int, 20),
        seconds_per_page=float(sec.get("seconds_per_page", (int, float), 120)),
        memory_mb=sec.get("memory_mb", int, 2048),
    )
    if ocr.max_pages < 1:
        raise sec._fail("max_pages", "must be at least 1 (set enabled = false to turn OCR off)")
    if ocr.seconds_per_page <= 0:
        raise sec._fail("seconds_per_page", "must be a positive number of seconds")
    if ocr.memory_mb < 1024:
        raise sec._fail("memory_mb", "must be at least 1024 (the OCR models need about 800 MB)")
    return ocr


def _extract_limits(sec: Section) -> dict[str, Any]:
    """The [limits] keys of attachment reading: message size, worker time and memory."""
    values = {
        "max_message_bytes": int(sec.get("max_message_mb", (int, float), 100) * 2**20),
        "max_mail_bytes": int(sec.get("max_mail_mb", (int, float), 150) * 2**20),
        "extract_timeout_s": float(sec.get("extract_timeout_s", (int, float), 60)),
        "extract_memory_mb": sec.get("extract_memory_mb", int, 1024),
    }
    if values["extract_timeout_s"] <= 0:
        raise sec._fail("extract_timeout_s", "must be a positive number of seconds")
    if values["max_mail_bytes"] <= 0:
        raise sec._fail("max_mail_mb", "must be a positive number of megabytes")
    if values["extract_memory_mb"] < 256:
        raise sec._fail("extract_memory_mb", "must be at least 256 (the readers need that much)")
    return values


def _campaign(sec: Section, title: str = "江北区节能宣传周汇总") -> Campaign:
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
        early_days=days(sec, "early_days", 7),
        late_days=days(sec, "late_days", 14),
    )


def _campaigns(path: Path, data: dict[str, Any], title: str) -> tuple[Campaign, ...]:
    """One [campaign] table (the simple case) or several [[campaigns]] tables."""
    if "campaign" in data and "campaigns" in data:
        raise ConfigError("use either [campaign] or [[campaigns]], not both", str(path))
    if "campaigns" not in data:
        return (_campaign(Section(path, "campaign", data.get("campaign", {})), title),)
    tables = data["campaigns"]
    if not isinstance(tables, list) or not tables:
        raise ConfigError("[[campaigns]] must be one or more tables", str(path))
    found: list[Campaign] = []
    for i, table in enumerate(tables, start=1):
        sec = Section(path, f"campaigns[{i}]", table)
        sec.get("id", str)  # required when there are several
        campaign = _campaign(sec, title)
        for other in found:
            if other.id == campaign.id:
                raise sec._fail("id", f"{campaign.id!r} is used twice")
            if other.title == campaign.title:
                raise sec._fail("title", "two campaigns would write the same workbook; set title")
        found.append(campaign)
    return tuple(found)


def _service(sec: Section, database: Path) -> ServiceConfig:
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


def _crontab(sec: Section, key: str, default: str) -> str:
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
