"""Talking to an IMAP server: connect, log in, read folders, apply after-actions.

`fetch_*` functions only read (folders are opened with EXAMINE and bodies
fetched with BODY.PEEK[], so the officials' unread markers stay as they were);
`apply_actions` is the only function that changes the mailbox, and
`pipeline.fetch.poll` calls it only after the database commit.

Provider quirks handled here (see README, "Reading a real mailbox (IMAP)"):
the ID command is sent after login when advertised (NetEase 163/126 refuse
SELECT with "Unsafe Login" otherwise); SEARCH never carries a CHARSET argument
(QQ, Aliyun and Exchange reject it), new mail is found by UID range alone;
folder names travel as modified UTF-7 (imapclient encodes them).

Every failure becomes a one-line `MailboxError` that says what to fix;
`MailboxUnreachable` marks the ones worth retrying (network, dropped
connection). Passwords never appear in messages or logs.
"""

from __future__ import annotations

import imaplib
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from imapclient import IMAPClient
from imapclient.exceptions import LoginError
from imapclient.imapclient import SocketTimeout

from pipeline import __version__
from pipeline.config import ImapAccount
from pipeline.errors import MailboxError

log = logging.getLogger(__name__)

ACTION_CHUNK = 200  # UIDs per STORE/MOVE command: keeps command lines short
PIECE = 4 * 2**20  # bytes of a mail per FETCH: larger mails are streamed to the archive


class MailboxUnreachable(MailboxError):
    """The server could not be reached or the connection dropped: worth retrying."""


class CountingIMAPClient(IMAPClient):
    """An IMAPClient that knows how many commands it has sent.

    imaplib gives every command a fresh tag from a counter, including the ones
    imapclient writes itself, so the counter is the number of commands.
    """

    @property
    def commands_sent(self) -> int:
        return int(getattr(self._imap, "tagnum", 0))


@dataclass
class CommandMeter:
    """Counts the IMAP commands of every connection opened during one poll."""

    clients: list[CountingIMAPClient] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.commands_sent for c in self.clients)


@dataclass(frozen=True)
class FolderStatus:
    uidvalidity: int
    uidnext: int | None  # None when the server did not say
    exists: int


def ssl_context(account: ImapAccount) -> ssl.SSLContext:
    """A verifying context: the system's CAs, or only `ca_file` when it is set."""
    cafile = str(account.ca_file) if account.ca_file else None
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cafile)


def connect(account: ImapAccount, meter: CommandMeter | None = None) -> CountingIMAPClient:
    """Connect, secure, log in and identify; raise a one-line MailboxError on failure."""
    if account.security == "plain" and not _is_loopback(account.host):
        log.warning("%s: IMAP without TLS to %s; use only for tests", account.where, account.host)
    password = account.password()  # a ConfigError here names the key to fix
    if account.ca_file is not None and not account.ca_file.is_file():
        raise MailboxError(f"ca_file {account.ca_file} not found", account.where)
    with _talking(account, "connect"):
        client = CountingIMAPClient(
            account.host,
            port=account.port,
            ssl=account.security == "tls",
            ssl_context=ssl_context(account) if account.security == "tls" else None,
            timeout=SocketTimeout(connect=account.timeout, read=account.timeout),
        )
    if meter is not None:
        meter.clients.append(client)
    try:
        with _talking(account, "log in"):
            if account.security == "starttls":
                if b"STARTTLS" not in client.capabilities():
                    raise MailboxError(
                        f'{_addr(account)} does not offer STARTTLS; use security = "tls"',
                        account.where,
                    )
                client.starttls(ssl_context(account))
            client.login(account.user, password)
            if client.has_capability("ID"):
                _send_id(client, account)
    except BaseException:
        _close(client)
        raise
    log.debug("%s: logged in to %s as %s", account.where, _addr(account), account.user)
    return client


def disconnect(client: IMAPClient) -> None:
    """Log out politely; a connection that is already gone is simply closed."""
    try:
        client.logout()
    except (OSError, imaplib.IMAP4.error):
        _close(client)


def open_folder(
    client: IMAPClient, account: ImapAccount, folder: str, writable: bool
) -> FolderStatus:
    """SELECT (or, read-only, EXAMINE) a folder; an unknown name lists the real ones."""
    try:
        with _talking(account, f'open folder "{folder}"'):
            info = client.select_folder(folder, readonly=not writable)
    except MailboxError as exc:
        if isinstance(exc, MailboxUnreachable):
            raise
        raise _unknown_folder(client, account, folder, exc) from None
    uidnext = info.get(b"UIDNEXT")
    return FolderStatus(
        uidvalidity=int(info[b"UIDVALIDITY"]),
        uidnext=int(uidnext) if uidnext is not None else None,
        exists=int(info.get(b"EXISTS", 0)),
    )


