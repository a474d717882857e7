"""What a dashboard worker process runs: one replicate, reporting days done.

Workers start with ``spawn`` and receive a shared array of progress counters; a replicate
adds each finished day to its job's slot, so the page's progress bar moves day by day
rather than replicate by replicate. The replicate itself is :func:`sim.experiments.runner.run_replicate`.

A worker must not outlive the server: on Linux the kernel sends it SIGTERM when the
server dies (``prctl(PR_SET_PDEATHSIG)``), and everywhere a watchdog thread exits when
the parent process id changes (the parent died and the worker was re-parented).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from typing import Any

from sim.experiments.runner import run_replicate
from sim.output.results import ReplicateOutput

PR_SET_PDEATHSIG = 1    # from <linux/prctl.h>
PR_SET_NAME = 15
WATCHDOG = "survsim-watch"  # the watchdog thread's name
WATCH_SECONDS = 1.0     # how often the watchdog checks the parent

_counters: Any = None  # multiprocessing Array of per-job day counters, set by init()


def init(counters: Any, parent: int | None = None) -> None:
    """Pool initializer: remember the shared counters; die with the ``parent`` process."""
    global _counters
    _counters = counters
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C reaches the whole process group: the server stops us
    if parent is not None:
        die_with(parent)


def die_with(parent: int) -> None:
    """Exit when process ``parent`` dies (even by SIGKILL, which runs no clean-up there)."""
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        except (OSError, AttributeError):
            libc = None
    if os.getppid() != parent:  # died before prctl took effect
        os._exit(1)

    def watch() -> None:  # prctl fires when the *thread* that forked us ends; this covers the rest
        if libc is not None:  # visible in /proc/<pid>/task/*/comm (tests wait for it)
            libc.prctl(PR_SET_NAME, WATCHDOG.encode(), 0, 0, 0)
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="survsim-watchdog", daemon=True).start()


def replicate(params: dict[str, Any], seed: int, policies: tuple[dict, ...], slot: int) -> ReplicateOutput:
    """Run one replicate; add each day done to ``_counters[slot]`` (slot < 0: no progress).
    Returns only the per-group columns that exist (:func:`dashboard.compact.slim`)."""
    from dashboard.budget import trim
    from dashboard.compact import slim

    counters = _counters if slot >= 0 else None

    def progress(n: int) -> None:
        with counters.get_lock():
            counters[slot] += n

    out = slim(run_replicate(params, seed, progress if counters is not None else None, tuple(policies)))
    trim()  # the model's arrays are freed: give the memory back before the next replicate
    return out


def warm(params: dict[str, Any]) -> bool:
    """Import everything and fill lazy caches with a tiny run (first runs are ~2x slower)."""
    run_replicate(params, 0)
    return True


def calibration() -> list[dict[str, Any]]:
    """Every calibration target as plain rows (``sim.experiments.targets.all_targets``; ~10-20 s)."""
    from sim.experiments.targets import all_targets

    return [{"target": t.name, "source": t.source, "published": float(t.target), "model": float(t.model),
             "low": float(t.tolerance[0]), "high": float(t.tolerance[1]), "passed": bool(t.passed),
             "evidence": t.label}
            for t in all_targets()]
