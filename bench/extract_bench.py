"""Extraction speed and memory per file type.

    .venv/bin/python bench/extract_bench.py [--repeat N]

For each type a realistic file (a two-page Chinese summary; a two-sheet
table; an archive holding a docx and a photo) is made with the same real
tools the tests use, then read N times

* in this process (`extract_one` for each file: the readers alone), and
* through the sandbox (`Worker.run` for each file: pickling, the pipe, the
  worker), files inside archives and mails included,

and the table shows files per second for both and the worker's peak
resident memory (VmHWM; helper tools such as antiword and LibreOffice run in
their own processes and are not included). Needs the test extras and the
tools of scripts/install-deps.sh --test.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.extract import Limits, extract_one, extract_tree
from pipeline.extract.sandbox import Worker
from tests.builders import make_docx, make_mail, make_pdf
from tests.filemakers import (
    libreoffice_convert,
    make_7z,
    make_rar,
    make_xlsx,
    write_fodt,
)

PARAGRAPH = (
    "我街道组织辖区机关、学校、医院干部职工收看全国节能宣传周启动仪式直播，"
    "发放节能宣传资料3000余份，悬挂横幅12条，设置展板6块，开展知识竞赛2场，参与群众共计850人次。"
)
LINES = [PARAGRAPH] * 24  # about two pages
TABLE = {
    "活动统计": [["活动", "场次", "人数"], *[[f"活动{i}", i, i * 10] for i in range(60)]],
    "宣传材料": [["类别", "数量"], *[[f"材料{i}", i] for i in range(40)]],
}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200_000)


def make_samples(tmp: Path) -> dict[str, tuple[str, bytes]]:
    """One file per type: (file name, bytes)."""
    docx = make_docx(LINES, table=[["活动", "人数"], ["低碳日体验", "120人"]])
    fodt = write_fodt(
        tmp / "总结.fodt", title="节能宣传周总结", body=PARAGRAPH * 24,
        footnote="注：人数按签到表统计。", textbox="低碳日停开公务用车。", cells=("活动", "人数"),
    )  # fmt: skip
    tiny = tmp / "短.docx"
    tiny.write_bytes(make_docx(["节能宣传周总结"]))
    xlsx = tmp / "统计表.xlsx"
    xlsx.write_bytes(make_xlsx(TABLE))
    doc, tiny_doc = libreoffice_convert([fodt, tiny], "doc", tmp)
    (rtf,) = libreoffice_convert([fodt], "rtf", tmp)
    (odt,) = libreoffice_convert([fodt], "odt", tmp)
    (xls,) = libreoffice_convert([xlsx], "xls", tmp)
    zip_path = tmp / "材料.zip"
    import zipfile

    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("总结.docx", docx)
        zf.writestr("照片.jpg", JPEG)
    text = "\n".join(LINES)
    return {
        "docx": ("总结.docx", docx),
        "pdf (3 pages, CID font)": ("总结.pdf", make_pdf(LINES * 3)),
        "doc (antiword)": ("总结.doc", doc.read_bytes()),
        "doc (LibreOffice fallback)": ("短.doc", tiny_doc.read_bytes()),
        "rtf (LibreOffice)": ("总结.rtf", rtf.read_bytes()),
        "odt": ("总结.odt", odt.read_bytes()),
        "xlsx (2 sheets)": ("统计表.xlsx", xlsx.read_bytes()),
        "xls (xlrd)": ("统计表.xls", xls.read_bytes()),
        "txt (GBK)": ("说明.txt", text.encode("gbk")),
        "txt (Big5)": ("說明.txt", text.encode("big5", "replace")),
        "html": ("正文.html", f"<html><body><p>{'</p><p>'.join(LINES)}</p></body></html>".encode()),
        "zip (docx + jpg)": ("材料.zip", zip_path.read_bytes()),
        "rar (stored txt + jpg)": ("材料.rar", make_rar({"总结.txt": text.encode("gbk"),
                                                        "照片.jpg": JPEG})),
        "7z (docx + jpg)": ("材料.7z", make_7z(tmp, {"总结.docx": docx, "照片.jpg": JPEG})),
        "eml (forwarded, docx)": ("转发.eml", make_mail(body=PARAGRAPH,
                                                       attachments=[("总结.docx", docx)])),
        "jpg (photo, counted)": ("现场.jpg", JPEG),
    }  # fmt: skip


def _rate(run: Callable[[], object], repeat: int) -> float:
    run()  # warm up: imports, LibreOffice profile
    started = time.perf_counter()
    for _ in range(repeat):
        run()
    return repeat / (time.perf_counter() - started)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="reads per type (default 20)")
    args = parser.parse_args()
    limits = Limits()
    with tempfile.TemporaryDirectory() as tmp:
        samples = make_samples(Path(tmp))
    print(f"{'type':<28}{'KB':>7}{'in-process/s':>14}{'sandboxed/s':>13}{'worker peak MB':>16}")
    for label, (name, data) in samples.items():
        repeat = max(2, args.repeat // 10) if "LibreOffice" in label else args.repeat
        local = _rate(lambda n=name, d=data: extract_tree(n, d, limits, extract_one), repeat)
        worker = Worker()
        try:
            sandboxed = _rate(lambda n=name, d=data, w=worker: extract_tree(n, d, limits, w.run),
                              repeat)  # fmt: skip
            peak = _peak_rss_mb(worker._process.pid)  # type: ignore[union-attr]
        finally:
            worker.stop()
        print(f"{label:<28}{len(data) / 1024:>7.0f}{local:>14.1f}{sandboxed:>13.1f}{peak:>16.0f}")


if __name__ == "__main__":
    main()
