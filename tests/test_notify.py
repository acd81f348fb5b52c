"""Group-bot notices (企业微信, 钉钉, 飞书) against a real HTTP server on loopback:
the JSON each provider documents, the signature where the bot has a secret, a
failing endpoint logged and tried again later, alerts from the service that
never hold up a poll, and the weekly summary."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.mailout.notices import deliver_notices, queue_notice, queue_weekly_summary
from pipeline.process import load_rulebook
from pipeline.service.alerts import queue_alerts
from pipeline.service.runner import open_store, run_once
from pipeline.service.serve import Service
from tests.conftest import Workspace
from tests.dovecot import Dovecot
from tests.reportkit import at, processed
from tests.servicekit import DovecotBox, write_service_config

SECRET = "SEC6b1f0c2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2"


@dataclass
class Post:
    path: str
    query: dict[str, str]
    body: dict[str, object]


@dataclass
class BotServer:
    """Answers like the providers: HTTP 200 with {"errcode": 0} (飞书: {"code": 0});
    `answers` queues other answers (status, JSON) for the next requests."""

    posts: list[Post] = field(default_factory=list)
    answers: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    delay: float = 0.0

    def start(self) -> BotServer:
        bot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                bot.posts.append(Post(url.path, query, json.loads(self.rfile.read(length))))
                time.sleep(bot.delay)
                ok = {"code": 0, "msg": "success"} if "feishu" in url.path else {"errcode": 0}
                status, answer = bot.answers.pop(0) if bot.answers else (200, ok)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bots() -> Iterator[BotServer]:
    server = BotServer().start()
    yield server
    server.stop()


def bot_tables(bots: BotServer, secret_file: Path, **extra: str) -> str:
    more = "".join(f"{k} = {v}\n" for k, v in extra.items())
    return (
        f'[[notify]]\nname = "企业微信群"\nprovider = "wecom"\n'
        f'url = "{bots.url}/wecom/send?key=K1"\ntimeout = 2\n{more}\n'
        f'[[notify]]\nname = "钉钉群"\nprovider = "dingtalk"\n'
        f'url = "{bots.url}/dingtalk/robot/send?access_token=T1"\n'
        f'secret_env = "MAILROLL_TEST_DINGTALK"\ntimeout = 2\n{more}\n'
        f'[[notify]]\nname = "飞书群"\nprovider = "feishu"\n'
        f'url = "{bots.url}/feishu/open-apis/bot/v2/hook/H1"\n'
        f'secret_file = "{secret_file}"\ntimeout = 2\n{more}\n'
    )


@pytest.fixture
def configured(
    workspace: Workspace, bots: BotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Workspace:
    secret_file = tmp_path / "feishu.secret"
    secret_file.write_text(SECRET + "\n", encoding="utf-8")
    monkeypatch.setenv("MAILROLL_TEST_DINGTALK", SECRET)
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + bot_tables(bots, secret_file))
    return workspace


def test_each_provider_gets_its_documented_json_and_signature(
    configured: Workspace, bots: BotServer
) -> None:
    config = configured.config
    store = open_store(config)
    try:
        assert queue_notice(store, config, "alerts", "test:1", "【mailroll 告警】测试") == 3
        assert queue_notice(store, config, "alerts", "test:1", "again") == 0  # queued once
        assert deliver_notices(store, config) == (3, 0)
        assert deliver_notices(store, config) == (0, 0)  # sent once
    finally:
        store.close()
    posts = {p.path.split("/")[1]: p for p in bots.posts}
    assert len(bots.posts) == 3
    assert posts["wecom"].body == {"msgtype": "text", "text": {"content": "【mailroll 告警】测试"}}
    assert posts["wecom"].query == {"key": "K1"}
    ding = posts["dingtalk"]
    assert ding.body == {"msgtype": "text", "text": {"content": "【mailroll 告警】测试"}}
    stamp = ding.query["timestamp"]
    assert abs(int(stamp) / 1000 - time.time()) < 60 and ding.query["access_token"] == "T1"
    # 钉钉 加签: HMAC-SHA256 of "timestamp\nsecret" keyed by the secret, base64
    expected = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256)
    assert ding.query["sign"] == base64.b64encode(expected.digest()).decode()
    fei = posts["feishu"].body
    assert fei["msg_type"] == "text" and fei["content"] == {"text": "【mailroll 告警】测试"}
    # 飞书 签名校验: HMAC-SHA256 keyed by "timestamp\nsecret" over nothing, base64
    key = f"{fei['timestamp']}\n{SECRET}".encode()
    assert fei["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_a_failing_endpoint_is_logged_and_tried_again_later(
    configured: Workspace, bots: BotServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = configured.config
    bots.answers = [
        (500, {"error": "busy"}),
        (200, {"errcode": 310000, "errmsg": "sign not match"}),
        (200, {"code": 19021, "msg": "sign match fail"}),
    ]
    store = open_store(config)
    try:
        queue_notice(store, config, "alerts", "test:2", "告警")
        now = datetime.now(UTC)
        assert deliver_notices(store, config, now) == (0, 3)
        assert "HTTP 500" in caplog.text and "310000 sign not match" in caplog.text
        assert "19021" in caplog.text and SECRET not in caplog.text
        assert deliver_notices(store, config, now + timedelta(seconds=30)) == (0, 0)  # waits
        assert len(bots.posts) == 3
        assert deliver_notices(store, config, now + timedelta(minutes=2)) == (3, 0)
        assert deliver_notices(store, config, now + timedelta(hours=2)) == (0, 0)
    finally:
        store.close()
    assert len(bots.posts) == 6


def test_a_missing_secret_is_one_clear_line_and_other_bots_still_get_theirs(
    configured: Workspace, bots: BotServer, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    monkeypatch.delenv("MAILROLL_TEST_DINGTALK")
    config = configured.config
    store = open_store(config)
    try:
        queue_notice(store, config, "alerts", "test:3", "告警")
        assert deliver_notices(store, config) == (2, 1)
    finally:
        store.close()
    assert "MAILROLL_TEST_DINGTALK is not set" in caplog.text


def test_login_failing_is_alerted_once_and_never_holds_up_a_poll(
    tmp_path: Path, dovecot: Dovecot, bots: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    box = DovecotBox(tmp_path, dovecot)
    path = write_service_config(tmp_path, box, poll_minutes=10)
    secret_file = tmp_path / "feishu.secret"
    secret_file.write_text(SECRET, encoding="utf-8")
    monkeypatch.setenv("MAILROLL_TEST_DINGTALK", SECRET)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + bot_tables(bots, secret_file, events='["alerts"]'))
    config = load_config(path)
    service = Service(config)
    assert service.scheduler().get_job("notify").executor == "notify"  # its own thread
    bots.delay = 5.0  # a hanging chat server (the bots' timeout is 2 s)
    box.secret.write_text("wrong-password\n", encoding="utf-8")
    started = time.monotonic()
    service.poll()
    assert bots.posts == [] and time.monotonic() - started < 5  # the poll posts nothing
    bots.delay = 0
    service.notify()
    service.notify()  # the same failure streak: no second alert
    texts = [p.body.get("text", p.body.get("content")) for p in bots.posts]
    assert len(bots.posts) == 3
    assert all("读取邮箱失败" in str(t) and "从未成功" in str(t) for t in texts)
    assert "wrong-password" not in json.dumps([p.body for p in bots.posts], ensure_ascii=False)
    # the password is right again, but then nothing polls for 3 intervals: the service stopped
    box.secret.write_text(dovecot.password + "\n", encoding="utf-8")
    assert run_once(config, command="poll").error is None
    store = open_store(config)
    try:
        assert queue_alerts(store, config, datetime.now(UTC) + timedelta(minutes=25)) == 0
        assert queue_alerts(store, config, datetime.now(UTC) + timedelta(minutes=31)) == 3
        assert deliver_notices(store, config) == (3, 0)
    finally:
        store.close()
    assert "没有成功读取邮箱" in json.dumps(bots.posts[-1].body, ensure_ascii=False)


def test_the_weekly_summary_goes_to_the_bots_that_take_it(
    workspace: Workspace, bots: BotServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    secret_file = tmp_path / "feishu.secret"
    secret_file.write_text(SECRET, encoding="utf-8")
    monkeypatch.setenv("MAILROLL_TEST_DINGTALK", SECRET)
    processed(workspace, bot_tables(bots, secret_file, events='["weekly"]'))
    config = workspace.config
    store = open_store(config)
    try:
        book = load_rulebook(config.rules_dir)
        assert queue_weekly_summary(store, config, book, "2024-W20", at(20, 8)) == 3
        assert queue_alerts(store, config, datetime.now(UTC) + timedelta(days=1)) == 0
        with caplog.at_level(logging.INFO):
            assert deliver_notices(store, config) == (3, 0)
    finally:
        store.close()
    (wecom,) = [p for p in bots.posts if p.path.startswith("/wecom")]
    text = str(wecom.body["text"]["content"])  # type: ignore[index]
    assert text.startswith("【江北区节能宣传周汇总（5月13日—5月19日）】")  # dates, not W20
    assert "（按时 4，逾期 0）" in text and "鱼嘴镇人民政府" in text
    assert "江北区节能宣传周汇总_2024-W20.xlsx" in text


def test_a_cron_run_sends_its_alert_once_the_poll_is_done(
    configured: Workspace, bots: BotServer
) -> None:
    configured.mailbox.rename(configured.root / "gone")  # the mail folder disappeared
    args = ["--config", str(configured.config_path), "run", "--once"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert len(bots.posts) == 3 and all("读取邮箱失败" in json.dumps(p.body, ensure_ascii=False)
                                        for p in bots.posts)  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 1
    assert len(bots.posts) == 3  # the same failure: announced once
