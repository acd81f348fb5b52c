"""Plain values passed between the stages.

Every stage is a function of these frozen dataclasses; only the ends of the
flow (sources, store, report) touch the outside world.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

CATEGORY_IDS: tuple[str, ...] = (
    "green_commute",
    "low_carbon_day",
    "power_saving",
    "livestream",
    "quiz",
    "publicity",
    "green_office",
)
FIGURE_KEYS: tuple[str, ...] = ("participants", "leaflets", "banners", "boards", "events")
KINDS: tuple[str, ...] = ("report", "notice", "unrelated")


@dataclass(frozen=True)
class RawMail:
    """A mail's bytes exactly as the mailbox gave them."""

    source: str  # which mailbox/folder, e.g. "maildir:demo/mail"
    key: str  # identity inside the source: relative path, or "uidvalidity:uid"
    data: bytes


@dataclass(frozen=True)
class Problem:
    """Something the pipeline could not fully handle, shown in 待处理."""

    where: str  # "邮件", "正文" or the attachment's file name
    reason: str  # Chinese: what went wrong
    action: str = ""  # Chinese: what the official can do about it


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """A parsed mail: who, when, what it says, what it carries."""

    message_id: str
    sender: str  # lower-cased address
    sender_name: str
    subject: str
    date: datetime | None  # timezone-aware
    body: str  # plain text (HTML bodies converted)
    attachments: tuple[Attachment, ...] = ()
    problems: tuple[Problem, ...] = ()
    in_reply_to: str = ""  # the Message-ID it answers, if any
    references: tuple[str, ...] = ()  # the thread's earlier Message-IDs
    machine: str = ""  # "auto_reply" or "bounce" when a machine wrote it (parse.screen)
    arrived: datetime | None = None  # when the bureau's server accepted it (top Received)
    fingerprint: str = ""  # sha256 of its text and attachment contents (parse.screen)
    auth_results: tuple[str, ...] = ()  # Authentication-Results headers, topmost first


@dataclass(frozen=True)
class Document:
    """Text taken from one mail body or one attachment."""

    name: str  # "正文", a file name, or "bundle.zip/inner.docx"
    filetype: str  # detected type: body, docx, pdf, txt, html, image, ...
    text: str
    source: str = ""  # "": the file's own text; "ocr": read by OCR; OCR_PENDING: queued for OCR
    uncertain: tuple[str, ...] = ()  # numbers OCR read with a low-confidence digit ("1280")


OCR_PENDING = "ocr_pending"  # Document.source of a scan (or a photo that may be a page) in queue


@dataclass(frozen=True)
class Unit:
    """A reporting unit of the roster."""

    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    senders: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class UnitMatch:
    """Which unit sent a submission, and why we think so."""

    unit: Unit | None
    how: str = ""  # "sender", "subject", "filename", "text" or "" when unknown
    evidence: str = ""  # the address or name that matched


@dataclass(frozen=True)
class Tag:
    """One category found in a text, with the sentence behind it."""

    category: str
    sentence: str
    phrase: str


@dataclass(frozen=True)
class Analysis:
    """What a text says: kind, categories with evidence, figures, summary."""

    kind: str = "unrelated"
    tags: tuple[Tag, ...] = ()
    figures: Mapping[str, int] = field(default_factory=dict)
    summary: str = ""

    @property
    def categories(self) -> list[str]:
        found = {t.category for t in self.tags}
        return [c for c in CATEGORY_IDS if c in found] + sorted(found - set(CATEGORY_IDS))

    @property
    def evidence(self) -> dict[str, str]:
        first: dict[str, str] = {}
        for t in self.tags:
            first.setdefault(t.category, t.sentence)
        return first


@dataclass(frozen=True)
class DocumentResult:
    document: Document
    analysis: Analysis

    @property
    def doubtful(self) -> list[str]:
        """Figure keys whose number OCR read with an uncertain digit: to be checked."""
        unsure = set(self.document.uncertain)
        return [k for k, v in self.analysis.figures.items() if str(v) in unsure]


