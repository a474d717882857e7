"""Parameter sweeps: many runs of one scenario over a declared set of parameter values.

A sweep spec is a TOML file::

    name = "threshold_sweep"
    scenario = "baseline"               # shipped name, or a path (relative to this file)
    design = "grid"                     # or "lhs" (Latin hypercube) with samples = N
    replicates = 4                      # seeds spawned from `seed`, the same at every point
    seed = 1
    [overrides]                         # fixed for every run
    "run.days" = 730
    [parameters]                        # swept: a list of values, or a range
    "recognition.threshold" = [0.8, 0.9, 0.99]
    "enforcement.review_catch" = { low = 0.2, high = 0.8, levels = 3 }
    "enforcement.usable_face" = "assumption"   # the range the parameter tree declares
    [outputs]                           # what to keep of each run
    cameras = "final"                   # metric = statistic: "final", "total" or "mean"
    fear_gap = { metric = "fear_mean", statistic = "final", difference = ["black", "white"] }

An output in table form takes ``metric``, ``statistic``, and optionally ``day`` (the
statistic over days 1..day, or the value on that day), ``group`` (a group key such as
``black_f`` or a race such as ``black``), ``per_capita`` (counts per 1,000 residents of the
population or group), and ``ratio`` or ``difference`` of two groups (counts compared per
1,000 residents; means compared as they are).

Every run is one (point, replicate). Runs go to a *sweep store*, a folder::

    spec.toml  sweep.json  plan.parquet     the spec, its hash, every planned run
    runs/p00003-r001/outputs.parquet         tidy: output, metric, statistic, group, value
    runs/p00003-r001/run.json                point, replicate, seed, values, time, host
    index.parquet                            one row per finished run, outputs wide

A run folder appears by renaming a finished temporary folder, so it is complete or absent.
Starting the sweep again runs only the runs with no folder; a store made from another
spec (or a scenario that changed since) is refused.
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiments.distributed import check_address, executor
from sim.core.errors import InputError
from sim.params import Params
from sim.experiments.runner import run_replicate
from sim.experiments.sweep_spec import METRIC_INDEX, Output, Spec, read_spec, reduce
from sim.experiments.sweep_store import (Plan, Run, SweepReport, _show, build_index, check_store, default_store,
                                        design_points, load_index, open_store, plan, store_run, stored)

__all__ = ["METRIC_INDEX", "Output", "Plan", "Spec", "SweepReport", "count", "design_points", "execute",
           "load_index", "plan", "read_spec", "reduce", "run_sweep", "run_task", "status"]


# ---- outputs of one run -------------------------------------------------------------------


def run_task(params: dict[str, Any], seed: int, policies: tuple[dict, ...], outputs: tuple[Output, ...]) -> dict:
    """Run one replicate and keep its outputs: plain data in, plain data out (for workers)."""
    t0 = time.perf_counter()
    out = run_replicate(params, seed, None, policies)
    p = Params.model_validate(params)
    shares = np.array([p.groups.shares[k] for k in p.group_keys])
    rows = reduce(out.total, out.by_group, outputs, p.group_keys, shares, p.city.n_residents)
    return {"rows": rows, "seconds": time.perf_counter() - t0, "host": socket.gethostname(), "pid": os.getpid()}


# ---- the plan -----------------------------------------------------------------------------


# ---- the store ----------------------------------------------------------------------------


def execute(p: Plan, store: str | Path, workers: int = 1, scheduler: str | None = None,
            progress: Callable[[int], None] | None = None, flag: str = "--store") -> SweepReport:
    """Run what the store lacks of plan ``p`` and rebuild its index."""
    store = Path(store)
    t0 = time.perf_counter()
    if not scheduler and (not isinstance(workers, int) or workers < 1):
        raise InputError(f"--workers = {workers!r}: must be an integer >= 1")
    if scheduler:
        check_address(scheduler)  # before the store is created
    done = open_store(p, store, flag)
    todo = [r for r in p.runs if r.id not in done]
    ran = 0
    where = ""
    if todo:
        spec = p.spec
        with executor(workers, scheduler) as pool:
            where = pool.where
            queue = iter(todo)
            running: dict[Future, Run] = {}
            try:
                while True:
                    # keep every slot busy plus a few queued, so an interrupt loses little
                    for run in itertools.islice(queue, max(0, pool.queue - len(running))):
                        running[pool.submit(run_task, p.params[run.point], run.seed, spec.base.policies,
                                            spec.outputs)] = run
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    failed = None
                    for fut in sorted(finished, key=lambda f: running[f].id):
                        run = running.pop(fut)
                        if fut.exception() is not None:
                            failed = failed or (run, fut.exception())
                            continue
                        ran += store_run(store, p, run, fut.result())
                        if progress is not None:
                            progress(1)
                    if failed is not None:  # finished runs are kept; the failing one is named
                        run, e = failed
                        e.add_note(f"in sweep run {run.id}: seed {run.seed}, {_show(p.points[run.point])}")
                        raise e
            finally:
                build_index(store, p)
    else:
        build_index(store, p)
    return SweepReport(p.spec.name, store, len(p.runs), len(done), ran, time.perf_counter() - t0, where)


def run_sweep(spec_path: str | Path, store: str | Path | None = None, workers: int = 1,
              scheduler: str | None = None, progress: Callable[[int], None] | None = None) -> SweepReport:
    """Run a sweep spec into a store, running only the runs not stored yet.

    Args:
        spec_path: the sweep's TOML file.
        store: the store folder (default ``results/sweeps/<name>``).
        workers: local processes (1: in this process); ignored with ``scheduler``.
        scheduler: a Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``.
        progress: called with 1 each time a run is stored (see :func:`status` for the count).

    Example:
        >>> rep = run_sweep("scenarios/sweeps/threshold_review_grid.toml", "results/sweeps/t")  # doctest: +SKIP
        >>> print(rep)                                                                        # doctest: +SKIP
        sweep 'threshold_review_grid': 48 runs done now, 0 already stored, 0 missing, 48 in all ...
    """
    p = plan(read_spec(spec_path))
    return execute(p, default_store(p.spec) if store is None else Path(store), workers, scheduler, progress)


def status(spec_path: str | Path, store: str | Path | None = None) -> SweepReport:
    """Counts of stored and missing runs, without running anything or writing."""
    p = plan(read_spec(spec_path))
    return count(p, default_store(p.spec) if store is None else Path(store))


def count(p: Plan, store: Path, flag: str = "--store") -> SweepReport:
    """How much of plan ``p`` is in ``store`` (InputError if the store is another plan's,
    not survsim's, or cannot be written)."""
    done = stored(store) if check_store(p, store, flag) else set()
    return SweepReport(p.spec.name, store, len(p.runs), len({r.id for r in p.runs} & done), 0, 0.0)


