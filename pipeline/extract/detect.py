"""Which kind of file this is, from its bytes first and its name last.

Mail clients and units rename files freely: a .doc that is really a docx, an
.xls that is an HTML page, a .wps that is a Word 97 file. The magic number
decides; inside an OLE2 compound file the stream names decide (WordDocument,
Workbook, EncryptedPackage); inside a zip the member names decide.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import PurePath

IMAGE_TYPES = frozenset({"jpg", "png", "gif", "bmp", "heic", "webp", "tif"})
_EXT_ALIASES = {
    "jpeg": "jpg", "jpe": "jpg", "tiff": "tif", "htm": "html", "xhtml": "html", "csv": "txt",
    "heif": "heic", "hif": "heic", "avif": "heic", "docm": "docx", "xlsm": "xlsx",
    "wpt": "wps", "dot": "doc", "xlt": "xls", "ett": "et", "text": "txt", "log": "txt",
    "mhtml": "mht",
}  # fmt: skip
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_EXTS = frozenset({"doc", "xls", "wps", "et", "dps", "ppt", "msg"})
_MAYBE_MAIL = frozenset({"", "mht", "doc", "wps", "xls", "et"})
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heif", b"avif")
_MAIL_HEADER = re.compile(
    rb"^(from|received|return-path|message-id|mime-version|date|subject|to|cc|reply-to"
    rb"|sender|delivered-to|content-type|thread-topic|x-[a-z0-9-]+)[ \t]*:",
    re.IGNORECASE,
)


def detect_type(data: bytes, filename: str = "") -> str:
    """The file type from its first bytes, falling back to the extension."""
    ext = extension(filename)
    head = data[:16]
    if head.startswith(b"PK\x03\x04") or (head.startswith(b"PK\x05\x06") and ext != "txt"):
        return _zip_type(data, ext)  # first: a zip that stores a PDF uncompressed shows %PDF-
    if head.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(_OLE_MAGIC):
        return _ole_type(data, ext)
    for magic, filetype in (
        (b"\xff\xd8\xff", "jpg"),
        (b"\x89PNG", "png"),
        (b"GIF87a", "gif"),
        (b"GIF89a", "gif"),
        (b"II*\x00", "tif"),
        (b"MM\x00*", "tif"),
        (b"{\\rtf", "rtf"),
        (b"Rar!\x1a\x07", "rar"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
    ):
        if head.startswith(magic):
            return filetype
    if head.startswith(b"BM") and ext == "bmp":
        return "bmp"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "heic"
    sniff = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if sniff.startswith((b"<!doctype html", b"<html", b"<meta", b"<head", b"<body")):
        return "html"
    if sniff.startswith(b"<?xml"):
        xml_head = data[:4096]
        if b"urn:schemas-microsoft-com:office:spreadsheet" in xml_head:
            return "xmlss"  # Excel 2003 XML, what many government systems export as .xls
        if b"schemas.microsoft.com/office/word/2003/wordml" in xml_head:
            return "wordml"  # Word 2003 XML saved as .doc
    if ext == "eml" or (ext in _MAYBE_MAIL and looks_like_mail(data)):
        return "eml"  # also a Word "single file web page" (.mht) saved as .doc
    if ext in _OLE_EXTS and _is_plain_text(data[:1024]):
        return "txt"  # a text stub or export named .xls/.doc ("Attachment ... not found")
    return ext or "bin"


def extension(filename: str) -> str:
    """The lower-case extension without the dot, with common aliases folded."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    return _EXT_ALIASES.get(ext, ext)


def looks_like_mail(data: bytes) -> bool:
    """True for bytes that start like an RFC 822 message (optionally after an mbox line)."""
    head = data[:4096].lstrip()
    if head.startswith(b"From "):  # mbox separator line
        head = head.split(b"\n", 1)[-1]
    return bool(_MAIL_HEADER.match(head))


def _is_plain_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\r\n\x0c")
    return controls == 0


def _zip_type(data: bytes, ext: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            mimetype = zf.read("mimetype")[:80] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, NotImplementedError):
        return ext if ext in {"docx", "xlsx", "pptx", "odt", "ods", "odp"} else "zip"
    if "word/document.xml" in names or "word/document2.xml" in names:
        return "docx"
    if {"xl/workbook.xml", "xl/workbook2.xml"} & names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument."):
        kind = mimetype.rsplit(b".", 1)[-1]
        return {b"text": "odt", b"spreadsheet": "ods", b"presentation": "odp"}.get(kind, "odt")
    if "content.xml" in names and ext in {"odt", "ods", "odp"}:
        return ext
    if "[Content_Types].xml" in names and ext in {"docx", "xlsx", "pptx"}:
        return ext  # an OOXML package with unusual part names; its reader decides
    return "zip"


def _ole_type(data: bytes, ext: str) -> str:
    """doc / xls / ppt / msg / an encrypted OOXML file, from the OLE2 stream names."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        try:
            streams = {"/".join(entry).lower() for entry in ole.listdir(streams=True)}
        finally:
            ole.close()
    except Exception:  # broken header: the extension is the best we know
        return ext if ext in _OLE_EXTS else "ole"
    if "encryptedpackage" in streams:
        return "encrypted-ooxml"
    if "worddocument" in streams:
        return ext if ext in ("doc", "wps") else "doc"
    if "workbook" in streams or "book" in streams:
        return ext if ext in ("xls", "et") else "xls"
    if "powerpoint document" in streams:
        return ext if ext in ("ppt", "dps") else "ppt"
    if any(s.startswith("__substg1.0_") for s in streams):
        return "msg"
    return ext if ext in _OLE_EXTS else "ole"
