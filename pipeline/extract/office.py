"""Legacy and less common Office files: .doc/.wps, .rtf, .pptx, and the ones we refuse.

.doc and .wps (WPS Office writes Word 97 files since ~2005) go to antiword
first: 3 ms a file and correct, tables included (see NOTES.md). antiword
refuses small or unusual files ("text stream too small", Word 6, fast-saved);
those and .rtf go to LibreOffice headless, ~1 s a call, converting to HTML so
table cells stay apart. Helper tools run on a private temp copy named
`input.<ext>`, never under a name taken from the mail, inside the worker's
time budget and in their own process group, killed whole on timeout.
"""

from __future__ import annotations

import atexit
import functools
import io
import os
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from pipeline.errors import ExtractError
from pipeline.extract import current_limits, reader, seconds_left
from pipeline.extract.text import decode_text
from pipeline.parse.html import html_to_text

LIBREOFFICE = "soffice"
ANTIWORD = "antiword"
_OFFICE_MEMORY_MB = 4096  # LibreOffice maps far more address space than it uses
_ENCRYPTED = ExtractError("加密的Office文件（需要密码），无法读取", "请联系报送单位提供未加密版本")


@reader("doc", "wps")
def read_doc(data: bytes) -> str:
    if _word_encrypted(data):
        raise _ENCRYPTED
    if shutil.which(ANTIWORD):
        text = _antiword(data)
        if text.strip():
            return text
    return convert_to_text(data, "doc", "MS Word 97")


@reader("rtf")
def read_rtf(data: bytes) -> str:
    return convert_to_text(data, "rtf", "Rich Text Format")


