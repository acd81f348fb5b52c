"""A throw-away Dovecot IMAP server for tests, plus test-side imapclient helpers.

Not a test module: ``tests/dovecot_fixtures.py`` wraps it in pytest fixtures.

The server runs from its own ``dovecot.conf`` in a temporary directory (nothing
under /etc/dovecot is read), listens on 127.0.0.1 on two free high ports
(plain IMAP and implicit-TLS IMAPS with a fresh self-signed certificate) and
stores mail in a Maildir inside the same directory.

Works as root (CI): the master and Dovecot's privileged helpers run as root,
imap-login, imap and the internal services as ``nobody``/``nogroup``, which also
owns the Maildir (Dovecot refuses uid 0 for mail). Works as a normal user too:
everything then runs as that user, without chroots.

Install the server with ``scripts/install-deps.sh --test``.
"""

from __future__ import annotations

import atexit
import contextlib
import grp
import os
import pwd
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from imapclient import IMAPClient

__all__ = ["Dovecot", "DovecotError", "DovecotUnavailable", "find_dovecot"]

_INSTALL_HINT = "run scripts/install-deps.sh --test (installs Debian's dovecot-imapd and openssl)"


class DovecotUnavailable(RuntimeError):
    """The dovecot or openssl binary is missing: tests should be skipped."""


class DovecotError(RuntimeError):
    """The server did not start or stop as expected."""


def find_dovecot() -> str | None:
    """Path of the dovecot master binary (also looks in /usr/sbin, often not on PATH)."""
    found = shutil.which("dovecot")
    if found:
        return found
    for candidate in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _ephemeral_port_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1, below the kernel's ephemeral range.

    Ports from bind(0) come from the ephemeral range, where any outgoing connection
    on the machine may take them before Dovecot binds them (and a connect to a
    dead port there can even connect to itself). Below that range only listeners
    that chose the same port compete; ``start()`` retries with new ports then.
    """
    low, _high = _ephemeral_port_range()
    candidates = list(range(20000, low)) if low - 20000 >= 1000 else []
    random.shuffle(candidates)
    ports: list[int] = []
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    # Odd port range: let the kernel choose (all held open together, then released).
    socks = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _group_live_pids(pgid: int) -> set[int]:
    """PIDs of the non-zombie processes in process group ``pgid`` (Linux /proc)."""
    pids: set[int] = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            pids.add(int(name))
    return pids


def _mail_owner() -> tuple[int, int, str, str]:
    """(uid, gid, user name, group name) that owns the Maildir and runs the services."""
    if os.geteuid() != 0:
        uid, gid = os.getuid(), os.getgid()
        return uid, gid, pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    user = pwd.getpwnam("nobody")
    try:
        group = grp.getgrnam("nogroup")  # Debian
    except KeyError:
        group = grp.getgrgid(user.pw_gid)  # Fedora & co: group "nobody"
    return user.pw_uid, group.gr_gid, user.pw_name, group.gr_name


_RUNNING: set[Dovecot] = set()


@atexit.register
def _kill_leftovers() -> None:
    """Servers not closed by their test (e.g. after Ctrl-C) must not outlive pytest."""
    for server in list(_RUNNING):
        server.kill()


class Dovecot:
    """One Dovecot instance in its own temporary directory.

    Attributes: ``host``, ``port`` (plain IMAP), ``tls_port`` (implicit TLS),
    ``user``, ``password``, ``ca_file`` (the self-signed server certificate,
    usable as a CA file), ``log_path``, ``root`` (the temporary directory),
    ``maildir``.

    Use as a context manager, or call ``start()`` and finally ``close()``.
    """

    def __init__(
        self,
        user: str = "mailroll@example.test",
        password: str = "s3cret-pass",
        root: str | os.PathLike[str] | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        binary = find_dovecot()
        if binary is None:
            raise DovecotUnavailable(f"dovecot binary not found; {_INSTALL_HINT}")
        openssl = shutil.which("openssl")
        if openssl is None:
            raise DovecotUnavailable(f"openssl binary not found; {_INSTALL_HINT}")
        self._binary = binary
        self._openssl = openssl
        self.host = "127.0.0.1"
        self.port, self.tls_port = _free_ports(2)
        self.user = user
        self.password = password
        self.startup_timeout = startup_timeout
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="mailroll-dovecot-") if root is None else root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.config_path = self.root / "dovecot.conf"
        self.log_path = self.root / "dovecot.log"
        self.stderr_path = self.root / "dovecot.stderr"
        self.home = self.root / "home"
        self.maildir = self.home / "Maildir"
        self.ca_file = self.root / "cert.pem"
        self._key_file = self.root / "key.pem"
        self._proc: subprocess.Popen[bytes] | None = None
        self._started = False
        self._prepare()

    # ------------------------------------------------------------------ setup

    def _prepare(self) -> None:
        uid, gid, _user, _group = _mail_owner()
        # Processes running as `nobody` must traverse the directory and read the passwd file.
        self.root.chmod(0o755)
        self.maildir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for path in (self.home, self.maildir):
                os.chown(path, uid, gid)
        self._make_certificate()
        passwd_file = self.root / "passwd"
        passwd_file.write_text(f"{self.user}:{{PLAIN}}{self.password}\n", encoding="utf-8")
        passwd_file.chmod(0o644)
        self._write_config()

    def _write_config(self) -> None:
        uid, gid, user_name, group_name = _mail_owner()
        passwd_file = self.root / "passwd"
        # As a normal user the services cannot chroot or change user; as root every
        # service runs as the mail owner so it can reach the stats socket too.
        chroot = "" if os.geteuid() == 0 else "  chroot =\n"
        config = f"""\
