"""OCR: the text of scanned PDF pages and of photographed pages, offline.

RapidOCR (PP-OCR detection and recognition models shipped inside the `rapidocr`
wheel, run by onnxruntime) reads Chinese well, through a red seal, blur, JPEG
artefacts and a phone's perspective; nothing is downloaded at run time. It is
slow (10-40 s a page on one core), so it runs off the poll, in the OCR worker
(`pipeline.extract.ocrworker`), never in the extraction sandbox.

Before reading, each image is put upright: text lines standing on end mean a
page turned by 90°, and RapidOCR's line classifier tells an upside-down page.
An image counts as a page of a document when it has enough lines of text; an
activity photo (people, a banner) stays a photo.

Digits read with low confidence are reported (`Document.uncertain`), so a
figure taken from them can be flagged for the official to check.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.extract.detect import IMAGE_TYPES, detect_type
from pipeline.models import Document, Problem

log = logging.getLogger(__name__)

DPI = 150  # scanned PDF pages are rendered at this resolution (13 pt text ~ 27 px)
PAGE_MIN_LINES = 5  # an image with fewer lines of text is a photo, not a page
PAGE_MIN_CHARS = 60
DIGIT_CONFIDENCE = 0.9  # a digit read with less is uncertain
_ORIENT_SIDE = 1024  # the image size used to find the orientation
_NUMBER = re.compile(r"\d[\d,，.]*")

_engine: Any = None


@dataclass(frozen=True)
class PageText:
    """What OCR read on one page: its text, uncertain numbers, lines found."""

    text: str
    uncertain: tuple[str, ...]
    lines: int

    @property
    def is_page(self) -> bool:
        chars = sum(1 for c in self.text if "\u4e00" <= c <= "\u9fff")
        return self.lines >= PAGE_MIN_LINES and chars >= PAGE_MIN_CHARS


@dataclass(frozen=True)
class OcrResult:
    """One file read by OCR: a Document, or a photo name, and problems; pages read."""

    document: Document | None = None
    photo: str | None = None
    problems: tuple[Problem, ...] = ()
    pages: int = 0


def engine() -> Any:
    """The RapidOCR engine (models loaded once per process, ~2 s)."""
    global _engine
    if _engine is None:
        from rapidocr import RapidOCR

        _engine = RapidOCR(
            params={
                "Global.log_level": "error",
                "EngineConfig.onnxruntime.intra_op_num_threads": 1,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
        )
    return _engine


def looks_like_page(data: bytes) -> bool:
    """A cheap first look at an image (no OCR): is much of it white, unsaturated paper?

    Activity photos (people, walls, banners) rarely are; a page photographed on a
    desk is. Only images that pass are queued for OCR, which decides for sure."""
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        image.draft("RGB", (256, 256))  # JPEG: decode at a fraction of the size
        image = image.convert("RGB")
        image.thumbnail((128, 128))
        hsv = image.convert("HSV").tobytes()
    except Exception:  # not an image Pillow can open (HEIC): left as a photo
        return False
    saturation, value = hsv[1::3], hsv[2::3]
    paper = sum(1 for s, v in zip(saturation, value, strict=True) if s < 40 and v > 150)
    return paper >= 0.35 * len(value)


def read_image(image: Any) -> PageText:
    """OCR one page image (PIL image or RGB array): upright it, then read it."""
    import numpy as np

    array = np.ascontiguousarray(
        np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    )
    array = upright(array)
    result = engine()(array, use_det=True, use_cls=False, use_rec=True, return_word_box=True)
    if not result.txts:
        return PageText("", (), 0)
    return PageText(
        text=join_lines(result.boxes, result.txts),
        uncertain=tuple(_uncertain_numbers(result.word_results)),
        lines=len(result.txts),
    )


def upright(array: Any) -> Any:
    """The image turned so that its text reads left to right, top to bottom."""
    import numpy as np

    small = _shrink(array, _ORIENT_SIDE)
    boxes = _detect(small)
    if boxes is None:
        return array
    tall = sum(1 for b in boxes if _height(b) > 1.5 * _width(b))
    wide = sum(1 for b in boxes if _width(b) > 1.5 * _height(b))
    if tall > wide:  # turned by 90° one way or the other; the classifier settles which
        array, small = np.rot90(array, -1), np.rot90(small, -1)
        boxes = _detect(np.ascontiguousarray(small))
        if boxes is None:
            return np.ascontiguousarray(array)
    crops = [_crop(small, b) for b in sorted(boxes, key=_width, reverse=True)[:20]]
    labels = engine()._load_cls_model()([c for c in crops if c.size]).cls_res or []
    flipped = sum(1 for label, score in labels if label == "180" and score > 0.6)
    if flipped > len(labels) / 2:
        array = np.rot90(array, 2)
    return np.ascontiguousarray(array)


def join_lines(boxes: Any, texts: tuple[str, ...]) -> str:
    """Lines into paragraphs: a line that runs to the right margin goes on in the next."""
    lefts = [min(p[0] for p in b) for b in boxes]
    rights = [max(p[0] for p in b) for b in boxes]
    left, right = min(lefts), max(rights)
    full = left + 0.85 * (right - left)
    out: list[str] = []
    for text, end in zip(texts, rights, strict=True):
        out.append(text)
        out.append("" if end >= full else "\n")
    return "".join(out).strip()


def read_file(name: str, data: bytes, max_pages: int) -> OcrResult:
    """OCR a scanned PDF (only its pages without text) or an image that may be a page."""
    filetype = detect_type(data, name)
    if filetype in IMAGE_TYPES:
        return _read_photo(name, filetype, data)
    if filetype == "pdf":
        return _read_pdf(name, data, max_pages)
    return OcrResult(problems=(Problem(name, f"文字识别不支持 .{filetype} 文件"),))


def _read_photo(name: str, filetype: str, data: bytes) -> OcrResult:
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    page = read_image(image)
    if not page.is_page:
        return OcrResult(photo=name, pages=1)
    return OcrResult(Document(name, filetype, page.text, "ocr", page.uncertain), pages=1)


def _read_pdf(name: str, data: bytes, max_pages: int) -> OcrResult:
    texts: list[str] = []
    uncertain: list[str] = []
    read = skipped = 0
    for text, image in pdf_pages(data):
        if image is None:
            texts.append(text)
        elif read < max_pages:
            page = read_image(image)
            texts.append(page.text)
            uncertain.extend(page.uncertain)
            read += 1
        else:
            skipped += 1
    problems = ()
    if skipped:
        problems = (
            Problem(
                name,
                f"扫描页超过每封邮件 {max_pages} 页的识别上限，{skipped} 页未识别",
                "请打开原始邮件人工查看后几页，或调大 config.toml 中的 ocr.max_pages",
            ),
        )
    text = "\n\f".join(texts)
    if not text.strip():
        return OcrResult(
            problems=(
                *problems,
                Problem(
                    name, "扫描件中未识别出文字（页面可能空白或过于模糊）", "请打开原始邮件人工查看"
                ),
            ),
            pages=read,
        )
    return OcrResult(Document(name, "pdf", text, "ocr", tuple(uncertain)), None, problems, read)


def scanned_pages(data: bytes) -> int:
    """How many pages of a PDF have no text of their own but an image (a scan)."""
    return sum(1 for _text, image in pdf_pages(data, render=False) if image is not None)


def pdf_pages(data: bytes, render: bool = True) -> Iterator[tuple[str, Any]]:
    """Each page's own text, and (for a page without text but with an image: a scan)
    the page rendered at DPI; the image is True instead when `render` is False."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    document = pypdfium2.PdfDocument(data)
    try:
        for page in document:
            textpage = page.get_textpage()
            text = textpage.get_text_bounded().replace("\r\n", "\n")
            textpage.close()
            scanned = len(text.strip()) < 10 and any(
                True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
            )
            image = None
            if scanned:
                image = page.render(scale=DPI / 72).to_pil() if render else True
            page.close()
            yield text, image
    finally:
        document.close()


