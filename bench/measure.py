"""Run a command as a child process and measure its wall time and peak memory.

Memory is read from /proc while the child runs (every ``interval`` seconds), over the child
and all its descendants (e.g. the papermill kernel of the report):

* ``hwm_mb``: per process the peak resident set VmHWM (kept by the kernel, so nothing is
  missed between samples for a process seen at least once); the figure is the largest
  single process.
* ``tree_peak_mb``: the largest sampled *sum* of VmRSS over the tree (what the machine
  had to hold at once; may miss a spike shorter than ``interval``).
* ``hwm_sum_mb``: the sum of the per-process VmHWM, an upper bound of the tree's peak.

``ru_maxrss`` from ``wait4``/``RUSAGE_CHILDREN`` is *not* used: on Linux ``exec`` folds
the pre-exec address space into it, so a child forked from a large parent reports the
parent's peak (measured: a ``python -c pass`` child of an 800 MB parent reports 814 MB
while its VmHWM is 14 MB).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Measured", "process_tree", "run_measured"]


@dataclass(frozen=True)
class Measured:
    """Outcome of one measured child process."""

    returncode: int
    wall_s: float
    hwm_mb: float
    hwm_sum_mb: float
    tree_peak_mb: float
    processes: int
    stdout: str
    stderr: str

    @property
    def peak_mb(self) -> float:
        """Conservative peak for target checks: the upper bound over the process tree."""
        return max(self.hwm_sum_mb, self.tree_peak_mb)


def _children() -> dict[int, list[int]]:
    """parent pid → child pids for every process visible in /proc."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # the command name (field 2) may contain spaces; ppid follows the closing ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants that are alive now."""
    kids = _children()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def _memory_kb(pid: int) -> tuple[int, int] | None:
    """(VmRSS, VmHWM) in kB, or None for a process that is gone or a zombie."""
    rss = hwm = None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    return None if rss is None or hwm is None else (rss, hwm)


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None,
                 cwd: Path | None = None, timeout_s: float = 900.0,
                 interval: float = 0.02) -> Measured:
    """Run ``cmd`` to completion; wall time and peak memory of its process tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd,
                                start_new_session=True)
        hwm: dict[int, int] = {}
        tree_peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                total = 0
                for pid in process_tree(proc.pid):
                    mem = _memory_kb(pid)
                    if mem is not None:
                        total += mem[0]
                        hwm[pid] = max(hwm.get(pid, 0), mem[1])
                tree_peak[0] = max(tree_peak[0], total)
                done.wait(interval)

        def kill() -> None:  # our own child's process group only
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        sampler = threading.Thread(target=sample, daemon=True)
        if Path("/proc/self/status").exists():  # Linux; elsewhere no memory figures
            sampler.start()
        timer = threading.Timer(timeout_s, kill)
        timer.start()
        try:
            proc.wait()
        finally:
            timer.cancel()
            done.set()
            if sampler.is_alive():
                sampler.join()
        wall = time.perf_counter() - t0
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, wall, max(hwm.values(), default=0) / 1024,
                        sum(hwm.values()) / 1024, tree_peak[0] / 1024, len(hwm),
                        out.read().decode("utf-8", "replace"),
                        err.read().decode("utf-8", "replace"))
