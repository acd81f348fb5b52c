"""Logging for unattended runs: stderr plus a rotating log file, never a secret.

The CLI sets up stderr for every command; the commands that run unattended
(`serve`, `run`, `retag`) add the rotating file named in [service]. Passwords
never reach a log line: the values of environment variables whose names say
they hold a secret (…PASSWORD, …SECRET, …TOKEN, …AUTHCODE, …KEY) are masked in every
record, whatever code logs them (an exception message that quotes a login, say).
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo

from pipeline.config import ServiceConfig

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SECRET_NAME = re.compile(r"PASS|SECRET|TOKEN|AUTH_?CODE|(?:^|_)KEY$", re.I)
MASK = "******"


class SecretFilter(logging.Filter):
    """Replace known secret values in a record's message with a mask."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # longest first, so a secret that contains another is masked whole
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        masked, text = self._mask(message), self._mask(record.exc_text or "")
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text and text != record.exc_text:
            record.exc_text = text
        return True

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def log_times_in(tz: tzinfo) -> None:
    """Log lines carry the configured zone's time, like everything else mailroll shows
    (a server's clock is usually UTC; the officials read Beijing time)."""

    def convert(seconds: float | None) -> time.struct_time:
        return datetime.fromtimestamp(seconds or time.time(), tz).timetuple()

    logging.Formatter.converter = staticmethod(convert)  # type: ignore[assignment]


class NoMailContent(logging.Filter):
    """-v logs the IMAP conversation, never the mail: a line from imapclient is cut at
    the first literal ({1234}: the mail's bytes follow) and at 300 characters."""

    LITERAL = re.compile(r"\{\d+\}")

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("imapclient"):
            return True
        message = record.getMessage()
        literal = self.LITERAL.search(message)
        if literal:
            message = message[: literal.end()] + " ...(mail data not logged)"
        if len(message) > 300:
            message = message[:300] + " ...(cut)"
        record.msg, record.args = message, None
        return True


class PrivateFileHandler(logging.handlers.RotatingFileHandler):
    """The rotating log file, never readable by everyone (cron's umask 022 would make
    it 0644): each file it opens, the first and every rotated one, is set to 0640."""

    def _open(self):  # type: ignore[no-untyped-def]
        stream = super()._open()
        with contextlib.suppress(OSError):  # not ours (a shared log folder): leave it
            os.chmod(self.baseFilename, 0o640)
        return stream


def secrets_from_environment() -> list[str]:
    return [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and v.strip()]


@contextmanager
def unattended_logging(service: ServiceConfig, quiet: bool = False) -> Iterator[None]:
    """While inside: log to the rotating file of [service] too, mask secrets in every
    handler, and with `quiet` show only warnings and errors on stderr (for cron)."""
    root = logging.getLogger()
    added: list[logging.Handler] = []
    if service.log_file is not None:
        service.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = PrivateFileHandler(
            service.log_file,
            maxBytes=service.log_max_bytes,
            backupCount=service.log_backups,
            encoding="utf-8",
        )
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        added.append(handler)
    secret_filter = SecretFilter(secrets_from_environment())
    if added:
        added[0].addFilter(NoMailContent())
    streams = [h for h in root.handlers if type(h) is logging.StreamHandler]
    levels = [h.level for h in streams]
    for handler in root.handlers:
        handler.addFilter(secret_filter)
        if quiet and handler in streams:
            handler.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.removeFilter(secret_filter)
        for handler, level in zip(streams, levels, strict=True):
            handler.setLevel(level)
        for handler in added:
            root.removeHandler(handler)
            handler.close()
