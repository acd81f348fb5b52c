"""A mail attached to a mail (forwarded as .eml): its body, and its attachments as children."""

from __future__ import annotations

from dataclasses import replace

from pipeline.errors import ExtractError, ParseError
from pipeline.extract import Extraction, Limits, container
from pipeline.models import Attachment, Document


@container("eml")
def open_mail(data: bytes, limits: Limits) -> Extraction:
    """Parse a forwarded mail with the same repairs as a top-level one.

    The body is one document whose first lines name the original sender and
    subject (they often say which unit wrote it); attachments are read in turn.
    """
    from pipeline.parse import parse

    try:
        message = parse(data)
    except ParseError as exc:
        raise ExtractError(
            f"转发的邮件无法解析（{exc.message[:80]}）", "请打开原始邮件人工查看"
        ) from None
    documents = []
    head = [
        f"发件人：{message.sender_name} <{message.sender}>".replace(" <>", "")
        if message.sender or message.sender_name
        else "",
        f"主题：{message.subject}" if message.subject else "",
    ]
    if message.body.strip():
        text = "\n".join([line for line in head if line] + [message.body])
        documents.append(Document(name="正文", filetype="eml", text=text))
    children = tuple(
        Attachment(a.filename.replace("/", "_"), a.content_type, a.data)
        for a in message.attachments
    )
    return Extraction(
        documents=tuple(documents),
        problems=tuple(
            replace(p, where=p.where if p.where != "邮件" else "") for p in message.problems
        ),
        children=children,
    )
