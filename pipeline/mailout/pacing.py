"""Pacing a batch of mail so that QQ Mail and NetEase accept it.

Both refuse bursts: QQ answers "550 Connection frequency limited", NetEase
"421 … too many connections" / "450 … rate limit". So a batch goes over one
SMTP connection, with a pause between two mails and a cap per 60 seconds, and
a "too fast" answer is waited out (the wait doubles each time) within the same
run instead of leaving the rest for tomorrow. A mail refused for another reason
(unknown recipient, spam) is a plain failure, retried on the next run.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections import deque
from collections.abc import Callable

from pipeline.config import SendConfig

log = logging.getLogger(__name__)

_BUSY_CODES = (421, 450, 451)  # temporary: "try again later"
_BUSY_TEXT = re.compile(
    r"frequen|too many|too fast|rate.?limit|limit exceeded|try again later|频率|过快|频繁|超限",
    re.IGNORECASE,
)


def is_busy(exc: BaseException) -> bool:
    """True when the server refused because mail came too fast (wait and try again),
    False for a real refusal of the mail or the recipient."""
    answers: list[tuple[int, bytes]] = []
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
    elif isinstance(exc, smtplib.SMTPResponseException):
        answers = [(exc.smtp_code, exc.smtp_error)]
    return bool(answers) and all(
        code in _BUSY_CODES or (code in (550, 554) and _BUSY_TEXT.search(_text(text)))
        for code, text in answers
    )


def _text(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


class Pacer:
    """When the next mail of a batch may go: `wait_turn()` before each attempt,
    `sent()` after a mail went, `back_off()` after a "too fast" refusal."""

    def __init__(
        self,
        send: SendConfig,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.pause, self.per_minute = send.pause_seconds, send.per_minute
        self.first_wait, self.budget = send.busy_wait_seconds, send.busy_give_up_minutes * 60
        self.clock, self.sleep = clock, sleep
        self.recent: deque[float] = deque()  # when the mails of the last minute went
        self.waits = 0  # consecutive busy refusals
        self.waited = 0.0  # seconds spent waiting out refusals in this batch

    def wait_turn(self) -> None:
        now = self.clock()
        while self.recent and now - self.recent[0] >= 60:
            self.recent.popleft()
        due = self.recent[-1] + self.pause if self.recent else now
        if len(self.recent) >= self.per_minute:
            due = max(due, self.recent[0] + 60)
        if due > now:
            self.sleep(due - now)

    def sent(self) -> None:
        self.recent.append(self.clock())
        self.waits = 0

    def back_off(self, reason: str) -> bool:
        """Wait after a "too fast" refusal; False when the batch has waited long enough."""
        delay = self.first_wait * 2**self.waits
        if self.waited + delay > self.budget:
            log.warning("SMTP server still refuses (%s); the rest waits for the next run", reason)
            return False
        log.warning("SMTP server says too fast (%s); waiting %.1f s", reason, delay)
        self.sleep(delay)
        self.waits += 1
        self.waited += delay
        self.recent.clear()  # the server's count restarts too
        return True