def fetch_new_uids(client: IMAPClient, account: ImapAccount, after_uid: int) -> list[int]:
    """UIDs above `after_uid`, ascending: `UID SEARCH UID n:*`, no CHARSET, no text."""
    with _talking(account, "search"):
        found = client.search(["UID", f"{after_uid + 1}:*"])
    # "n:*" means "between n and the highest UID", so with nothing new it still
    # returns the highest UID: keep only what is really above after_uid.
    return sorted(uid for uid in found if uid > after_uid)


def fetch_mails(
    client: IMAPClient, account: ImapAccount, uids: Sequence[int], piece: int = PIECE
) -> dict[int, bytes]:
    """UID -> raw bytes of `uids` in one FETCH, with BODY.PEEK[] (flags untouched).

    Only the first `piece` bytes of each mail are asked for (BODY.PEEK[]<0.piece>),
    so that a batch never holds a 50 MB mail whole: a mail that fills its piece
    (`len(data) == piece`) may go on, and `fetch_rest` streams the rest. The server's
    RFC822.SIZE is not used for that: Exchange only estimates it.
    UIDs missing from the answer were expunged meanwhile.
    """
    with _talking(account, "fetch"):
        data = client.fetch(list(uids), [f"BODY.PEEK[]<0.{piece}>"])
    out = {}
    for uid, item in data.items():
        # a server that ignores the <0.piece> part answers with the whole BODY[]
        body = item.get(b"BODY[]<0>", item.get(b"BODY[]"))
        if body is not None:
            out[uid] = body
    return out


def fetch_rest(
    client: IMAPClient, account: ImapAccount, uid: int, offset: int, piece: int = PIECE
) -> Iterator[bytes]:
    """The bytes of mail `uid` from `offset` on, one FETCH of `piece` bytes at a time,
    until a piece comes back short."""
    while True:
        with _talking(account, "fetch"):
            data = client.fetch([uid], [f"BODY.PEEK[]<{offset}.{piece}>"])
        chunk = data.get(uid, {}).get(f"BODY[]<{offset}>".encode()) or b""
        if chunk:
            yield chunk
        if len(chunk) < piece:
            return
        offset += len(chunk)


def apply_actions(
    client: IMAPClient, account: ImapAccount, action: str, target: str, uids: Sequence[int]
) -> None:
    """Mark seen, add a flag or move `uids` in the selected (writable) folder.

    Idempotent: flagging twice changes nothing, and moving a UID that has
    already left the folder is a no-op, so a crash between the command and
    the database update only repeats harmless work.
    """
    with _talking(account, f"{action} {len(uids)} mails"):
        if action == "move" and not client.folder_exists(target):
            log.info("%s: creating folder %r for moved mail", account.where, target)
            client.create_folder(target)
        for start in range(0, len(uids), ACTION_CHUNK):
            chunk = list(uids[start : start + ACTION_CHUNK])
            if action == "seen":
                client.add_flags(chunk, [b"\\Seen"], silent=True)
            elif action == "flag":
                client.add_flags(chunk, [target], silent=True)
            elif action == "move":
                _move(client, chunk, target)
            else:
                raise ValueError(f"unknown after-action {action!r}")


def check_account(account: ImapAccount) -> list[str]:
    """Log in, list the folders, open each configured one; lines saying what is fine.

    Raises MailboxError with a one-line reason on the first problem.
    """
    client = connect(account)
    try:
        with _talking(account, "list folders"):
            names = [name for _flags, _delim, name in client.list_folders()]
        lines = [
            f"mailbox: imap {account.where} {account.user} at {_addr(account)}"
            f" ({account.security}) ok",
            f"  folders on the server: {_folder_list(names)}",
        ]
        for folder in account.folders:
            status = open_folder(client, account, folder.name, writable=False)
            after = folder.after
            then = "" if after.action == "none" else f"; after: {after.action} {after.target}"
            lines.append(f"  folder {folder.name}: {status.exists} mails{then}".rstrip())
            if after.action == "move" and after.target not in names:
                lines.append(f"  note: {after.target} does not exist; it is created on first use")
        return lines
    finally:
        disconnect(client)


# -- helpers -----------------------------------------------------------------


def _move(client: IMAPClient, uids: list[int], target: str) -> None:
    if client.has_capability("MOVE"):
        client.move(uids, target)
        return
    # Without MOVE: copy, then mark deleted; expunge only these UIDs (UIDPLUS), never
    # the official's own deleted mail. A crash between COPY and STORE can leave a
    # second copy in the target folder (never a lost mail; the target is not polled).
    client.copy(uids, target)
    client.add_flags(uids, [b"\\Deleted"], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)


