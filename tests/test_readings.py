"""retag tags what was read when a mail was first processed (the stored Reading),
and reads the archived raw mail again only when that Reading is stale or damaged."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.models import Reading
from pipeline.service.runner import retag
from pipeline.store.readings import dump_reading, load_reading
from tests.builders import make_docx, make_mail
from tests.conftest import Workspace
from tests.test_fanout import _process, _rows, _season, needs_two_cores


def _archive_away(ws: Workspace) -> None:
    """Put every archived raw mail out of mailroll's reach."""
    archive = ws.config.storage.archive
    archive.rename(archive.with_name("archive-elsewhere"))


@pytest.mark.parametrize("count", [6, pytest.param(24, marks=needs_two_cores)])
def test_retag_tags_the_stored_reading_without_opening_the_raw_mail(tmp_path, count: int) -> None:
    ws = Workspace(tmp_path)
    _season(ws, count)  # 24 mails go through the worker processes, 6 through the serial loop
    assert _process(ws) == (count, 0)
    before = _rows(ws)
    assert before["problems"]  # the broken PDF's problem is part of the stored reading

    _archive_away(ws)
    assert retag(ws.config) == (count, 0)
    assert _rows(ws) == before

    # --reread goes back to the raw mail, which is gone: every mail fails, none is lost,
    # and each keeps its stored result, with one row naming the missing file
    assert retag(ws.config, reread=True) == (0, count)
    after = _rows(ws)
    problems = after.pop("problems")
    missing = [p for p in problems if p[1] == "archive"]
    assert [p for p in problems if p[1] != "archive"] == before["problems"]
    assert len(missing) == count and all("原始邮件文件缺失" in p[3] for p in missing)
    assert {k: v for k, v in before.items() if k != "problems"} == after
    assert retag(ws.config, reread=True) == (0, count)  # again: still one row per mail
    assert len([p for p in _rows(ws)["problems"] if p[1] == "archive"]) == count


def test_a_damaged_or_stale_reading_is_read_again_from_the_raw_mail(tmp_path) -> None:
    ws = Workspace(tmp_path)
    _season(ws, 6)
    assert _process(ws) == (6, 0)
    before = _rows(ws)
    db = sqlite3.connect(ws.config.storage.database)
    with db:
        db.execute("UPDATE readings SET data = x'789c00' WHERE rowid = 1")  # damaged
    db.close()
    assert retag(ws.config) == (6, 0)
    assert _rows(ws) == before  # the damaged one was read again from its raw mail

    # other [limits] could read a mail differently: every stored reading is stale
    text = ws.config_path.read_text(encoding="utf-8")
    ws.config_path.write_text(text + "\n[limits]\nextract_timeout_s = 45\n", encoding="utf-8")
    _archive_away(ws)
    assert retag(ws.config) == (0, 6)  # so each mail is read again: from an archive now gone


def test_a_reading_keeps_what_tagging_needs_from_the_mail() -> None:
    from pipeline.parse import parse
    from pipeline.process import read_message

    raw = make_mail(
        sender="guanyinqiao@jiangbei.example",
        body="见附件。",
        attachments=[("观音桥街道总结.docx", make_docx(["组织干部职工绿色出行。"]))],
    )
    message = parse(raw)
    reading = read_message(message)
    again, kept = load_reading(dump_reading(message, reading))
    assert isinstance(kept, Reading) and kept == reading
    assert [a.filename for a in again.attachments] == ["观音桥街道总结.docx"]
    assert all(a.data == b"" for a in again.attachments)  # names only, never the bytes
    assert (again.sender, again.subject, again.date, again.body) == (
        message.sender,
        message.subject,
        message.date,
        message.body,
    )
