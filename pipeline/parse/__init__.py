"""Stage `parse`: raw mail bytes in, a Message out, with the repairs Chinese mail needs.

(parse.html: HTML bodies to plain text, also used by extract for .htm files.)

mail-parser does the MIME walk. Around it we fix what Chinese mail clients
send and Python reads wrong:

* A part labelled gb2312/gbk often holds GBK-only (or GB18030) characters; the
  strict codec fails and mail-parser falls back to UTF-8 with the bytes
  dropped. Every GB alias is decoded as GB18030, a superset of both.
* Raw 8-bit header bytes with no encoded-words (old Foxmail, some webmail):
  the stdlib hands them over as surrogate escapes; we decode them as UTF-8 if
  they are valid UTF-8, otherwise as GB18030.
* ``filename="=?GBK?B?...?="`` (RFC 2047 inside quotes, QQ Mail / Foxmail) and
  RFC 2231 ``filename*=`` both decode.
"""

from __future__ import annotations

import binascii
import email
import encodings.aliases
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

import mailparser

from pipeline.errors import ParseError
from pipeline.models import Attachment, Message, Problem
from pipeline.parse import screen
from pipeline.parse.bounds import (
    DATE_YEARS,
    DEFAULT_MAX_MAIL_BYTES,
    MAX_ENCODED_WORDS,
    check_bounds,
)
from pipeline.parse.html import html_to_text
from pipeline.parse.names import visible

_GB_ALIASES = (
    "gb2312", "gbk", "cp936", "ms936", "936", "euc_cn", "euccn", "eucgb2312_cn",
    "x_gbk", "gb_2312", "gb_2312_80", "csgb2312", "chinese", "csiso58gb231280", "iso_ir_58",
)  # fmt: skip


def _alias_gb_charsets_to_gb18030() -> None:
    """Make every GB charset label decode as GB18030 (a strict superset)."""
    for name in _GB_ALIASES:
        encodings.aliases.aliases[name] = "gb18030"


_alias_gb_charsets_to_gb18030()

CHINA = timezone(timedelta(hours=8))
_ENCODED_WORD = re.compile(r"=\?[^?]+\?[bBqQ]\?[^?]*\?=")


def decode_header_value(value: Any) -> str:
    """Decode a header value: RFC 2047 words (also inside quotes) and raw 8-bit bytes."""
    if value is None:
        return ""
    text = str(value)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # raw 8-bit bytes, surrogate-escaped
        text = decode_bytes(text.encode("ascii", "surrogateescape"))
    if "=?" not in text:
        return " ".join(text.split())
    out: list[str] = []
    text, cut = _first_words(text)
    # decode_header only splits encoded-words that stand alone; unquote them first
    text = re.sub(r'"(=\?[^"]*\?=)"', r"\1", text)
    try:
        parts = decode_header(text)
    except Exception:
        return " ".join(text.split())
    for chunk, charset in parts:
        if isinstance(chunk, str):
            out.append(chunk)
        else:
            out.append(decode_bytes(chunk, charset))
    return " ".join("".join(out).split()) + ("…" if cut else "")


