"""Plain text files (.txt, .csv) in UTF-8, UTF-16, GBK/GB18030 or Big5."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from pipeline.extract import reader


@reader("txt")
def read_text(data: bytes) -> str:
    return decode_text(data)


def decode_text(data: bytes) -> str:
    """Decode text of unknown charset: BOMs, strict UTF-8, GB18030, then detection."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    # In Chinese government mail a non-UTF-8 text is GBK/GB18030 far more often than
    # anything else, and short GBK texts fool statistical detectors.
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("gb18030", "replace")
