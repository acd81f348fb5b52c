"""Text from mail bodies and attachments.

Extractors form a small registry: each reads one file type and turns bytes
into text (`Reader`). The type is detected from the content first (magic
numbers, zip members) and from the file name only when the content says
nothing, so a .doc that is really a docx is read as a docx.

`extract()` never raises for a bad file: what it could not read comes back
as a Problem with a Chinese reason and what the official can do.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from pipeline.errors import ExtractError
from pipeline.models import Document, Problem

Reader = Callable[[bytes], str]

READERS: dict[str, Reader] = {}
IMAGE_TYPES = frozenset({"jpg", "png", "gif", "bmp", "heic", "webp", "tif"})
_EXT_ALIASES = {"jpeg": "jpg", "tiff": "tif", "htm": "html", "csv": "txt", "heif": "heic"}


def reader(*filetypes: str) -> Callable[[Reader], Reader]:
    """Register a function as the reader of the given file types."""

    def register(func: Reader) -> Reader:
        for filetype in filetypes:
            READERS[filetype] = func
        return func

    return register


@dataclass(frozen=True)
class Extraction:
    documents: tuple[Document, ...] = ()
    photos: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()


def detect_type(data: bytes, filename: str = "") -> str:
    """The file type from its first bytes, falling back to the extension."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    ext = _EXT_ALIASES.get(ext, ext)
    head = data[:16]
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(data, ext)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: doc, xls, wps, et, msg
        return ext if ext in {"doc", "xls", "wps", "et", "dps", "ppt", "msg"} else "ole"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and ext == "bmp":
        return "bmp"
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypheif"):
        return "heic"
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        return "rar" if head.startswith(b"Rar!") else "7z"
    sniff = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sniff.startswith((b"<!doctype html", b"<html")):
        return "html"
    return ext or "bin"


def _zip_type(data: bytes, ext: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return ext if ext in {"docx", "xlsx", "pptx", "odt", "ods"} else "zip"
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "content.xml" in names and ext in {"odt", "ods", "odp"}:
        return ext
    return "zip"


def extract(name: str, data: bytes, max_bytes: int | None = None) -> Extraction:
    """Read one attachment: its text, or that it is a photo, or why it could not be read."""
    filetype = detect_type(data, name)
    if filetype in IMAGE_TYPES:
        return Extraction(photos=(name,))
    if max_bytes is not None and len(data) > max_bytes:
        return _problem(
            name,
            f"附件过大（{len(data) / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB），未读取",
            "请打开原始邮件人工查看，或调大 config.toml 中的 limits.max_attachment_mb",
        )
    read = READERS.get(filetype)
    if read is None:
        return _problem(
            name,
            f"暂不支持的文件类型 .{filetype}",
            "请打开原始邮件人工查看，或请报送单位改用 docx/pdf 格式",
        )
    try:
        text = read(data)
    except ExtractError as exc:
        return _problem(name, exc.reason, exc.action)
    except Exception as exc:  # a broken file must cost one problem line, not the run
        return _problem(
            name,
            f"文件已损坏或无法读取（{filetype}: {exc.__class__.__name__}）",
            "请联系报送单位重新发送该附件",
        )
    if not text.strip():
        return _problem(
            name,
            "文件中没有可提取的文字（可能是扫描件或图片）",
            "请打开原始邮件人工查看",
        )
    return Extraction(documents=(Document(name=name, filetype=filetype, text=text),))


def _problem(name: str, reason: str, action: str) -> Extraction:
    return Extraction(problems=(Problem(where=name, reason=reason, action=action),))


# Register the built-in readers (import for their side effect).
from pipeline.extract import docx, html, pdf, text  # noqa: E402, F401
