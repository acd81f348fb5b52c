"""Outgoing mail as Chinese mail clients write it, so every webmail shows it right.

Python's email package names a non-ASCII attachment with RFC 2231 only
(``filename*=utf-8''…``, no ``name=`` on Content-Type). QQ Mail's web client
does not decode that and shows the workbook as ``tcmime.*.bin``. Foxmail, QQ
Mail and NetEase write the name as RFC 2047 encoded words inside quotes, on
both headers (``Content-Type: …; name="=?UTF-8?B?…?="`` and
``Content-Disposition: attachment; filename="=?UTF-8?B?…?="``), which QQ Mail,
NetEase, Outlook, Foxmail and the stdlib all read; that is what is sent here.
The message is built with the compat32 policy because the modern one turns
such a name back into RFC 2231 when it writes the header. Subject and sender
name are UTF-8 encoded words.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from email.charset import BASE64, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from pipeline.config import SmtpConfig

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_WORD_BYTES = 45  # 45 bytes -> 60 base64 characters: each encoded word stays under 75


def new_message_id(sender: str) -> str:
    return make_msgid(domain=sender.rsplit("@", 1)[-1])


def encoded_words(text: str) -> str:
    """`text` as UTF-8 base64 encoded words (RFC 2047), split on whole characters
    so that no word is longer than 75 characters; ASCII text is left as it is."""
    if text.isascii():
        return text
    words, chunk = [], b""
    for ch in text:
        raw = ch.encode("utf-8")
        if len(chunk) + len(raw) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += raw
    words.append(chunk)
    return " ".join(f"=?UTF-8?B?{base64.b64encode(w).decode()}?=" for w in words)


def build_message(
    smtp: SmtpConfig,
    to: Sequence[str],
    subject: str,
    body: str,
    *,
    message_id: str,
    attachment: Path | None = None,
    also: Sequence[Path] = (),
    in_reply_to: str = "",
    date: datetime | None = None,
) -> Message:
    """A UTF-8 text mail, with the workbook attached when there is one, and `also`
    (Word documents: the summary draft) after it."""
    text = MIMEText(body, "plain", _utf8())
    plain = attachment is None and not also
    msg: Message = text if plain else MIMEMultipart("mixed")
    sender = smtp.sender
    if smtp.sender_name:
        sender = formataddr((smtp.sender_name, smtp.sender), charset="utf-8")
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    # no line breaks from a mail's subject
    msg["Subject"] = Header(" ".join(subject.split()), "utf-8")
    msg["Date"] = format_datetime(date or datetime.now().astimezone())
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders must not answer
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if not plain:
        msg.attach(text)
    if attachment is not None:
        msg.attach(attachment_part(attachment.name, attachment.read_bytes()))
    for path in also:
        msg.attach(attachment_part(path.name, path.read_bytes(), DOCX))
    return msg


def attachment_part(name: str, data: bytes, content_type: str = XLSX) -> MIMEApplication:
    """A base64 attachment named the way Chinese clients name it, on both headers."""
    subtype = content_type.split("/", 1)[1]
    part = MIMEApplication(data, subtype)
    word = encoded_words(name)
    part.set_param("name", word)
    part.add_header("Content-Disposition", "attachment", filename=word)
    return part


def _utf8() -> Charset:
    charset = Charset("utf-8")
    charset.body_encoding = BASE64
    return charset