@reader("pptx")
def read_pptx(data: bytes) -> str:
    """Slide text in slide order (a:t runs, one line per paragraph)."""
    from docx.oxml import parse_xml

    a_p = "{http://schemas.openxmlformats.org/drawingml/2006/main}p"
    a_t = "{http://schemas.openxmlformats.org/drawingml/2006/main}t"
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        slides = [n for n in zf.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
        slides.sort(key=lambda n: int(re.sub(r"\D", "", n)))
        lines = []
        for name in slides:
            root = parse_xml(zf.read(name))
            for para in root.iter(a_p):
                lines.append("".join(t.text or "" for t in para.iter(a_t)))
    return "\n".join(line for line in lines if line.strip())


@reader("xmlss", "wordml")
def read_office_2003_xml(data: bytes) -> str:
    """Excel 2003 XML (rows of cells) and Word 2003 XML (paragraphs of w:t runs)."""
    from docx.oxml import parse_xml  # lxml without entity expansion or network access

    lines = []
    for element in parse_xml(data).iter():
        local = _local(element.tag)
        if local == "Row":
            cells = ["".join(c.itertext()).strip() for c in element if _local(c.tag) == "Cell"]
            lines.append("\t".join(cells).rstrip("\t"))
        elif local == "p" and "wordml" in str(element.tag):
            lines.append("".join(t.text or "" for t in element.iter() if _local(t.tag) == "t"))
    return "\n".join(line for line in lines if line.strip())


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@reader("encrypted-ooxml")
def read_encrypted_ooxml(data: bytes) -> str:
    raise _ENCRYPTED


@reader("msg")
def read_outlook_msg(data: bytes) -> str:
    raise ExtractError(
        "Outlook .msg 格式的邮件附件暂不支持读取",
        "请打开原始邮件人工查看，或请报送单位直接转发原邮件（.eml）",
    )


def _word_encrypted(data: bytes) -> bool:
    """The fEncrypted bit of a Word 97 file information block."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists("WordDocument"):
                return False
            fib = ole.openstream("WordDocument").read(12)
    except Exception:
        return False
    return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)


def _antiword(data: bytes) -> str:
    """antiword's text, or "" when it refuses the file (the caller falls back)."""
    with tempfile.TemporaryDirectory(dir=_scratch(os.getpid())) as tmp:
        path = Path(tmp, "input.doc")
        path.write_bytes(data)
        try:
            out = run_tool([ANTIWORD, "-w", "0", "-m", "UTF-8.txt", str(path)])
        except ExtractError:
            return ""
    return _untable(out.decode("utf-8", "replace"))


def _untable(text: str) -> str:
    """antiword draws tables as |cell   |cell   |; make them tab-separated rows."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        if stripped != "[pic]":
            lines.append(line.rstrip())
    return "\n".join(lines).strip()


def convert_to_text(data: bytes, ext: str, import_filter: str) -> str:
    """Text of a document LibreOffice can open, through its HTML export (all sheets).

    The import filter is named so that LibreOffice does not fall back to
    reading a damaged file as plain text and hand back binary noise.
    """
    if not shutil.which(LIBREOFFICE):
        raise ExtractError(
            f"服务器未安装 LibreOffice，无法读取 .{ext} 文件",
            "请管理员安装 LibreOffice（见 README），或请报送单位改用 docx/pdf 格式",
        )
    with tempfile.TemporaryDirectory(dir=_scratch(os.getpid())) as tmp:
        source = Path(tmp, f"input.{ext}")
        source.write_bytes(data)
        run_tool(
            [
                LIBREOFFICE, "--headless", "--norestore", "--nologo", "--nolockcheck",
                f"-env:UserInstallation={(_scratch(os.getpid()) / 'libreoffice').as_uri()}",
                f"--infilter={import_filter}", "--convert-to", "html", "--outdir", tmp, str(source),
            ],
            memory_mb=_OFFICE_MEMORY_MB,
        )  # fmt: skip
        target = Path(tmp, "input.html")
        if not target.exists():
            raise ExtractError(
                "文件已损坏或加密，无法打开（LibreOffice 也无法读取）",
                "请联系报送单位重新发送，或改用 docx/pdf 格式",
            )
        return html_to_text(decode_text(target.read_bytes()))


def scratch_dir(pid: int) -> Path:
    """Where one process keeps its helper tools' files: the copies they read, and the
    LibreOffice user profile (one per process, so parallel workers never share a lock).

    The sandbox removes a worker's folder when it stops the worker, so a worker
    killed mid-file leaves nothing behind; a process that reads files itself (a
    benchmark) removes its own at exit.
    """
    return Path(tempfile.gettempdir(), f"mailroll-{os.getuid()}-{pid}")


@functools.cache
def _scratch(pid: int) -> Path:
    path = scratch_dir(pid)
    path.mkdir(mode=0o700, exist_ok=True)
    atexit.register(shutil.rmtree, path, ignore_errors=True)  # not run in workers: os._exit
    return path


def run_tool(argv: list[str], memory_mb: int | None = None) -> bytes:
    """Run a helper tool within the current time budget; its stdout, or ExtractError."""
    # stop well before the parent's deadline, so the worker can kill its tool in time
    timeout = min(seconds_left(), current_limits().timeout_s) - 1.0
    if timeout < 0.5:
        raise _timed_out(argv)
    memory = (memory_mb or current_limits().memory_mb) * 2**20

    def confine() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, resource.RLIM_INFINITY))
        cpu = int(timeout) + 2  # a backstop should the worker die before it can kill the tool
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))

    proc = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        process_group=0,
        preexec_fn=confine,  # safe: the worker process is single-threaded
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise _timed_out(argv) from None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    if proc.returncode != 0:
        detail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        raise ExtractError(
            f"{Path(argv[0]).name} 无法读取该文件（{detail[0][:80]}）",
            "请联系报送单位重新发送，或改用 docx/pdf 格式",
        )
    return out


def _timed_out(argv: list[str]) -> ExtractError:
    return ExtractError(
        f"读取超时（{Path(argv[0]).name} 未在时限内完成），已放弃",
        "请打开原始邮件人工查看；文件可能已损坏",
    )