def _first_words(text: str) -> tuple[str, bool]:
    """The text up to its MAX_ENCODED_WORDS-th encoded word: decode_header is quadratic
    in their number, so a name a sender made of 200,000 of them is cut short."""
    if text.count("=?") <= MAX_ENCODED_WORDS:
        return text, False
    for n, match in enumerate(_ENCODED_WORD.finditer(text), start=1):
        if n == MAX_ENCODED_WORDS:
            return text[: match.end()], True
    return text, False


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Bytes of unknown or doubtful charset to text: the label, then UTF-8, then GB18030."""
    for candidate in (charset, "utf-8", "gb18030"):
        if not candidate or candidate.lower() in ("unknown-8bit", "us-ascii", "ascii"):
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


def parse(
    data: bytes, default_tz: timezone | Any = CHINA, max_bytes: int = DEFAULT_MAX_MAIL_BYTES
) -> Message:
    """Parse raw mail bytes into a Message; raise ParseError if it is not a mail at all,
    MailOutOfBounds (a ParseError) if it must not be parsed (pipeline.parse.bounds)."""
    check_bounds(io.BytesIO(data), len(data), max_bytes)
    return _parse(lambda: mailparser.parse_from_bytes(data), not data.strip(), default_tz)


def parse_file(
    path: Path, default_tz: timezone | Any = CHINA, max_bytes: int = DEFAULT_MAX_MAIL_BYTES
) -> Message:
    """The same for an archived mail file, read line by line.

    parse_from_bytes first turns the whole mail into one str (4 bytes a character
    once it holds any 8-bit byte): a mail with a 50 MB attachment peaks at ~700 MB
    that way, ~200 MB from the file. Both read bytes as ASCII with surrogate
    escapes, so the Message is the same."""
    with path.open("rb") as f:
        check_bounds(f, path.stat().st_size, max_bytes)
        blank = not f.read(4096).strip() and path.stat().st_size <= 4096
        f.seek(0)
        return _parse(
            lambda: mailparser.MailParser(email.message_from_binary_file(f)), blank, default_tz
        )


def _parse(read: Callable[[], Any], blank: bool, default_tz: timezone | Any) -> Message:
    try:
        mail = read()
    except Exception as exc:  # mail-parser raises many kinds on hostile input
        raise ParseError(f"mail could not be parsed: {exc.__class__.__name__}: {exc}") from exc
    msg = mail.message
    if msg is None or (len(msg) == 0 and blank):
        raise ParseError("empty mail")

    problems: list[Problem] = []
    sender_name, sender = _sender(_raw_header(msg, "From"))
    attachments = tuple(_attachments(msg))
    # mail-parser also lists the text of attached (forwarded) mails as body text
    forwarded = _forwarded_texts(attachments)
    plain = [t for t in mail.text_plain if t.strip() and t not in forwarded]
    html = [h for h in mail.text_html if h.strip() and h not in forwarded]
    body = "\n".join(plain) if plain else "\n".join(html_to_text(h) for h in html)
    raw_date = msg.get("Date")
    date = _date(raw_date, default_tz)
    if raw_date and date is None:
        problems.append(_date_problem(raw_date))
    if "CharsetDecodeDefect" in (mail.defects_categories or ()):
        problems.append(
            Problem("正文", "邮件正文的字符编码无法识别，部分文字可能缺失", "请打开原始邮件核对")
        )
    subject = decode_header_value(_raw_header(msg, "Subject"))
    return Message(
        message_id=str(msg.get("Message-ID", "") or "").strip(),
        sender=sender,
        sender_name=sender_name,
        subject=subject,
        date=date,
        body=body,
        attachments=attachments,
        problems=tuple(problems),
        in_reply_to=next(iter(screen.message_ids(msg.get("In-Reply-To"))), ""),
        references=screen.message_ids(msg.get("References")),
        machine=screen.machine_kind(msg.get, msg.get_content_type(), sender, subject),
        arrived=screen.arrival(msg.get_all("Received") or ()),
        fingerprint=screen.fingerprint(body, (a.data for a in attachments)),
        auth_results=_auth_results(msg),
    )


def _raw_header(msg: Any, name: str) -> str | None:
    """A header as it came (8-bit bytes as surrogate escapes): ``msg.get`` would turn raw
    GBK bytes into U+FFFD before we could decode them."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return str(value)
    return None


def _auth_results(msg: Any) -> tuple[str, ...]:
    """The Authentication-Results headers, topmost first (a few, each cut short: only
    the topmost one from a trusted server is ever read, pipeline.parse.auth)."""
    found = [str(v)[:2000] for k, v in msg.raw_items() if k.lower() == "authentication-results"]
    return tuple(found[:20])


