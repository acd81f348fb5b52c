"""Many mails are processed in one worker process per core: same rows as one by one."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.service import workers as fanout
from pipeline.service.runner import open_store, poll, process_pending, retag
from pipeline.store import Store
from tests.builders import make_docx, make_mail, make_pdf
from tests.conftest import Workspace

UNITS = ["guanyinqiao@jiangbei.example", "huaxinjie@jiangbei.example", "fgw@jiangbei.example"]
TABLES = {  # mails are named by Message-ID: a docx made twice differs in its timestamps
    "submissions": "SELECT message_id, sender, subject, sent_at, unit_id, unit_how, unit_evidence,"
    " kind, categories, evidence, figures, summary, photos FROM submissions ORDER BY 1",
    "documents": "SELECT s.message_id, d.ordinal, d.name, d.filetype, d.kind, d.chars,"
    " d.categories, d.tags, d.figures, d.summary FROM documents d JOIN submissions s"
    " USING (sha256) ORDER BY 1, 2",
    "problems": "SELECT s.message_id, p.stage, p.location, p.reason, p.action FROM problems p"
    " JOIN submissions s USING (sha256) ORDER BY 1, 2, 3, 4",
    "mails": "SELECT state, attempts, count(*) FROM mails GROUP BY 1, 2 ORDER BY 1, 2",
}


def _season(ws: Workspace, count: int = 24) -> None:
    for n in range(count):
        files = [("总结.docx", make_docx([f"第{n}份：组织干部职工{n}人绿色出行。"]))]
        if n % 3 == 0:
            files.append(("活动.pdf", make_pdf([f"低碳日停开公务用车{n}辆。"])))
        if n % 7 == 0:
            files.append(("坏.pdf", b"%PDF-1.4 broken"))
        ws.add(make_mail(sender=UNITS[n % 3], body=f"见附件{n}。", attachments=files,
                         message_id=f"<m{n}@x>"))  # fmt: skip


def _rows(ws: Workspace) -> dict[str, list[tuple]]:
    db = sqlite3.connect(ws.config.storage.database)
    try:
        return {name: [tuple(r) for r in db.execute(sql)] for name, sql in TABLES.items()}
    finally:
        db.close()


def _process(ws: Workspace) -> tuple[int, int]:
    from pipeline.process import load_rulebook

    config = ws.config
    store: Store = open_store(config)
    try:
        poll(store, config)
        return process_pending(store, config, load_rulebook(config.rules_dir))
    finally:
        store.close()


needs_two_cores = pytest.mark.skipif(fanout.workers_for(10**6) < 2, reason="needs 2 cores")


@needs_two_cores
def test_workers_write_the_same_rows_as_the_serial_loop(
    tmp_path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    parallel, serial = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    _season(parallel)
    _season(serial)
    with caplog.at_level("INFO", "pipeline.service.runner"):
        got_parallel = _process(parallel)
    assert "24 mails in" in caplog.text and "worker processes" in caplog.text
    monkeypatch.setattr(fanout, "MIN_MAILS", 10**9)  # one mail at a time, in this process
    got_serial = _process(serial)
    assert got_parallel == got_serial == (24, 0)
    assert _rows(serial)["problems"]  # the broken PDFs are there to compare too
    assert _rows(parallel) == _rows(serial)


@needs_two_cores
def test_retag_in_workers_redoes_every_mail(tmp_path) -> None:
    ws = Workspace(tmp_path)
    _season(ws)
    assert _process(ws) == (24, 0)
    before = _rows(ws)
    assert retag(ws.config) == (24, 0)
    assert _rows(ws) == before
