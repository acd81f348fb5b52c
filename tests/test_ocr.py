"""Scanned reports are read by OCR (issue 19), on scans made with real tools.

The dev set's reports are typeset into PDFs (reportlab, WenQuanYi Zen Hei),
rasterised by pdftoppm and degraded with Pillow (red seal, rotation, blur, JPEG,
a phone's perspective); tagging the scans must agree with tagging the text.
The slow tests run RapidOCR for real (tens of seconds); `make test` runs them.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.extract import extract_one
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS, OCR_PENDING, Limits, OcrSettings
from pipeline.parse import parse
from pipeline.process import process_file, read_message, tag_reading, without_ocr
from tests import scans
from tests.builders import make_docx, make_mail
from tests.conftest import REPO

DEVSET = REPO / "bench" / "devset"


def _text(name: str) -> str:
    return (DEVSET / name).read_text(encoding="utf-8")


def _pages(text: str) -> list:
    return scans.rasterise(scans.render_pdf(text))


def _scan_set(tmp: Path) -> dict[str, tuple[Path, str]]:
    """Five reports, each scanned another way: file -> (scan path, source text)."""
    made: dict[str, tuple[Path, str]] = {}

    def keep(filename: str, data: bytes, text: str) -> None:
        path = tmp / filename
        path.write_bytes(data)
        made[filename] = (path, text)

    t = _text("001-guanyinqiao-street-summary.txt")
    page = scans.stamp_seal(_pages(t)[0], "观音桥街道办事处")
    keep("seal.pdf", scans.scan_pdf([scans.degrade(page, angle=3, blur=0.8, quality=40)]), t)
    t = _text("003-district-education-commission.txt")
    keep("rot90.jpg", scans.jpeg(scans.degrade(_pages(t)[0], angle=90), 60), t)
    t = _text("004-district-tcm-hospital.txt")
    page = scans.stamp_seal(_pages(t)[0], "江北区中医院", where=(0.5, 0.3))
    keep("rot180.pdf", scans.scan_pdf([scans.degrade(page, angle=180, quality=50)]), t)
    t = _text("008-fusheng-town-summary.txt")
    page = scans.stamp_seal(_pages(t)[0], "复盛镇人民政府")
    keep("phone.jpg", scans.jpeg(scans.phone_photo(page, 3), 55), t)
    t = _text("041-wubao-town-summary.txt")
    lines = t.splitlines()
    first, second = "\n".join(lines[: len(lines) // 2]), "\n".join(lines[len(lines) // 2 :])
    typed = scans.render_pdf(first)
    keep("mixed.pdf", scans.merge_pdfs([typed, scans.scan_pdf(_pages(second))]), t)
    return made


def _similarity(expected: str, got: str) -> float:
    a, b = re.sub(r"\s", "", expected), re.sub(r"\s", "", got)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(m.size for m in matcher.get_matching_blocks()) / len(a)


@pytest.mark.slow
def test_scans_tag_like_their_text(tmp_path, workspace, rulebook):
    """`mailroll tag scan --json` on seal, rotated, phone and part-scanned pages agrees
    with the typed text on >= 90% of (document, category) and >= 85% of figures."""
    made = _scan_set(tmp_path)
    files = [str(path) for path, _ in made.values()]
    out = CliRunner().invoke(
        main, ["--config", str(workspace.config_path), "tag", "--json", *files]
    )
    assert out.exit_code == 0, out.output
    records = [json.loads(line) for line in out.output.splitlines() if line.startswith("{")]
    assert len(records) == len(made)
    agree = pairs = figures_right = figures = 0
    for record, (filename, (path, text)) in zip(records, made.items(), strict=True):
        assert record["ocr"] == [filename], record  # read by OCR, marked as such
        assert record["photos"] == [] and record["problems"] == [], record
        typed = tmp_path / f"{path.stem}-typed.pdf"
        typed.write_bytes(scans.render_pdf(text))
        want = process_file(typed, rulebook)
        assert want.documents[0].document.source == ""
        for category in CATEGORY_IDS:
            pairs += 1
            agree += (category in record["categories"]) == (category in want.categories)
        for key in FIGURE_KEYS:
            figures += 1
            figures_right += record["figures"].get(key) == want.figures.get(key)
    assert agree / pairs >= 0.9, (agree, pairs, records)
    assert figures_right / figures >= 0.85, (figures_right, figures, records)


@pytest.mark.slow
def test_ocr_reads_the_real_text_of_each_scan(tmp_path):
    """The words on the page, in order, not just something: through the seal, rotated
    by 90°, and only the scanned pages of a mixed PDF; a photo of a hall with a
    banner, white enough to look like paper, stays a photo."""
    from pipeline.extract.ocr import looks_like_page
    from pipeline.extract.ocrworker import run_ocr

    made = _scan_set(tmp_path)
    del made["rot180.pdf"], made["phone.jpg"]  # read in the test above; keep this one short
    hall = scans.jpeg(scans.activity_photo("节能宣传周启动仪式", white_walls=True), 70)
    assert looks_like_page(hall)  # white walls pass the first look: OCR has to decide
    files = [(n, p.read_bytes()) for n, (p, _) in made.items()] + [("会场.jpg", hall)]
    *results, photo = run_ocr(files, OcrSettings())
    assert (photo.photo, photo.document, photo.problems) == ("会场.jpg", None, ())
    for (name, (_path, text)), got in zip(made.items(), results, strict=True):
        assert got.document is not None, (name, got)
        assert got.document.source == "ocr"
        assert _similarity(text, got.document.text) >= 0.95, (name, got.document.text)
    assert results[0].document.text.startswith("关于观音桥街道2024年节能宣传周")
    assert "悬挂横幅12条" in results[0].document.text.replace(" ", "")


def test_activity_photo_stays_a_photo_and_a_page_photo_is_queued():
    """A hall with people and a banner is counted as a photo and never queued for OCR;
    a phone photo of a page, a scanned PDF and a PDF whose last page is a scan are
    queued instead of becoming a problem; a typed PDF is not."""
    limits = Limits()
    photo = scans.jpeg(scans.activity_photo(), 70)
    got = extract_one("活动现场.jpg", photo, limits)
    assert got.photos == ("活动现场.jpg",) and got.documents == () and got.problems == ()
    page = scans.phone_photo(_pages(_text("008-fusheng-town-summary.txt"))[0])
    got = extract_one("总结.jpg", scans.jpeg(page, 60), limits)
    assert got.photos == ("总结.jpg",)
    assert [(d.name, d.source) for d in got.documents] == [("总结.jpg", OCR_PENDING)]
    scan = scans.scan_pdf(_pages(_text("001-guanyinqiao-street-summary.txt")))
    got = extract_one("扫描件.pdf", scan, limits)
    assert [(d.name, d.source, d.text.strip()) for d in got.documents] == [
        ("扫描件.pdf", OCR_PENDING, "")
    ]
    assert got.problems == ()
    typed = scans.render_pdf("观音桥街道节能宣传周工作总结\n悬挂横幅12条。")
    got = extract_one("混合.pdf", scans.merge_pdfs([typed, scan]), limits)  # last page scanned
    assert [(d.source, d.text.split()) for d in got.documents] == [
        (OCR_PENDING, ["观音桥街道节能宣传周工作总结", "悬挂横幅12条。"])
    ]
    assert extract_one("打印.pdf", typed, limits).documents[0].source == ""


def test_word_file_and_its_scan_read_from_the_word_file(rulebook):
    """With the docx and its signed scan in one mail, nothing is queued for OCR."""
    text = _text("001-guanyinqiao-street-summary.txt")
    scan = scans.scan_pdf(_pages(text))
    photo = scans.jpeg(scans.phone_photo(_pages(text)[0]), 60)
    message = parse(
        make_mail(
            attachments=[
                ("观音桥街道总结.docx", make_docx(text.splitlines())),
                ("观音桥街道总结（盖章）.pdf", scan),
                ("盖章页.jpg", photo),
            ]
        )
    )
    reading = read_message(message)
    assert [d.name for d in reading.documents] == ["观音桥街道总结.docx"]
    assert all(d.source == "" for d in reading.documents)
    assert reading.photos == ("盖章页.jpg",)
    sub = tag_reading(message, reading, rulebook)
    assert "publicity" in sub.categories and sub.figures["banners"] == 12


def test_ocr_off_lists_the_scan_as_before(rulebook):
    """[ocr] enabled = false: a scanned PDF is a 待处理 row, a page photo a photo."""
    text = _text("001-guanyinqiao-street-summary.txt")
    message = parse(
        make_mail(
            body="",
            attachments=[
                ("扫描件.pdf", scans.scan_pdf(_pages(text))),
                ("盖章页.jpg", scans.jpeg(scans.phone_photo(_pages(text)[0]), 60)),
            ],
        )
    )
    reading = without_ocr(read_message(message))
    assert reading.documents == ()
    assert reading.photos == ("盖章页.jpg",)
    assert [(p.where, p.reason) for p in reading.problems] == [
        ("扫描件.pdf", "文件中没有可提取的文字（可能是扫描件或图片）")
    ]


def test_uncertain_digits_flag_their_figure_in_the_workbook(workspace, rulebook):
    """A number OCR read with a low-confidence digit is flagged in 明细; a sure one is not."""
    from pipeline.extract.ocr import _uncertain_numbers
    from pipeline.models import Document, Reading
    from pipeline.rollup.report import write_report
    from pipeline.service.runner import open_store
    from tests.reportkit import by_unit, table

    # RapidOCR's per-character results for one line: (character, confidence, box)
    sure = [(c, 0.99, None) for c in "发放宣传资料"]
    digits = [("1", 0.99, None), ("2", 0.62, None), ("8", 0.97, None), ("0", 0.99, None)]
    line = [*sure, *digits, ("份", 0.99, None), ("，", 0.99, None)]
    line += [(c, 0.99, None) for c in "悬挂横幅12条"]
    assert list(_uncertain_numbers([tuple(line)])) == ["1280"]

    raw = make_mail(body="", attachments=[("总结（盖章）.jpg", b"")])
    message = parse(raw)
    text = "观音桥街道开展节能宣传周活动，发放宣传资料1280份，悬挂横幅12条。"
    reading = Reading((Document("总结（盖章）.jpg", "jpg", text, "ocr", ("1280",)),), (), ())
    sub = tag_reading(message, reading, rulebook)
    assert sub.documents[0].doubtful == ["leaflets"]
    store = open_store(workspace.config)
    sha, _ = store.save_raw("test", "1", raw)
    store.save_submission(sha, message, sub)
    book = write_report(store, workspace.config, rulebook)
    store.close()
    [row] = [r for r in table(book, "明细") if "盖章" in str(r["文件"])]
    assert row["文件"] == "总结（盖章）.jpg（扫描件，文字由OCR识别）"
    assert row["宣传资料(份)"] == "1280（识别存疑，请核对）"
    assert row["横幅(条)"] == 12
    unit = by_unit(book)["观音桥街道办事处"]
    assert "数字存疑" in str(unit["备注"]) and unit["宣传资料(份)"] == 1280


def test_ocr_timeout_and_crash_are_one_problem_each():
    """The OCR worker's own limits: past seconds_per_page it is killed, past memory_mb
    it fails; either way one problem line per file, no exception."""
    from pipeline.extract.ocrworker import run_ocr

    scan = scans.scan_pdf(_pages(_text("001-guanyinqiao-street-summary.txt")))
    [late] = run_ocr([("扫描件.pdf", scan)], OcrSettings(seconds_per_page=0.5))
    assert late.document is None
    assert [(p.where, p.reason) for p in late.problems] == [
        ("扫描件.pdf", "文字识别超时（超过 1 秒），已放弃")
    ]
    [starved] = run_ocr([("扫描件.pdf", scan)], OcrSettings(memory_mb=150))
    assert starved.document is None
    assert [(p.where, p.reason) for p in starved.problems] == [
        ("扫描件.pdf", "文字识别程序无法启动（未安装 rapidocr，或 ocr.memory_mb 过小）")
    ]


def test_a_timed_out_scan_is_a_problem_row_and_leaves_the_queue(workspace):
    """In the service: the mail keeps counting, the scan is one 待处理 row, the queue is empty."""
    from pipeline.service.runner import open_store, run_once

    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write("\n[ocr]\nseconds_per_page = 0.5\n")
    scan = scans.scan_pdf(_pages(_text("001-guanyinqiao-street-summary.txt")))
    workspace.add(make_mail(body="", attachments=[("观音桥街道总结（盖章）.pdf", scan)]))
    result = run_once(workspace.config)
    assert (result.processed, result.failed) == (1, 0)
    store = open_store(workspace.config)
    try:
        problems = store.db.execute("SELECT location, reason FROM problems").fetchall()
        jobs = store.db.execute("SELECT state, attempts FROM ocr_jobs").fetchall()
        docs = store.db.execute("SELECT count(*) FROM documents").fetchone()[0]
    finally:
        store.close()
    assert [tuple(p) for p in problems] == [
        ("观音桥街道总结（盖章）.pdf", "文字识别超时（超过 1 秒），已放弃")
    ]
    assert [tuple(j) for j in jobs] == [("done", 1)] and docs == 0


def test_pages_past_the_limit_are_listed_and_a_photo_stays_a_photo():
    """[ocr] max_pages per mail: past it a scan is a problem line, an image a photo too."""
    from pipeline.extract.ocrworker import read_files

    text = _text("001-guanyinqiao-street-summary.txt")
    page = scans.jpeg(scans.phone_photo(_pages(text)[0]), 60)
    got = read_files([("盖章页.jpg", page), ("扫描件.pdf", scans.scan_pdf(_pages(text)))], 0)
    assert [(r.document, r.photo) for r in got] == [(None, "盖章页.jpg"), (None, None)]
    assert [[p.reason for p in r.problems] for r in got] == [
        ["超过每封邮件 0 页的文字识别上限，未识别（按照片计）"],
        ["超过每封邮件 0 页的文字识别上限，未识别"],
    ]


def test_a_scan_inside_a_zip_is_queued_and_found_again():
    """A scan in an archive is queued by its path (材料.zip/扫描件.pdf) and the OCR queue
    finds its bytes again in the archived mail's attachment. The zip stores the PDF
    uncompressed, so %PDF- shows in its first bytes: it is still a zip. A short note
    beside the scan does not stop OCR (only a report's worth of text does)."""
    import io
    import zipfile

    from pipeline.process import pending_scans, scan_files

    scan = scans.scan_pdf(_pages(_text("001-guanyinqiao-street-summary.txt")))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("扫描件.pdf", scan)
        zf.writestr("说明.txt", "观音桥街道节能宣传周材料")
    message = parse(make_mail(body="", attachments=[("材料.zip", buf.getvalue())]))
    reading = read_message(message)
    assert pending_scans(reading) == ["材料.zip/扫描件.pdf"]
    files = {a.filename: a.data for a in message.attachments}
    assert scan_files(pending_scans(reading), files) == {"材料.zip/扫描件.pdf": scan}
