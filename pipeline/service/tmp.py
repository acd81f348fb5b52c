"""Remove the temp folders that killed mailroll processes left behind.

Worker processes leave folders in the temp folder: multiprocessing's `pymp-*`
(the forkserver's socket) and the helper tools' scratch folders
(`mailroll-<uid>-<pid>`, pipeline.extract.office). A process killed with
SIGKILL cannot remove them, so run, serve and retag remove them when they start:
a scratch folder whose process is gone, and a `pymp-*` folder of this user
holding nothing but sockets no process has open any more (any Python
program's multiprocessing makes these; one still in use has its socket open).

Files are written whole or not at all: a workbook, a .docx and an archived mail
are first written to a `.tmp-*` file next to their target, then renamed. A kill
mid-write leaves that partial file, so `clean_partial_files` removes `.tmp-*`
files over an hour old from the output and archive folders (a younger one may be
a `mailroll report` writing right now).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_PROC_UNIX = Path("/proc/net/unix")
_SCRATCH = re.compile(r"mailroll-(\d+)-(\d+)$")


def clean_leftover_tmp(tmp: Path | None = None) -> int:
    """Remove leftover temp folders of dead processes; return how many were removed."""
    root = Path(tmp or tempfile.gettempdir())
    removed = 0
    try:
        entries = list(root.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if _leftover(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed += not entry.exists()
    if removed:
        log.info("removed %d temp folders left by killed processes in %s", removed, root)
    return removed


_PARTIAL_AGE = 3600  # seconds: no workbook, summary or mail takes an hour to write


def clean_partial_files(folders: Iterable[Path]) -> int:
    """Remove half-written `.tmp-*` files (of killed runs) from these folders."""
    removed = 0
    now = time.time()
    for folder in folders:
        try:
            entries = list(folder.glob(".tmp-*"))
        except OSError:
            continue
        for entry in entries:
            try:
                info = entry.lstat()
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime > _PARTIAL_AGE:
                    entry.unlink()
                    removed += 1
            except OSError:
                continue
    if removed:
        log.info("removed %d half-written files left by killed processes", removed)
    return removed


def _leftover(entry: Path) -> bool:
    try:
        info = entry.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    match = _SCRATCH.match(entry.name)
    if match:
        return int(match[1]) == os.getuid() and not _alive(int(match[2]))
    if entry.name.startswith("pymp-"):
        return _only_dead_sockets(entry)
    return False


def _only_dead_sockets(folder: Path) -> bool:
    """Only socket files (a socket appears when it is bound, so a folder still empty
    may be a process's starting up), none of them open in any process: /proc/net/unix
    lists the bound ones (connecting to find out would crash a live forkserver)."""
    try:
        items = list(folder.iterdir())
        bound = {line.split()[-1] for line in _PROC_UNIX.read_text().splitlines()[1:]
                 if len(line.split()) >= 8}  # fmt: skip
    except OSError:
        return False
    return bool(items) and all(
        stat.S_ISSOCK(i.lstat().st_mode) and str(i) not in bound for i in items
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
