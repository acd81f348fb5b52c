"""Real attachment files made with real tools, for the extraction tests.

LibreOffice converts documents to the legacy formats units send (.doc, .xls,
.rtf, .odt; .wps and .et are Word 97 / BIFF8 files under another name), Info-ZIP
`zip` writes GBK names the way Chinese Windows tools do (raw bytes, no UTF-8
flag), 7-Zip writes .7z, pypdf encrypts PDFs. RAR has no free writer, so
`make_rar` writes the RAR 4 format by hand (stored entries, the layout WinRAR
uses: GBK names, or Unicode names with the 0x200 flag).
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import zlib
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.builders import make_pdf

LIBREOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(LIBREOFFICE is None, reason="LibreOffice not installed")


def libreoffice_convert(sources: Sequence[Path], target: str, outdir: Path) -> list[Path]:
    """Convert files with LibreOffice headless (one call for all of them)."""
    profile = outdir / ".lo-profile"
    subprocess.run(
        [
            str(LIBREOFFICE), "--headless", "--norestore", "--nologo",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to", target, "--outdir", str(outdir), *map(str, sources),
        ],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    ext = target.split(":", 1)[0]
    out = [outdir / f"{src.stem}.{ext}" for src in sources]
    missing = [p for p in out if not p.exists()]
    assert not missing, f"LibreOffice did not write {missing}"
    return out


def make_xlsx(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def make_docx_with_margins(body: str, header: str, footer: str) -> bytes:
    """A docx with a header and a footer (python-docx)."""
    import docx

    document = docx.Document()
    document.add_paragraph(body)
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.footer.paragraphs[0].text = footer
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_docx_with_alt_chunk(html: str) -> bytes:
    """A docx whose text is an imported HTML chunk (w:altChunk), as OA systems export."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    part = Part(PackURI("/word/afchunk.htm"), "text/html", html.encode("utf-8"),
                document.part.package)  # fmt: skip
    rid = document.part.relate_to(part, RT.A_F_CHUNK)
    chunk = parse_xml(f'<w:altChunk {nsdecls("w", "r")} r:id="{rid}"/>')
    document.element.body.insert(0, chunk)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


FODT_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>
<text:p>{title}</text:p>
<text:p>{body}<text:note text:id="n1" text:note-class="footnote">
<text:note-citation>1</text:note-citation><text:note-body><text:p>{footnote}</text:p></text:note-body></text:note></text:p>
<text:p><draw:frame draw:name="box1" text:anchor-type="paragraph" svg:width="8cm" svg:height="2cm">
<draw:text-box><text:p>{textbox}</text:p></draw:text-box></draw:frame></text:p>
<table:table table:name="t1"><table:table-column table:number-columns-repeated="2"/>
<table:table-row><table:table-cell><text:p>{cells[0]}</text:p></table:table-cell>
<table:table-cell><text:p>{cells[1]}</text:p></table:table-cell></table:table-row>
</table:table>
</office:text></office:body></office:document>
"""


def write_fodt(path: Path, *, title: str, body: str, footnote: str, textbox: str,
               cells: tuple[str, str]) -> Path:  # fmt: skip
    """A flat OpenDocument text with a footnote, a text box and a table."""
    path.write_text(
        FODT_TEMPLATE.format(
            title=title, body=body, footnote=footnote, textbox=textbox, cells=cells
        ),
        encoding="utf-8",
    )
    return path


def make_gbk_zip(tmp: Path, files: dict[str, bytes]) -> bytes:
    """A zip with GBK file names and no UTF-8 flag, written by Info-ZIP `zip`."""
    src = tmp / "gbk-src"
    src.mkdir()
    for name, data in files.items():
        raw = os.fsencode(src) + b"/" + name.encode("gbk")
        with open(raw, "wb") as fh:
            fh.write(data)
    out = tmp / "gbk.zip"
    names = [name.encode("gbk") for name in files]
    subprocess.run(["zip", "-q", "-X", str(out), *names], cwd=src, check=True)
    return out.read_bytes()


def make_7z(tmp: Path, files: dict[str, bytes]) -> bytes:
    """A .7z archive made by 7-Zip (names are stored as UTF-16)."""
    src = tmp / "7z-src"
    src.mkdir()
    for name, data in files.items():
        (src / name).write_bytes(data)
    out = tmp / "bundle.7z"
    subprocess.run(["7zz", "a", "-bd", "-y", str(out), *files], cwd=src, check=True,
                   capture_output=True)  # fmt: skip
    return out.read_bytes()


def make_rar(files: dict[str, bytes], *, unicode_names: bool = True) -> bytes:
    """A RAR 4 archive with stored (uncompressed) entries.

    With `unicode_names` the name field holds a GBK name, a NUL and the
    RAR-encoded UTF-16 name (flag 0x200), as WinRAR writes non-ASCII names;
    without it only the GBK bytes, as old WinRAR on Chinese Windows did.
    """
    out = bytearray(b"Rar!\x1a\x07\x00")
    out += _rar_block(0x73, 0, b"\x00" * 6)  # main archive header
    for name, data in files.items():
        legacy = name.encode("gbk")
        flags = 0x8000
        field = legacy
        if unicode_names:
            flags |= 0x200
            field = legacy + b"\x00" + _rar_unicode_name(name)
        fixed = struct.pack(
            "<IIBIIBBHI",
            len(data), len(data), 2, zlib.crc32(data), 0x58A8_0000, 20, 0x30, len(field), 0x20
        )  # fmt: skip
        out += _rar_block(0x74, flags, fixed + field) + data
    out += _rar_block(0x7B, 0x4000, b"")
    return bytes(out)


def _rar_block(kind: int, flags: int, body: bytes) -> bytes:
    head = struct.pack("<BHH", kind, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head


def _rar_unicode_name(name: str) -> bytes:
    """RAR's compact UTF-16 name encoding, every character written in full (mode 2)."""
    units = name.encode("utf-16-le")
    chars = [units[i : i + 2] for i in range(0, len(units), 2)]
    out = bytearray([0])  # the "high byte" shared by mode-1 characters: unused
    for i in range(0, len(chars), 4):
        group = chars[i : i + 4]
        flags = 0
        for j in range(len(group)):
            flags |= 2 << (6 - 2 * j)
        out.append(flags)
        for unit in group:
            out += unit
    return bytes(out)


def make_long_rtf(paragraph: str, count: int) -> bytes:
    """A long RTF (Unicode escapes, as Word writes Chinese) that takes LibreOffice seconds."""
    escaped = "".join(f"\\u{ord(ch)}?" if ord(ch) > 127 else ch for ch in paragraph)
    return ("{\\rtf1\\ansi\\deff0 " + (escaped + "\\par\n") * count + "}").encode("ascii")


def make_encrypted_pdf(lines: Sequence[str], user_password: str, owner_password: str) -> bytes:
    """A CJK PDF encrypted with AES-256 by pypdf."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(lines))))
    writer.encrypt(user_password, owner_password, algorithm="AES-256")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
