"""Archives (.zip, .rar, .7z): list the files inside, in memory, within limits.

Nothing is ever written to disk: entries are decompressed into memory and
read like any attachment, so a zip-slip name (`../x`) or an absolute path
(`C:/x`, `/etc/x`) is only a label; it is cleaned for display. Limits stop a
zip bomb: the number of entries, each entry's size (the declared one and the
real one, since the declared size can lie), and everything unpacked from one
attachment together. Encrypted entries and symbolic links are reported, not
read.

Zip names: Chinese Windows tools write GBK bytes without the UTF-8 flag;
Info-ZIP's Unicode Path extra field (0x7075), when present, wins. .rar and .7z
go through libarchive (reads both from memory; RAR 4 and 5).
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from pipeline.errors import ExtractError
from pipeline.extract import Extraction, Limits, container
from pipeline.models import Attachment, Problem
from pipeline.parse.names import visible

_CHUNK = 1 << 20
_DAMAGED = ExtractError("压缩包已损坏，无法打开", "请联系报送单位重新打包发送")
_ASK_UNENCRYPTED = "请联系报送单位提供未加密的文件"


class _TooBig(Exception):
    pass


class _Unpacked:
    """Collects the entries of one archive and enforces the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.budget = limits.max_expanded_bytes
        self.children: list[Attachment] = []
        self.problems: list[Problem] = []
        self.count = 0
        self.stopped = False

    def admit(self, name: str, declared_size: int | None) -> bool:
        """Whether to read this entry; records why not."""
        self.count += 1
        if self.count > self.limits.max_entries:
            self.stop(f"压缩包内文件超过 {self.limits.max_entries} 个，其余文件未读取")
            return False
        if declared_size is not None and declared_size > self.limits.max_attachment_bytes:
            self.skip(name, f"文件过大（{declared_size / 2**20:.1f} MB），未读取")
            return False
        if declared_size is not None and declared_size > self.budget:
            self.stop("解压后总大小超过上限（疑似压缩炸弹），其余文件未读取")
            return False
        return True

    def cap(self) -> int:
        return min(self.budget, self.limits.max_attachment_bytes)

    def add(self, name: str, chunks: Iterator[bytes]) -> None:
        cap, data, total = self.cap(), [], 0
        try:
            for chunk in chunks:
                total += len(chunk)
                if total > cap:
                    raise _TooBig
                data.append(chunk)
        except _TooBig:
            if cap == self.budget:
                self.stop("解压后总大小超过上限（疑似压缩炸弹），其余文件未读取")
            else:
                self.skip(name, "文件解压后过大，未读取")
            return
        self.budget -= total
        self.children.append(Attachment(name, "", b"".join(data)))

    def skip(self, name: str, reason: str, action: str = "请打开原始邮件人工查看") -> None:
        self.problems.append(Problem(name, reason, action))

    def stop(self, reason: str) -> None:
        self.stopped = True
        self.problems.append(Problem("", reason, "请打开原始邮件人工查看，或请报送单位分开发送"))

    def result(self) -> Extraction:
        return Extraction(problems=tuple(self.problems), children=tuple(self.children))


@container("zip")
def open_zip(data: bytes, limits: Limits) -> Extraction:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return _salvage_zip(data, limits)
    out = _Unpacked(limits)
    with zf:
        for info in zf.infolist():
            name = display_name(zip_entry_name(info))
            if not name or info.filename.endswith("/") or is_clutter(name):
                continue
            if stat.S_ISLNK(info.external_attr >> 16):
                out.skip(name, "压缩包内的符号链接，已跳过", "无需处理")
                continue
            if info.flag_bits & 0x1:
                out.skip(name, "压缩包内文件已加密（需要密码），无法读取", _ASK_UNENCRYPTED)
                continue
            if not out.admit(name, info.file_size):
                if out.stopped:
                    break
                continue
            try:
                with zf.open(info) as entry:
                    out.add(name, iter(lambda e=entry: e.read(_CHUNK), b""))
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                    RuntimeError, ValueError):  # fmt: skip
                out.skip(name, "压缩包内文件已损坏，无法解压", "请联系报送单位重新打包发送")
            if out.stopped:
                break
    return out.result()


def _salvage_zip(data: bytes, limits: Limits) -> Extraction:
    """A zip whose directory at the end is missing (a truncated download): libarchive
    reads the entries front to back from their local headers."""
    got = open_with_libarchive(data, limits)
    if not got.children:
        raise _DAMAGED
    damaged = Problem(
        "",
        "压缩包不完整或已损坏，已尽量读取其中的文件",
        "请联系报送单位重新打包发送，核对是否缺少文件",
    )
    return replace(got, problems=(damaged, *got.problems))


