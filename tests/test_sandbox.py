"""The worker sandbox: a hang, a memory blow-up or a crash costs one problem, not the run."""

from __future__ import annotations

import io
import os
import signal
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor

from pipeline.extract import Limits, extract
from pipeline.extract.office import scratch_dir
from pipeline.extract.sandbox import Worker, WorkerPool
from tests.builders import make_docx
from tests.filemakers import make_long_rtf, needs_libreoffice

REPORT = "观音桥街道节能宣传周总结：发放宣传资料3000余份。"


def _slow_pdf(depth: int = 6, fanout: int = 10) -> bytes:
    """A tiny PDF whose page draws a form that draws a form ... `fanout` times at each of
    `depth` levels: 10**6 line drawings and no text. PDFium finds no text in it (in
    ~0.6 s), so it goes on to pdfminer.six, which walks every drawing (~40 s)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /XObject << /X 5 0 R >> >> >>",
        _stream(b"", b"/X Do"),
    ]
    for level in range(depth):
        here = 5 + level
        if level == depth - 1:
            res = b"/Resources << >>"
            body = b"0 0 m 9 9 l S"
        else:
            res = b"/Resources << /XObject << /X %d 0 R >> >>" % (here + 1)
            body = b" ".join([b"/X Do"] * fanout)
        objects.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] " + res, body))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _stream(dictionary: bytes, body: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"


def test_a_file_that_takes_too_long_is_given_up_and_the_next_is_read() -> None:
    worker = Worker()
    try:
        got = worker.run("慢.pdf", _slow_pdf(), Limits(timeout_s=1))
        (problem,) = got.problems
        assert problem.where == "慢.pdf"
        assert "读取超时" in problem.reason
        again = worker.run("总结.docx", make_docx([REPORT]), Limits(timeout_s=30))
        assert [d.text for d in again.documents] == [REPORT]
    finally:
        worker.stop()


def _docx_bomb(megabytes: int) -> bytes:
    """A docx whose document.xml inflates to `megabytes` MB (a few hundred KB packed)."""
    good = make_docx([REPORT])
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"<w:body>", b"<w:body>" + b" " * (megabytes * 2**20))
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return buf.getvalue()


def test_a_file_that_needs_too_much_memory_costs_one_problem() -> None:
    bomb = _docx_bomb(600)
    assert len(bomb) < 5 * 2**20
    worker = Worker()
    try:
        got = worker.run("炸弹.docx", bomb, Limits(memory_mb=400, timeout_s=60))
        assert got.documents == ()
        (problem,) = got.problems
        assert problem.where == "炸弹.docx"
        assert "内存" in problem.reason
        again = worker.run("总结.docx", make_docx([REPORT]), Limits(memory_mb=400))
        assert [d.text for d in again.documents] == [REPORT]
    finally:
        worker.stop()


def test_a_worker_that_dies_costs_one_problem() -> None:
    worker = Worker()
    try:
        worker.run("热身.txt", b"warm up", Limits())
        pid = worker._process.pid  # type: ignore[union-attr]
        slow = _slow_pdf()  # ~40 s of work; the kill comes 0.5 s into it
        killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))
        killer.start()
        got = worker.run("慢.pdf", slow, Limits(timeout_s=60))
        killer.join()
        (problem,) = got.problems
        assert "异常退出" in problem.reason
        again = worker.run("总结.txt", REPORT.encode("gbk"), Limits())
        assert [d.text for d in again.documents] == [REPORT]
    finally:
        worker.stop()


def test_pool_serves_threads() -> None:
    pool = WorkerPool(2)
    try:
        files = [(f"{i}.docx", make_docx([f"{REPORT}{i}"])) for i in range(6)]
        with ThreadPoolExecutor(3) as threads:
            results = list(threads.map(lambda f: pool.run(f[0], f[1], Limits()), files))
        assert [r.documents[0].text for r in results] == [f"{REPORT}{i}" for i in range(6)]
    finally:
        pool.close()


def test_default_extract_uses_the_sandbox() -> None:
    """The worker's own process answers, not the caller's (its pid differs)."""
    got = extract("总结.txt", REPORT.encode("gb18030"))
    assert got.documents[0].text == REPORT
    from pipeline.extract import sandbox

    pool = sandbox._default_pool
    assert pool is not None
    worker_pid = pool._workers[0]._process.pid  # type: ignore[union-attr]
    assert worker_pid != os.getpid()


@needs_libreoffice
def test_stopping_a_worker_removes_its_scratch_folder() -> None:
    worker = Worker()
    got = worker.run("说明.rtf", make_long_rtf(REPORT, 3), Limits())
    assert [d.text for d in got.documents] == ["\n".join([REPORT] * 3)]
    folder = scratch_dir(worker._process.pid)  # type: ignore[union-attr]
    assert (folder / "libreoffice").is_dir()  # the LibreOffice profile is kept between files
    worker.stop()
    assert not folder.exists()
