"""From a parsed mail (or a local file) to a Submission: extract, identify, tag.

Pure functions of plain values: nothing here reads config, the database or
the mailbox, so `mailroll tag` and the stored pipeline give the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from pipeline.config import Limits as ConfigLimits
from pipeline.extract import GROUP_AT, IMAGE_TYPES, NO_TEXT, Limits, detect_type, extract, one_row
from pipeline.extract.ocr import OcrResult
from pipeline.extract.ocrworker import run_ocr
from pipeline.models import (
    OCR_PENDING,
    Document,
    DocumentResult,
    Message,
    OcrSettings,
    Problem,
    Reading,
    Submission,
    UnitMatch,
)
from pipeline.parse import parse
from pipeline.parse.auth import auth_verdict
from pipeline.parse.screen import is_forward, own_text
from pipeline.tag import Rules, analyse, load_rules
from pipeline.timings import stage
from pipeline.units import Roster, conflict_units, identify, load_roster

MAX_ATTACHMENTS = 300  # attachments read from one mail (photos included); the rest are listed
CONFLICT_REASON = "报送单位待确认"
AUTH_FAILED_REASON = "发件人验证未通过"  # a roster address the receiving server did not verify
UNKNOWN_UNIT = Problem(
    where="邮件",
    reason="未能识别报送单位（待确认）",
    action="在网页的“待确认”中指定单位（可记住发件地址）；或核实后在 rules/roster.toml 中"
    "为该单位补充发件地址或别名，再运行 mailroll retag",
)
# the same for a local file (`mailroll tag`): nothing is stored, so nothing to retag
UNKNOWN_UNIT_LOCAL = Problem(
    where="文件",
    reason="未能识别报送单位（待确认）",
    action="在 rules/roster.toml 中为该单位补充别名，或在材料标题、落款中写明单位全称",
)


@dataclass(frozen=True)
class Rulebook:
    """Everything read from rules/: the category rules and the roster."""

    rules: Rules
    roster: Roster


def load_rulebook(rules_dir: Path, remembered: Mapping[str, str] | None = None) -> Rulebook:
    """rules/ read and checked; `remembered` = addresses a person tied to units
    ({address: unit id}, from the database) added to the roster."""
    roster = load_roster(rules_dir / "roster.toml")
    return Rulebook(
        rules=load_rules(rules_dir / "categories.toml"),
        roster=roster.with_senders(remembered or {}),
    )


def extraction_limits(limits: ConfigLimits) -> Limits:
    """The extraction limits from config.toml's [limits]."""
    return Limits(
        max_attachment_bytes=limits.max_attachment_bytes,
        max_message_bytes=limits.max_message_bytes,
        timeout_s=limits.extract_timeout_s,
        memory_mb=limits.extract_memory_mb,
    )


def process_message(
    message: Message, book: Rulebook, limits: Limits | None = None, ocr: OcrSettings | None = None
) -> Submission:
    """Work out unit, categories, figures and problems for one parsed mail; its scans
    are read by OCR at once (`mailroll tag`; the service queues them instead)."""
    reading = read_message(message, limits)
    reading = ocr_now(reading, {a.filename: a.data for a in message.attachments}, ocr)
    with stage("tag"):
        return tag_reading(message, reading, book)


def ocr_now(reading: Reading, files: dict[str, bytes], ocr: OcrSettings | None) -> Reading:
    """The Reading with its queued scans read by OCR now (in the OCR worker), or, with
    OCR off, settled without it."""
    ocr = ocr or OcrSettings()
    if not pending_scans(reading):
        return reading
    if not ocr.enabled:
        return without_ocr(reading)
    found = scan_files(pending_scans(reading), files)
    return with_ocr(reading, dict(zip(found, run_ocr(list(found.items()), ocr), strict=True)))


def pending_scans(reading: Reading) -> list[str]:
    """Names of the documents queued for OCR."""
    return [d.name for d in reading.documents if d.source == OCR_PENDING]


def scan_files(names: Sequence[str], files: dict[str, bytes]) -> dict[str, bytes]:
    """The bytes of each scan named, from the top-level files or from inside an archive
    or forwarded mail (`材料.zip/扫描件.pdf`)."""
    from pipeline.extract import unpack

    found = {n: files[n] for n in names if n in files}
    for name, data in files.items():
        inner = [n for n in names if n.startswith(f"{name}/") and n not in found]
        if inner:
            found.update(unpack(name, data, set(inner)))
    return {n: found[n] for n in names if n in found}