def zip_entry_name(info: zipfile.ZipInfo) -> str:
    """The real name of a zip entry: Unicode Path extra field, UTF-8 flag, else GBK."""
    if info.flag_bits & 0x800:
        raw = info.orig_filename.encode("utf-8", "surrogateescape")
    else:
        raw = info.orig_filename.encode("cp437")  # zipfile decoded the bytes as cp437
    unicode_path = _unicode_path_field(info.extra, raw)
    if unicode_path:
        return unicode_path
    if info.flag_bits & 0x800:
        return info.orig_filename
    return decode_name(raw)


def decode_name(raw: bytes) -> str:
    """A file name in unknown bytes: UTF-8, else GBK (Chinese Windows), else code page 437.

    GBK is accepted only when it decodes cleanly into ordinary characters; a
    Russian or Western name would come out as private-use noise.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        name = raw.decode("gb18030")
    except UnicodeDecodeError:
        name = ""
    if name and not any("\ue000" <= ch <= "\uf8ff" for ch in name):
        return name
    return raw.decode("cp437")


def _unicode_path_field(extra: bytes, raw_name: bytes) -> str:
    """The UTF-8 name from an Info-ZIP Unicode Path field (0x7075) that matches the name.

    The field carries the CRC-32 of the header name it was made for; a tool
    that renamed the entry without knowing the field leaves a stale one.
    An empty header name can only be filled from the field.
    """
    found = ""
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + size]
        pos += 4 + size
        if tag != 0x7075 or len(body) < 6 or body[0] != 1:
            continue
        (crc,) = struct.unpack_from("<I", body, 1)
        try:
            name = body[5:].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if name and (crc == zlib.crc32(raw_name) or not raw_name):
            found = name
    return found


_CLUTTER = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def is_clutter(name: str) -> bool:
    """Files the packing system adds by itself: macOS resource forks, folder thumbnails."""
    base = name.rsplit("/", 1)[-1]
    return name.startswith("__MACOSX/") or base.startswith("._") or base.lower() in _CLUTTER


def display_name(path: str) -> str:
    """An entry path safe to show: no drive, no leading slash, no '..' or '.' parts, no
    hidden bidi control (pipeline.parse.names)."""
    path = path.replace("\\", "/")
    if len(path) >= 2 and path[1] == ":":
        path = path[2:]
    parts = [p for p in PurePosixPath(path).parts if p not in ("/", ".", "..")]
    return visible("/".join(p.replace("\x00", "") for p in parts).strip())


@container("rar", "7z")
def open_with_libarchive(data: bytes, limits: Limits) -> Extraction:
    try:
        import libarchive
        from libarchive.exception import ArchiveError
    except (ImportError, OSError):  # libarchive-c is there, the system library is not
        raise ExtractError(
            "服务器缺少 libarchive 库，无法读取 .rar/.7z 压缩包",
            "请管理员安装 libarchive13（apt-get install libarchive13），或请报送单位改用 zip",
        ) from None
    out = _Unpacked(limits)
    try:
        with libarchive.memory_reader(data) as archive:
            for entry in archive:
                name = display_name(_libarchive_name(entry))
                if entry.isdir or not name or is_clutter(name):
                    continue
                if not entry.isfile:
                    out.skip(name, "压缩包内的链接或特殊文件，已跳过", "无需处理")
                    continue
                if _entry_encrypted(entry):
                    out.skip(name, "压缩包内文件已加密（需要密码），无法读取", _ASK_UNENCRYPTED)
                    continue
                if not out.admit(name, entry.size):
                    if out.stopped:
                        break
                    continue
                try:
                    out.add(name, entry.get_blocks(_CHUNK))
                except ArchiveError as exc:
                    if "encrypt" in str(exc).lower() or "passphrase" in str(exc).lower():
                        out.skip(name, "压缩包内文件已加密（需要密码），无法读取", _ASK_UNENCRYPTED)
                    else:
                        out.skip(name, "压缩包内文件已损坏，无法解压", "请联系报送单位重新打包发送")
                if out.stopped:
                    break
    except ArchiveError as exc:
        if not out.children and not out.problems:
            if "encrypt" in str(exc).lower() or "passphrase" in str(exc).lower():
                raise ExtractError("加密的压缩包（需要密码），无法读取", _ASK_UNENCRYPTED) from None
            raise _DAMAGED from None
        out.skip("", "压缩包后半部分已损坏，其余文件未读取", "请联系报送单位重新打包发送")
    return out.result()


def _libarchive_name(entry: object) -> str:
    """The entry's name; raw bytes that are not UTF-8 are taken as GBK (old WinRAR)."""
    from libarchive import ffi

    raw = ffi.entry_pathname(entry._entry_p)  # type: ignore[attr-defined]
    if raw is None:
        return str(entry.pathname or "")  # type: ignore[attr-defined]
    return decode_name(raw)


def _entry_encrypted(entry: object) -> bool:
    from libarchive import ffi

    func = getattr(ffi, "entry_is_data_encrypted", None)
    if func is None:
        func = ffi.ffi("entry_is_data_encrypted", [ffi.c_archive_entry_p], ffi.c_int)
    return bool(func(entry._entry_p))  # type: ignore[attr-defined]
