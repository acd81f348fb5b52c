"""Peak memory of a whole `run_once` process tree (the main process and its
extraction workers), sampled from /proc every 10 ms.

    python -m bench.rss CONFIG   (the child: one run_once)

`peak_tree_rss_mb` in the parent starts the child and sums the RSS of the
child and all its descendants at each sample; the figure is the largest sum.
The child also reports its own peak (VmHWM: exact, but one process only) and
getrusage() ru_maxrss of its reaped children; the extraction workers are children
of the multiprocessing forkserver, not of the main process, so that second
figure stays 0 and only the /proc tree sum counts them.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[-1].split()[1])
        tree.setdefault(ppid, []).append(int(name))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, ()))
    return total


def peak_tree_rss_mb(config: Path) -> dict[str, float]:
    """Run one `run_once` in a child process; its tree's peak RSS and its duration."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.rss", str(config)], stdout=subprocess.PIPE, text=True
    )
    peak = 0
    while child.poll() is None:
        peak = max(peak, tree_rss_kb(child.pid))
        time.sleep(0.01)
    assert child.stdout is not None
    own, workers = (int(x) for x in child.stdout.read().split())
    if child.wait() != 0:
        raise RuntimeError(f"bench.rss child failed with {child.returncode}")
    return {
        "tree_peak_mb": round(peak / 1024, 1),
        "main_process_peak_mb": round(own / 1024, 1),
        "largest_worker_peak_mb": round(workers / 1024, 1),
        "seconds": round(time.perf_counter() - started, 2),
    }


if __name__ == "__main__":
    from pipeline.config import load_config
    from pipeline.extract import sandbox
    from pipeline.service.runner import run_once

    result = run_once(load_config(Path(sys.argv[1])))
    if sandbox._default_pool is not None:
        sandbox._default_pool.close()  # reap the workers, so RUSAGE_CHILDREN counts them
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would report the
    # benchmark process that started this one whenever that was the larger
    own = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines()
               if line.startswith("VmHWM:"))  # fmt: skip
    print(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(0 if result.processed + result.failed >= 1 else 1)
