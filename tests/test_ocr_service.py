"""The OCR queue in the service (issue 19): a scanned report is processed at once,
read by OCR after the text mail, never twice, and a kill during OCR loses nothing.

Real parts: the Dovecot fixture's mailbox, `mailroll run --once` as a process
killed with SIGKILL, the workbook read back with openpyxl.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.service.runner import run_once
from tests import scans
from tests.builders import make_mail
from tests.conftest import REPO
from tests.reportkit import by_unit, table
from tests.servicekit import (
    DovecotBox,
    Mailroll,
    query,
    report_mail,
    wait_until,
    write_service_config,
)

SCAN_TEXT = (REPO / "bench" / "devset" / "001-guanyinqiao-street-summary.txt").read_text("utf-8")


@pytest.fixture
def processes() -> Iterator[list[Mailroll]]:
    """Every process a test starts; killed at the end if still running."""
    started: list[Mailroll] = []
    yield started
    for proc in started:
        proc.kill()


def _scan_mail() -> bytes:
    page = scans.rasterise(scans.render_pdf(SCAN_TEXT))[0]
    page = scans.degrade(scans.stamp_seal(page, "观音桥街道办事处"), angle=2, blur=0.6, quality=50)
    return make_mail(
        sender="guanyinqiao@jiangbei.example",
        subject="观音桥街道节能宣传周工作总结（盖章扫描件）",
        body="",
        attachments=[("观音桥街道总结（盖章）.pdf", scans.scan_pdf([page]))],
        message_id="<scan-1@jiangbei.example>",
    )


def _scan_row(database: Path) -> tuple:
    rows = query(
        database,
        "SELECT s.categories, s.figures, d.source, d.doubtful, j.state, j.attempts"
        " FROM submissions s JOIN documents d USING (sha256) JOIN ocr_jobs j USING (sha256)",
    )
    assert len(rows) == 1, rows
    return rows[0]


def _cumulative(config: Path) -> Path:
    return next((config.parent / "output").glob("*累计.xlsx"))


def _details(config: Path) -> list[dict[str, object]]:
    return table(_cumulative(config), "明细")


def _summary(config: Path) -> dict[str, dict[str, object]]:
    return by_unit(_cumulative(config))


@pytest.mark.slow
def test_scan_is_queued_read_later_once_and_survives_a_kill(tmp_path, dovecot, processes):
    box = DovecotBox(tmp_path, dovecot)
    # only `run --once` here: a real poll interval, so that `status` does not call the last
    # poll overdue when the machine is slow (the default test interval is 1.2 s)
    config_path = write_service_config(
        tmp_path, box, start=date(2024, 5, 13), end=date(2024, 5, 19), poll_minutes=10
    )
    database = tmp_path / "var" / "mailroll.sqlite3"
    box.add(report_mail(1))
    box.add(_scan_mail())

    # processed at once: both mails count, the scan waits (明细: 识别中), no OCR yet
    first = run_once(load_config(config_path), ocr_budget_s=0)
    assert (first.new_mails, first.processed, first.failed) == (2, 2, 0)
    categories, figures, source, _doubtful, state, attempts = _scan_row(database)
    assert (json.loads(categories), json.loads(figures)) == ([], {})
    assert (source, state, attempts) == ("ocr_pending", "queued", 0)
    rows = [r for r in _details(config_path) if "盖章" in str(r["文件"])]
    assert [(r["材料类型"], r["文件"], r["计入情况"]) for r in rows] == [
        ("识别中", "观音桥街道总结（盖章）.pdf（扫描件，识别中）", "计入")
    ]
    unit = _summary(config_path)["观音桥街道办事处"]
    assert unit["报送状态"] == "按时" and "识别中" in str(unit["备注"])
    status = Mailroll(config_path, "status", "--json")
    processes.append(status)
    assert status.wait() == 0
    counts = json.loads(status.text())
    assert (counts["submissions"], counts["pending"], counts["ocr_queued"]) == (2, 0, 1)

    # killed while reading the scan: the mail keeps its first result and stays queued
    killed = Mailroll(config_path, "run", "--once")
    processes.append(killed)
    wait_until("OCR starts", lambda: _scan_row(database)[5] == 1, killed, timeout=120)
    time.sleep(1.0)
    killed.signal(9)
    killed.wait()
    assert _scan_row(database)[2:5] == ("ocr_pending", "[]", "queued")

    # a restart resumes the queue: tags and figures appear, the text is marked as OCR'd
    again = Mailroll(config_path, "run", "--once")
    processes.append(again)
    assert again.wait(timeout=300) == 0, again.text()
    categories, figures, source, _doubtful, state, attempts = _scan_row(database)
    assert {"publicity", "livestream", "quiz", "green_office"} <= set(json.loads(categories))
    assert json.loads(figures)["banners"] == 12 and json.loads(figures)["leaflets"] == 3000
    assert (source, state, attempts) == ("ocr", "done", 2)
    rows = [r for r in _details(config_path) if "盖章" in str(r["文件"])]
    assert [(r["材料类型"], r["文件"]) for r in rows] == [
        ("报告", "观音桥街道总结（盖章）.pdf（扫描件，文字由OCR识别）")
    ]
    assert rows[0]["横幅(条)"] == 12
    unit = _summary(config_path)["观音桥街道办事处"]
    assert unit["报送状态"] == "按时" and "识别中" not in str(unit["备注"] or "")

    # never twice: a later run finds nothing to process and nothing to OCR
    last = run_once(load_config(config_path))
    assert (last.new_mails, last.processed) == (0, 0)
    assert _scan_row(database)[4:] == ("done", 2)
