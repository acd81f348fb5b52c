"""Run OCR in its own worker process, under its own time and memory limits.

One process per mail's scans (loading the models costs ~2 s against 10-40 s a
page): it caps its address space (`[ocr] memory_mb`), and the parent waits at
most `[ocr] seconds_per_page` for each page and once more for the models'
start-up, then kills the worker's process group. A timeout or a crash becomes one Problem per
file, never an exception: the mail keeps everything else it said.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection

from pipeline.extract import ocr
from pipeline.extract.detect import IMAGE_TYPES, detect_type
from pipeline.extract.sandbox import limit_memory, mp_context
from pipeline.models import OcrSettings, Problem

log = logging.getLogger(__name__)


def pages_to_read(name: str, data: bytes, max_pages: int) -> int:
    """How many pages OCR will read in this file (for its time limit)."""
    if detect_type(data[:64], name) in IMAGE_TYPES:
        return 1
    try:
        return min(ocr.scanned_pages(data), max_pages)
    except Exception:  # PDFium cannot open it: the worker will say so
        return 1


def run_ocr(files: Sequence[tuple[str, bytes]], settings: OcrSettings) -> list[ocr.OcrResult]:
    """OCR each (name, bytes) in one worker process; one OcrResult per file, in order.

    At most `settings.max_pages` pages are read over all the files together."""
    if not files:
        return []
    pages = sum(pages_to_read(n, d, settings.max_pages) for n, d in files)
    timeout = settings.seconds_per_page * (min(pages, settings.max_pages) + 1)  # +1: start-up
    ctx = mp_context()
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_serve, args=(child, settings, os.getpid()), daemon=True)
    process.start()
    child.close()
    try:
        parent.send(list(files))
        if parent.poll(timeout):
            return parent.recv()
        log.warning("OCR of %s timed out after %.0f s", [n for n, _ in files], timeout)
        return [_failed(n, f"文字识别超时（超过 {timeout:.0f} 秒），已放弃") for n, _ in files]
    except (EOFError, ConnectionResetError, BrokenPipeError, OSError):
        log.warning("OCR worker crashed (exit code %s)", process.exitcode)
        return [_failed(n, "文字识别程序异常退出（可能占用内存超过上限）") for n, _ in files]
    finally:
        parent.close()
        _kill(process)


def _serve(conn: Connection, settings: OcrSettings, owner: int) -> None:
    os.setpgid(0, 0)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # nothing may corrupt `mailroll tag --json`
    threading.Thread(target=_watch, args=(owner,), daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger().setLevel(logging.ERROR)
    limit_memory(settings.memory_mb)
    files = conn.recv()
    conn.send(read_files(files, settings.max_pages))
    conn.close()
    # skip multiprocessing's exit handlers: they would remove the temp folder the
    # forkserver shares with mailroll (its own handler then fails at exit)
    os._exit(0)


def read_files(files: Sequence[tuple[str, bytes]], max_pages: int) -> list[ocr.OcrResult]:
    """OCR the files in this process, sharing `max_pages` between them."""
    out: list[ocr.OcrResult] = []
    left = max_pages
    for name, data in files:
        if left <= 0:
            out.append(_over_limit(name, data, max_pages))
            continue
        try:
            got = ocr.read_file(name, data, left)
        except MemoryError:
            got = _failed(name, "文字识别时占用内存超过上限，已放弃")
        except ImportError:  # onnxruntime cannot even load under a too small memory_mb
            got = _failed(name, "文字识别程序无法启动（未安装 rapidocr，或 ocr.memory_mb 过小）")
        except Exception as exc:  # a broken scan costs one problem line
            got = _failed(name, f"文字识别失败（{exc.__class__.__name__}）")
        left -= got.pages
        out.append(got)
    return out


def _watch(owner: int) -> None:
    """End the worker when the process that wants its answer is gone (killed): the
    forkserver would otherwise keep it reading pages for nobody."""
    while True:
        time.sleep(1)
        try:
            os.kill(owner, 0)
        except ProcessLookupError:
            os._exit(1)
        except PermissionError:
            pass


def _over_limit(name: str, data: bytes, max_pages: int) -> ocr.OcrResult:
    """Past `[ocr] max_pages`: a scan is listed; an image stays a photo, and is listed."""
    reason = f"超过每封邮件 {max_pages} 页的文字识别上限，未识别"
    if detect_type(data[:64], name) in IMAGE_TYPES:
        failed = _failed(name, f"{reason}（按照片计）")
        return ocr.OcrResult(photo=name, problems=failed.problems)
    return _failed(name, reason)


def _failed(name: str, reason: str) -> ocr.OcrResult:
    action = "请打开原始邮件人工查看该扫描件"
    return ocr.OcrResult(problems=(Problem(name, reason, action),))


def _kill(process) -> None:  # type: ignore[no-untyped-def]
    if process.is_alive():
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            process.kill()
    process.join(timeout=5)