def without_ocr(reading: Reading) -> Reading:
    """Scans settled with OCR off: what text they have, a problem for the rest."""
    documents, problems = [], list(reading.problems)
    for d in reading.documents:
        if d.source != OCR_PENDING:
            documents.append(d)
        elif d.filetype == "pdf":
            if d.text.strip():
                documents.append(Document(d.name, d.filetype, d.text))
                problems.append(Problem(d.name, "部分页面是扫描件，未做文字识别（文字识别已关闭）",
                                        "请打开原始邮件人工查看扫描页"))  # fmt: skip
            else:
                problems.append(Problem(d.name, NO_TEXT, "请打开原始邮件人工查看"))
    return Reading(tuple(documents), reading.photos, tuple(problems))


def with_ocr(reading: Reading, results: dict[str, OcrResult]) -> Reading:
    """The Reading with each queued scan replaced by what OCR read: a document (an image
    that is a page is no longer a photo), or a photo, or a problem."""
    documents, problems = [], list(reading.problems)
    pages: set[str] = set()
    for d in reading.documents:
        if d.source != OCR_PENDING:
            documents.append(d)
            continue
        got = results.get(d.name)
        if got is None:
            problems.append(
                Problem(d.name, "未能找到该扫描件，未做文字识别", "请打开原始邮件人工查看")
            )
            got = OcrResult()
        problems.extend(got.problems)
        if got.document is not None:
            documents.append(got.document)
            pages.add(d.name)
        elif d.text.strip():  # a PDF whose scanned pages OCR could not read: its own text
            documents.append(Document(d.name, d.filetype, d.text))
    photos = tuple(p for p in reading.photos if p not in pages)
    return Reading(tuple(documents), photos, tuple(problems))


def read_message(message: Message, limits: Limits | None = None) -> Reading:
    """Read the body and every attachment of a parsed mail (each file in the sandbox)."""
    limits = limits or Limits()
    documents: list[Document] = []
    photos: list[str] = []
    problems: list[Problem] = list(message.problems)
    # quoted earlier mail (a reply's "原始邮件" part, "> " lines) is never evidence
    body = message.body if is_forward(message.subject) else own_text(message.body)
    if body.strip():
        documents.append(Document(name="正文", filetype="body", text=body))
    budget = limits.max_message_bytes
    if len(message.attachments) > MAX_ATTACHMENTS:
        problems.append(_too_many(len(message.attachments)))
    for att in message.attachments[:MAX_ATTACHMENTS]:
        if not _is_photo(att.filename, att.data):  # photos are only counted, never read
            if len(att.data) > budget:
                problems.append(_over_message_limit(att.filename, limits))
                continue
            budget -= len(att.data)
        with stage("extract"):
            got = extract(att.filename, att.data, limits)
        documents.extend(got.documents)
        photos.extend(got.photos)
        problems.extend(got.problems)
    if not documents and not photos and not message.body.strip():
        problems.append(Problem("邮件", "邮件中没有可读取的正文或附件", "请打开原始邮件人工查看"))
    return Reading(tuple(_drop_copies(documents)), tuple(photos), _grouped(problems, message))


REPORT_CHARS = 200  # a file with this much text of its own is the report, not a note


def _drop_copies(documents: list[Document]) -> list[Document]:
    """With a file that has a report's worth of text (the Word file), the mail's scans
    are its signed copy: not read by OCR (a scanned PDF keeps the text pages it has, and a
    photographed page stays a photo)."""
    has_text = any(
        d.filetype != "body" and d.source != OCR_PENDING and len(d.text.strip()) >= REPORT_CHARS
        for d in documents
    )
    if not has_text:
        return documents
    return [
        Document(d.name, d.filetype, d.text) if d.source == OCR_PENDING else d
        for d in documents
        if d.source != OCR_PENDING or d.text.strip()
    ]


def _grouped(problems: list[Problem], message: Message) -> tuple[Problem, ...]:
    """More than GROUP_AT attachments' problems are one row, so they do not drown the rest."""
    names = {a.filename for a in message.attachments}
    files = [p for p in problems if p.where.split("/", 1)[0] in names]
    if len(files) <= GROUP_AT:
        return tuple(problems)
    rest = [p for p in problems if p.where.split("/", 1)[0] not in names]
    return (*rest, one_row("邮件", "邮件附件中", files))


def _too_many(count: int) -> Problem:
    return Problem(
        "邮件",
        f"邮件附件过多（{count:,} 个），只读取了前 {MAX_ATTACHMENTS} 个",
        "请打开原始邮件人工查看，或请报送单位分开发送",
    )


def tag_reading(
    message: Message, reading: Reading, book: Rulebook, trusted_auth: Sequence[str] = ()
) -> Submission:
    """Identify the unit and tag every document of a mail already read.

    Only the names of `message.attachments` are used, never their bytes. A roster
    unit's address that the receiving server (one of `trusted_auth`, see
    pipeline.parse.auth) failed to verify is a review item: no unit, a problem row."""
    documents, photos = list(reading.documents), list(reading.photos)
    problems = list(reading.problems)
    forged = _unverified_unit(message, book, trusted_auth)
    if forged is not None:
        problems.append(forged)
        return _submission(UnitMatch(None), documents, photos, problems, book, message.subject,
                           unknown=None)  # fmt: skip
    unit = identify(
        book.roster,
        sender=message.sender,
        sender_name=message.sender_name,
        subject=message.subject,
        filenames=[a.filename for a in message.attachments] + _inner_names(documents, photos),
        texts=[d.text for d in documents if d.filetype != "body"] + [message.body],
    )
    return _submission(unit, documents, photos, problems, book, message.subject)


