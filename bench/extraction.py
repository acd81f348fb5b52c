"""mailroll's own extraction of the stored raw mails: the yardstick for retag (issue #8).

Parses every archived mail of a store and reads its attachments, on every core, as
backfill and `retag --reread` do it (each file in a sandboxed worker), without
tagging or storing anything.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pipeline.config import load_config
from pipeline.extract.sandbox import mp_context
from pipeline.parse import parse_file
from pipeline.process import extraction_limits, read_message
from pipeline.service.runner import open_store


def _read_one(job: tuple[Path, Any, Any]) -> int:
    """In a worker: parse one archived mail and read its attachments (no tagging)."""
    path, tz, limits = job
    reading = read_message(parse_file(path, tz), limits)
    return sum(len(d.text) for d in reading.documents)


def extraction_pass(config_path: Path) -> dict[str, Any]:
    """Seconds to parse and read every stored mail of the store `config_path` names."""
    config = load_config(config_path)
    store = open_store(config)
    try:
        mails = store.all_mails()
    finally:
        store.close()
    jobs = [(m.path, config.campaign.timezone, extraction_limits(config.limits)) for m in mails]
    started = time.perf_counter()
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context()) as pool:
        chars = sum(pool.map(_read_one, jobs, chunksize=8))
    return {"seconds": time.perf_counter() - started, "mails": len(jobs), "chars": chars}
