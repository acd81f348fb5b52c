"""Archives and forwarded mails: names decoded right, everything inside read, limits kept."""

from __future__ import annotations

import io
import subprocess
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from pipeline.extract import Limits, extract
from pipeline.parse import parse
from pipeline.process import process_message
from tests.builders import make_docx, make_mail
from tests.filemakers import make_7z, make_gbk_zip, make_rar

REPORT = "观音桥街道节能宣传周总结：发放宣传资料3000余份，悬挂横幅12条。"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(100)


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_zip_with_gbk_names_from_a_windows_tool(tmp_path: Path) -> None:
    data = make_gbk_zip(
        tmp_path, {"观音桥街道总结.txt": REPORT.encode("gbk"), "现场照片.jpg": JPEG}
    )
    assert all(not info.flag_bits & 0x800 for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    got = extract("材料.zip", data)
    assert got.problems == ()
    (doc,) = got.documents
    assert doc.name == "材料.zip/观音桥街道总结.txt"
    assert doc.text == REPORT
    assert got.photos == ("材料.zip/现场照片.jpg",)


def test_zip_unicode_path_extra_field_wins(shared_corpus) -> None:
    # '中文路径.txt' stored as GBK bytes plus an Info-ZIP 0x7075 field with the UTF-8 name
    data = (shared_corpus("archive") / "admzip__chs_name.zip").read_bytes()
    (doc,) = extract("a.zip", data).documents
    assert doc.name == "a.zip/中文路径.txt"


def test_packing_clutter_is_ignored() -> None:
    data = _zip(
        {
            "总结.txt": REPORT.encode(),
            "__MACOSX/._总结.txt": b"\x00\x05\x16\x07" + bytes(80),
            ".DS_Store": b"\x00\x00\x00\x01Bud1" + bytes(60),
            "照片/Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        }
    )
    got = extract("材料.zip", data)
    assert [d.name for d in got.documents] == ["材料.zip/总结.txt"]
    assert got.problems == ()


def test_nested_zip_documents_named_by_path() -> None:
    inner = _zip({"观音桥街道总结.docx": make_docx([REPORT]), "照片1.jpg": JPEG})
    outer = _zip({"内层.zip": inner, "说明.txt": "请查收。".encode("gbk")})
    got = extract("材料.zip", outer)
    assert got.problems == ()
    assert [(d.name, d.text) for d in got.documents] == [
        ("材料.zip/内层.zip/观音桥街道总结.docx", REPORT),
        ("材料.zip/说明.txt", "请查收。"),
    ]
    assert got.photos == ("材料.zip/内层.zip/照片1.jpg",)


def test_nesting_deeper_than_the_limit_is_a_problem() -> None:
    data = _zip({"总结.txt": REPORT.encode()})
    for level in range(4):
        data = _zip({f"第{level}层.zip": data})
    got = extract("材料.zip", data, Limits(max_depth=3))
    assert got.documents == ()
    (problem,) = got.problems
    assert problem.where == "材料.zip/第3层.zip/第2层.zip/第1层.zip"
    assert "嵌套超过 3 层" in problem.reason


def test_zip_bomb_stops_at_the_expansion_limit() -> None:
    zeros = bytes(64 * 2**20)  # 64 MB of zeros deflate to ~64 KB
    data = _zip({"a.txt": zeros, "b.txt": zeros, "c.txt": zeros})
    assert len(data) < 2**20
    limits = Limits(max_attachment_bytes=80 * 2**20, max_expanded_bytes=100 * 2**20)
    got = extract("炸弹.zip", data, limits)
    assert [p.where for p in got.problems] == ["炸弹.zip", "炸弹.zip/a.txt"]
    assert "疑似压缩炸弹" in got.problems[0].reason  # b.txt would pass 100 MB
    assert "不是文字" in got.problems[1].reason  # a.txt was unpacked: 64 MB of zeros


def test_entry_count_limit() -> None:
    data = _zip({f"{i}.txt": REPORT.encode() for i in range(12)})
    got = extract("多.zip", data, Limits(max_entries=5))
    assert len(got.documents) == 5
    assert "超过 5 个" in got.problems[0].reason


def test_zip_slip_and_absolute_names_are_only_labels(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = _zip({"../../逃逸.txt": b"a", "/etc/passwd_x.txt": b"b", "C:\\Windows\\x.txt": b"c"})
    got = extract("材料.zip", data)
    assert [d.name for d in got.documents] == [
        "材料.zip/逃逸.txt",
        "材料.zip/etc/passwd_x.txt",
        "材料.zip/Windows/x.txt",
    ]
    assert list(tmp_path.iterdir()) == []  # nothing is ever written to disk
    assert not (tmp_path.parent.parent / "逃逸.txt").exists()


def test_encrypted_zip_entry_reported_rest_read(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_bytes(b"x" * 40)
    subprocess.run(["zip", "-q", "-P", "pw", "enc.zip", "secret.txt"], cwd=tmp_path, check=True)
    subprocess.run(["zip", "-q", "plain.zip", "secret.txt"], cwd=tmp_path, check=True)
    outer = _zip(
        {"加密.zip": (tmp_path / "enc.zip").read_bytes(), "总结.txt": REPORT.encode("gbk")}
    )
    got = extract("材料.zip", outer)
    assert [d.name for d in got.documents] == ["材料.zip/总结.txt"]
    (problem,) = got.problems
    assert problem.where == "材料.zip/加密.zip/secret.txt"
    assert "加密" in problem.reason and "未加密" in problem.action


@pytest.mark.parametrize("unicode_names", [True, False])
def test_rar_with_chinese_names(unicode_names: bool) -> None:
    data = make_rar(
        {"观音桥街道总结.txt": REPORT.encode("gbk"), "照片/现场.jpg": JPEG},
        unicode_names=unicode_names,
    )
    got = extract("材料.rar", data)
    assert got.problems == ()
    assert [(d.name, d.text) for d in got.documents] == [("材料.rar/观音桥街道总结.txt", REPORT)]
    assert got.photos == ("材料.rar/照片/现场.jpg",)


def test_7z_with_chinese_names(tmp_path: Path) -> None:
    data = make_7z(tmp_path, {"观音桥街道总结.docx": make_docx([REPORT]), "现场.jpg": JPEG})
    got = extract("材料.7z", data)
    assert got.problems == ()
    assert [(d.name, d.text) for d in got.documents] == [("材料.7z/观音桥街道总结.docx", REPORT)]
    assert got.photos == ("材料.7z/现场.jpg",)


def test_encrypted_7z_is_a_clear_problem(tmp_path: Path) -> None:
    (tmp_path / "总结.txt").write_bytes(REPORT.encode())
    for flags, name in (([], "entries.7z"), (["-mhe=on"], "headers.7z")):
        subprocess.run(
            ["7zz", "a", "-bd", "-pmima", *flags, name, "总结.txt"],
            cwd=tmp_path, check=True, capture_output=True,
        )  # fmt: skip
        got = extract(name, (tmp_path / name).read_bytes())
        assert got.documents == ()
        (problem,) = got.problems
        assert "加密" in problem.reason, (name, problem)


def test_truncated_zip_is_read_as_far_as_it_goes() -> None:
    whole = _zip({"总结.txt": REPORT.encode("gbk"), "说明.txt": "请查收。".encode("gbk")})
    got = extract("材料.zip", whole[:-60])  # the directory at the end is cut off
    assert [(d.name, d.text) for d in got.documents] == [
        ("材料.zip/总结.txt", REPORT),
        ("材料.zip/说明.txt", "请查收。"),
    ]
    (problem,) = got.problems
    assert problem.where == "材料.zip"
    assert "不完整" in problem.reason


def test_zip_with_nothing_readable_is_one_clear_problem() -> None:
    (problem,) = extract("材料.zip", b"PK\x03\x04" + bytes(200)).problems
    assert problem.reason == "压缩包已损坏，无法打开"


def _forwarded(inner: bytes) -> bytes:
    """A mail that carries another mail as a message/rfc822 attachment."""
    msg = EmailMessage()
    msg["From"] = "jbjgswj@example.com"
    msg["To"] = "someone@example.com"
    msg["Subject"] = "转发：材料"
    msg.set_content("请查收转发的邮件。")
    msg.add_attachment(message_from_bytes(inner, policy=policy.default), filename="转发邮件.eml")
    return msg.as_bytes()


def test_forwarded_mail_body_and_attachments_are_read(rulebook) -> None:
    inner = make_mail(
        sender="guanyinqiao@jiangbei.example",
        subject="观音桥街道节能宣传周工作总结",
        body="附件是我街道的总结，请查收。",
        attachments=[("总结.docx", make_docx([REPORT])), ("现场.jpg", JPEG)],
    )
    sub = process_message(parse(_forwarded(inner)), rulebook)
    names = [d.document.name for d in sub.documents]
    assert names == ["正文", "转发邮件.eml/正文", "转发邮件.eml/总结.docx"]
    forwarded_body = sub.documents[1].document.text
    assert "主题：观音桥街道节能宣传周工作总结" in forwarded_body
    assert "附件是我街道的总结" in forwarded_body
    assert sub.documents[2].document.text == REPORT
    assert sub.photos == ("转发邮件.eml/现场.jpg",)


def test_unit_named_only_inside_the_archive_is_found(rulebook, tmp_path: Path) -> None:
    from pipeline.process import process_file

    bundle = tmp_path / "材料.zip"
    bundle.write_bytes(_zip({"观音桥街道节能宣传周总结.docx": make_docx(["开展了活动。"])}))
    sub = process_file(bundle, rulebook)
    assert sub.unit.unit is not None and sub.unit.unit.name == "观音桥街道办事处"
    assert sub.unit.how == "filename"