def _unverified_unit(message: Message, book: Rulebook, trusted: Sequence[str]) -> Problem | None:
    """The problem when the sender is a roster unit's address and a trusted receiving
    server's verdict on it failed; None otherwise (a pass, or no trusted verdict)."""
    unit = book.roster.by_sender(message.sender) if message.sender and trusted else None
    verdict = auth_verdict(message.auth_results, trusted) if unit else None
    if unit is None or verdict is None or verdict.passed:
        return None
    return Problem(
        "邮件",
        f"{AUTH_FAILED_REASON}：发件地址 {message.sender} 是「{unit.name}」登记的地址，"
        f"但收件服务器 {verdict.server} 判定未通过（{verdict.results}），"
        "可能是冒用地址，未计入该单位",
        "请与该单位核实是否由其发送；如确为其发送，请其检查邮箱设置后重新发送",
    )


def process_file(
    path: Path, book: Rulebook, limits: Limits | None = None, ocr: OcrSettings | None = None
) -> Submission:
    """The same work on a local file: a whole .eml, or one document (a scan is read by
    OCR at once)."""
    data = path.read_bytes()
    if _looks_like_mail(path, data):
        sub = process_message(parse(data), book, limits, ocr)
        problems = tuple(UNKNOWN_UNIT_LOCAL if p == UNKNOWN_UNIT else p for p in sub.problems)
        return replace(sub, problems=problems)
    got = extract(path.name, data, limits or Limits())
    reading = ocr_now(Reading(got.documents, got.photos, got.problems), {path.name: data}, ocr)
    unit = identify(
        book.roster,
        filenames=[path.name, *_inner_names(reading.documents, reading.photos)],
        texts=[d.text for d in reading.documents],
    )
    return _submission(
        unit,
        list(reading.documents),
        list(reading.photos),
        list(reading.problems),
        book,
        unknown=UNKNOWN_UNIT_LOCAL,
    )


def unit_conflict(roster: Roster, how: str) -> Problem | None:
    """The 待确认 problem of a mail whose sender address and signature disagree."""
    pair = conflict_units(roster, how)
    if pair is None:
        return None
    by_address, signed = pair
    return Problem(
        where="邮件",
        reason=f"{CONFLICT_REASON}：发件地址属于{by_address.name}，材料署名为{signed.name}"
        "（两个单位都未计入）",
        action="在网页的“待确认”中选择正确的单位（或核实后修改 rules/roster.toml，"
        "再运行 mailroll retag）",
    )


def _submission(
    unit: UnitMatch,
    documents: list[Document],
    photos: list[str],
    problems: list[Problem],
    book: Rulebook,
    title: str = "",
    unknown: Problem | None = UNKNOWN_UNIT,
) -> Submission:
    if unit.unit is None and unknown is not None:
        problems.append(unit_conflict(book.roster, unit.how) or unknown)
    results = tuple(
        DocumentResult(d, analyse(d.text, book.rules, title if d.filetype == "body" else d.name))
        for d in documents
    )
    return Submission(unit=unit, documents=results, photos=tuple(photos), problems=tuple(problems))


def _looks_like_mail(path: Path, data: bytes) -> bool:
    """A .eml file, or a file with no telling extension that starts with mail headers."""
    suffix = path.suffix.lower()
    if suffix in (".eml", ".msg", ".mbox"):
        return suffix != ".msg"  # Outlook .msg is OLE, not RFC 822
    return detect_type(data[:4096], "") == "eml"


def _inner_names(documents: Sequence[Document], photos: Sequence[str]) -> list[str]:
    """Names of files found inside archives and forwarded mails (`材料.zip/观音桥街道总结.docx`):
    they often name the unit when the archive's own name does not."""
    return [name for name in (*(d.name for d in documents), *photos) if "/" in name]


def _is_photo(filename: str, data: bytes) -> bool:
    # the first bytes are enough for image magic numbers, and cheap for anything else
    return detect_type(data[:64], filename) in IMAGE_TYPES


def _over_message_limit(filename: str, limits: Limits) -> Problem:
    return Problem(
        filename,
        f"邮件附件总大小超过上限（{limits.max_message_bytes / 2**20:.0f} MB），该附件未读取",
        "请打开原始邮件人工查看，或调大 config.toml 中的 limits.max_message_mb",
    )
