"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

Plain by default; with `tls=True` it offers STARTTLS with a self-signed
certificate made by openssl, and requires AUTH LOGIN/PLAIN over TLS with one
user and password, so the client's TLS and login code run for real.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USER, PASSWORD = "bureau@example.com", "sixteen-chars-ok"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


@dataclass
class Inbox:
    """The aiosmtpd handler: stores each mail; refuses recipients in `refuse`.

    Like QQ Mail after a burst, it can refuse every mail for `throttle_seconds`
    once `throttle_after` mails have arrived, answering `throttle_reply`."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    logins: list[tuple[str, str]] = field(default_factory=list)
    throttle_after: int | None = None
    throttle_seconds: float = 1.0
    throttle_reply: str = "550 Connection frequency limited"
    throttled_at: list[float] = field(default_factory=list)  # when each refusal was given
    sessions: int = 0  # EHLO/HELO greetings: one per connection

    async def handle_EHLO(
        self, server: object, session: Session, envelope: Envelope, hostname: str, responses: list
    ) -> list:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_MAIL(
        self, server: object, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if self.throttle_after is not None and len(self.received) >= self.throttle_after:
            now = time.monotonic()
            if not self.throttled_at or now - self.throttled_at[0] < self.throttle_seconds:
                self.throttled_at.append(now)
                return self.throttle_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: object, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address.lower() in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: object, session: Session, envelope: Envelope) -> str:
        raw = bytes(envelope.original_content or envelope.content)  # type: ignore[arg-type]
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(
            Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw)  # type: ignore[arg-type]
        )
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class SmtpServer:
    def __init__(self, root: Path, tls: bool = False) -> None:
        self.inbox = Inbox()
        self.host, self.port = "127.0.0.1", _free_port()
        self.cert: Path | None = None
        kwargs: dict[str, object] = {}
        if tls:
            self.cert, key = _self_signed(root)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, key)
            kwargs = {
                "tls_context": context,
                "require_starttls": True,
                "authenticator": self._authenticate,
                "auth_required": True,
            }
        self.controller = Controller(
            self.inbox, hostname=self.host, port=self.port, server_hostname="localhost", **kwargs
        )

    def _authenticate(
        self, server: object, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            self.inbox.logins.append((user, password))
            if (user, password) == (USER, PASSWORD):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def config(self, security: str = "plain", **extra: str) -> str:
        """The [smtp] table pointing at this server."""
        lines = [
            "[smtp]",
            f'host = "{self.host}"',
            f"port = {self.port}",
            f'security = "{security}"',
            'from = "jbjgswj@example.com"',
            'from_name = "江北区机关事务管理局"',
            "timeout = 10",
            *(f'{k} = "{v}"' for k, v in extra.items()),
        ]
        return "\n".join(lines) + "\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _self_signed(root: Path) -> tuple[Path, Path]:
    cert, key = root / "smtp-cert.pem", root / "smtp-key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key
