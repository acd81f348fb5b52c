"""OCR engines on the same scanned pages: accuracy, seconds per page, peak memory.

    .venv/bin/python -m bench.ocr [--docs 8] [--engines rapidocr,tesseract]
    .venv/bin/python -m bench.ocr --backfill 200 [--scanned 0.05]

The first `--docs` single-page reports of bench/devset are typeset (reportlab,
WenQuanYi Zen Hei), rasterised at 150 dpi (pdftoppm) and degraded in turn: a red
seal + 3° tilt + blur + JPEG 40; turned 90°; a seal + turned 180°; a phone photo
(perspective, shading, seal). Each engine reads every page in its own process
(so its peak RSS is its own), and the text is tagged as mailroll tags it:

* characters: share of the source text's characters found in order (difflib);
* categories: (document, category) pairs where the scan's tags agree with the text's;
* figures: (document, key) pairs where the figure equals the text's.

`--backfill N` processes the first N mails of the benchmark's season (bench/corpus.py)
with a share `--scanned` of them replaced by scanned reports (a one-page scan PDF
each, no text of their own), from a local Maildir, the way `mailroll run` does:
poll, process every mail (scans queued), then the OCR queue; it prints when the
text mail was done and when the last scan was read, with OCR seconds per page.

RapidOCR runs as mailroll runs it (`pipeline.extract.ocr`: uprighting, then one
thread); Tesseract 5 (Debian's tesseract-ocr + tesseract-ocr-chi-sim) runs as
`tesseract IMG - -l chi_sim --psm 6` (psm 3 returned garbage on clean pages),
with its own orientation detection (`--psm 0`) first when it is installed.
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.models import CATEGORY_IDS, FIGURE_KEYS
from pipeline.process import load_rulebook
from pipeline.tag import analyse

REPO = Path(__file__).resolve().parent.parent
DEVSET = REPO / "bench" / "devset"
VARIANTS = ("seal", "rot90", "rot180", "phone")


def make_pages(docs: int, folder: Path) -> list[tuple[Path, str]]:
    """(image path, source text) for the first `docs` dev-set reports of one page."""
    import tomllib

    from tests import scans

    labels = tomllib.loads((DEVSET / "labels.toml").read_text("utf-8"))
    out: list[tuple[Path, str]] = []
    for name, label in labels.items():
        text = (DEVSET / name).read_text("utf-8")
        if label.get("kind") != "report" or len(scans.wrap(text)) > 36:
            continue
        page = scans.rasterise(scans.render_pdf(text))[0]
        variant = VARIANTS[len(out) % len(VARIANTS)]
        if variant == "seal":
            page = scans.degrade(scans.stamp_seal(page, "江北区机关事务管理局"), angle=3, blur=0.8)
        elif variant == "rot90":
            page = scans.degrade(page, angle=90)
        elif variant == "rot180":
            page = scans.degrade(scans.stamp_seal(page, "江北区中医院"), angle=180)
        else:
            page = scans.phone_photo(scans.stamp_seal(page, "复盛镇人民政府"), len(out))
        path = folder / f"{len(out):02d}-{variant}.jpg"
        path.write_bytes(scans.jpeg(page, 40 if variant == "seal" else 60))
        out.append((path, text))
        if len(out) == docs:
            break
    return out


def read_pages(engine: str, paths: list[str]) -> dict[str, object]:
    """In this process: each page's text and seconds, and the peak RSS."""
    texts, seconds = [], []
    for path in paths:
        started = time.perf_counter()
        texts.append(_rapidocr(path) if engine == "rapidocr" else _tesseract(path))
        seconds.append(time.perf_counter() - started)
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {"texts": texts, "seconds": seconds, "peak_mb": peak / 1024}


def _rapidocr(path: str) -> str:
    from pipeline.extract import ocr

    result = ocr.read_file(path, Path(path).read_bytes(), 1)
    return result.document.text if result.document else ""


def _tesseract(path: str) -> str:
    angle = 0
    osd = subprocess.run(
        ["tesseract", path, "-", "--psm", "0"], capture_output=True, text=True, check=False
    )
    found = re.search(r"Rotate: (\d+)", osd.stdout)
    if found:
        angle = int(found.group(1))
    if angle:
        from PIL import Image

        rotated = Path(path).with_suffix(".upright.png")
        Image.open(path).rotate(-angle, expand=True).save(rotated)
        path = str(rotated)
    run = subprocess.run(
        ["tesseract", path, "-", "-l", "chi_sim", "--psm", "6"],
        capture_output=True,
        text=True,
        check=False,
    )
    return run.stdout.replace(" ", "")