@dataclass(frozen=True)
class Submission:
    """Everything worked out for one mail (or one local file)."""

    unit: UnitMatch
    documents: tuple[DocumentResult, ...] = ()
    photos: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()

    @property
    def kind(self) -> str:
        """The kind of the richest document: a forwarded notice with a blank form attached
        is a notice, a cover note with the report attached is a report."""
        if not self.documents:
            return "unrelated"
        rank = {k: i for i, k in enumerate(reversed(KINDS))}  # ties: report > notice
        documents = self.documents
        files = [d for d in documents if d.document.filetype != "body"]
        body_tags = sum(len(d.analysis.tags) for d in documents if d.document.filetype == "body")
        if files and not body_tags:
            # a cover note ("附件是我单位的总结，请查收") says nothing itself: the files decide,
            # so another campaign's report sent under a cover note does not count
            documents = tuple(files)
        best = max(documents, key=lambda d: (len(d.analysis.tags), rank[d.analysis.kind]))
        return best.analysis.kind

    @property
    def categories(self) -> list[str]:
        found = {c for d in self.documents for c in d.analysis.categories}
        return [c for c in CATEGORY_IDS if c in found] + sorted(found - set(CATEGORY_IDS))

    @property
    def evidence(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for d in self.documents:
            for cat, sentence in d.analysis.evidence.items():
                out.setdefault(cat, sentence)
        return out

    @property
    def figures(self) -> dict[str, int]:
        """The largest figure of each kind across the documents (usually the total)."""
        out: dict[str, int] = {}
        for d in self.documents:
            for key, value in d.analysis.figures.items():
                out[key] = max(value, out.get(key, 0))
        return out

    @property
    def summary(self) -> str:
        """Summary of the richest document (most categories, then longest text)."""
        best = max(
            self.documents,
            key=lambda d: (
                len(d.analysis.tags) > 0,
                len(d.analysis.categories),
                len(d.document.text),
            ),
            default=None,
        )
        return best.analysis.summary if best else ""


@dataclass(frozen=True)
class PollResult:
    """What one poll of the mailbox(es) did."""

    new_mails: int = 0
    imap_commands: int = 0  # commands sent to IMAP servers (0 for a local folder)
    errors: tuple[str, ...] = ()  # one line per account or folder that could not be read


@dataclass(frozen=True)
class Limits:
    """How much one attachment may cost; config.toml's [limits] fills these in."""

    max_attachment_bytes: int = 30 * 2**20  # a single file (also each file inside an archive)
    max_message_bytes: int = 100 * 2**20  # all attachments of one mail together
    timeout_s: float = 60.0  # wall-clock time to read one file, in the worker
    memory_mb: int = 1024  # address space of the worker process
    max_depth: int = 3  # archives/forwarded mails inside archives/forwarded mails ...
    max_entries: int = 1000  # files in one archive
    max_expanded_bytes: int = 200 * 2**20  # everything unpacked from one attachment


@dataclass(frozen=True)
class OcrSettings:
    """config.toml's [ocr]: reading scanned pages and photographed pages, off the poll."""

    enabled: bool = True
    max_pages: int = 20  # pages (and page photos) read by OCR per mail; the rest are listed
    seconds_per_page: float = 120.0  # the OCR worker's time limit is this x its pages
    memory_mb: int = 2048  # address space of the OCR worker (the models need ~800 MB)


@dataclass(frozen=True)
class Reading:
    """What a mail says before any rule is applied: the documents read from its body and
    attachments, its photos, and the problems met reading them. Editing rules/ does not
    change it, so `mailroll retag` tags the stored Reading instead of reading again."""

    documents: tuple[Document, ...]
    photos: tuple[str, ...]
    problems: tuple[Problem, ...]
