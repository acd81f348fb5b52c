"""Scanned pages and photos made with real tools, for the OCR tests and the benchmark.

A text is typeset into a PDF with reportlab and an embedded CJK font (WenQuanYi
Zen Hei, Debian's fonts-wqy-zenhei), rasterised with poppler's `pdftoppm`, then
degraded with Pillow the way scanners and phones degrade paper: a red seal
(公章) over the text, rotation, blur, JPEG compression, a phone's perspective and
uneven light. `activity_photo` draws a scene with people and a banner: a photo,
not a page.
"""

from __future__ import annotations

import io
import math
import random
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_PAGE_CHARS = 34  # characters per line at 13 pt on A4 with 2 cm margins
_PAGE_LINES = 38


def wrap(text: str, width: int = _PAGE_CHARS) -> list[str]:
    """Lines of at most `width` characters (Chinese needs no word boundaries)."""
    lines: list[str] = []
    for paragraph in text.splitlines():
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        while paragraph:
            lines.append(paragraph[:width])
            paragraph = paragraph[width:]
    return lines


def render_pdf(text: str, size: float = 13) -> bytes:
    """A text PDF (embedded TrueType CJK font), as a word processor would print it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", str(FONT), subfontIndex=0))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4)
    lines = wrap(text)
    for start in range(0, max(len(lines), 1), _PAGE_LINES):
        pdf.setFont("WQY", size)
        y = A4[1] - 60
        for line in lines[start : start + _PAGE_LINES]:
            pdf.drawString(57, y, line)
            y -= size * 1.6
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def rasterise(pdf: bytes, dpi: int = 150) -> list[Image.Image]:
    """Every page of a PDF as an RGB image, by poppler's pdftoppm."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", str(src), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return [Image.open(p).convert("RGB") for p in sorted(Path(tmp).glob("page*.png"))]


def stamp_seal(
    page: Image.Image, name: str, where: tuple[float, float] = (0.6, 0.75)
) -> Image.Image:
    """A red official seal (circle, star, the unit's name) printed over the text."""
    w, h = page.size
    r = int(w * 0.14)
    seal = Image.new("RGBA", (2 * r + 8, 2 * r + 8), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    red = (220, 30, 30, 200)
    c = r + 4
    draw.ellipse((4, 4, 2 * r + 4, 2 * r + 4), outline=red, width=max(3, r // 18))
    star = [
        (c + r * 0.3 * math.cos(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4),
         c + r * 0.3 * math.sin(math.radians(-90 + 36 * k)) * (1 if k % 2 == 0 else 0.4))
        for k in range(10)
    ]  # fmt: skip
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(str(FONT), max(10, r // 5))
    for i, char in enumerate(name):
        angle = math.radians(-200 + 220 * (i + 0.5) / max(len(name), 1))
        x, y = c + r * 0.75 * math.cos(angle), c + r * 0.75 * math.sin(angle)
        draw.text((x, y), char, fill=red, font=font, anchor="mm")
    out = page.convert("RGBA")
    out.alpha_composite(seal, (int(w * where[0]) - c, int(h * where[1]) - c))
    return out.convert("RGB")


def degrade(
    page: Image.Image, *, angle: float = 0, blur: float = 0, quality: int = 0
) -> Image.Image:
    """Rotate (degrees, counter-clockwise; white fill), blur, and JPEG-compress a page."""
    if angle:
        page = page.rotate(angle, expand=True, fillcolor=(255, 255, 255), resample=Image.BICUBIC)
    if blur:
        page = page.filter(ImageFilter.GaussianBlur(blur))
    if quality:
        page = Image.open(io.BytesIO(jpeg(page, quality))).convert("RGB")
    return page


def phone_photo(page: Image.Image, seed: int = 0) -> Image.Image:
    """The page photographed by a phone: on a desk, in perspective, under uneven light."""
    rnd = random.Random(seed)
    w, h = page.size
    pad = int(w * 0.12)
    canvas = Image.new("RGB", (w + 2 * pad, h + 2 * pad), (92, 70, 52))  # a wooden desk
    canvas.paste(page.rotate(rnd.uniform(-4, 4), expand=False, fillcolor=(92, 70, 52)), (pad, pad))
    cw, ch = canvas.size
    d = [rnd.uniform(0, 0.05) * cw for _ in range(4)]
    quad = (d[0], d[1], d[2], ch - d[3], cw - d[1], ch - d[0], cw - d[3], d[2])  # corners
    photo = canvas.transform((cw, ch), Image.QUAD, quad, resample=Image.BICUBIC)
    shade = Image.linear_gradient("L").resize((cw, ch)).point(lambda v: 255 - v // 4)
    dark = Image.new("RGB", (cw, ch), (0, 0, 0))
    photo = Image.composite(photo, dark, shade)
    return photo.filter(ImageFilter.GaussianBlur(0.6))


def activity_photo(
    banner: str = "节能宣传周", seed: int = 0, size=(1600, 1200), white_walls: bool = False
) -> Image.Image:
    """A hall with a red banner over rows of people: an activity photo, not a page.
    With `white_walls` much of it is white like paper (only OCR can tell)."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(h):  # walls and floor
        t = y / h
        if white_walls:
            draw.line((0, y, w, y), fill=(int(245 - 30 * t), int(245 - 30 * t), int(240 - 30 * t)))
        else:
            draw.line((0, y, w, y), fill=(int(170 - 60 * t), int(150 - 50 * t), int(120 - 40 * t)))
    draw.rectangle((w * 0.1, h * 0.08, w * 0.9, h * 0.2), fill=(200, 20, 30))
    font = ImageFont.truetype(str(FONT), int(h * 0.08))
    draw.text((w / 2, h * 0.14), banner, fill=(250, 220, 60), font=font, anchor="mm")
    for row in range(3):
        for col in range(9):
            x = w * (0.08 + col * 0.105) + rnd.uniform(-10, 10)
            y = h * (0.45 + row * 0.17)
            shirt = tuple(rnd.randint(20, 230) for _ in range(3))
            draw.ellipse((x, y + h * 0.07, x + w * 0.08, y + h * 0.22), fill=shirt)
            draw.ellipse((x + w * 0.02, y, x + w * 0.06, y + h * 0.07), fill=(225, 185, 150))
            draw.ellipse((x + w * 0.02, y, x + w * 0.06, y + h * 0.03), fill=(30, 25, 20))
    return img.filter(ImageFilter.GaussianBlur(1.2))


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    buf = io.BytesIO()
    image.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def scan_pdf(pages: Sequence[Image.Image], dpi: int = 150) -> bytes:
    """Images as the pages of a PDF, the way a scanner writes them (no text layer)."""
    buf = io.BytesIO()
    first, *rest = [p.convert("RGB") for p in pages]
    first.save(buf, "PDF", save_all=True, append_images=rest, resolution=dpi, quality=80)
    return buf.getvalue()


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    """The pages of several PDFs in one (pypdf), e.g. typed pages and scanned ones."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        for page in PdfReader(io.BytesIO(part)).pages:
            writer.add_page(page)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