def _send_id(client: IMAPClient, account: ImapAccount) -> None:
    try:
        client.id_({"name": "mailroll", "version": __version__, "vendor": "mailroll"})
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:  # optional: a refusal is not fatal
        log.debug("%s: ID refused: %s", account.where, _server_text(exc))


def _unknown_folder(
    client: IMAPClient, account: ImapAccount, folder: str, exc: MailboxError
) -> MailboxError:
    try:
        with _talking(account, "list folders"):
            names = [name for _flags, _delim, name in client.list_folders()]
    except MailboxError:
        return exc
    if any(n.casefold() == folder.casefold() for n in names):
        return exc  # it exists: the server refused for another reason
    return MailboxError(
        f'folder "{folder}" not found; folders in this account: {_folder_list(names)}',
        account.where,
    )


def _folder_list(names: list[str]) -> str:
    return ", ".join(sorted(names, key=lambda n: (n.upper() != "INBOX", n))) or "(none)"


@contextmanager
def _talking(account: ImapAccount, doing: str) -> Iterator[None]:
    """Turn socket, TLS and IMAP failures into a one-line MailboxError."""
    addr = _addr(account)
    try:
        yield
    except MailboxError:
        raise
    except LoginError as exc:
        raise MailboxError(
            f"login failed for {account.user} at {addr}: {_server_text(exc).rstrip('.')};"
            f" {login_hint(account)}",
            account.where,
        ) from None
    except imaplib.IMAP4.abort as exc:  # before IMAP4.error: abort is a subclass
        raise MailboxUnreachable(
            f"connection to {addr} dropped during {doing}: {_server_text(exc)}", account.where
        ) from None
    except imaplib.IMAP4.error as exc:
        raise MailboxError(
            f"{addr} refused to {doing}: {_server_text(exc)}", account.where
        ) from None
    except ssl.SSLCertVerificationError as exc:
        raise MailboxError(
            f"TLS certificate of {addr} is not trusted ({exc.verify_message}); if the server"
            " uses a private CA, set ca_file",
            account.where,
        ) from None
    except ssl.SSLError as exc:
        if "WRONG_VERSION_NUMBER" in str(exc) or "record layer failure" in str(exc):
            raise MailboxError(
                f"TLS handshake with {addr} failed: the port does not speak TLS; use"
                ' security = "tls" on port 993 or "starttls" on port 143',
                account.where,
            ) from None
        raise MailboxUnreachable(
            f"TLS error with {addr} during {doing}: {exc.reason or exc}", account.where
        ) from None
    except ConnectionRefusedError:
        raise MailboxUnreachable(
            f"cannot connect to {addr}: connection refused; check host and port"
            " (IMAPS is usually 993, IMAP with STARTTLS 143)",
            account.where,
        ) from None
    except socket.gaierror as exc:
        raise MailboxUnreachable(
            f"cannot resolve host {account.host!r}: {exc.strerror}", account.where
        ) from None
    except TimeoutError:
        raise MailboxUnreachable(
            f"no answer from {addr} within {account.timeout:g} s during {doing}", account.where
        ) from None
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise MailboxUnreachable(
            f"connection to {addr} failed during {doing}: {reason}", account.where
        ) from None


def login_hint(account: ImapAccount) -> str:
    """What to check after a refused login; the big Chinese providers want a code."""
    host = account.host.lower()
    if host.endswith("qq.com"):
        return (
            "QQ Mail needs the authorization code, not the account password"
            " (QQ邮箱 设置 → 账号 → 生成授权码)"
        )
    if host.endswith(("163.com", "126.com", "yeah.net")):
        return (
            "NetEase mail needs the client authorization code (客户端授权密码),"
            " not the account password"
        )
    secret = account.password_env or str(account.password_file)
    return f"check user and the password in {secret} (many providers need an app password)"


def _server_text(exc: BaseException) -> str:
    """The server's words without Python's b'...' wrapping or imaplib's prefix."""
    text = str(exc)
    if text.startswith("command: ") and " => " in text:
        text = text.split(" => ", 1)[1]
    if len(text) > 3 and text[:2] in ("b'", 'b"') and text[-1] == text[1]:
        text = text[2:-1]
    return text.strip() or exc.__class__.__name__


def _addr(account: ImapAccount) -> str:
    return f"{account.host}:{account.port}"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _close(client: IMAPClient) -> None:
    with suppress(OSError):
        client.shutdown()
