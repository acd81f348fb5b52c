"""The benchmark's season, generated once and cached under bench/.cache/.

* `season/`: mails from roster units during the campaign week — a docx
  with a table, a Chinese PDF of 1–5 pages (reportlab, STSong-Light CID font),
  both, a zip holding both, or the body alone; some with a photo;
* `older/`: small plain-text mails of earlier years (the mailbox's history);
* `big.eml`: one mail with a 50 MB attachment (a zip of photos);
* `files/`: every attachment of the season as a file, for the floor.

Generation runs on every core; the cache key is the corpus version and sizes.
"""

from __future__ import annotations

import io
import os
import random
import tomllib
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tests.builders import CHINA, make_docx, make_mail

VERSION = 1
REPO = Path(__file__).resolve().parent.parent
CACHE = Path(__file__).resolve().parent / ".cache"

SENTENCES = [
    "我单位组织干部职工{n}人收看全国节能宣传周启动仪式直播。",
    "悬挂节能宣传横幅{n}条，发放宣传资料{m}份，设置展板{k}块。",
    "倡导干部职工绿色出行，低碳日当天{n}人步行或乘坐公共交通上下班，停开公务用车{k}辆。",
    "开展节能知识竞赛{k}场，{m}余人参加线上答题。",
    "办公区域空调温度设置不低于26℃，六楼以下停开电梯，随手关灯，节约用电{n}千瓦时。",
    "推行双面打印和无纸化办公，开展光盘行动和垃圾分类宣传，参与{n}人次。",
    "利用电子显示屏滚动播放节能宣传标语{k}条，微信公众号推送文章{k}篇，阅读量{m}次。",
    "组织节能进社区、进学校活动{k}场，发放节能灯{n}只。",
    "开展能源紧缺体验活动，关闭办公区域空调和照明{k}小时。",
    "召开专题会议部署节能宣传周工作，成立领导小组，明确责任分工。",
]
LINES_PER_PAGE = 36


@dataclass(frozen=True)
class Corpus:
    root: Path

    @property
    def season(self) -> list[Path]:
        return sorted((self.root / "season").iterdir())

    @property
    def older(self) -> list[Path]:
        return sorted((self.root / "older").iterdir())

    @property
    def files(self) -> list[Path]:
        return sorted((self.root / "files").iterdir())

    @property
    def big(self) -> Path:
        return self.root / "big.eml"


