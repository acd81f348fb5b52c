"""Read config.toml once, at the edge, into frozen dataclasses.

Every problem names the file, the key and the fix. Relative paths are taken
relative to the directory of config.toml, so the service can run from anywhere.
Secrets never live here: a mailbox password comes from an environment variable
or a file that config.toml names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import ConfigError

DEFAULT_CONFIG = Path("config.toml")


@dataclass(frozen=True)
class MailboxConfig:
    source: str  # "maildir" (a local Maildir or folder of .eml files)
    path: Path


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


@dataclass(frozen=True)
class ReportConfig:
    dir: Path
    title: str


@dataclass(frozen=True)
class Limits:
    max_attachment_bytes: int
    max_attempts: int


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
    if source != "maildir":
        raise mailbox._fail("source", f'unknown source {source!r}; use "maildir"')

    storage = section("storage")
    rules = section("rules")
    report = section("report")
    limits = section("limits")
    return Config(
        path=path,
        mailbox=MailboxConfig(source=source, path=mailbox.path_("path")),
        storage=StorageConfig(
            database=storage.path_("database", "var/mailroll.sqlite3"),
            archive=storage.path_("archive", "var/archive"),
        ),
        campaign=_campaign(section("campaign")),
        rules_dir=rules.path_("dir", "rules"),
        report=ReportConfig(
            dir=report.path_("dir", "output"),
            title=report.get("title", str, "江北区节能宣传周汇总"),
        ),
        limits=Limits(
            max_attachment_bytes=int(limits.get("max_attachment_mb", (int, float), 30) * 2**20),
            max_attempts=limits.get("max_attempts", int, 3),
        ),
        service=_service(section("service"), storage.path_("database", "var/mailroll.sqlite3")),
    )


def _campaign(sec: _Section) -> Campaign:
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
    return Campaign(name=sec.get("name", str), start=start, end=end, deadline=deadline, timezone=tz)


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
