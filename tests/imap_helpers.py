"""Helpers for the IMAP tests: a workspace whose config reads the test Dovecot,
mails as Chinese clients send them, the database's view of what was stored,
and a TCP proxy that lets a test act at an exact moment of the conversation."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from tests.builders import make_docx, make_gbk_mail
from tests.conftest import Workspace
from tests.dovecot import Dovecot

FOLDER = "节能宣传周"
UNITS = [  # (sender address from rules/roster.toml, unit name)
    ("guanyinqiao@jiangbei.example", "观音桥街道"),
    ("huaxinjie@jiangbei.example", "华新街街道"),
    ("wulidian@jiangbei.example", "五里店街道"),
    ("jiangbeicheng@jiangbei.example", "江北城街道"),
    ("shimahe@jiangbei.example", "石马河街道"),
    ("dashiba@jiangbei.example", "大石坝街道"),
]


def use_imap(ws: Workspace, server: Dovecot, more_accounts: str = "", **keys: object) -> Path:
    """Point the workspace's config.toml at the test server (plain IMAP on loopback).

    `keys` replace or add keys of the [[imap]] table (Python values; a str that
    starts with "{" or "[" is written as TOML as it is); `more_accounts` adds
    whole [[imap]] tables.
    """
    secret = ws.root / "imap.password"
    secret.write_text(server.password + "\n", encoding="utf-8")
    table: dict[str, object] = {
        "name": "bureau",
        "host": server.host,
        "port": server.port,
        "security": "plain",
        "user": server.user,
        "password_file": str(secret),
        "folders": '["INBOX"]',
        "timeout": 10,
        "batch_size": 2,
        "retries": 2,
        "retry_delay": 0.01,
        **keys,
    }
    lines = "\n".join(f"{key} = {_toml(value)}" for key, value in table.items())
    text = ws.config_path.read_text(encoding="utf-8").replace(
        'source = "maildir"', 'source = "imap"'
    )
    text = text.split("\n[[imap]]\n", 1)[0]  # called again: replace the accounts
    ws.config_path.write_text(f"{text}\n[[imap]]\n{lines}\n{more_accounts}\n", encoding="utf-8")
    return ws.config_path


def _toml(value: object) -> str:
    if isinstance(value, str) and not value.startswith(("{", "[")):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def report_mail(n: int, *, size: int = 0) -> bytes:
    """Mail n: a GBK-encoded report from a roster unit, with a Chinese-named docx.

    `size` pads the attachment (bytes) to make FETCH responses long.
    """
    sender, unit = UNITS[n % len(UNITS)]
    doc = make_docx(
        [f"{unit}节能宣传周工作总结（第{n}份）", "组织干部职工120人步行上班，绿色出行。"]
    )
    styles = ["rfc2047", "rfc2231", "raw8bit"]
    attachments = [(f"{unit}总结{n}.docx", doc, styles[n % 3])]
    if size:  # a photo: incompressible bytes, so the FETCH answer really is long
        attachments.append((f"活动照片{n}.jpg", b"\xff\xd8\xff\xe0" + os.urandom(size), "rfc2047"))
    raw = make_gbk_mail(
        subject=f"{unit}节能宣传周总结{n}号（经办人王喆）",
        body=f"{unit}报送节能宣传周总结，请查收。",
        sender=sender,
        attachments=attachments,
    )
    return raw.replace(b"<gbk-test@example.com>", f"<report-{n}@jiangbei.example>".encode())


class Stored:
    """What the database holds, read with plain SQL (not through the code under test)."""

    def __init__(self, ws: Workspace) -> None:
        self.path = ws.root / "var" / "mailroll.sqlite3"
        self.archive = ws.root / "var" / "archive"

    def _rows(self, sql: str) -> list[tuple]:
        db = sqlite3.connect(self.path)
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def count(self, table: str) -> int:
        return int(self._rows(f"SELECT count(*) FROM {table}")[0][0])

    def subjects(self) -> list[str]:
        return sorted(r[0] for r in self._rows("SELECT subject FROM submissions"))

    def message_ids(self) -> list[str]:
        return sorted(r[0] for r in self._rows("SELECT message_id FROM submissions"))

    def archived_files(self) -> int:
        return sum(1 for p in self.archive.rglob("*.eml"))

    def seen_keys(self) -> list[tuple[str, str]]:
        return sorted(self._rows("SELECT source, key FROM seen"))

    def fetch_problems(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT reason FROM problems WHERE stage = 'fetch'")]


class TcpProxy:
    """Forwards a loopback port to the server and can act mid-conversation.

    `arm(trigger, after_bytes, action)`: once a client has sent `trigger` (e.g.
    b"BODY.PEEK[]") and `after_bytes` of the server's answer have been passed
    on, `action()` runs (kill the server, say) and the rest of the answer never
    reaches the client: the connection is cut, or with `hang=True` left open
    and silent (a server that stopped answering). One shot; later connections
    are forwarded faithfully.
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self._armed: tuple[bytes, int, Callable[[], None], bool] | None = None
        self._seen_trigger = False
        self.fired = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(
        self, trigger: bytes, after_bytes: int, action: Callable[[], None], hang: bool = False
    ) -> None:
        self._armed = (trigger, after_bytes, action, hang)

    def close(self) -> None:
        self.listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = socket.create_connection(self.upstream, timeout=5)
        except OSError:
            client.close()
            return
        server.settimeout(None)
        client_gone = threading.Event()
        threading.Thread(
            target=self._pump_up, args=(client, server, client_gone), daemon=True
        ).start()
        answered = 0
        try:
            while data := server.recv(4096):
                armed = self._armed
                if armed and self._seen_trigger and answered + len(data) >= armed[1]:
                    self._armed = None
                    client.sendall(data[: armed[1] - answered])
                    armed[2]()
                    self.fired.set()
                    if armed[3]:
                        client_gone.wait(60)  # silent until the client gives up
                    break
                answered += len(data) if self._seen_trigger else 0
                client.sendall(data)
        except OSError:
            pass
        finally:
            _hang_up(client)
            _hang_up(server)

    def _pump_up(
        self, client: socket.socket, server: socket.socket, client_gone: threading.Event
    ) -> None:
        try:
            while data := client.recv(4096):
                armed = self._armed  # one read: the other thread may disarm it meanwhile
                if armed and armed[0] in data:
                    self._seen_trigger = True
                server.sendall(data)
        except OSError:
            pass
        finally:
            client_gone.set()
            _hang_up(server)


def _hang_up(sock: socket.socket) -> None:
    """shutdown() first: close() alone does not wake a recv() blocked in another thread."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
