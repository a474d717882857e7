"""Running replicates: serial or in local processes, with identical results either way.

Each replicate is a pure function of (parameters, replicate seed); replicate seeds are
spawned from the run seed with numpy's SeedSequence. Workers receive parameters as plain
JSON data, rebuild them and return arrays, so nothing depends on which process ran what.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.core.errors import InputError
from sim.core.metrics import BY_NAME
from sim.model import SurveillanceModel
from sim.params import Params
from sim.policy.policies import parse
from sim.output.results import ReplicateOutput, Results
from sim.policy.scenario import Scenario, load
from sim.core.streams import replicate_seeds

if TYPE_CHECKING:  # a type only: the pool module is imported when a pool starts
    from sim.experiments.distributed import Pool


def run_replicate(params: dict[str, Any], seed: int, progress: Callable[[int], None] | None = None,
                  policies: tuple[dict, ...] = ()) -> ReplicateOutput:
    """Run one replicate from plain data (parameters and policies), picklable for workers."""
    model = SurveillanceModel(Params.model_validate(params), seed=seed, policies=parse(list(policies), "scenario"))
    model.run(progress=progress)
    return ReplicateOutput(seed, model.recorder.total, model.recorder.by_group)


@dataclass
class RunTotals:
    """What analyses over many runs keep of one run: each metric over the whole run (flows
    summed over days, levels at the last day), in total and by group, and group sizes."""

    seed: int
    total: dict[str, float]
    by_group: dict[str, np.ndarray]
    group_size: np.ndarray


def run_totals(params: dict[str, Any], seed: int, policies: tuple[dict, ...], metrics: tuple[str, ...]) -> RunTotals:
    """Run one replicate and keep only whole-run totals of ``metrics`` (small, picklable)."""
    model = SurveillanceModel(Params.model_validate(params), seed=seed, policies=parse(list(policies), "scenario"))
    model.run()
    r = model.recorder
    total, by_group = {}, {}
    for name in metrics:
        i = r.index[name]
        whole = slice(1, None) if BY_NAME[name].flow else slice(-1, None)
        total[name] = float(r.total[whole, i].sum())
        by_group[name] = r.by_group[whole, i].sum(axis=0)
    return RunTotals(seed, total, by_group, model.group_size.copy())


def paired_variants(sc: Scenario, variants: dict[Any, dict[str, Any]], seeds: list[int], metrics: tuple[str, ...],
                    workers: int = 1, scheduler: str | None = None,
                    progress: Callable[[int], None] | None = None) -> dict[Any, list[RunTotals]]:
    """Run each variant of a scenario (dotted parameter overrides) on the same replicate
    seeds (paired: common random numbers) and keep whole-run totals of ``metrics``.

    Returns:
        variant key -> one :class:`RunTotals` per seed, in seed order.
    """
    from sim.experiments.distributed import executor
    from sim.experiments.fitting import with_values

    tasks = [(key, with_values(sc.params, **dotted).model_dump(mode="json")) for key, dotted in variants.items()]
    runs: dict[Any, list[RunTotals]] = {key: [] for key in variants}
    with executor(workers, scheduler) as pool:
        futures = [(key, pool.submit(run_totals, params, sd, sc.policies, metrics)) for key, params in tasks
                   for sd in seeds]
        for key, fut in futures:
            runs[key].append(fut.result())
            if progress is not None:
                progress(1)
    return runs


def overrides(days: int | None = None, residents: int | None = None) -> dict[str, Any]:
    """CLI-style overrides as dotted parameter paths."""
    out: dict[str, Any] = {}
    if days is not None:
        out["run.days"] = days
    if residents is not None:
        out["city.n_residents"] = residents
    return out


def run(scenario: str | Path | Scenario = "baseline", replicates: int = 1, seed: int = 0,
        days: int | None = None, residents: int | None = None, workers: int = 1,
        progress: Callable[[int], None] | None = None, pool: Pool | None = None) -> Results:
    """Run a scenario's replicates and collect tidy results.

    Args:
        scenario: shipped scenario name, path to a TOML file, or a loaded Scenario.
        replicates: number of replicates (seeds spawned from ``seed``).
        seed: the run seed.
        days, residents: override the scenario's horizon and population.
        workers: local processes; results are identical for any number.
        progress: called with a number of completed replicate-days.
        pool: an open :func:`sim.experiments.distributed.executor` to run on when ``workers``
            > 1 (callers running many scenarios keep one, so workers start once); None: a pool
            of ``workers`` processes is started and ended here.

    Example:
        >>> import sim
        >>> res = sim.run("baseline", replicates=2, seed=1, days=30, residents=2000)
        >>> sorted(res.timeseries.columns)
        ['day', 'group', 'metric', 'replicate', 'scenario', 'seed', 'value']
    """
    if replicates < 1:
        raise InputError(f"replicates = {replicates}: must be an integer >= 1")
    if workers < 1:
        raise InputError(f"workers = {workers}: must be an integer >= 1")
    sc = scenario if isinstance(scenario, Scenario) else load(scenario, overrides(days, residents))
    if isinstance(scenario, Scenario) and (days is not None or residents is not None):
        sc = load(scenario.source, overrides(days, residents))
    params = sc.params.model_dump(mode="json")
    seeds = replicate_seeds(seed, replicates)
    days_total = sc.params.run.days
    if workers == 1 or replicates == 1:
        outputs = [run_replicate(params, s, progress, sc.policies) for s in seeds]
    elif pool is not None:
        outputs = _on_pool(pool, params, seeds, sc.policies, progress, days_total)
    else:
        from sim.experiments.distributed import executor

        # spawn: workers start clean (no inherited state), as they would on another machine;
        # on an interrupt or error they are ended, and they end if this process is killed
        with executor(min(workers, replicates)) as own:
            outputs = _on_pool(own, params, seeds, sc.policies, progress, days_total)
    return Results.from_outputs(sc, seed, outputs)


def _on_pool(pool: Pool, params: dict, seeds, policies, progress, days_total: int) -> list[ReplicateOutput]:
    futures = [pool.submit(run_replicate, params, s, None, policies) for s in seeds]
    outputs = []
    for f in futures:
        outputs.append(f.result())
        if progress is not None:
            progress(days_total)
    return outputs
