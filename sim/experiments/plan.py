"""How big a run a question needs: a short pilot, then city size, replicates and run time.

The pilot runs every scenario on the same few replicate seeds at a modest city size and
measures, for each target (see :func:`sim.experiments.precision.targets`), the spread over
replicates relative to the estimate (coefficient of variation) and the events behind it.

* Replicates: the smallest n (at least ``MIN_REPLICATES``) whose 95% t interval would meet
  the relative-precision criterion of :func:`sim.core.intervals.precise_enough` given the
  pilot's coefficient of variation, taken at the upper 80% confidence limit of the pilot's
  standard deviation (Browne 1995, Statistics in Medicine 14:1933-1940: a pilot's own
  estimate gives too few replicates about half the time). The spread is assumed not to shrink in a larger city:
  conservative, because between-replicate variation has a city-wide part (department
  partnerships, the gallery) that more residents do not average away.
* City size: the pilot size, or larger if the rarest asked group would otherwise have fewer
  than ``MIN_EVENTS`` events over the n replicates (events grow in proportion to residents).
* Time: the pilot's CPU seconds per run (measured in the process that ran it, so a busy
  machine does not inflate it), scaled in proportion to residents (the step is vectorised:
  cost per resident-day is about constant), times runs, over the workers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.core.errors import InputError
from sim.core.intervals import LEVEL, MIN_EVENTS, NO_DIFFERENCE
from sim.core.streams import replicate_seeds
from sim.experiments.precision import PRECISION_METRICS, evaluate, targets, timed_replicate, worker_pool
from sim.experiments.runner import overrides
from sim.policy.scenario import load

PILOT_CONFIDENCE = 0.8    # plan on the pilot spread's upper 80% confidence limit (Browne 1995)
MIN_REPLICATES = 8        # a t interval with fewer degrees of freedom is too sensitive to one odd replicate
MAX_REPLICATES = 1000
SIZES = (5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000)


@dataclass
class TargetPlan:
    label: str
    estimate: float
    cv: float              # pilot standard deviation (upper 80% limit) / |estimate| (inf: estimate 0)
    events_per_replicate: float
    replicates: int | None  # None: the pilot found no detectable difference (cannot be planned)


@dataclass
class Plan:
    scenarios: list[str]
    precision: float
    pilot_residents: int
    pilot_replicates: int
    residents: int
    replicates: int
    seconds_per_run: float   # at ``residents``, one core
    workers: int
    targets: list[TargetPlan]

    @property
    def runs(self) -> int:
        return self.replicates * len(self.scenarios)

    @property
    def expected_seconds(self) -> float:
        return self.runs * self.seconds_per_run / self.workers

    def command(self) -> str:
        """The ``survsim compare`` call that runs the plan (with --precision to stop early)."""
        return (f"survsim compare {' '.join(self.scenarios[1:]) or self.scenarios[0]} --residents {self.residents} "
                f"--replicates {self.replicates} --workers {self.workers}")


def replicates_for(cv: float, precision: float) -> int | None:
    """Smallest n >= MIN_REPLICATES with t(n-1) * cv / sqrt(n) <= P / (1 + P)."""
    if not np.isfinite(cv):
        return None
    goal = precision / (1 + precision)
    for n in range(MIN_REPLICATES, MAX_REPLICATES + 1):
        if stats.t.ppf(0.5 + LEVEL / 2, n - 1) * cv / math.sqrt(n) <= goal:
            return n
    return MAX_REPLICATES


def plan(scenarios: Sequence[str], metrics: Sequence[str] = PRECISION_METRICS, groups: Sequence[str] = (),
         precision: float = 0.25, baseline: str = "baseline", pilot_residents: int = 20_000,
         pilot_replicates: int = 6, days: int | None = None, seed: int = 1, workers: int = 1,
         progress: Callable[[int], None] | None = None) -> Plan:
    """Run a pilot and return the city size and replicates that meet ``precision``.

    Example:
        >>> p = plan(["baseline"], ["wrongful_stops"], ["black_m", "white_m"], precision=0.25)  # doctest: +SKIP
        >>> p.residents, p.replicates, round(p.expected_seconds)                                 # doctest: +SKIP
        (50000, 12, 95)
    """
    if not 0 < precision < 10:
        raise InputError(f"--precision = {precision}: must be a relative precision > 0 and < 10 (e.g. 0.25)")
    if pilot_replicates < 3:
        raise InputError(f"--pilot-replicates = {pilot_replicates}: must be at least 3 (a spread needs replicates)")
    names = list(dict.fromkeys([baseline, *scenarios]))
    loaded = [load(s, overrides(days, pilot_residents)) for s in names]
    base = loaded[0]
    for g in groups:
        if g not in base.params.group_keys:
            raise InputError(f"--groups: {g!r} is not a group; groups: {', '.join(base.params.group_keys)}")
    todo = targets([s.name for s in loaded], base.name, metrics, groups, base.params.enforcement.reference_group,
                   rates=len(loaded) == 1)
    if not todo:
        raise InputError("nothing to plan: give a reform to compare with the baseline, or --groups")
    used = max(1, min(workers, os.cpu_count() or 1))
    seeds = replicate_seeds(seed, pilot_replicates)
    with worker_pool(used) as pool:  # CPU time per run: what the machine's load does not inflate
        submit = pool.submit if used > 1 else _now
        futures = [[submit(timed_replicate, sc.params.model_dump(mode="json"), s, sc.policies) for s in seeds]
                   for sc in loaded]
        done = [[f.result() for f in fs] for fs in futures]
    if progress is not None:
        progress(len(seeds) * sum(sc.params.run.days for sc in loaded))
    runs = {sc.name: [o for o, _ in d] for sc, d in zip(loaded, done)}
    per_run = float(np.mean([cpu for d in done for _, cpu in d]))
    t_p = stats.t.ppf(0.5 + LEVEL / 2, pilot_replicates - 1)
    df = pilot_replicates - 1  # a few replicates estimate a spread poorly: plan on its upper confidence limit
    upper = math.sqrt(df / stats.chi2.ppf(1 - PILOT_CONFIDENCE, df))
    rows = []
    for t in todo:
        iv, fewest = evaluate(t, runs, base.name, base)
        cv = iv.relative_halfwidth * math.sqrt(pilot_replicates) / t_p * upper if np.isfinite(iv.low) else math.inf
        if t.kind == "difference" and not iv.excludes(0.0):
            cv = math.inf  # zero is never estimated to a relative precision
        rows.append(TargetPlan(t.label, iv.estimate, cv, fewest / pilot_replicates, replicates_for(cv, precision)))
    planned = [r for r in rows if r.replicates is not None]
    n = max([r.replicates for r in planned], default=MIN_REPLICATES)
    rare = min([r.events_per_replicate for r in planned], default=math.inf)
    need = pilot_residents * MIN_EVENTS / (rare * n) if rare > 0 else math.inf
    residents = pilot_residents if need <= pilot_residents else next((s for s in SIZES if s >= need), SIZES[-1])
    return Plan(names, precision, pilot_residents, pilot_replicates, residents, n,
                per_run * residents / pilot_residents, used, rows)


class _Done:
    """A finished result, for the serial path (same interface as a future)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _now(fn, *args) -> _Done:
    return _Done(fn(*args))


