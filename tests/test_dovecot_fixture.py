"""The Dovecot fixture itself, against the real server (tests/dovecot.py)."""

from __future__ import annotations

import base64
import contextlib
import socket
import ssl

import pytest
from imapclient import IMAPClient, imap_utf7
from imapclient.exceptions import LoginError

from tests import dovecot as dovecot_module
from tests.dovecot import Dovecot, DovecotError, DovecotUnavailable

FOLDER = "节能宣传周"
SUBJECT = "关于开展2024年节能宣传周活动的通知（喆）"  # 喆 is in GBK, not GB2312


def gbk_mail(subject: str = SUBJECT, body: str = "请各单位于5月17日前报送总结。") -> bytes:
    """A mail as a Chinese client sends it: GBK encoded-word subject, GBK body."""
    encoded = base64.b64encode(subject.encode("gbk")).decode("ascii")
    headers = [
        "From: =?GBK?B?" + base64.b64encode("江北区机关事务局".encode("gbk")).decode() + "?= "
        "<jgsw@example.test>",
        "To: mailroll@example.test",
        f"Subject: =?GBK?B?{encoded}?=",
        "Date: Mon, 13 May 2024 09:30:00 +0800",
        "Message-ID: <20240513093000.1@example.test>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=GBK",
        "Content-Transfer-Encoding: 8bit",
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode("ascii") + body.encode("gbk") + b"\r\n"


def test_append_and_read_back_inbox_peek_keeps_unseen(dovecot: Dovecot) -> None:
    raw = gbk_mail()
    uid = dovecot.append("INBOX", raw)

    with dovecot.client() as c:
        c.select_folder("INBOX")  # read-write: a plain BODY[] would set \Seen
        fetched = c.fetch([uid], ["BODY.PEEK[]", "FLAGS"])[uid]
        assert fetched[b"BODY[]"] == raw
        assert b"\\Seen" not in fetched[b"FLAGS"]
        # The server decodes the GBK encoded-word for SEARCH.
        assert c.search(["SUBJECT", "节能宣传周"], charset="UTF-8") == [uid]
    assert dovecot.flags("INBOX") == {uid: frozenset()}

    with dovecot.client() as c:  # contrast: BODY[] marks the mail read
        c.select_folder("INBOX")
        c.fetch([uid], ["BODY[]"])
    assert dovecot.flags("INBOX") == {uid: frozenset({b"\\Seen"})}


def test_chinese_folder_name(dovecot: Dovecot) -> None:
    dovecot.create_folder(FOLDER)
    assert FOLDER in dovecot.list_folders()
    # On the wire (and on disk, Maildir++) the name is modified UTF-7.
    assert (dovecot.maildir / ("." + imap_utf7.encode(FOLDER).decode("ascii"))).is_dir()

    raw = gbk_mail()
    uid = dovecot.append(FOLDER, raw, flags=[b"\\Flagged"])
    with dovecot.client() as c:
        c.select_folder(FOLDER, readonly=True)
        assert c.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"] == raw
    assert dovecot.flags(FOLDER) == {uid: frozenset({b"\\Flagged"})}
    assert dovecot.flags("INBOX") == {}


def test_tls_with_fixture_ca(dovecot: Dovecot) -> None:
    with dovecot.tls_client() as c:
        assert c.noop()
    # Python's default context also checks the name: the cert has SAN localhost + 127.0.0.1.
    with IMAPClient(
        dovecot.host, port=dovecot.tls_port, ssl=True, ssl_context=dovecot.ssl_context()
    ) as c:
        c.login(dovecot.user, dovecot.password)


def test_tls_without_fixture_ca_fails_verification(dovecot: Dovecot) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient(
            "localhost",
            port=dovecot.tls_port,
            ssl=True,
            ssl_context=ssl.create_default_context(),  # system CAs only
            timeout=5,
        )


def test_wrong_password_is_login_error(dovecot: Dovecot) -> None:
    c = IMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)
    try:
        with pytest.raises(LoginError):
            c.login(dovecot.user, "not-the-password")
    finally:
        c.shutdown()
    with dovecot.client() as good:  # no auth penalty for the next login
        assert good.noop()


