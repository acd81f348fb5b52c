"""The [limits] keys of config.toml and the per-message size limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.extract import Limits
from pipeline.parse import parse
from pipeline.process import extraction_limits, process_message
from tests.builders import make_docx, make_mail
from tests.conftest import write_config

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(5000)


def test_limits_keys_reach_the_extraction(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        tmp_path,
        extra="[limits]\nmax_attachment_mb = 5\nmax_message_mb = 12.5\n"
        "extract_timeout_s = 30\nextract_memory_mb = 2048\n",
    )
    limits = extraction_limits(load_config(path).limits)
    assert limits.max_attachment_bytes == 5 * 2**20
    assert limits.max_message_bytes == int(12.5 * 2**20)
    assert limits.timeout_s == 30.0
    assert limits.memory_mb == 2048


def test_defaults_when_keys_are_absent(tmp_path: Path) -> None:
    limits = extraction_limits(load_config(write_config(tmp_path, tmp_path)).limits)
    assert (limits.max_message_bytes, limits.timeout_s, limits.memory_mb) == (
        100 * 2**20,
        60.0,
        1024,
    )


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("extract_timeout_s = 0", "limits.extract_timeout_s"),
        ("extract_memory_mb = 64", "limits.extract_memory_mb"),
        ('max_message_mb = "big"', "limits.max_message_mb"),
    ],
)
def test_bad_limits_name_the_key(tmp_path: Path, line: str, key: str) -> None:
    path = write_config(tmp_path, tmp_path, extra=f"[limits]\n{line}\n")
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(path)


def test_attachments_past_the_message_limit_are_listed_not_read(rulebook) -> None:
    first = make_docx(["观音桥街道节能宣传周工作总结。"])
    second = make_docx(["第二份材料。"])
    raw = make_mail(
        body="",
        attachments=[("总结.docx", first), ("照片.jpg", JPEG), ("材料二.docx", second)],
    )
    limits = Limits(max_message_bytes=len(first) + 100)  # room for the first docx only
    sub = process_message(parse(raw), rulebook, limits)
    assert [d.document.name for d in sub.documents] == ["总结.docx"]
    assert sub.photos == ("照片.jpg",)  # photos are counted, and do not use up the limit
    (problem,) = [p for p in sub.problems if p.where == "材料二.docx"]
    assert "邮件附件总大小超过上限" in problem.reason
    assert "max_message_mb" in problem.action