def describe(p: Plan) -> list[str]:
    """Lines for the terminal: per target, then the plan and its assumptions."""
    lines = [f"Pilot: {len(p.scenarios)} scenario(s) x {p.pilot_replicates} paired replicates x "
             f"{p.pilot_residents:,} residents."]
    for r in p.targets:
        need = (f"needs {r.replicates} replicates" if r.replicates is not None
                else f"{NO_DIFFERENCE} in the pilot: cannot be planned to a relative precision")
        lines.append(f"  {r.label}: estimate {r.estimate:,.4g}, spread/estimate {r.cv:.2f}, "
                     f"{r.events_per_replicate:,.1f} events per replicate (fewest group): {need}")
    lines.append(f"Plan for +/-{p.precision:.0%} ({LEVEL:.0%} intervals, at least {MIN_EVENTS} events per group): "
                 f"{p.residents:,} residents x {p.replicates} replicates; {p.runs} runs of about "
                 f"{p.seconds_per_run:.1f} s of CPU (measured in the pilot, scaled by residents): about "
                 f"{_duration(p.expected_seconds)} with {p.workers} worker(s) on this machine when its cores are "
                 "free (model runs only; add about 30 s for the report and charts).")
    lines.append(f"Run it: {p.command()}  (add --precision {p.precision:g} --max-replicates {p.replicates} "
                 "to stop as soon as the precision is reached)")
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"
