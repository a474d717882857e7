"""What a dashboard worker process runs: one replicate, reporting days done.

Workers start with ``spawn`` and receive a shared array of progress counters; a replicate
adds each finished day to its job's slot, so the page's progress bar moves day by day
rather than replicate by replicate. The replicate itself is :func:`sim.experiments.runner.run_replicate`.
"""

from __future__ import annotations

from typing import Any

from sim.experiments.runner import run_replicate
from sim.output.results import ReplicateOutput

_counters: Any = None  # multiprocessing Array of per-job day counters, set by init()


def init(counters: Any) -> None:
    """Pool initializer: remember the shared counters."""
    global _counters
    _counters = counters


def replicate(params: dict[str, Any], seed: int, policies: tuple[dict, ...], slot: int) -> ReplicateOutput:
    """Run one replicate; add each day done to ``_counters[slot]`` (slot < 0: no progress)."""
    progress = None
    if _counters is not None and slot >= 0:
        counters = _counters

        def progress(n: int) -> None:
            with counters.get_lock():
                counters[slot] += n

    return run_replicate(params, seed, progress, tuple(policies))


def warm(params: dict[str, Any]) -> bool:
    """Import everything and fill lazy caches with a tiny run (first runs are ~2x slower)."""
    run_replicate(params, 0)
    return True


def calibration() -> list[dict[str, Any]]:
    """Every calibration target as plain rows (``sim.experiments.targets.all_targets``; ~10-20 s)."""
    from sim.experiments.targets import all_targets

    return [{"target": t.name, "source": t.source, "published": float(t.target), "model": float(t.model),
             "low": float(t.tolerance[0]), "high": float(t.tolerance[1]), "passed": bool(t.passed)}
            for t in all_targets()]