def _uncertain_numbers(word_results: Any) -> Iterator[str]:
    """The numbers (digits only) of which OCR was unsure of at least one digit."""
    for line in word_results or ():
        if not line or not isinstance(line[0], tuple | list):
            continue
        chars = [(w[0], w[1]) for w in line]
        text = "".join(c for c, _ in chars)
        scores: list[float] = []
        for c, s in chars:
            scores.extend([float(s)] * len(c))  # a "word" may hold several characters
        for match in _NUMBER.finditer(text):
            span = scores[match.start() : match.end()]
            if any(s < DIGIT_CONFIDENCE for s, ch in zip(span, match.group(), strict=False)
                   if ch.isdigit()):  # fmt: skip
                yield re.sub(r"\D", "", match.group())


def _detect(small: Any) -> Any:
    det = engine()(small, use_det=True, use_cls=False, use_rec=False, return_word_box=False)
    boxes = getattr(det, "boxes", None)
    return boxes if boxes is not None and len(boxes) else None


def _shrink(array: Any, side: int) -> Any:
    import cv2

    h, w = array.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return array
    return cv2.resize(array, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)


def _width(box: Any) -> float:
    return float(((box[1][0] - box[0][0]) ** 2 + (box[1][1] - box[0][1]) ** 2) ** 0.5)


def _height(box: Any) -> float:
    return float(((box[2][0] - box[1][0]) ** 2 + (box[2][1] - box[1][1]) ** 2) ** 0.5)


def _crop(array: Any, box: Any) -> Any:
    xs, ys = [int(p[0]) for p in box], [int(p[1]) for p in box]
    return array[max(min(ys), 0) : max(ys), max(min(xs), 0) : max(xs)]
