"""Build real test inputs in code: mails (with the ugly encodings Chinese
clients send), .docx files with python-docx, PDFs with a CJK font (reportlab)."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime

CHINA = timezone(timedelta(hours=8))


def make_docx(paragraphs: Sequence[str], table: Sequence[Sequence[str]] = ()) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_pdf(lines: Sequence[str]) -> bytes:
    """A real PDF with Chinese text in the STSong-Light CID font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setFont("STSong-Light", 12)
    y = 800
    for line in lines:
        pdf.drawString(50, y, line)
        y -= 20
    pdf.save()
    return buf.getvalue()


def make_mail(
    *,
    sender: str = "guanyinqiao@jiangbei.example",
    sender_name: str = "",
    subject: str = "节能宣传周工作总结",
    body: str | None = "",
    html: str | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
    date: datetime | None = datetime(2024, 5, 16, 10, 0, tzinfo=CHINA),
    message_id: str = "<test@jiangbei.example>",
    received: datetime | None = None,
    headers: Sequence[tuple[str, str]] = (),
    in_reply_to: str = "",
) -> bytes:
    """A well-formed mail (UTF-8) built with the stdlib; `received` adds the Received
    header the bureau's server writes when it accepts the mail (its arrival)."""
    msg = EmailMessage()
    if received is not None:
        msg["Received"] = (
            "from mail.jiangbei.example (unknown [10.0.0.8]) by mx.qq.example (NewMX)"
            f" with SMTP id 1A2B3C for <jbjgswj@example.com>; {format_datetime(received)}"
        )
    msg["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    msg["To"] = "jbjgswj@example.com"
    msg["Subject"] = subject
    if date is not None:
        msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in headers:
        msg[name] = value
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def gbk_word(text: str, charset: str = "GBK") -> str:
    """An RFC 2047 encoded-word in GBK, as QQ Mail and Foxmail write them."""
    return f"=?{charset}?B?{base64.b64encode(text.encode('gbk')).decode()}?="


def make_gbk_mail(
    *,
    subject: str,
    body: str,
    sender: str = "someone@example.com",
    sender_name: str = "",
    declared_charset: str = "gb2312",
    attachments: Sequence[tuple[str, bytes, str]] = (),
    date: str = "Thu, 16 May 2024 09:30:00 +0800",
) -> bytes:
    """A mail written by hand the way Chinese clients send it.

    `attachments` are (file name, data, style): style "rfc2047" puts an encoded
    word inside quotes, "rfc2231" uses filename*=, "raw8bit" writes GBK bytes.
    """
    name_part = f"{gbk_word(sender_name)} " if sender_name else ""
    head = (
        f"From: {name_part}<{sender}>\r\nTo: jbjgswj@example.com\r\n"
        f"Subject: {gbk_word(subject, 'GB2312')}\r\nDate: {date}\r\n"
        "Message-ID: <gbk-test@example.com>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="=-BOUNDARY"\r\n\r\n'
    ).encode()
    parts = [
        (
            f"--=-BOUNDARY\r\nContent-Type: text/plain; charset={declared_charset}\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(body.encode("gb18030")).decode().replace("\n", "\r\n")
        ).encode()
    ]
    for name, data, style in attachments:
        if style == "rfc2047":
            disp = f'attachment; filename="{gbk_word(name)}"'.encode()
        elif style == "rfc2231":
            from urllib.parse import quote

            disp = f"attachment; filename*=UTF-8''{quote(name)}".encode()
        else:
            disp = b'attachment; filename="' + name.encode("gbk") + b'"'
        parts.append(
            b"--=-BOUNDARY\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Disposition: "
            + disp
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data).replace(b"\n", b"\r\n")
        )
    return head + b"".join(p + b"\r\n" for p in parts) + b"--=-BOUNDARY--\r\n"
