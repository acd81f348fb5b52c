"""Send mail over SMTP with smtplib: implicit TLS, STARTTLS, or plain (tests, a relay).

The password is read from the environment variable or the file config.toml
names, only when a connection is opened; it never appears in a log line or an
error message. Certificates are verified (``ca_file`` adds a private CA), and
every network call has the configured timeout, so a dead server cannot hang a
scheduled job.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Sequence
from email.message import Message
from types import TracebackType

from pipeline.config import SmtpConfig
from pipeline.errors import ConfigError, SendError
from pipeline.mailout.pacing import is_busy

log = logging.getLogger(__name__)


def smtp_password(smtp: SmtpConfig) -> str:
    """The SMTP password from smtp.password_env or smtp.password_file."""
    if smtp.password_env:
        value = os.environ.get(smtp.password_env, "")
        if value:
            return value
        if smtp.password_file is None:
            raise ConfigError(
                f"smtp.password_env: the environment variable {smtp.password_env} is not set"
            )
    if smtp.password_file is not None:
        try:
            lines = smtp.password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"smtp.password_file: cannot read it ({exc.strerror})") from None
        if lines and lines[0].strip():
            return lines[0].strip()
        raise ConfigError("smtp.password_file: the file is empty", str(smtp.password_file))
    raise ConfigError("smtp: set password_env or password_file")


class ServerBusy(SendError):
    """The server refused the connection because mail came too fast; try again later."""


class Mailer:
    """One SMTP session: ``with Mailer(config.smtp) as m: m.send(msg)``."""

    def __init__(self, smtp: SmtpConfig) -> None:
        self.config = smtp
        self.where = f"{smtp.host}:{smtp.port}"
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        self._conn = self._open()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                self._conn.close()
            self._conn = None

    def ready(self) -> None:
        """Check the session is alive (NOOP) and reconnect once if it is not, so a
        send that fails afterwards is a real failure of that mail."""
        try:
            if self._conn is not None and self._conn.noop()[0] == 250:
                return
        except (smtplib.SMTPException, OSError):
            pass
        self.__exit__(None, None, None)
        self._conn = self._open()

    def send(self, msg: Message, to: Sequence[str]) -> None:
        """Send one message; smtplib errors propagate (the caller records them)."""
        if self._conn is None:
            raise RuntimeError("Mailer used outside its with block")
        refused = self._conn.send_message(msg, to_addrs=list(to))
        if refused:
            log.warning("%s: some recipients refused: %s", msg["Message-ID"], sorted(refused))

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        password = smtp_password(cfg) if cfg.username else ""  # config errors first
        conn: smtplib.SMTP | None = None
        try:
            if cfg.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=self._tls()
                )
            else:
                conn = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
                if cfg.security == "starttls":
                    conn.starttls(context=self._tls())
            if cfg.username:
                conn.login(cfg.username, password)
            return conn
        except BaseException:
            if conn is not None:
                conn.close()
            raise

    def _open(self) -> smtplib.SMTP:
        try:
            conn = self._connect()
        except smtplib.SMTPAuthenticationError:
            raise SendError(
                f"SMTP login refused for {self.config.username}; QQ Mail and NetEase need the"
                " authorization code (授权码), not the account password",
                self.where,
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise SendError(
                f"the server's TLS certificate is not trusted ({exc.verify_message});"
                " set smtp.ca_file for a private CA",
                self.where,
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise SendError(
                'the server does not offer STARTTLS; use security = "ssl"', self.where
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            if is_busy(exc):
                busy = f"the server refuses for now: {_reason(exc)}"
                raise ServerBusy(busy, self.where) from None
            raise SendError(
                f"cannot connect to the SMTP server: {_reason(exc)}{_hint(self.config, exc)}",
                self.where,
            ) from None
        log.debug("SMTP session open with %s (%s)", self.where, self.config.security)
        return conn

    def _tls(self) -> ssl.SSLContext:
        ca = str(self.config.ca_file) if self.config.ca_file else None
        return ssl.create_default_context(cafile=ca)


def check_smtp(smtp: SmtpConfig) -> list[str]:
    """Log in to the SMTP server as a send would (nothing is sent); lines saying what is
    fine. Raises SendError (or ConfigError for a missing password) with one line."""
    with Mailer(smtp) as mailer:
        mailer.ready()
    who = f"{smtp.username} " if smtp.username else ""
    login = "logged in" if smtp.username else "no login configured"
    return [f"smtp: {who}at {smtp.host}:{smtp.port} ({smtp.security}) ok, {login}"]


_IMPLICIT_TLS_PORTS = (465, 994)
_PLAIN_PORTS = (25, 587, 2525)


def _hint(smtp: SmtpConfig, exc: BaseException) -> str:
    """Why a connection failed, when the port and the security setting do not match
    (the usual mistake: port 465 is implicit TLS, 587 and 25 start plain)."""
    if smtp.security == "ssl" and isinstance(exc, ssl.SSLError):
        return (
            f'; port {smtp.port} does not start with TLS: use security = "starttls"'
            ' (port 587) or port 465 with "ssl"'
        )
    timed_out = isinstance(exc, (TimeoutError, smtplib.SMTPServerDisconnected))
    if smtp.security != "ssl" and (smtp.port in _IMPLICIT_TLS_PORTS or timed_out):
        return (
            f'; port {smtp.port} may expect TLS from the start: use security = "ssl"'
            " (QQ Mail: smtp.qq.com, port 465)"
        )
    if smtp.security == "ssl" and smtp.port in _PLAIN_PORTS:
        return f'; port {smtp.port} usually starts plain: use security = "starttls"'
    if isinstance(exc, ConnectionRefusedError):
        return "; check host and port (SSL is usually 465, STARTTLS 587)"
    return ""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    return f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
