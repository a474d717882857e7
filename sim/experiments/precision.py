"""Precision-driven replication: paired replicates in fixed batches until the answer holds.

The rule (a sequential fixed-width procedure with relative precision; Law 2015, Simulation
Modeling and Analysis, 5th ed., section 9.4.1, after Chow & Robbins 1965, Ann. Math. Statist.
36:457-462):

* every scenario runs the same replicate seeds, spawned from the run seed, in batches of a
  fixed size (the first batch is the minimum; nothing is discarded or re-run);
* after each batch, every target (the paired difference of each asked metric and group for
  each reform, and each asked group's pooled rate ratio to the reference group in every
  scenario) gets a 95% t interval over all replicates run so far;
* the run stops when every target's half-width is at most ``P / (1 + P)`` of |estimate| (then
  the estimate's relative error is at most ``P`` with probability about 95%), or at the
  maximum. The estimate reported is the mean over all replicates run; the stopping time
  depends only on the interval widths, and coverage tends to nominal as P shrinks.

A target that has not converged at the maximum is reported as such; a difference whose
interval still contains 0 is reported as "no detectable difference" (a policy that changes
nothing gives exactly zero differences and always runs to the maximum: zero is never
estimated to a relative precision).
"""

from __future__ import annotations

import multiprocessing as mp
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from sim.core.errors import InputError
from sim.core.intervals import (LEVEL, MIN_EVENTS, NO_DIFFERENCE, TOO_FEW, Interval, precise_enough, ratio_interval,
                                t_interval)
from sim.core.metrics import BY_NAME, METRICS
from sim.core.streams import replicate_seeds
from sim.experiments.events import counts_events, group_sizes
from sim.experiments.runner import run_replicate
from sim.output.results import ReplicateOutput, Results
from sim.policy.scenario import Scenario

PRECISION_METRICS = ("wrongful_stops", "fr_searches", "footage_obtained_without_warrant", "clearances")
BATCH = 4
INDEX = {m.name: i for i, m in enumerate(METRICS)}


@dataclass(frozen=True)
class Target:
    """One number the user asked about: a reform's paired difference in a metric (group ''
    for everyone), a group's rate ratio to the reference group, or a group's rate."""

    kind: str          # "difference" | "ratio" | "rate"
    scenario: str
    metric: str
    group: str = ""

    @property
    def label(self) -> str:
        what = {"difference": "difference in", "ratio": "rate ratio of", "rate": "rate of"}[self.kind]
        return f"{self.scenario}: {what} {self.metric}" + (f" ({self.group})" if self.group else "")


def targets(names: Sequence[str], baseline: str, metrics: Sequence[str], groups: Sequence[str], reference: str,
            rates: bool = False) -> list[Target]:
    """Differences for every reform x metric x group ('' if no groups); ratios of every asked
    group except the reference, in every scenario; with ``rates`` and no ratio to estimate
    (one group, or only the reference), each asked group's rate."""
    for m in metrics:
        if m not in BY_NAME or not counts_events(m):
            allowed = ", ".join(x.name for x in METRICS if counts_events(x.name))
            raise InputError(f"--metric = {m!r}: not a metric of counted events; allowed: {allowed}")
    out = [Target("difference", s, m, g) for s in names if s != baseline for m in metrics for g in (groups or [""])]
    out += [Target("ratio", s, m, g) for s in names for m in metrics for g in groups if g != reference]
    if rates and not any(t.kind == "ratio" for t in out):
        out += [Target("rate", s, m, g) for s in names for m in metrics for g in groups]
    return out


def events(out: ReplicateOutput, metric: str, group: int | None) -> float:
    """A replicate's run total of an event metric (``group`` None = everyone)."""
    i = INDEX[metric]
    return float(out.total[1:, i].sum() if group is None else out.by_group[1:, i, group].sum())


def evaluate(t: Target, runs: dict[str, list[ReplicateOutput]], baseline: str, sc: Scenario) -> tuple[Interval, float]:
    """The target's interval and the fewest events behind it (pooled over replicates)."""
    keys = list(sc.params.group_keys)

    def counts(scen: str, group: str) -> np.ndarray:
        return np.array([events(o, t.metric, keys.index(group) if group else None) for o in runs[scen]])

    if t.kind == "difference":
        a, b = counts(t.scenario, t.group), counts(baseline, t.group)
        return t_interval(a - b), float(min(a.sum(), b.sum()))
    if t.kind == "rate":
        a = counts(t.scenario, t.group)
        return t_interval(a), float(a.sum())
    ref = sc.params.enforcement.reference_group
    a, b = counts(t.scenario, t.group), counts(t.scenario, ref)
    sizes = group_sizes(sc.params)
    return ratio_interval(a, b, scale=sizes[ref] / sizes[t.group]), float(min(a.sum(), b.sum()))


