"""The web app over real HTTP (waitress on loopback, a real SQLite database, the
season mailbox processed by the real pipeline): no page without a session, no
change without the CSRF token or from a leader's account, no file from outside
the archive, sign-in limits and expiry."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest

from pipeline.config import load_config
from tests.conftest import Workspace
from tests.webkit import CONFLICT_SUBJECT, Client, campaign, mail_sha, serving


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    ws = campaign(Workspace(tmp_path_factory.mktemp("web")))
    with serving(ws.config) as base:
        yield base, ws


def _editor(base: str) -> Client:
    client = Client(base)
    assert client.sign_in("zhang").status == 302
    return client


def _corrections(ws: Workspace) -> int:
    with sqlite3.connect(ws.config.storage.database) as db:
        return int(db.execute("SELECT count(*) FROM corrections").fetchone()[0])


def _conflict_sha(client: Client) -> str:
    return mail_sha(client.get("/queue").text, CONFLICT_SUBJECT)


def test_every_page_refuses_a_request_without_a_session(site: tuple[str, Workspace]) -> None:
    base, ws = site
    sha = _conflict_sha(_editor(base))
    anonymous = Client(base)
    for path in ("/", "/units", "/unit/sjj", "/queue", "/log", "/senders", f"/mail/{sha}",
                 f"/mail/{sha}/file/0", f"/mail/{sha}/file/0?download=1"):  # fmt: skip
        reply = anonymous.get(path)
        assert reply.status == 302, path
        assert reply.headers["Location"].startswith("/login?next="), path
        assert CONFLICT_SUBJECT not in reply.text and "审计局" not in reply.text
    for path in (f"/mail/{sha}/unit", "/problem/handled", "/sender/ignore", "/correction/1/undo"):
        reply = anonymous.post(path, {"unit_id": "sjj", "csrf": "x", "key": "k", "address": "a@b"})
        assert reply.status == 401, path
    assert _corrections(ws) == 0


def test_a_stale_or_forged_session_cookie_is_refused(site: tuple[str, Workspace]) -> None:
    base, _ = site
    client = _editor(base)
    token = client.csrf()
    assert client.post("/logout", {"csrf": token}).status == 302
    assert client.get("/").status == 302  # signed out: the old cookie no longer works
    forged = Client(base)
    forged.opener.addheaders = [("Cookie", "mailroll_session=forged-token")]
    assert forged.get("/").status == 302


def test_a_post_without_the_csrf_token_is_refused(site: tuple[str, Workspace]) -> None:
    base, ws = site
    client = _editor(base)
    sha = _conflict_sha(client)
    before = _corrections(ws)
    missing = client.post(f"/mail/{sha}/unit", {"unit_id": "sjj"})
    wrong = client.post(f"/mail/{sha}/unit", {"unit_id": "sjj", "csrf": "not-the-token"})
    assert (missing.status, wrong.status) == (403, 403)
    assert _corrections(ws) == before
    # the sign-in form too: without the token in both the form and its cookie
    assert Client(base).post("/login", {"name": "zhang", "password": "x"}).status == 403
    # and with the token, the same request works
    ok = client.post(f"/mail/{sha}/unit", {"unit_id": "sjj", "csrf": client.csrf()})
    assert ok.status == 303 and _corrections(ws) == before + 1
    undo = client.get("/log").text.split("/correction/")[1].split("/undo")[0]
    assert client.post(f"/correction/{undo}/undo", {"csrf": client.csrf()}).status == 303


def test_attachments_come_from_the_mail_in_the_archive_only(site: tuple[str, Workspace]) -> None:
    base, ws = site
    client = _editor(base)
    sha = _conflict_sha(client)
    got = client.get(f"/mail/{sha}/file/0")
    assert got.status == 200 and got.body.startswith(b"PK")  # the docx, downloaded
    assert "attachment" in got.headers["Content-Disposition"]
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert "sandbox" in got.headers["Content-Security-Policy"]
    for path in (
        f"/mail/{sha}/file/../../../../etc/passwd",
        f"/mail/{sha}/file/..%2F..%2F..%2Fetc%2Fpasswd",
        "/mail/%2Fetc%2Fpasswd/file/0",
        "/mail/..%2F..%2Fmailroll.sqlite3/file/0",
        f"/mail/{sha}/file/1",
        f"/mail/{sha}/file/-1",
        f"/mail/{'0' * 64}/file/0",
        f"/mail/{sha.upper()}/file/0",
    ):
        reply = client.get(path)
        assert reply.status == 404, path
        assert b"root:" not in reply.body and not reply.body.startswith(b"PK")
    # a database row pointing outside the archive is refused, not followed
    outside = ws.root / "outside.eml"
    outside.write_bytes(b"From: a@b\r\nSubject: x\r\n\r\nsecret")
    with sqlite3.connect(ws.config.storage.database) as db:
        other = db.execute(
            "SELECT sha256, path FROM mails WHERE sha256 != ? LIMIT 1", (sha,)
        ).fetchone()
        db.execute("UPDATE mails SET path = ? WHERE sha256 = ?", ("../../outside.eml", other[0]))
    try:
        assert client.get(f"/mail/{other[0]}/file/0").status == 404
    finally:
        with sqlite3.connect(ws.config.storage.database) as db:
            db.execute("UPDATE mails SET path = ? WHERE sha256 = ?", (other[1], other[0]))


def test_a_leader_account_reads_but_cannot_change_anything(site: tuple[str, Workspace]) -> None:
    base, ws = site
    leader = Client(base)
    assert leader.sign_in("li").status == 302
    sha = _conflict_sha(leader)
    page = leader.get(f"/mail/{sha}").text
    assert CONFLICT_SUBJECT in page and 'action="/mail/' not in page  # no forms shown
    token = leader.csrf()
    before = _corrections(ws)
    for path, form in (
        (f"/mail/{sha}/unit", {"unit_id": "sjj", "remember": "1"}),
        (f"/mail/{sha}/category", {"ordinal": "0", "category": "quiz", "value": "1"}),
        (f"/mail/{sha}/figure", {"ordinal": "0", "key": "banners", "value": "9"}),
        (f"/mail/{sha}/report", {"value": "0"}),
        ("/problem/handled", {"sha256": sha, "key": "邮件|x"}),
        ("/sender/ignore", {"address": "stranger@example.org"}),
        ("/sender/forget", {"address": "sfj@jiangbei.example"}),
        ("/correction/1/undo", {}),
    ):
        reply = leader.post(path, {**form, "csrf": token})
        assert reply.status == 403, path
        assert "只读账号不能修改" in reply.text
    assert _corrections(ws) == before
    assert leader.post("/logout", {"csrf": token}).status == 302  # signing out is allowed


def test_sign_in_attempts_are_limited(site: tuple[str, Workspace]) -> None:
    base, _ = site
    client = Client(base)
    for _ in range(5):
        assert client.sign_in("zhang", "wrong password").status == 401
    refused = client.sign_in("zhang")  # the right password, too late
    assert refused.status == 429 and "登录失败次数过多" in refused.text
    assert Client(base).sign_in("li").status == 302  # another account is not locked


def test_sessions_expire(tmp_path_factory: pytest.TempPathFactory) -> None:
    ws = campaign(Workspace(tmp_path_factory.mktemp("expiry")), "session_hours = 0.0005")
    with serving(load_config(ws.config_path)) as base:
        client = Client(base)
        assert client.sign_in("zhang").status == 302
        assert client.get("/").status == 200
        time.sleep(2.2)  # 0.0005 h = 1.8 s
        assert client.get("/").status == 302
