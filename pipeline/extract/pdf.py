"""PDF text with pdfminer.six (Chinese CID fonts included).

An encrypted PDF whose user password is empty (only printing or copying is
restricted) opens as usual; one that needs a password is a clear problem.
"""

from __future__ import annotations

import io

from pdfminer.high_level import extract_text
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

from pipeline.errors import ExtractError
from pipeline.extract import reader


@reader("pdf")
def read_pdf(data: bytes) -> str:
    try:
        return extract_text(io.BytesIO(data))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise ExtractError(
            "加密的PDF（需要密码），无法读取", "请联系报送单位提供未加密版本"
        ) from None
