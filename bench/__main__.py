"""mailroll against the floor, on this machine, in one run (issue #8).

    make bench        (= .venv/bin/python -m bench [--season 2000] [--older 10000] [--runs 3])

Generates (once; cached in bench/.cache/) a season of mails from the roster's
units plus a history of older mails (bench/corpus.py), writes them into the
Maildir of the real Dovecot the tests use (tests/dovecot.py; needs
`scripts/install-deps.sh --test`), and measures, each as the median of
--runs runs:

* backfill: poll + process of the season into a fresh store, mails/s and
  seconds per stage (pipeline/timings.py); floor: a bare imapclient bulk
  UID FETCH of the same folder + the plain extraction of the same files
  (pdftotext; word/document.xml out of the zip), on every core;
* idle poll of a folder of 100 and of 10,000 mails: seconds, IMAP commands;
* retag of the season, against mailroll's own extraction of the stored mails
  (parse + read every attachment, on every core, no tagging: bench/extraction.py);
* the workbook of the season, and of 120 units x 2,000 submissions
  (bench/report_workbook.py);
* peak RSS of the process tree for a run with a 50 MB attachment (bench/rss.py).

Prints a table and writes bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import tempfile
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.corpus import Corpus, load_corpus
from bench.extraction import extraction_pass
from bench.mailbox import fill_maildir
from bench.rss import peak_tree_rss_mb
from pipeline import timings
from pipeline.config import load_config
from pipeline.process import load_rulebook
from pipeline.service.runner import open_store, poll_mailbox, process_pending, retag
from pipeline.service.schedule import write_workbooks
from tests.conftest import Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import use_imap

RESULTS = Path(__file__).resolve().parent / "results"
PARTS = ("backfill", "workbook", "idle", "rss")  # backfill includes retag and the season's workbook
TARGETS = {"backfill": 2.0, "idle_poll": 1.2, "peak_rss_mb": 300, "retag": 1.5, "workbook_s": 3.0}


def median(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `measure` `runs` times; the run whose `seconds` is the median, plus all seconds."""
    results = sorted((measure() for _ in range(runs)), key=lambda r: r["seconds"])
    chosen = dict(results[len(results) // 2])
    chosen["all_seconds"] = [round(r["seconds"], 3) for r in results]
    return chosen


# ---------------------------------------------------------------- the floor


def floor_fetch(server: Dovecot, folder: str, batch: int = 200) -> dict[str, Any]:
    started = time.perf_counter()
    size = 0
    with server.client(timeout=120) as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        for i in range(0, len(uids), batch):
            for item in client.fetch(uids[i : i + batch], ["BODY.PEEK[]"]).values():
                size += len(item[b"BODY[]"])
    return {"seconds": time.perf_counter() - started, "mails": len(uids), "bytes": size}


def _pdftotext(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(data)
        tmp.flush()
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", tmp.name, "-"],
                             capture_output=True, check=True)  # fmt: skip
    return out.stdout.decode()


def _plain(name: str, data: bytes) -> int:
    """Characters of markup/text the fastest plain tool gets out of one file."""
    if name.endswith(".pdf"):
        return len(_pdftotext(data))
    if name.endswith(".docx"):
        with zipfile.ZipFile(_bytes_io(data)) as zf:
            return len(zf.read("word/document.xml"))
    if name.endswith(".zip"):
        with zipfile.ZipFile(_bytes_io(data)) as zf:
            return sum(_plain(info.filename, zf.read(info)) for info in zf.infolist())
    return 0  # photos are only counted


def _bytes_io(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def floor_extract(files: list[Path]) -> dict[str, Any]:
    """Plain extraction of every attachment of the season, one file per core at a time."""
    started = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        chars = sum(pool.map(lambda p: _plain(p.name, p.read_bytes()), files))
    return {"seconds": time.perf_counter() - started, "files": len(files), "chars": chars}


# ----------------------------------------------------------------- mailroll


def workspace(root: Path, server: Dovecot, folder: str) -> Workspace:
    root.mkdir(parents=True)
    ws = Workspace(root)
    use_imap(ws, server, folders=f'["{folder}"]', batch_size=50, timeout=120)
    return ws


def backfill(server: Dovecot, root: Path) -> dict[str, Any]:
    """Poll and process the season into a fresh store (the workbook is measured apart)."""
    ws = workspace(root, server, "season")
    config = ws.config
    book = load_rulebook(config.rules_dir)
    store = open_store(config)
    timings.reset()
    try:
        started = time.perf_counter()
        polled = poll_mailbox(store, config)
        fetched, cpu = time.perf_counter(), time.process_time()
        done, failed = process_pending(store, config, book)
        finished, cpu = time.perf_counter(), time.process_time() - cpu
    finally:
        store.close()
    return {
        "seconds": finished - started,
        "poll_seconds": fetched - started,
        "process_seconds": finished - fetched,
        "process_main_cpu_seconds": cpu,  # the dispatching/writing process alone
        "mails": polled.new_mails,
        "processed": done,
        "failed": failed,
        "mails_per_s": polled.new_mails / (finished - started),
        "stages": {k: round(v, 2) for k, v in timings.snapshot().items()},
        "config": str(ws.config_path),
    }


def idle_poll(server: Dovecot, root: Path, folder: str, runs: int) -> dict[str, Any]:
    ws = workspace(root, server, folder)
    config = ws.config
    store = open_store(config)
    try:
        first = poll_mailbox(store, config)

        def once() -> dict[str, Any]:
            started = time.perf_counter()
            polled = poll_mailbox(store, config)
            assert polled.new_mails == 0, polled
            return {"seconds": time.perf_counter() - started, "commands": polled.imap_commands}

        result = median(runs, once)
    finally:
        store.close()
    result["mails"] = first.new_mails
    return result


def retag_season(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    timings.reset()
    started = time.perf_counter()
    done, failed = retag(config)
    seconds = time.perf_counter() - started
    stages = timings.snapshot()
    return {"seconds": seconds, "processed": done, "failed": failed,
            "stages": {k: round(v, 2) for k, v in stages.items()}}  # fmt: skip


def workbook_season(config_path: Path) -> dict[str, Any]:
    config = load_config(config_path)
    book = load_rulebook(config.rules_dir)
    store = open_store(config)
    try:
        started = time.perf_counter()
        write_workbooks(
            store, config, book, datetime(2024, 5, 27, 8, tzinfo=config.campaign.timezone)
        )
        return {"seconds": time.perf_counter() - started}
    finally:
        store.close()


def workbook_120(root: Path, runs: int) -> dict[str, Any]:
    """The 累计 workbook of 120 units x 2,000 submissions (bench/report_workbook.py)."""
    from bench.report_workbook import build
    from pipeline.rollup.data import Scope, load
    from pipeline.rollup.report import write_scope

    root.mkdir(parents=True)
    config_path, book = build(root, 120, 2000)
    config = load_config(config_path)
    store = open_store(config)
    now = datetime(2024, 5, 27, 8, tzinfo=config.campaign.timezone)

    def once() -> dict[str, Any]:
        started = time.perf_counter()
        write_scope(load(store, config), Scope(config.campaign, None, now), config, book)
        return {"seconds": time.perf_counter() - started}

    try:
        return median(runs, once)
    finally:
        store.close()


# ------------------------------------------------------------------- report


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())  # fmt: skip
    ram = int(Path("/proc/meminfo").read_text().split()[1]) / 2**20
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram, 1),
            "python": platform.python_version()}  # fmt: skip


def measure(corpus: Corpus, runs: int, only: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "machine": machine(),
        "runs": runs,
        "season_mails": len(corpus.season),
        "older_mails": len(corpus.older),
    }
    with tempfile.TemporaryDirectory(prefix="mailroll-bench-") as tmp, Dovecot() as server:
        server.stop()
        fill_maildir(server, "season", corpus.season)
        fill_maildir(server, "older", corpus.older)
        fill_maildir(server, "small", corpus.older[:100])
        fill_maildir(server, "big", [corpus.big])
        server.start()
        work = Path(tmp)
        floor_fetch(server, "season")  # warm up: Dovecot indexes the folder, the page cache
        counter = iter(range(1000))
        if "backfill" in only:
            out["floor_fetch"] = median(runs, lambda: floor_fetch(server, "season"))
            out["floor_extract"] = median(runs, lambda: floor_extract(corpus.files))
            out["backfill"] = median(runs, lambda: backfill(server, work / f"b{next(counter)}"))
            config_path = Path(out["backfill"].pop("config"))
            out["retag"] = median(runs, lambda: retag_season(config_path))
            out["extraction"] = median(runs, lambda: extraction_pass(config_path))
            out["workbook_season"] = median(runs, lambda: workbook_season(config_path))
        if "workbook" in only:
            out["workbook_120x2000"] = workbook_120(work / "w120", runs)
        if "idle" in only:
            out["idle_poll_100"] = idle_poll(server, work / "i100", "small", max(runs, 5))
            out["idle_poll_10000"] = idle_poll(server, work / "i10000", "older", max(runs, 5))
        if "rss" in only:
            big = workspace(work / "big", server, "big")
            out["peak_rss"] = median(runs, lambda: _rss_once(big, work / f"r{next(counter)}"))
    if only == set(PARTS):
        out["ratios"] = ratios(out)
    return out


def _rss_once(ws: Workspace, fresh: Path) -> dict[str, Any]:
    """One run_once of the big mail into a fresh store (a copy of the workspace config)."""
    text = ws.config_path.read_text(encoding="utf-8").replace(str(ws.root), str(fresh))
    fresh.mkdir()
    (fresh / "imap.password").write_bytes((ws.root / "imap.password").read_bytes())
    (fresh / "config.toml").write_text(text, encoding="utf-8")
    got = peak_tree_rss_mb(fresh / "config.toml")
    return {**got, "seconds": got["tree_peak_mb"]}  # the median by memory, not by time


def ratios(out: dict[str, Any]) -> dict[str, float]:
    floor = out["floor_fetch"]["seconds"] + out["floor_extract"]["seconds"]
    return {
        "backfill / (fetch + plain extraction)": out["backfill"]["seconds"] / floor,
        "idle poll 10,000 / 100": out["idle_poll_10000"]["seconds"]
        / out["idle_poll_100"]["seconds"],
        "retag / extraction of the stored mail": out["retag"]["seconds"]
        / out["extraction"]["seconds"],
        "retag / plain extraction": out["retag"]["seconds"] / out["floor_extract"]["seconds"],
    }


def table(out: dict[str, Any]) -> str:
    b, r, f = out["backfill"], out["retag"], out["ratios"]
    floor = out["floor_fetch"]["seconds"] + out["floor_extract"]["seconds"]
    i1, i2 = out["idle_poll_100"], out["idle_poll_10000"]
    rss = out["peak_rss"]
    stages = ", ".join(f"{k} {v:.1f}" for k, v in b["stages"].items())
    rstages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
    rows = [
        ("backfill of the season", f"{b['seconds']:.1f} s ({b['mails_per_s']:.1f} mails/s)",
         f"{floor:.1f} s", f"{f['backfill / (fetch + plain extraction)']:.2f}", "≤ 2"),
        ("  stages (s, summed over workers)", stages, "", "", ""),
        ("  floor: bare UID FETCH", f"{out['floor_fetch']['seconds']:.1f} s", "", "", ""),
        ("  floor: pdftotext + unzip", f"{out['floor_extract']['seconds']:.1f} s", "", "", ""),
        ("idle poll, 100 mails", f"{i1['seconds'] * 1000:.0f} ms, {i1['commands']} commands",
         "", "", ""),
        ("idle poll, 10,000 mails", f"{i2['seconds'] * 1000:.0f} ms, {i2['commands']} commands",
         f"{i1['seconds'] * 1000:.0f} ms", f"{f['idle poll 10,000 / 100']:.2f}", "≤ 1.2"),
        ("retag of the season", f"{r['seconds']:.1f} s",
         f"{out['extraction']['seconds']:.1f} s",
         f"{f['retag / extraction of the stored mail']:.2f}", "≤ 1.5"),
        ("  stages (s, summed over workers)", rstages, "", "", ""),
        ("  yardstick: parse + read the stored mails", f"{out['extraction']['seconds']:.1f} s",
         "", "", ""),
        ("workbook, season", f"{out['workbook_season']['seconds']:.2f} s", "", "", ""),
        ("workbook, 120 units x 2,000", f"{out['workbook_120x2000']['seconds']:.2f} s", "3 s",
         f"{out['workbook_120x2000']['seconds'] / 3:.2f}", "≤ 1"),
        ("peak RSS, 50 MB attachment", f"{rss['tree_peak_mb']:.0f} MB (tree)",
         "300 MB", f"{rss['tree_peak_mb'] / 300:.2f}", "≤ 1"),
        ("  main process alone (VmHWM)", f"{rss['main_process_peak_mb']:.0f} MB", "", "", ""),
    ]  # fmt: skip
    lines = ["| figure | mailroll | floor / target | ratio | target |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    m = out["machine"]
    lines.append("")
    lines.append(f"{out['season_mails']} season mails + {out['older_mails']} older; median of "
                 f"{out['runs']} runs; {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, "
                 f"Python {m['python']}")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--season", type=int, default=2000, help="season mails (2000)")
    parser.add_argument("--older", type=int, default=10000, help="older mails (10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (3)")
    parser.add_argument("--out", type=Path, default=RESULTS / "latest.json")
    parser.add_argument("--only", default=",".join(PARTS),
                        help="comma-separated parts to measure, of: " + ", ".join(PARTS)
                        + " (all; a partial run prints JSON and writes no table)")  # fmt: skip
    args = parser.parse_args()
    only = set(args.only.split(","))
    if not only <= set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(only - set(PARTS)))}")
    corpus = load_corpus(args.season, args.older)
    out = measure(corpus, args.runs, only)
    out["date"] = datetime.now().isoformat(timespec="seconds")
    if only != set(PARTS):
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return
    text = table(out)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({**out, "table": text}, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
