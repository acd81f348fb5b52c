"""Plain text files (.txt, .csv) in UTF-8, UTF-16, GBK/GB18030 or Big5."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from pipeline.errors import ExtractError
from pipeline.extract import reader

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_CJK = re.compile("[\u3400-\u9fff]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")  # binary data, not text (tabs, newlines are fine)


@reader("txt")
def read_text(data: bytes) -> str:
    text = decode_text(data)
    if len(_CONTROL.findall(text[:65536])) > len(text[:65536]) // 20:
        raise ExtractError(
            "文件内容不是文字（可能是改了扩展名的其他格式文件）",
            "请打开原始邮件人工查看，或请报送单位改用 docx/pdf 格式",
        )
    return text


def decode_text(data: bytes) -> str:
    """Decode text of unknown charset: BOMs, strict UTF-8, GB18030 or Big5, then detection.

    In Chinese government mail a non-UTF-8 text is GBK/GB18030 far more often
    than anything else, and short GBK texts fool statistical detectors (they
    come out as Korean), so GB18030 is tried first. Big5 text also decodes as
    GB18030 without an error, but into private-use code points and rare
    characters outside GB2312; then Big5 is taken when it decodes cleanly.
    """
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    gb = _strict(data, "gb18030")
    if gb is not None and not _looks_like_big5(gb):
        return gb
    big5 = _strict(data, "cp950") or _strict(data, "big5hkscs")
    if big5 is not None:
        return big5
    if gb is not None:
        return gb
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("gb18030", "replace")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _looks_like_big5(gb_text: str) -> bool:
    """GB18030 decoding of what is probably Big5: private-use or many non-GB2312 characters."""
    if _PRIVATE_USE.search(gb_text):
        return True
    hanzi = "".join(_CJK.findall(gb_text))
    if not hanzi:
        return False
    common = len(hanzi.encode("gb2312", "ignore")) // 2  # GB2312: the 7,445 everyday ones
    return (len(hanzi) - common) / len(hanzi) > 0.2


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text with no BOM (Windows tools write it): every other byte is mostly zero."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) / 2
    zeros_odd, zeros_even = data[1::2].count(0) / half, data[0::2].count(0) / half
    encoding = None
    if zeros_odd > 0.3 and zeros_even < 0.05:
        encoding = "utf-16-le"
    elif zeros_even > 0.3 and zeros_odd < 0.05:
        encoding = "utf-16-be"
    return _strict(data, encoding) if encoding else None
