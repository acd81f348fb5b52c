"""Read config.toml once, at the edge, into frozen dataclasses.

Every problem names the file, the key and the fix. Relative paths are taken
relative to the directory of config.toml, so the service can run from anywhere.
Secrets never live here: a mailbox password comes from an environment variable
or a file that config.toml names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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
    max_message_bytes: int = 100 * 2**20
    extract_timeout_s: float = 60.0  # per file, in the sandboxed worker
    extract_memory_mb: int = 1024  # address space of the worker process


@dataclass(frozen=True)
class Config:
    path: Path
    mailbox: MailboxConfig
    storage: StorageConfig
    campaign: Campaign
    rules_dir: Path
    report: ReportConfig
    limits: Limits


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
            **_extract_limits(limits),
        ),
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