def score(pages: list[tuple[Path, str]], texts: list[str]) -> dict[str, float]:
    rules = load_rulebook(REPO / "rules").rules
    chars = agree = pairs = right = figures = 0.0
    for (_path, source), text in zip(pages, texts, strict=True):
        a, b = re.sub(r"\s", "", source), re.sub(r"\s", "", text)
        found = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
        chars += sum(m.size for m in found) / len(a)
        want, got = analyse(source, rules, ""), analyse(text, rules, "")
        for category in CATEGORY_IDS:
            pairs += 1
            agree += (category in want.categories) == (category in got.categories)
        for key in FIGURE_KEYS:
            figures += 1
            right += want.figures.get(key) == got.figures.get(key)
    return {
        "characters": chars / len(pages),
        "categories": agree / pairs,
        "figures": right / figures,
    }


def backfill(mails: int, scanned: float) -> None:
    """Season backfill with scanned reports: text mail first, then the OCR queue."""
    from datetime import datetime

    from bench.corpus import load_corpus
    from pipeline.process import load_rulebook as rulebook
    from pipeline.service.ocr import run_ocr_queue
    from pipeline.service.runner import open_store, poll_mailbox, process_pending
    from tests import scans
    from tests.builders import CHINA, make_mail
    from tests.conftest import Workspace

    corpus = load_corpus(mails, 0)
    every = max(round(1 / scanned), 1)
    text = (DEVSET / "001-guanyinqiao-street-summary.txt").read_text("utf-8")
    page = scans.stamp_seal(scans.rasterise(scans.render_pdf(text))[0], "观音桥街道办事处")
    scan = scans.scan_pdf([scans.degrade(page, angle=2, blur=0.6, quality=50)])
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        n_scans = 0
        for i, path in enumerate(corpus.season):
            if i % every == every - 1:
                n_scans += 1
                ws.add(make_mail(subject=f"节能宣传周总结（盖章扫描件{i}）", body="",
                                 attachments=[(f"扫描件{i}.pdf", scan)],
                                 date=datetime(2024, 5, 16, 9, tzinfo=CHINA),
                                 message_id=f"<scan-{i}@bench>"))  # fmt: skip
            else:
                ws.add(path.read_bytes())
        config = ws.config
        book = rulebook(config.rules_dir)
        store = open_store(config)
        started = time.perf_counter()
        polled = poll_mailbox(store, config)
        done, failed = process_pending(store, config, book)
        text_done = time.perf_counter() - started
        queued = store.counts()["ocr_queued"]
        read = run_ocr_queue(store, config, book, lambda: False, float("inf"))
        ocr_done = time.perf_counter() - started
        store.close()
    print(
        f"backfill: {polled.new_mails} mails ({n_scans} scanned, {n_scans / polled.new_mails:.0%});"
        f" every mail processed (scans queued: {queued}) after {text_done:.1f} s"
        f" ({done} processed, {failed} failed); OCR queue ({read} mails) done after"
        f" {ocr_done:.1f} s, {(ocr_done - text_done) / max(read, 1):.1f} s per scanned page"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=8)
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument("--backfill", type=int, help="mails of the season to backfill")
    parser.add_argument("--scanned", type=float, default=0.05, help="share of scanned reports")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.backfill:
        backfill(args.backfill, args.scanned)
        return
    if args.child:  # one engine, in its own process
        print(json.dumps(read_pages(args.child, rest)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        pages = make_pages(args.docs, Path(tmp))
        print(f"{len(pages)} pages: {', '.join(p.name for p, _ in pages)}")
        for engine in args.engines.split(","):
            if engine == "tesseract" and not shutil.which("tesseract"):
                print(
                    "tesseract: not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)"
                )
                continue
            run = subprocess.run(
                [sys.executable, "-m", "bench.ocr", "--child", engine, *(str(p) for p, _ in pages)],
                capture_output=True, text=True, check=True, cwd=REPO,
            )  # fmt: skip
            got = json.loads(run.stdout.strip().splitlines()[-1])
            s = score(pages, got["texts"])
            secs = sorted(got["seconds"])
            print(
                f"{engine}: characters {s['characters']:.3f}, categories {s['categories']:.3f},"
                f" figures {s['figures']:.3f}; {sum(secs) / len(secs):.1f} s/page"
                f" (median {secs[len(secs) // 2]:.1f}, max {secs[-1]:.1f}),"
                f" peak RSS {got['peak_mb']:.0f} MB"
            )
            per_page = [
                f"{p.name} {_chars(t, x):.2f}"
                for (p, t), x in zip(pages, got["texts"], strict=True)
            ]
            print("   per page (characters):", "; ".join(per_page))


def _chars(source: str, text: str) -> float:
    a, b = re.sub(r"\s", "", source), re.sub(r"\s", "", text)
    found = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(m.size for m in found) / len(a)


if __name__ == "__main__":
    main()