def load_corpus(season: int, older: int, seed: int = 8) -> Corpus:
    """The cached corpus of this size, generated first if missing."""
    root = CACHE / f"corpus-v{VERSION}-{season}-{older}-{seed}"
    if (root / "done").exists():
        return Corpus(root)
    for sub in ("season", "older", "files"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        chunks = [(root, seed, start, min(start + 100, season)) for start in range(0, season, 100)]
        list(pool.map(_season_chunk, chunks))
        chunks = [(root, seed, start, min(start + 1000, older)) for start in range(0, older, 1000)]
        list(pool.map(_older_chunk, chunks))
    (root / "big.eml").write_bytes(_big_mail(seed))
    (root / "done").write_text("ok\n")
    return Corpus(root)


def _units() -> list[tuple[str, str]]:
    roster = tomllib.loads((REPO / "rules" / "roster.toml").read_text(encoding="utf-8"))
    return [(u["senders"][0], u["name"]) for u in roster["unit"] if u.get("senders")]


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [
        "".join(
            rng.choice(SENTENCES).format(
                n=rng.randint(10, 900), m=rng.randint(100, 5000), k=rng.randint(1, 30)
            )
            for _ in range(rng.randint(1, 3))
        )
        for _ in range(count)
    ]


def _pdf(title: str, lines: list[str], pages: int) -> bytes:
    """A PDF of `pages` pages of Chinese text (CID font, not embedded: as Word exports)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    for page in range(pages):
        pdf.setFont("STSong-Light", 16 if page == 0 else 11)
        y = 800
        if page == 0:
            pdf.drawString(60, y, title)
            y -= 30
            pdf.setFont("STSong-Light", 11)
        for i in range(LINES_PER_PAGE):
            line = lines[(page * LINES_PER_PAGE + i) % len(lines)]
            pdf.drawString(50, y, line[:40])
            y -= 21
        pdf.showPage()
    pdf.save()
    return buf.getvalue()


def _attachments(rng: random.Random, unit: str, n: int) -> list[tuple[str, bytes]]:
    kind = rng.choices(["docx", "pdf", "both", "zip", "body"], [40, 25, 15, 10, 10])[0]
    title = f"{unit}2024年节能宣传周活动总结"
    files: list[tuple[str, bytes]] = []
    if kind in ("docx", "both", "zip"):
        rows = [["活动", "时间", "参与人数"]] + [
            [rng.choice(["启动仪式", "知识竞赛", "低碳日", "宣传进社区"]), f"5月{13 + i}日",
             f"{rng.randint(10, 500)}人"] for i in range(rng.randint(3, 8))
        ]  # fmt: skip
        files.append((f"{unit}节能宣传周总结.docx",
                      make_docx([title, *_paragraphs(rng, rng.randint(6, 30))], rows)))  # fmt: skip
    if kind in ("pdf", "both", "zip"):
        pages = rng.randint(1, 5)
        files.append((f"{unit}活动总结{n}.pdf", _pdf(title, _paragraphs(rng, 60), pages)))
    if kind == "zip":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in files:
                zf.writestr(name, data)
        files = [(f"{unit}节能宣传周材料.zip", buf.getvalue())]
    if kind != "body" and rng.random() < 0.3:
        files.append(
            (f"活动照片{n}.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + rng.randbytes(60_000))
        )
    return files


def _season_chunk(args: tuple[Path, int, int, int]) -> None:
    root, seed, start, stop = args
    units = _units()
    for n in range(start, stop):
        rng = random.Random(seed * 1_000_003 + n)
        sender, unit = rng.choice(units)
        files = _attachments(rng, unit, n)
        body = "各位领导：\n" + "\n".join(_paragraphs(rng, 8 if not files else 1))
        sent = datetime(2024, 5, 13, 8, tzinfo=CHINA) + timedelta(minutes=rng.randrange(7 * 1440))
        raw = make_mail(sender=sender, subject=f"{unit}节能宣传周工作总结", body=body,
                        attachments=files, date=sent, message_id=f"<season{n}@bench>")  # fmt: skip
        (root / "season" / f"{n:05d}.eml").write_bytes(raw)
        for i, (name, data) in enumerate(files):
            (root / "files" / f"{n:05d}-{i}{Path(name).suffix}").write_bytes(data)


def _older_chunk(args: tuple[Path, int, int, int]) -> None:
    root, seed, start, stop = args
    units = _units()
    for n in range(start, stop):
        rng = random.Random(seed * 7_000_001 + n)
        sender, unit = rng.choice(units)
        sent = datetime(2019, 1, 1, tzinfo=CHINA) + timedelta(minutes=rng.randrange(5 * 525_600))
        topic = rng.choice(["安全生产", "党建", "信访"])
        raw = make_mail(sender=sender, subject=f"{unit}关于{topic}工作的报告",
                        body="\n".join(_paragraphs(rng, 4)), date=sent,
                        message_id=f"<older{n}@bench>")  # fmt: skip
        (root / "older" / f"{n:05d}.eml").write_bytes(raw)


def _big_mail(seed: int) -> bytes:
    """A report with a 50 MB zip of photos (larger than the attachment limit: not read)."""
    rng = random.Random(seed)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for i in range(25):
            zf.writestr(f"照片{i}.jpg", b"\xff\xd8\xff\xe0" + rng.randbytes(2 * 2**20 - 4))
    sender, unit = _units()[0]
    return make_mail(sender=sender, subject=f"{unit}节能宣传周活动照片", body="活动照片见附件。",
                     attachments=[(f"{unit}活动照片.zip", buf.getvalue())],
                     message_id="<big@bench>")  # fmt: skip