def _forwarded_texts(attachments: tuple[Attachment, ...]) -> set[str]:
    texts: set[str] = set()
    for att in attachments:
        if att.content_type == "message/rfc822":
            inner = mailparser.parse_from_bytes(att.data)
            texts.update(inner.text_plain, inner.text_html)
    return texts


def _sender(value: Any) -> tuple[str, str]:
    decoded = decode_header_value(value)
    pairs = getaddresses([decoded])
    for name, addr in pairs:
        if "@" in addr:
            return name.strip(), addr.strip().lower()
    return decoded, ""


def _date(value: Any, default_tz: Any) -> datetime | None:
    """The Date header, or None when it is missing, unreadable or outside DATE_YEARS
    (a sender can write any date: `Fri, 31 Dec 9999` must not reach the calendar)."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(str(value)[:200])
        if when.tzinfo is None:
            when = when.replace(tzinfo=default_tz)
        when.astimezone(UTC)  # an offset that pushes it past year 9999 raises here
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return when if DATE_YEARS[0] <= when.year <= DATE_YEARS[1] else None


def _date_problem(value: Any) -> Problem:
    shown = " ".join(str(value).split())[:60]
    return Problem(
        "邮件",
        f"邮件日期无法识别或不在 {DATE_YEARS[0]}–{DATE_YEARS[1]} 年之间（{shown}），按收到时间统计",
        "如需按发送时间统计，请向报送单位核实",
    )


def _attachments(msg: Any) -> list[Attachment]:
    """Every attached file, in order: named parts, parts marked as attachments, and
    non-text inline parts with a Content-ID (pictures pasted into the body)."""
    out = []
    for part in _walk_outer(msg):
        name = _filename(part)
        disposition = part.get_content_disposition()
        is_file = (
            bool(name)
            or disposition == "attachment"
            or (part.get("Content-ID") and part.get_content_maintype() not in ("text", "multipart"))
            or part.get_content_type() == "message/rfc822"  # forwarded inline: read as a mail
        )
        if not is_file or part.get_content_maintype() == "multipart":
            continue
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner else b""
            name = name or "转发邮件.eml"
        else:
            data = _payload_bytes(part)
        out.append(Attachment(name or f"附件{len(out) + 1}", part.get_content_type(), data))
    return out


def _payload_bytes(part: Any) -> bytes:
    """The part's decoded bytes. Base64 is decoded straight from the payload text: the
    stdlib first splits it into lines and joins them again (~3 copies of a 50 MB
    attachment); a2b_base64 skips the line breaks itself. Anything unusual (bad
    padding, 8-bit bytes) goes the stdlib's way, which repairs what it can."""
    payload = part.get_payload()
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64" and isinstance(
        payload, str
    ):
        try:
            return binascii.a2b_base64(payload, strict_mode=False)
        except (binascii.Error, ValueError):
            pass
    return part.get_payload(decode=True) or b""


def _walk_outer(part: Any) -> Any:
    """Like Message.walk(), but a forwarded mail (message/rfc822) is one part: its own
    attachments are read when the forwarded mail is (pipeline.extract.mail)."""
    yield part
    if part.is_multipart() and part.get_content_type() != "message/rfc822":
        for sub in part.get_payload():
            yield from _walk_outer(sub)


_PARAM = re.compile(r"""(?:file)?name\*?\s*=\s*("([^"]*)"|[^;\s]+)""", re.IGNORECASE)


def _filename(part: Any) -> str:
    """The part's file name, decoded whatever way the client wrote it."""
    for key, value in part.raw_items():
        if key.lower() in ("content-disposition", "content-type") and any(
            "\udc80" <= ch <= "\udcff" for ch in value
        ):  # raw 8-bit name: the stdlib would turn it into U+FFFD
            match = _PARAM.search(value)
            if match:
                return visible(decode_header_value(match.group(2) or match.group(1)))
    return visible(decode_header_value(part.get_filename()))
