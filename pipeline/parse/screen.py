"""Recognising mail that is not a unit's report before anything is tagged:
replies, auto-replies, bounces; and the quoted text of earlier mail, which is
never evidence of what a unit did.

Pure functions of a mail's headers and text. Whether a reply answers mail
mailroll sent (In-Reply-To / References against sent_mail) is decided where the
store is at hand (pipeline.service.mails); here only what the mail itself says.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from pipeline.parse.bounds import DATE_YEARS

AUTO_REPLY, BOUNCE = "auto_reply", "bounce"

# 回复：/Re:/答复：/回覆：, also stacked ("回复：回复：", "Re: RE:")
_REPLY = r"(?:回复|答复|回覆|re|aw|sv)\s*(?:\[\d+\])?\s*[:：]"
_FORWARD = r"(?:转发|fwd?|fw)\s*[:：]"
_IS_REPLY = re.compile(rf"^\s*{_REPLY}", re.IGNORECASE)
_IS_FORWARD = re.compile(rf"^\s*{_FORWARD}", re.IGNORECASE)
# a reply to a receipt mailroll sent: "回复：回执：…", "Re: 回执：…"
_RECEIPT_REPLY = re.compile(rf"^\s*(?:(?:{_REPLY}|{_FORWARD})\s*)+回执\s*[:：]", re.IGNORECASE)

# subjects auto-responders write (QQ, NetEase, Coremail: 自动回复; Outlook: 自动答复);
# never a bare 休假 or 外出, which a report's subject can carry
_AUTO_SUBJECT = re.compile(
    r"自动回复|自动答复|自动应答|休假中|不在办公室|auto(?:matic)?[ -]?reply|out of (?:the )?office"
    r"|vacation (?:reply|notice)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"退信|系统退信|投递失败|未能送达|无法送达|发送失败|undeliver|delivery (?:status|failure)"
    r"|returned mail|mail delivery failed|failure notice|delivery has failed",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|maildelivery)@", re.I)
_AUTO_PRECEDENCE = ("auto_reply", "bulk", "junk", "list")


def is_forward(subject: str) -> bool:
    """A forward (转发/Fwd/FW): the mail it carries is what the sender means to send."""
    return bool(_IS_FORWARD.match(subject))


def answers_receipt(subject: str) -> bool:
    """The subject says it replies to a receipt (回执) mailroll sent."""
    return bool(_RECEIPT_REPLY.match(subject))


def machine_kind(get: Callable[[str], Any], content_type: str, sender: str, subject: str) -> str:
    """AUTO_REPLY or BOUNCE when a machine wrote the mail, "" when a person did.

    `get(name)` returns a header's value (or None)."""
    if content_type == "multipart/report" or _BOUNCE_SENDER.match(sender):
        return BOUNCE
    if _BOUNCE_SUBJECT.search(subject) and not _IS_REPLY.match(subject):
        return BOUNCE
    submitted = str(get("Auto-Submitted") or "").strip().lower()
    if submitted and submitted != "no":
        return AUTO_REPLY
    if get("X-Autoreply") or get("X-Autorespond"):
        return AUTO_REPLY
    if str(get("Precedence") or "").strip().lower() in _AUTO_PRECEDENCE:
        return AUTO_REPLY
    if _AUTO_SUBJECT.search(subject):
        return AUTO_REPLY
    return ""


def message_ids(value: Any) -> tuple[str, ...]:
    """The <…> message ids in an In-Reply-To or References header."""
    return tuple(re.findall(r"<[^<>\s]+>", str(value or "")))


def arrival(received: Iterable[Any]) -> datetime | None:
    """When the bureau's server accepted the mail: the date of the topmost Received
    header (the last hop), or None when there is none or it cannot be read."""
    for value in received:
        text = " ".join(str(value).split())
        if ";" not in text:
            continue
        try:
            when = parsedate_to_datetime(text.rsplit(";", 1)[1].strip()[:200])
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        plausible = DATE_YEARS[0] <= when.year <= DATE_YEARS[1]  # a sender can write 9999
        return when if when.tzinfo is not None and plausible else None
    return None


def fingerprint(body: str, attachments: Iterable[bytes]) -> str:
    """What a mail carries, whatever path it took: its text (spacing ignored) and the
    contents of its attachments. Two copies of one mail have the same fingerprint
    even when servers rewrote their headers or re-encoded their parts."""
    digest = hashlib.sha256("".join(body.split()).encode("utf-8"))
    for part in sorted(hashlib.sha256(data).hexdigest() for data in attachments):
        digest.update(part.encode())
    return digest.hexdigest()


# -- quoted text ---------------------------------------------------------------

_QUOTE_MARK = r"原始邮件|原邮件|邮件原文|Original(?: Message)?"
_CUT_LINE = re.compile(
    r"^\s*(?:"
    rf"-{{3,}}\s*(?:{_QUOTE_MARK})\s*-{{3,}}"  # QQ Mail, Foxmail, Outlook
    r"|(?:在|On\s)(?=.*\d).{4,120}(?:写道|wrote)\s*[:：]?"  # Apple Mail, Thunderbird, Gmail
    r")\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*_{8,}\s*$")  # Outlook on the web: a rule above the From: block
_HEAD_FROM = re.compile(r"^\s*\**\s*(?:发件人|From)\s*\**\s*[:：]", re.IGNORECASE)
_HEAD_NEXT = re.compile(
    r"^\s*\**\s*(?:发送时间|发件时间|日期|时间|收件人|抄送|主题|Sent|Date|To|Cc|Subject)\s*\**\s*[:：]",
    re.IGNORECASE,
)


def own_text(body: str) -> str:
    """The text a reply's writer typed: everything before the quoted earlier mail
    (QQ Mail / Foxmail "------------------ 原始邮件 ------------------", Outlook
    "-----Original Message-----" or its 发件人:/发送时间: block, "在…写道："), and
    without "> " lines."""
    lines = body.replace("\xa0", " ").replace("&nbsp;", " ").splitlines()
    kept: list[str] = []
    for i, line in enumerate(lines):
        if _CUT_LINE.match(line) or _header_block(lines, i) or _rule_block(lines, i):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _header_block(lines: list[str], i: int) -> bool:
    """A quoted mail's header block: 发件人:/From: and at least two of 发送时间:/Sent:,
    收件人:/To:, 主题:/Subject: … on the next lines (a report's "发件人：…" signature
    line followed by a date is not one)."""
    if not _HEAD_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 5] if line.strip()][:3]
    return sum(1 for line in following if _HEAD_NEXT.match(line)) >= 2


def _rule_block(lines: list[str], i: int) -> bool:
    if not _RULE.match(lines[i]):
        return False
    after = next((j for j in range(i + 1, min(i + 4, len(lines))) if lines[j].strip()), None)
    return after is not None and _header_block(lines, after)
