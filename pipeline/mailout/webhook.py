"""Group-bot messages for 企业微信 (WeCom), 钉钉 (DingTalk) and 飞书 (Feishu/Lark):
one plain HTTPS POST of the JSON each provider documents, signed where the bot
has a secret.

- 企业微信: ``{"msgtype": "text", "text": {"content": …}}`` to the bot's URL
  (its key is in the URL); no signature.
- 钉钉: the same JSON; with 加签, ``&timestamp=<ms>&sign=<s>`` is added to the URL,
  s = urlencode(base64(HMAC-SHA256(key=secret, msg="<ms>\\n<secret>"))).
- 飞书: ``{"msg_type": "text", "content": {"text": …}}``; with 签名校验 the body
  also carries ``timestamp`` (seconds) and
  ``sign`` = base64(HMAC-SHA256(key="<seconds>\\n<secret>", msg=b"")).

Every provider answers HTTP 200 with an error code in the JSON when it refuses
(a wrong signature, a keyword the bot requires, too many messages): a code
other than 0 is a failure like an HTTP error, and the notice is tried again
later (pipeline.mailout.notices).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from pipeline.config import BotConfig
from pipeline.errors import SendError


def payload(provider: str, text: str, secret: str = "", now: float | None = None) -> dict[str, Any]:
    """The JSON body the provider documents for a text message."""
    if provider == "feishu":
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            stamp = str(int(now if now is not None else time.time()))
            body = {"timestamp": stamp, "sign": feishu_sign(stamp, secret), **body}
        return body
    return {"msgtype": "text", "text": {"content": text}}


def target(bot: BotConfig, secret: str = "", now: float | None = None) -> str:
    """The URL to POST to: DingTalk's signature goes in the query string."""
    if bot.provider != "dingtalk" or not secret:
        return bot.url
    stamp = str(int((now if now is not None else time.time()) * 1000))
    joiner = "&" if "?" in bot.url else "?"
    return f"{bot.url}{joiner}timestamp={stamp}&sign={dingtalk_sign(stamp, secret)}"


def dingtalk_sign(stamp_ms: str, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"{stamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(stamp_s: str, secret: str) -> str:
    digest = hmac.new(f"{stamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def post(bot: BotConfig, text: str, secret: str = "") -> None:
    """POST one text message; raise SendError with one line when it did not go."""
    now = time.time()
    data = json.dumps(payload(bot.provider, text, secret, now), ensure_ascii=False).encode()
    request = urllib.request.Request(
        target(bot, secret, now),
        data=data,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    where = f"notify {bot.name} ({bot.provider})"
    try:
        with urllib.request.urlopen(request, timeout=bot.timeout) as response:
            answer = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise SendError(f"the bot's server answered HTTP {exc.code} {exc.reason}", where) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise SendError(f"cannot reach the bot's server: {reason}", where) from None
    _check_answer(answer, where)


def _check_answer(answer: bytes, where: str) -> None:
    try:
        reply = json.loads(answer or b"{}")
    except ValueError:
        raise SendError(f"the bot's server gave no JSON: {answer[:80]!r}", where) from None
    if not isinstance(reply, dict):
        return
    code = reply.get("errcode", reply.get("code", reply.get("StatusCode", 0)))
    if code not in (0, None):
        text = reply.get("errmsg") or reply.get("msg") or reply.get("StatusMessage") or ""
        raise SendError(f"the bot refused the message: {code} {text}".rstrip(), where)
