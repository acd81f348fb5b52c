"""Stage `extract`: attachments in, Documents (text), photo names and Problems out.

Extractors form a small registry: each reads one file type and turns bytes
into text (`Reader`, registered with `@reader`). Containers (zip, rar, 7z, a
forwarded .eml) register with `@container` and hand back the files inside as
children, which are read in turn, up to `Limits.max_depth`. The type is
detected from the content first (magic numbers, OLE streams, zip members) and
from the file name only when the content says nothing, so a .doc that is
really a docx is read as a docx.

Every file is read in a separate worker process under a time and a memory
limit (`pipeline.extract.sandbox`): a hostile file costs one Problem, not the
service. `extract()` never raises: what it could not read comes back as a
Problem with a Chinese reason and what the official can do.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, replace

from pipeline.errors import ExtractError
from pipeline.extract.detect import IMAGE_TYPES, detect_type, extension
from pipeline.models import OCR_PENDING, Attachment, Document, Limits, Problem

Reader = Callable[[bytes], str]

READERS: dict[str, Reader] = {}
CONTAINERS: dict[str, Container] = {}

__all__ = [
    "CONTAINERS",
    "IMAGE_TYPES",
    "READERS",
    "Extraction",
    "Limits",
    "current_limits",
    "detect_type",
    "extract",
    "extract_one",
    "reader",
    "seconds_left",
    "unpack",
]


@dataclass(frozen=True)
class Extraction:
    """What one attachment gave: texts, photo names, problems.

    `children` holds the files found inside a container that still have to be
    read; `extract()` reads them all, so its result never has children.
    """

    documents: tuple[Document, ...] = ()
    photos: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    children: tuple[Attachment, ...] = ()


Container = Callable[[bytes, Limits], Extraction]

_DEFAULT_LIMITS = Limits()  # frozen, so sharing it as a default is safe
_current_limits: ContextVar[Limits] = ContextVar("current_limits", default=_DEFAULT_LIMITS)
_deadline: ContextVar[float] = ContextVar("deadline", default=float("inf"))


def current_limits() -> Limits:
    """The limits of the file being read (for readers that start helper tools)."""
    return _current_limits.get()


def seconds_left() -> float:
    """Time left to read the current file (a reader may call several helper tools)."""
    return _deadline.get() - time.monotonic()


def reader(*filetypes: str) -> Callable[[Reader], Reader]:
    """Register a function as the reader of the given file types."""

    def register(func: Reader) -> Reader:
        for filetype in filetypes:
            READERS[filetype] = func
        return func

    return register


def container(*filetypes: str) -> Callable[[Container], Container]:
    """Register a function that lists the files inside a container (names relative to it)."""

    def register(func: Container) -> Container:
        for filetype in filetypes:
            CONTAINERS[filetype] = func
        return func

    return register


def extract(name: str, data: bytes, limits: Limits | None = None) -> Extraction:
    """Read one attachment and everything inside it, each file in a sandboxed worker."""
    from pipeline.extract.sandbox import run_in_worker

    limits = limits or Limits()
    if len(data) > limits.max_attachment_bytes:  # not read anyway: do not copy it to a worker
        if detect_type(data[:64], name) in IMAGE_TYPES:
            return Extraction(photos=(name,))
        return _too_large(name, len(data), limits)
    return extract_tree(name, data, limits, run_in_worker)


def extract_tree(
    name: str,
    data: bytes,
    limits: Limits,
    step: Callable[[str, bytes, Limits, int], Extraction],
) -> Extraction:
    """Read a file and, depth first, the files inside it; `step` reads one file."""
    documents: list[Document] = []
    photos: list[str] = []
    problems: list[Problem] = []
    budget = limits.max_expanded_bytes
    stack: list[tuple[str, bytes, int]] = [(name, data, 0)]
    while stack:
        item_name, item_data, depth = stack.pop()
        got = step(item_name, item_data, replace(limits, max_expanded_bytes=budget), depth)
        documents.extend(got.documents)
        photos.extend(got.photos)
        problems.extend(got.problems)
        budget -= sum(len(child.data) for child in got.children)
        stack.extend((c.filename, c.data, depth + 1) for c in reversed(got.children))
    return Extraction(tuple(documents), tuple(photos), group_problems(name, problems))


GROUP_AT = 6  # more problems than this inside one attachment become one row
ARCHIVE_EXTENSIONS = frozenset({"zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz"})


def group_problems(name: str, problems: Sequence[Problem]) -> tuple[Problem, ...]:
    """The problems of the files inside attachment `name`, as one row when there are
    more than GROUP_AT (a 42.zip-style nested archive must not drown the real problems):
    how many, the commonest reasons with a count and an example each."""
    inner = [p for p in problems if p.where.startswith(f"{name}/")]
    if len(inner) <= GROUP_AT:
        return tuple(problems)
    where = "压缩包" if extension(name) in ARCHIVE_EXTENSIONS else "附件"
    outer = [p for p in problems if not p.where.startswith(f"{name}/")]
    return (*outer, one_row(name, f"{where}内", inner, len(name) + 1))


def one_row(where: str, label: str, problems: Sequence[Problem], strip: int = 0) -> Problem:
    """Many problems as one row at `where`: "{label} N 个文件未能读取：" the commonest
    reasons with a count and an example each (its place, the first `strip` characters cut)."""
    reasons = Counter(p.reason for p in problems)
    examples = {p.reason: p.where[strip:] for p in reversed(problems)}
    shown = "；".join(
        f"{reason}（{n:,} 个，如 {examples[reason]}）" for reason, n in reasons.most_common(3)
    )
    more = "；等" if len(reasons) > 3 else ""
    action = Counter(p.action for p in problems).most_common(1)[0][0]
    return Problem(where, f"{label} {len(problems):,} 个文件未能读取：{shown}{more}", action)


def unpack(
    name: str, data: bytes, wanted: set[str], limits: Limits | None = None
) -> dict[str, bytes]:
    """The bytes of the files named in `wanted` (`材料.zip/扫描件.pdf`) inside a container
    (containers that already passed the sandbox once, when the mail was first read)."""
    found: dict[str, bytes] = {}

    def step(item: str, item_data: bytes, lim: Limits, depth: int) -> Extraction:
        if item in wanted:
            found[item] = item_data
            return Extraction()
        if not any(w.startswith(f"{item}/") for w in wanted):
            return Extraction()
        try:
            filetype = detect_type(item_data, item)
            if filetype in CONTAINERS:
                return _open_container(item, filetype, item_data, lim, depth)
        except Exception:  # unreadable now: the scan is reported as not found
            pass
        return Extraction()

    extract_tree(name, data, limits or Limits(), step)
    return found


def extract_one(name: str, data: bytes, limits: Limits, depth: int = 0) -> Extraction:
    """Read one file in this process: its text, or its children, or why it could not be read.

    Children come back named by their path (`材料.zip/总结.docx`). Never raises.
    """
    try:
        filetype = detect_type(data, name)
    except Exception:  # detection only peeks, but a hostile header must not escape
        filetype = extension(name) or "bin"
    if filetype in IMAGE_TYPES:
        return _photo(name, filetype, data)
    tokens = _current_limits.set(limits), _deadline.set(time.monotonic() + limits.timeout_s)
    try:
        return _read(name, filetype, data, limits, depth)
    finally:
        _current_limits.reset(tokens[0])
        _deadline.reset(tokens[1])


def _read(name: str, filetype: str, data: bytes, limits: Limits, depth: int) -> Extraction:
    if len(data) > limits.max_attachment_bytes:
        return _too_large(name, len(data), limits)
    try:
        if filetype in CONTAINERS:
            return _open_container(name, filetype, data, limits, depth)
        read = READERS.get(filetype)
        if read is None:
            return problem(
                name,
                f"暂不支持的文件类型 .{filetype}",
                "请打开原始邮件人工查看，或请报送单位改用 docx/pdf 格式",
            )
        text = read(data)
    except ExtractError as exc:
        return problem(name, exc.reason, exc.action)
    except MemoryError:
        return problem(
            name,
            "文件读取时占用内存超过上限，已放弃",
            "请打开原始邮件人工查看；可能是损坏或恶意文件",
        )
    except RecursionError:
        return problem(name, "文件结构嵌套过深，无法读取", "请打开原始邮件人工查看")
    except Exception as exc:  # a broken file must cost one problem line, not the run
        return problem(
            name,
            f"文件已损坏或无法读取（{filetype}: {exc.__class__.__name__}）",
            "请联系报送单位重新发送该附件",
        )
    if filetype == "pdf" and _has_scans(data, text):  # read by OCR later, off the poll
        return Extraction(documents=(Document(name, filetype, text, OCR_PENDING),))
    if not text.strip():
        return problem(name, NO_TEXT, "请打开原始邮件人工查看")
    return Extraction(documents=(Document(name=name, filetype=filetype, text=text),))


NO_TEXT = "文件中没有可提取的文字（可能是扫描件或图片）"


def _photo(name: str, filetype: str, data: bytes) -> Extraction:
    """A photo; one that may be a photographed page is also queued for OCR."""
    from pipeline.extract.ocr import looks_like_page

    if looks_like_page(data):
        return Extraction(documents=(Document(name, filetype, "", OCR_PENDING),), photos=(name,))
    return Extraction(photos=(name,))


def _has_scans(data: bytes, content: str) -> bool:
    """Whether some page of a PDF is a scan; only a PDF with a page of (almost) no text
    is looked at again, so typed PDFs cost nothing more."""
    from pipeline.extract.ocr import scanned_pages

    pages = content.split("\f")  # pages end with a form feed (pdfminer: the last one too)
    if all(len(page.strip()) >= 10 for page in pages):
        return False
    try:
        return scanned_pages(data) > 0
    except Exception:  # PDFium cannot open it; pdfminer may have read it
        return False


def _too_large(name: str, size: int, limits: Limits) -> Extraction:
    return problem(
        name,
        f"附件过大（{size / 2**20:.1f} MB，上限 {limits.max_attachment_bytes / 2**20:.0f}"
        " MB），未读取",
        "请打开原始邮件人工查看，或调大 config.toml 中的 limits.max_attachment_mb",
    )


def _open_container(
    name: str, filetype: str, data: bytes, limits: Limits, depth: int
) -> Extraction:
    if depth >= limits.max_depth:
        return problem(
            name,
            f"压缩包或转发邮件嵌套超过 {limits.max_depth} 层，内层文件未读取",
            "请打开原始邮件人工查看，或请报送单位直接发送文件",
        )
    got = CONTAINERS[filetype](data, limits)
    if not (got.documents or got.photos or got.problems or got.children):
        return problem(name, "压缩包或转发邮件中没有任何文件或文字", "请打开原始邮件人工查看")
    return Extraction(
        documents=tuple(replace(d, name=f"{name}/{d.name}") for d in got.documents),
        photos=tuple(f"{name}/{p}" for p in got.photos),
        problems=tuple(
            replace(p, where=f"{name}/{p.where}" if p.where else name) for p in got.problems
        ),
        children=tuple(replace(c, filename=f"{name}/{c.filename}") for c in got.children),
    )


def problem(name: str, reason: str, action: str) -> Extraction:
    """An Extraction holding just one problem with `name`."""
    return Extraction(problems=(Problem(where=name, reason=reason, action=action),))


# Register the built-in readers (import for their side effect).
from pipeline.extract import (  # noqa: E402, F401
    archive,
    docx,
    html,
    mail,
    odf,
    office,
    pdf,
    sheet,
    text,
)
