"""Helpers for the web tests: a campaign mailbox with a sender/signature
disagreement, the web app served by waitress on a loopback port, an HTTP
client that signs in like a browser, and headless Chromium (Debian's chromium
and chromium-driver, driven by Selenium)."""

from __future__ import annotations

import http.cookiejar
import re
import shutil
import socket
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.service.runner import open_store
from pipeline.web.auth import add_user
from pipeline.web.server import WebServer
from tests.builders import make_docx, make_mail
from tests.conftest import Workspace
from tests.reportkit import at, processed

PASSWORD = "correct horse 42"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CONFLICT_SUBJECT = "区审计局节能宣传周工作总结"


def conflict_mail() -> bytes:
    """From an address registered to 区司法局; subject, file name, title and signature
    all say 区审计局."""
    return make_mail(
        sender="sfj@jiangbei.example",
        subject=CONFLICT_SUBJECT,
        body="详见附件。\n\n重庆市江北区审计局办公室",
        attachments=[
            (
                "区审计局节能宣传周工作总结.docx",
                make_docx(
                    [
                        "区审计局节能宣传周工作总结",
                        "我局组织干部职工收看全国节能宣传周启动仪式直播，悬挂横幅3条。",
                        "重庆市江北区审计局",
                        "2024年5月16日",
                    ]
                ),
            )
        ],
        date=at(16),
        message_id="<conflict@jiangbei.example>",
    )


def campaign(ws: Workspace, web: str = "", port: int = 0, service: str = "") -> Workspace:
    """The season of tests/reportkit.py plus the disagreement mail, processed, with an
    editor `zhang` and a leader `li`; the web app on `port` of loopback (0: any free
    one) with the extra [web] keys `web`, and the [service] keys `service`."""
    ws.add(conflict_mail(), "conflict.eml")
    extra = f'[web]\nlisten = "127.0.0.1:{port}"\n{web}\n'
    processed(ws, extra + (f"[service]\n{service}\n" if service else ""))
    store = open_store(ws.config)
    try:
        add_user(store, "zhang", PASSWORD, "editor")
        add_user(store, "li", PASSWORD, "leader")
    finally:
        store.close()
    return ws


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(config: Config) -> Iterator[str]:
    """The web app on a loopback port, in a thread; yields its base URL."""
    site = WebServer(config)
    site.start()
    try:
        yield site.url.rstrip("/")
    finally:
        site.close()


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Client:
    """Plain HTTP with a cookie jar, redirects not followed (so tests see them)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Reply:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        try:
            with self.opener.open(req, timeout=30) as resp:
                return Reply(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Reply(err.code, dict(err.headers), err.read())

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict[str, str]) -> Reply:
        return self.request("POST", path, form)

    def sign_in(self, name: str, password: str = PASSWORD) -> Reply:
        token = csrf_of(self.get("/login").text)
        return self.post("/login", {"csrf": token, "name": name, "password": password})

    def csrf(self, path: str = "/") -> str:
        return csrf_of(self.get(path).text)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def mail_sha(html: str, subject: str) -> str:
    """The id of the mail linked with this subject on a page."""
    found = re.search(r'/mail/([0-9a-f]{64})">' + re.escape(subject) + "<", html)
    assert found, f"no link to {subject!r}"
    return found.group(1)


@contextmanager
def chromium(downloads: Path | None = None) -> Iterator[object]:
    """Headless Debian Chromium through chromium-driver, with a fresh profile."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "chromium and chromium-driver are not installed (scripts/install-deps.sh --test)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="mailroll-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}",
                 "--window-size=1280,1000", "--lang=zh-CN"):  # fmt: skip
        options.add_argument(flag)
    if downloads is not None:
        options.add_experimental_option("prefs", {"download.default_directory": str(downloads)})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
