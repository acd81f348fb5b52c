"""From a parsed mail (or a local file) to a Submission: extract, identify, tag.

Pure functions of plain values: nothing here reads config, the database or
the mailbox, so `mailroll tag` and the stored pipeline give the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.extract import detect_type, extract
from pipeline.figures import figures
from pipeline.models import (
    Analysis,
    Document,
    DocumentResult,
    Message,
    Problem,
    Submission,
    UnitMatch,
)
from pipeline.parse import parse
from pipeline.summary import summarize
from pipeline.tagging import Rules, load_rules, tag
from pipeline.units import Roster, identify, load_roster

UNKNOWN_UNIT = Problem(
    where="邮件",
    reason="未能识别报送单位（待确认）",
    action="核实后在 rules/roster.toml 中为该单位补充发件地址或别名，再运行 mailroll retag",
)


@dataclass(frozen=True)
class Rulebook:
    """Everything read from rules/: the category rules and the roster."""

    rules: Rules
    roster: Roster


def load_rulebook(rules_dir: Path) -> Rulebook:
    return Rulebook(
        rules=load_rules(rules_dir / "categories.toml"),
        roster=load_roster(rules_dir / "roster.toml"),
    )


def analyse(text: str, rules: Rules, title: str = "") -> Analysis:
    """Kind, categories with evidence, figures and summary of one text.

    `title` (the mail subject, or the file name) helps tell a notice from a report."""
    tagging = tag(text, rules, title)
    return Analysis(
        kind=tagging.kind,
        tags=tagging.tags,
        figures=figures(tagging.counted),
        summary=summarize(text, tagging.tags),
    )


def process_message(message: Message, book: Rulebook, max_bytes: int | None = None) -> Submission:
    """Work out unit, categories, figures and problems for one parsed mail."""
    documents: list[Document] = []
    photos: list[str] = []
    problems: list[Problem] = list(message.problems)
    if message.body.strip():
        documents.append(Document(name="正文", filetype="body", text=message.body))
    for att in message.attachments:
        got = extract(att.filename, att.data, max_bytes)
        documents.extend(got.documents)
        photos.extend(got.photos)
        problems.extend(got.problems)
    if not documents and not photos:
        problems.append(Problem("邮件", "邮件中没有可读取的正文或附件", "请打开原始邮件人工查看"))
    unit = identify(
        book.roster,
        sender=message.sender,
        sender_name=message.sender_name,
        subject=message.subject,
        filenames=[a.filename for a in message.attachments],
        texts=[d.text for d in documents if d.filetype != "body"] + [message.body],
    )
    return _submission(unit, documents, photos, problems, book, message.subject)


def process_file(path: Path, book: Rulebook, max_bytes: int | None = None) -> Submission:
    """The same work on a local file: a whole .eml, or one document."""
    data = path.read_bytes()
    if _looks_like_mail(path, data):
        return process_message(parse(data), book, max_bytes)
    got = extract(path.name, data, max_bytes)
    unit = identify(book.roster, filenames=[path.name], texts=[d.text for d in got.documents])
    return _submission(unit, list(got.documents), list(got.photos), list(got.problems), book)


def _submission(
    unit: UnitMatch,
    documents: list[Document],
    photos: list[str],
    problems: list[Problem],
    book: Rulebook,
    title: str = "",
) -> Submission:
    if unit.unit is None:
        problems.append(UNKNOWN_UNIT)
    results = tuple(
        DocumentResult(d, analyse(d.text, book.rules, title if d.filetype == "body" else d.name))
        for d in documents
    )
    return Submission(unit=unit, documents=results, photos=tuple(photos), problems=tuple(problems))


_MAIL_HEADER = re.compile(
    rb"^(from|received|return-path|message-id|mime-version|date|subject)\s*:", re.I
)


def _looks_like_mail(path: Path, data: bytes) -> bool:
    """A .eml file, or a file with no telling extension that starts with mail headers."""
    suffix = path.suffix.lower()
    if suffix in (".eml", ".msg", ".mbox"):
        return suffix != ".msg"  # Outlook .msg is OLE, not RFC 822
    return detect_type(data, "") == "bin" and bool(_MAIL_HEADER.match(data.lstrip()[:200]))