def status(t: Target, iv: Interval, fewest: float, precision: float, final: bool) -> str:
    if t.kind == "ratio" and fewest < MIN_EVENTS:
        return TOO_FEW
    if precise_enough(iv, precision):
        return "converged"
    if final and t.kind == "difference" and np.isfinite(iv.low) and not iv.excludes(0.0):
        return NO_DIFFERENCE
    return "not converged" if final else "running"


def replicate_until_precise(loaded: Sequence[Scenario], baseline: str, precision: float, max_replicates: int,
                            seed: int, metrics: Sequence[str] = PRECISION_METRICS, groups: Sequence[str] = (),
                            batch: int = BATCH, workers: int = 1,
                            progress: Callable[[int], None] | None = None) -> tuple[dict[str, Results], dict]:
    """Run paired batches of every scenario until every target is precise (see module doc).

    Returns:
        scenario name -> Results over all replicates run, and the stopping record for the manifest.
    """
    if not 0 < precision < 10:
        raise InputError(f"--precision = {precision}: must be a relative precision > 0 and < 10 (e.g. 0.25)")
    if max_replicates < 2:
        raise InputError(f"--max-replicates = {max_replicates}: must be at least 2 (an interval needs two replicates)")
    batch = max(2, min(batch, max_replicates))
    base_sc = next(s for s in loaded if s.name == baseline)
    for g in groups:
        if g not in base_sc.params.group_keys:
            raise InputError(f"--groups: {g!r} is not a group; groups: {', '.join(base_sc.params.group_keys)}")
    todo = targets([s.name for s in loaded], baseline, metrics, groups, base_sc.params.enforcement.reference_group,
                   rates=len(loaded) == 1)
    if not todo:
        raise InputError("--precision: nothing to estimate; give a reform to compare with the baseline, or --groups")
    seeds = replicate_seeds(seed, max_replicates)
    runs: dict[str, list[ReplicateOutput]] = {s.name: [] for s in loaded}
    batches = []
    n = 0
    with worker_pool(workers) as pool:
        while n < max_replicates:
            new = seeds[n:min(n + batch, max_replicates)]
            for sc, outs in zip(loaded, run_batch(pool, loaded, new, progress)):
                runs[sc.name] += outs
            n += len(new)
            final = n >= max_replicates
            rows = [(t, *evaluate(t, runs, baseline, base_sc)) for t in todo]
            states = [status(t, iv, few, precision, final) for t, iv, few in rows]
            batches.append({"replicates": n, "converged": sum(s == "converged" for s in states), "targets": len(todo)})
            if final or all(s == "converged" for s in states):
                break
    record = {
        "rule": (f"paired replicates in batches of {batch} (max {max_replicates}); stop when every target's "
                 f"{LEVEL:.0%} t interval has half-width <= P/(1+P) of |estimate| (P = {precision}); "
                 "Law (2015) section 9.4.1"),
        "precision": precision, "batch": batch, "max_replicates": max_replicates, "replicates": n,
        "stopped": "precision reached" if all(s == "converged" for s in states) else "maximum replicates reached", "min_events": MIN_EVENTS, "batches": batches,
        "targets": [{"target": t.label, "kind": t.kind, "scenario": t.scenario, "metric": t.metric, "group": t.group,
                     "estimate": _finite(iv.estimate), "low": _finite(iv.low), "high": _finite(iv.high),
                     "relative_halfwidth": _finite(iv.relative_halfwidth),
                     "fewest_events": few, "status": s} for (t, iv, few), s in zip(rows, states)],
    }
    results = {sc.name: Results.from_outputs(sc, seed, runs[sc.name]) for sc in loaded}
    return results, record


def _finite(x: float) -> float | None:
    """JSON has no inf or NaN: undefined numbers are written as null."""
    return float(x) if np.isfinite(x) else None


class _Serial:
    """Stands in for a process pool with one worker: runs in this process."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc) -> None:
        return None


def worker_pool(workers: int) -> ProcessPoolExecutor | _Serial:
    if workers <= 1:
        return _Serial()
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"))


def timed_replicate(params: dict, seed: int, policies: tuple[dict, ...]) -> tuple[ReplicateOutput, float]:
    """A replicate and the CPU seconds it took (in the process that ran it)."""
    t0 = time.process_time()
    out = run_replicate(params, seed, None, policies)
    return out, time.process_time() - t0


def run_batch(pool, loaded: Sequence[Scenario], seeds: list[int],
              progress: Callable[[int], None] | None) -> list[list[ReplicateOutput]]:
    """Every scenario on the batch's seeds (identical results for any number of workers)."""
    params = [sc.params.model_dump(mode="json") for sc in loaded]
    if isinstance(pool, _Serial):
        return [[run_replicate(p, s, progress, sc.policies) for s in seeds] for p, sc in zip(params, loaded)]
    futures = [[pool.submit(run_replicate, p, s, None, sc.policies) for s in seeds] for p, sc in zip(params, loaded)]
    out = []
    for sc, fs in zip(loaded, futures):
        out.append([f.result() for f in fs])
        if progress is not None:
            progress(len(fs) * sc.params.run.days)
    return out