# Generated by tests/dovecot.py. Nothing under /etc/dovecot is read.
instance_name = mailroll-test-{self.port}
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
protocols = imap
listen = {self.host}
default_internal_user = {user_name}
default_internal_group = {group_name}
default_login_user = {user_name}
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <{self.ca_file}
ssl_key = <{self._key_file}
disable_plaintext_auth = no
auth_mechanisms = plain login
# 2.3.19 still answers a failed login on its next 0.5 s failure tick (not 2 s).
auth_failure_delay = 0
auth_verbose = yes
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd_file}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.home}
}}
mail_location = maildir:~/Maildir
mail_max_userip_connections = 200
mail_fsync = never

service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.tls_port}
    ssl = yes
  }}
{chroot}}}
service anvil {{
  # No auth penalty: without this, each failed login from 127.0.0.1 delays every
  # later login (also the good ones) by up to 15 s.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{chroot}}}
"""
        self.config_path.write_text(config, encoding="utf-8")

    def _make_certificate(self) -> None:
        if self.ca_file.exists() and self._key_file.exists():
            return  # restart()/reused root: keep the certificate tests already trust
        cmd = [
            self._openssl, "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", str(self._key_file), "-out", str(self.ca_file),
            "-days", "3", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]  # fmt: skip
        result = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=30, check=False
        )
        if result.returncode != 0:
            raise DovecotError(
                "openssl req failed: " + result.stderr.decode("utf-8", "replace").strip()
            )
        # The key is read by the config process (root, or the same normal user).
        self._key_file.chmod(0o600)

    # -------------------------------------------------------------- lifecycle

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> Dovecot:
        """Start the master in the foreground in its own session; wait until it greets.

        On the very first start a port taken meanwhile by someone else is replaced by
        new ones; later starts (``restart()``) keep the ports.
        """
        if self.running:
            return self
        for attempt in range(3):
            try:
                self._start_once()
            except DovecotError as exc:
                if self._started or attempt == 2 or "Address already in use" not in str(exc):
                    raise
                self.port, self.tls_port = _free_ports(2)
                self._write_config()
            else:
                break
        self._started = True
        return self

    def _start_once(self) -> None:
        # A master killed while rewriting state/instances leaves instances.lock behind:
        # a dotlock holding the new file's data, not a pid, so the next master cannot
        # tell it is stale and silently waits on it (no children, no greeting).
        with contextlib.suppress(FileNotFoundError):
            (self.root / "state" / "instances.lock").unlink()
        with self.stderr_path.open("ab") as err:
            # -F: foreground (daemon mode would keep inherited pipes open forever).
            # Own session: kill() can take down the master and every child at once.
            self._proc = subprocess.Popen(
                [self._binary, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
            )
        _RUNNING.add(self)
        try:
            self._wait_ready()
        except BaseException:
            self.kill()
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise DovecotError(
                    f"dovecot exited with status {self._proc.returncode} during start-up"
                    + self._diagnostics()
                )
            try:
                # The kernel accepts connections as soon as the master listens; the
                # greeting proves an imap-login process is serving them.
                with socket.create_connection((self.host, self.port), timeout=1) as sock:
                    greeting = sock.recv(256)
                    sock.sendall(b"r LOGOUT\r\n")  # leave without a "reset by peer" log line
                if greeting.startswith(b"* OK"):
                    with socket.create_connection((self.host, self.tls_port), timeout=1):
                        return
                last_error = DovecotError(f"unexpected greeting {greeting!r}")
            except OSError as exc:
                last_error = exc
            time.sleep(0.01)
        raise DovecotError(
            f"dovecot did not accept IMAP connections on {self.host}:{self.port} within "
            f"{self.startup_timeout:.0f} s (last error: {last_error!r})" + self._diagnostics()
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Graceful shutdown, in a few ms: SIGTERM to every process but the master.

        Connected clients get ``* BYE Server shutting down.`` and then EOF; the
        ``imap`` processes finish their Maildir writes. The master is frozen
        (SIGSTOP) first and SIGKILLed once its children are gone: it holds no mail
        state, and its own shutdown is unreliable here (5 ms to 1 s; it may spawn an
        imap-login after the signal and then spin forever). SIGTERM to the master
        alone is worse: ~1.1 s, and the ``imap`` processes keep serving clients.
        """
        proc = self._proc
        if proc is None:
            return
        pgid = proc.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pgid, signal.SIGSTOP)
            os.killpg(pgid, signal.SIGTERM)
        start = time.monotonic()
        resent = start
        while left := _group_live_pids(pgid) - {pgid}:
            now = time.monotonic()
            if now - start >= timeout:
                warnings.warn(
                    f"dovecot processes still alive {timeout} s after SIGTERM; killing them",
                    stacklevel=2,
                )
                break
            if now - resent >= 0.05:
                # A child caught between fork and exec swallows the signal (it still
                # runs the master's handler), then lives on: tell it again.
                resent = now
                for pid in left:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGTERM)
            time.sleep(0.002)
        self.kill()

    def kill(self) -> None:
        """Simulate a crash: SIGKILL the whole process group (master, imap, imap-login...).

        Killing only the master would leave the per-connection ``imap`` processes
        serving their clients. Returns once every process is gone (until then a
        dying child could still accept a connection on the listening socket).
        """
        proc = self._proc
        if proc is None:
            return
        pgid = proc.pid
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        deadline = time.monotonic() + 5
        while _group_live_pids(pgid) and time.monotonic() < deadline:
            time.sleep(0.002)
        self._proc = None
        _RUNNING.discard(self)

    def restart(self, *, crash: bool = False) -> Dovecot:
        """Stop (or with ``crash=True`` kill) and start again: same ports, same Maildir."""
        if crash:
            self.kill()
        else:
            self.stop()
        return self.start()

    def close(self) -> None:
        """Kill the server and remove the temporary directory (if this object made it)."""
        self.kill()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def log_tail(self, lines: int = 30) -> str:
        """Last lines of the Dovecot log (and of its stderr, where config errors go)."""
        out: list[str] = []
        for path in (self.stderr_path, self.log_path):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except FileNotFoundError:
                continue
            if text.strip():
                out.append(f"--- {path.name}\n" + "\n".join(text.splitlines()[-lines:]))
        return "\n".join(out)

    def _diagnostics(self) -> str:
        tail = self.log_tail()
        return f"\nconfig: {self.config_path}\n{tail}" if tail else f"\nconfig: {self.config_path}"

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Dovecot {self.host}:{self.port} tls:{self.tls_port} {state} root={self.root}>"

    # ------------------------------------------------------ test-side client

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts this server's self-signed certificate."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def client(self, timeout: float = 10.0) -> IMAPClient:
        """A logged-in IMAPClient on the plain port. Call ``logout()`` (or use ``with``)."""
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
        try:
            client.login(self.user, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def tls_client(self, timeout: float = 10.0) -> IMAPClient:
        """A logged-in IMAPClient over implicit TLS, verifying against ``ca_file``."""
        client = IMAPClient(
            "localhost",
            port=self.tls_port,
            ssl=True,
            ssl_context=self.ssl_context(),
            timeout=timeout,
        )
        try:
            client.login(self.user, self.password)
        except BaseException:
            client.shutdown()
            raise
        return client

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Iterable[str | bytes] = (),
        msg_time: datetime | None = None,
    ) -> int:
        """APPEND ``raw`` to ``folder`` and return its UID (from the APPENDUID response)."""
        with self.client() as c:
            response = c.append(folder, raw, flags=tuple(flags), msg_time=msg_time)
        text = response.decode("ascii", "replace") if isinstance(response, bytes) else response
        match = re.search(r"APPENDUID \d+ (\d+)", text)
        if match is None:
            raise DovecotError(f"APPEND gave no APPENDUID: {response!r}")
        return int(match.group(1))

    def create_folder(self, name: str) -> None:
        """CREATE ``name`` (unicode; imapclient encodes it as modified UTF-7)."""
        with self.client() as c:
            c.create_folder(name)

    def delete_folder(self, name: str) -> None:
        with self.client() as c:
            c.delete_folder(name)

    def list_folders(self) -> list[str]:
        with self.client() as c:
            return [name for _flags, _delim, name in c.list_folders()]

    def flags(self, folder: str = "INBOX") -> dict[int, frozenset[bytes]]:
        """UID -> flags, read with EXAMINE (read-only), without the session flag ``\\Recent``."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            if not uids:
                return {}
            data = c.fetch(uids, ["FLAGS"])
        return {
            uid: frozenset(f for f in item[b"FLAGS"] if f != b"\\Recent")
            for uid, item in data.items()
        }

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.client() as c:
            return int(c.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"])