def test_kill_cuts_open_session(dovecot: Dovecot) -> None:
    dovecot.append("INBOX", gbk_mail())
    c = dovecot.client(timeout=5)
    try:
        c.select_folder("INBOX")
        dovecot.kill()
        assert not dovecot.running
        with pytest.raises((IMAPClient.AbortError, OSError)):
            c.noop()
    finally:
        with contextlib.suppress(OSError):
            c.shutdown()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((dovecot.host, dovecot.port), timeout=2).close()


def test_stop_says_bye_to_open_session(dovecot: Dovecot) -> None:
    with socket.create_connection((dovecot.host, dovecot.port), timeout=5) as sock:
        stream = sock.makefile("rb")
        assert stream.readline().startswith(b"* OK")
        sock.sendall(f"a LOGIN {dovecot.user} {dovecot.password}\r\n".encode())
        while not (line := stream.readline()).startswith(b"a "):
            pass
        assert line.startswith(b"a OK")
        dovecot.stop()
        assert not dovecot.running
        assert b"* BYE Server shutting down." in stream.read()  # then EOF


@pytest.mark.parametrize("crash", [False, True], ids=["stop", "kill"])
def test_restart_keeps_mails_and_uidvalidity(dovecot: Dovecot, crash: bool) -> None:
    dovecot.create_folder(FOLDER)
    uids = [dovecot.append("INBOX", gbk_mail(f"第{i}封")) for i in range(2)]
    folder_uid = dovecot.append(FOLDER, gbk_mail(), flags=[b"\\Seen"])
    before = {name: dovecot.uidvalidity(name) for name in ("INBOX", FOLDER)}
    port, tls_port = dovecot.port, dovecot.tls_port

    dovecot.restart(crash=crash)

    assert (dovecot.port, dovecot.tls_port) == (port, tls_port)
    assert {name: dovecot.uidvalidity(name) for name in ("INBOX", FOLDER)} == before
    assert set(dovecot.flags("INBOX")) == set(uids)
    assert dovecot.flags(FOLDER) == {folder_uid: frozenset({b"\\Seen"})}
    # UIDs are never reused after a restart: a poller's "last seen UID" stays valid.
    assert dovecot.append("INBOX", gbk_mail("新邮件")) == max(uids) + 1
    with dovecot.tls_client() as c:  # same certificate after restart
        assert c.noop()


def test_delete_and_recreate_folder_gets_new_uidvalidity(dovecot: Dovecot) -> None:
    dovecot.create_folder(FOLDER)
    first = dovecot.uidvalidity(FOLDER)
    dovecot.append(FOLDER, gbk_mail())
    dovecot.delete_folder(FOLDER)
    assert FOLDER not in dovecot.list_folders()

    dovecot.create_folder(FOLDER)  # within the same second
    assert dovecot.uidvalidity(FOLDER) != first
    assert dovecot.flags(FOLDER) == {}


def test_two_servers_are_independent(dovecot: Dovecot) -> None:
    with Dovecot() as other:
        assert {other.port, other.tls_port}.isdisjoint({dovecot.port, dovecot.tls_port})
        other.append("INBOX", gbk_mail())
        assert dovecot.flags("INBOX") == {}
        assert len(other.flags("INBOX")) == 1


def test_taken_port_on_first_start_gets_new_ports() -> None:
    server = Dovecot()
    try:
        with socket.socket() as squatter:
            squatter.bind((server.host, server.port))
            squatter.listen()
            taken = server.port
            server.start()
            assert server.port != taken
            with server.client() as c:
                assert c.noop()
    finally:
        server.close()


def test_start_failure_reports_dovecot_output(dovecot: Dovecot) -> None:
    dovecot.stop()
    config = dovecot.config_path.read_text(encoding="utf-8")
    dovecot.config_path.write_text(config + "no_such_setting = 1\n", encoding="utf-8")
    with pytest.raises(DovecotError, match="no_such_setting") as info:
        dovecot.start()
    assert "dovecot.stderr" in str(info.value)
    assert not dovecot.running


def test_missing_binary_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dovecot_module, "find_dovecot", lambda: None)
    with pytest.raises(DovecotUnavailable, match=r"install-deps\.sh --test"):
        Dovecot()
