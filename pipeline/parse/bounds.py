"""What a mail may cost to parse, checked on its bytes before any parser sees them.

Anyone can mail the bureau, and the parsers have costs a sender controls:
Python's `email.header.decode_header` is quadratic in the number of encoded
words of a header (200,000 words: 9 minutes, and mail-parser calls it for
every header and attachment name), and a 100 MB header costs the parser more
than a gigabyte. So a mail is not parsed (it stays archived and is listed in
待处理) when it is larger than `[limits] max_mail_mb`, when its own header
block is larger than MAX_HEADER_BYTES, when any one header anywhere in it
(a line and its continuation lines: Subject, a file name) holds more than
MAX_ENCODED_WORDS encoded words, or when it has more than MAX_PARTS MIME
boundary lines (parsing is linear, but 150 MB of empty parts is a million).
Real mail stays far below each bound.
"""

from __future__ import annotations

from typing import BinaryIO

from pipeline.errors import ParseError

MAX_HEADER_BYTES = 2**20  # the mail's own headers (a long Received chain is ~20 KB)
MAX_ENCODED_WORDS = 1000  # in one header (a long Chinese subject has ~20)
MAX_PARTS = 5000  # lines starting with -- (MIME boundaries): real mail has dozens
DEFAULT_MAX_MAIL_BYTES = 150 * 2**20  # [limits] max_mail_mb
DATE_YEARS = (1990, 2100)  # a date a mail carries outside these years is unknown
_PIECE = 2**20  # read at most this much of a line at once


class MailOutOfBounds(ParseError):
    """The mail is larger or more convoluted than mailroll parses; `reason` and
    `action` are the Chinese lines of its 待处理 row."""

    def __init__(self, message: str, reason: str, action: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.action = action


def check_bounds(f: BinaryIO, size: int, max_bytes: int = DEFAULT_MAX_MAIL_BYTES) -> None:
    """Raise MailOutOfBounds if the mail in `f` (`size` bytes) must not be parsed;
    leaves `f` at its start."""
    try:
        if size > max_bytes:
            raise MailOutOfBounds(
                f"mail of {size} bytes is larger than limits.max_mail_mb",
                f"邮件过大（{size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.0f} MB），未解析",
                "请打开原始邮件人工查看；如确属正常邮件，可调大 config.toml 中的"
                " limits.max_mail_mb 后运行 mailroll retag",
            )
        _check_header_block(f)
        f.seek(0)
        words, parts = _count(f)
        if parts > MAX_PARTS:
            raise MailOutOfBounds(
                f"mail of more than {MAX_PARTS} MIME parts",
                f"邮件包含过多部分（超过 {MAX_PARTS:,} 个），可能是恶意构造的邮件，未解析",
                "请打开原始邮件人工查看",
            )
        if words > MAX_ENCODED_WORDS:  # rare: only then look header by header
            f.seek(0)
            _check_each_header(f)
    finally:
        f.seek(0)


def _check_header_block(f: BinaryIO) -> None:
    seen, at_start = 0, True
    while piece := f.readline(_PIECE):
        if at_start and piece in (b"\n", b"\r\n"):
            return
        seen += len(piece)
        if seen > MAX_HEADER_BYTES:
            raise MailOutOfBounds(
                "mail header larger than 1 MB",
                f"邮件头过大（超过 {MAX_HEADER_BYTES // 2**20} MB），可能是恶意构造的邮件，未解析",
                "请打开原始邮件人工查看",
            )
        at_start = piece.endswith(b"\n")


def _count(f: BinaryIO) -> tuple[int, int]:
    """How many encoded-word starts (=?) and lines starting with -- (MIME boundaries)
    the whole mail holds, at C speed. Each piece is counted with the last bytes of
    the one before, so a match across two pieces counts once."""
    words = parts = 0
    tail = b""
    while piece := f.read(_PIECE):
        words += (tail[-1:] + piece).count(b"=?")
        parts += (tail + piece).count(b"\n--")
        tail = piece[-2:]
    return words, parts


def _check_each_header(f: BinaryIO) -> None:
    words, at_start = 0, True
    while piece := f.readline(_PIECE):
        if at_start and piece[:1] not in (b" ", b"\t"):
            words = 0  # a new header (or body line) starts
        words += piece.count(b"=?")
        if words > MAX_ENCODED_WORDS:
            raise MailOutOfBounds(
                f"a header holds more than {MAX_ENCODED_WORDS} encoded words",
                f"邮件头含过多编码字（单个邮件头超过 {MAX_ENCODED_WORDS} 个），"
                "可能是恶意构造的邮件，未解析",
                "请打开原始邮件人工查看",
            )
        at_start = piece.endswith(b"\n")
