"""The [smtp] and [send] tables of config.toml: mail out, off unless switched on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.config.kit import Section, choice, days


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
    report_summary: bool = False  # attach the district summary draft (.docx) to it
    reminders: bool = False  # 催报 to each roster unit with nothing yet
    reminder_days: tuple[int, ...] = (2,)  # days before the deadline
    receipts: bool = False  # 回执 to each sender
    receipt_max_age_days: int = 3  # never answer mail older than this (a backfill)
    templates: Path = Path("rules/templates")
    # pacing, QQ-safe: QQ Mail and NetEase refuse bursts ("550 Connection frequency limited")
    pause_seconds: float = 3.0  # between two mails on the one connection
    per_minute: int = 15  # at most this many mails in any 60 seconds
    busy_wait_seconds: float = 60.0  # first wait after a "too fast" refusal; doubles each time
    busy_give_up_minutes: float = 15.0  # stop waiting; the rest goes on the next run


def load_smtp(sec: Section) -> SmtpConfig:
    security = choice(sec, "security", ("ssl", "starttls", "plain"), "ssl")
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


def load_send(sec: Section, smtp: SmtpConfig | None, rules_dir: Path) -> SendConfig:
    send = SendConfig(
        report=sec.get("report", bool, False),
        report_to=tuple(sec.get("report_to", list, [])),
        report_summary=sec.get("report_summary", bool, False),
        reminders=sec.get("reminders", bool, False),
        reminder_days=tuple(sec.get("reminder_days", list, [2])),
        receipts=sec.get("receipts", bool, False),
        receipt_max_age_days=days(sec, "receipt_max_age_days", 3),
        templates=sec.path_("templates") if "templates" in sec.data else rules_dir / "templates",
        pause_seconds=_seconds(sec, "pause_seconds", 3.0),
        per_minute=sec.get("per_minute", int, 15),
        busy_wait_seconds=_seconds(sec, "busy_wait_seconds", 60.0),
        busy_give_up_minutes=_seconds(sec, "busy_give_up_minutes", 15.0),
    )
    if send.per_minute < 1:
        raise sec._fail("per_minute", "must be 1 or more")
    if not all(isinstance(a, str) and "@" in a for a in send.report_to):
        raise sec._fail("report_to", "must be a list of mail addresses")
    if not all(isinstance(d, int) and d >= 0 for d in send.reminder_days):
        raise sec._fail("reminder_days", "must be a list of whole days, e.g. [3, 1]")
    if send.report and not send.report_to:
        raise sec._fail("report_to", "report = true needs at least one address")
    if (send.report or send.reminders or send.receipts) and smtp is None:
        raise sec._fail("report", "sending mail needs an [smtp] section")
    return send


def _seconds(sec: Section, key: str, default: float) -> float:
    value = float(sec.get(key, (int, float), default))
    if value < 0:
        raise sec._fail(key, "must be 0 or more")
    return value
