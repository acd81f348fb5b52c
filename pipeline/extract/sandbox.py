"""Read each file in a worker process with a time limit and a memory limit.

A hostile PDF (circular XObjects, huge streams), an Office file that makes a
parser allocate gigabytes or a zip bomb must cost one Problem line, not the
service. So `extract_one` runs in a separate process:

* memory: the worker caps its own address space (`RLIMIT_AS`, soft limit), so
  a runaway allocation raises MemoryError inside the worker or kills it;
* time: the parent waits at most `Limits.timeout_s` for the answer, then kills
  the worker's whole process group (helper tools such as antiword included)
  and starts a fresh worker for the next file.

Workers are reused between files (starting one costs a fork from a
pre-loaded server, ~10 ms) and replaced after `MAX_TASKS` files to bound leaks.
`WorkerPool.run(name, data, limits, depth)` is the whole interface; a pool of
several workers may be shared by threads.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import multiprocessing
import os
import queue
import resource
import select
import shutil
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

from pipeline.extract import Extraction, Limits, extract_one, problem
from pipeline.extract.office import scratch_dir

log = logging.getLogger(__name__)

MAX_TASKS = 500  # files read by one worker before it is replaced
_GRACE_S = 2.0  # extra time for pickling/unpickling large inputs and results

_context: Any = None
_context_lock = threading.Lock()


def mp_context() -> Any:
    """A forkserver context whose server has already imported every reader.

    Forking from a clean, pre-loaded server is fast and safe even when the
    parent runs threads (the scheduler), unlike a plain fork.
    """
    global _context
    with _context_lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["pipeline.extract"])
            _context = ctx
        return _context


def die_with(owner: int, group: bool = False) -> None:
    """Exit (with this process group when `group`) as soon as process `owner` exits.

    Worker processes are children of the forkserver, not of mailroll, and each
    one keeps the forkserver alive: after a SIGKILL of mailroll (a cron timeout,
    the OOM killer) they would wait forever, re-parented to PID 1. So each
    watches its owner through a pidfd, in a daemon thread."""
    try:
        pidfd = os.pidfd_open(owner)
    except ProcessLookupError:  # the owner is already gone
        _die(group)
        return
    except (AttributeError, OSError):  # no pidfd (old kernel, not Linux): poll instead
        pidfd = -1

    def watch() -> None:
        if pidfd >= 0:
            select.select([pidfd], [], [])
        else:
            while _alive(owner):
                time.sleep(1.0)
        _die(group)

    threading.Thread(target=watch, name="owner-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die(group: bool) -> None:
    if group:  # helper tools (antiword, LibreOffice) too
        with contextlib.suppress(OSError):
            os.killpg(0, signal.SIGKILL)
    os._exit(1)


def _serve(conn: Connection, memory_mb: int, owner: int) -> None:
    """Worker main loop: read requests from the pipe until it closes (or `owner` exits)."""
    os.setpgid(0, 0)  # own process group, so the parent can kill helper tools with us
    die_with(owner, group=True)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # parsers that print (xlrd) must not corrupt `mailroll tag --json`
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # parsers warn about every oddity of a broken file; the Problem says what matters
    logging.getLogger().setLevel(logging.ERROR)
    limit_memory(memory_mb)
    while True:
        try:
            name, data, limits, depth = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(extract_one(name, data, limits, depth))


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space (soft limit only: helper tools may set their own)."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    soft = memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class Worker:
    """One worker process and its pipe; restarted after a timeout or a crash."""

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Connection | None = None
        self._memory_mb = 0
        self._tasks = 0

    def run(self, name: str, data: bytes, limits: Limits, depth: int = 0) -> Extraction:
        """Read one file in the worker; a hang or a crash becomes a Problem."""
        if self._process is None or self._memory_mb != limits.memory_mb:
            self._start(limits.memory_mb)
        try:
            assert self._conn is not None
            self._conn.send((name, data, limits, depth))
        except (BrokenPipeError, ConnectionResetError, EOFError):  # died while idle: retry once
            self._start(limits.memory_mb)
            assert self._conn is not None
            self._conn.send((name, data, limits, depth))
        self._tasks += 1
        try:
            answered = self._conn.poll(limits.timeout_s + _GRACE_S)
            result: Extraction | None = self._conn.recv() if answered else None
        except (EOFError, ConnectionResetError, OSError):  # the worker died: killed, crashed
            code = self._process.exitcode if self._process is not None else None
            log.warning("extraction of %r crashed its worker (exit code %s)", name, code)
            self.stop()
            return problem(
                name,
                "读取时解析程序异常退出（文件可能已损坏，或占用内存超过上限）",
                "请打开原始邮件人工查看，或请报送单位重新发送该附件",
            )
        if result is None:
            log.warning("extraction of %r timed out after %.0f s", name, limits.timeout_s)
            self.stop()
            return problem(
                name,
                f"读取超时（超过 {limits.timeout_s:.0f} 秒），已放弃",
                "请打开原始邮件人工查看；文件可能已损坏或含有恶意构造的内容",
            )
        if self._tasks >= MAX_TASKS:
            self.stop()
        return result

    def _start(self, memory_mb: int) -> None:
        self.stop()
        ctx = mp_context()
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_serve, args=(child, memory_mb, os.getpid()), daemon=True)
        process.start()
        child.close()
        self._process, self._conn, self._memory_mb, self._tasks = process, parent, memory_mb, 0

    def stop(self) -> None:
        """Kill the worker and everything it started."""
        process, self._process = self._process, None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if process is None:
            return
        if process.is_alive():
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                process.kill()
        process.join(timeout=5)
        shutil.rmtree(scratch_dir(process.pid), ignore_errors=True)


class WorkerPool:
    """A fixed number of workers; `run` borrows an idle one (blocking if all are busy)."""

    def __init__(self, size: int = 1) -> None:
        self._workers = [Worker() for _ in range(size)]
        self._idle: queue.SimpleQueue[Worker] = queue.SimpleQueue()
        for worker in self._workers:
            self._idle.put(worker)

    def run(self, name: str, data: bytes, limits: Limits, depth: int = 0) -> Extraction:
        worker = self._idle.get()
        try:
            return worker.run(name, data, limits, depth)
        finally:
            self._idle.put(worker)

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()


_default_pool: WorkerPool | None = None


def run_in_worker(name: str, data: bytes, limits: Limits, depth: int = 0) -> Extraction:
    """Read one file in the process-wide default worker (started on first use)."""
    global _default_pool
    with _context_lock:
        if _default_pool is None:
            _default_pool = WorkerPool(1)
            atexit.register(_default_pool.close)
    return _default_pool.run(name, data, limits, depth)
