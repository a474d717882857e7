"""How big a run a question needs: a two-stage plan at the size it recommends.

The rule (Stein's two-stage procedure, Stein 1945, Ann. Math. Statist. 16:243-258, with the
second stage sized so that the run's own interval, not only Stein's, meets the goal):

* **Stage 1 at the candidate city size.** Every scenario runs ``n0`` paired replicates
  (default 8) on the seeds ``replicate_seeds(seed, n0)``: the first ``n0`` replicates of the
  ``survsim compare`` run the plan prints. The candidate size starts at ``pilot_residents``.
  A model's rates and their spread between replicates change with city size (over 200 days
  the rate ratio of Black men's stops to White men's is about 3 at 2,000 residents and 15 at
  20,000; stop counts are 2.5-3.7 times as variable as Poisson counts), so the spread is
  measured at the size that will be run, never scaled from a smaller city.
* **City size from events per replicate.** If the rarest asked group (for a difference: the
  scenario with more events, since a reform that removes every event is no rare case) has fewer than
  ``EVENTS_PER_REPLICATE`` (30) events per replicate, the candidate grows to the next size in
  ``SIZES`` that would give it 30 if events grew in proportion to residents, and stage 1 runs
  again there (a target with no event at all in stage 1 is not planned and does not grow the
  city: zero in 8 replicates is as likely a flow that has not begun as a rare one). The t and F quantiles below assume replicate values close to normal; a count
  of 30 has Poisson skewness 0.18 (1/sqrt(30)), a count of 6 (Black men's stops at 2,000
  residents over 200 days) 0.41 before over-dispersion, and a handful of such replicates
  estimates their spread badly.
* **Replicates (stage 2).** Each target's criterion is an absolute half-width ``h`` on some
  scale: for a rate ratio, the log ratio (half-width <= log(1 + P/(1+P)) is exactly
  :func:`sim.core.intervals.precise_enough` for the delta-method interval); for a difference
  or a rate, the mean (``h`` = P/(1+P) times the stage-1 estimate's lower 80% confidence
  limit in absolute value, so an estimate that happens to be large does not shrink the plan).
  With ``s0`` the stage-1 standard deviation per replicate on that scale (``n0 - 1`` degrees
  of freedom), n is the smallest ``n >= n0`` with
  ``t(0.975, n-1) * s0 * sqrt(F(ASSURANCE; n-1, n0-1)) / sqrt(n) <= h``. If the run's
  variance were independent of stage 1's, their ratio would follow F(n-1, n0-1) for normal
  replicates, so the run's own 95% t interval would meet ``h`` with probability
  ``ASSURANCE`` (0.8): a tolerance probability in the sense of Kupper & Hafner 1989
  (Am. Stat. 43:101-105), with the pilot's uncertainty carried by F rather than by one
  upper limit. Stage 1's replicates are part of the run, which raises that probability
  (about 0.9 in simulation with normal replicates and n0 = 8). Stein's own rule,
  ``n = (t(0.975, n0-1) * s0 / h)**2``, gives an interval of exactly half-width ``h`` with
  exactly 95% coverage, but one built on ``s0``: the run's usual interval meets ``h`` with
  it only about three times in four.
* **Time.** Stage 1's CPU seconds per run at the chosen size (measured in the process that
  ran it, so a busy machine does not inflate it), times runs, over the workers.

Results are a pure function of the scenarios, settings and seed. Not covered: a difference
that stage 1 only just detects is planned optimistically (its estimate was selected for
being large); the ``--precision`` stopping rule of the compare run guards against that.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from sim.core.errors import InputError
from sim.core.intervals import LEVEL, MIN_EVENTS, NO_DIFFERENCE
from sim.core.streams import replicate_seeds
from sim.experiments.precision import (PRECISION_METRICS, Target, evaluate, events, targets, timed_replicate,
                                       worker_pool)
from sim.experiments.runner import overrides
from sim.policy.scenario import Scenario, load

STAGE1_REPLICATES = 8     # n0: 7 degrees of freedom for the spread (fewer: one odd replicate decides the plan)
EVENTS_PER_REPLICATE = MIN_EVENTS  # the rarest asked group's events per replicate at the chosen size
ASSURANCE = 0.8           # probability that the planned run's own interval meets the goal (about; more in practice)
ESTIMATE_CONFIDENCE = 0.8  # a difference's or rate's size is taken at its lower 80% confidence limit
MAX_REPLICATES = 1000
SIZES = (5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000)


@dataclass
class TargetPlan:
    label: str
    kind: str
    estimate: float
    spread: float           # stage-1 standard deviation per replicate (log scale for a ratio)
    goal: float             # half-width wanted on the same scale (nan: cannot be planned)
    events_per_replicate: float  # stage 1's: a ratio's rarer group; a difference's larger side
    replicates: int | None  # None: stage 1 found no detectable difference (cannot be planned)


@dataclass
class Stage:
    """One stage-1 pilot: its city size and the rarest asked group's events per replicate."""

    residents: int
    events_per_replicate: float


@dataclass
class Plan:
    scenarios: list[str]
    precision: float
    pilot_residents: int     # the size stage 1 started at
    pilot_replicates: int    # n0
    residents: int
    replicates: int
    seconds_per_run: float   # at ``residents``, one core, measured in stage 1
    workers: int
    targets: list[TargetPlan]
    stages: list[Stage] = field(default_factory=list)
    days: int | None = None
    seed: int = 1
    metrics: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return self.replicates * len(self.scenarios)

    @property
    def expected_seconds(self) -> float:
        return self.runs * self.seconds_per_run / self.workers

    @property
    def enough_events(self) -> bool:
        return bool(self.stages) and self.stages[-1].events_per_replicate >= EVENTS_PER_REPLICATE

    def command(self) -> str:
        """The ``survsim compare`` call that runs the plan (its first replicates are stage 1's)."""
        days = f" --days {self.days}" if self.days is not None else ""
        seed = f" --seed {self.seed}" if self.seed != 1 else ""
        return (f"survsim compare {' '.join(self.scenarios[1:]) or self.scenarios[0]} --residents {self.residents} "
                f"--replicates {self.replicates}{days}{seed} --workers {self.workers}")


def replicates_for(spread: float, goal: float, n0: int, assurance: float = ASSURANCE) -> int | None:
    """Smallest n >= n0 with t(0.975, n-1) * spread * sqrt(F(assurance; n-1, n0-1)) / sqrt(n) <= goal
    (None if the goal is not finite and positive; MAX_REPLICATES if no n up to it suffices)."""
    if not (np.isfinite(spread) and np.isfinite(goal) and goal > 0):
        return None
    if spread == 0:
        return n0
    n = np.arange(max(n0, 2), MAX_REPLICATES + 1)
    half = stats.t.ppf(0.5 + LEVEL / 2, n - 1) * spread * np.sqrt(stats.f.ppf(assurance, n - 1, n0 - 1)) / np.sqrt(n)
    ok = np.nonzero(half <= goal)[0]
    return int(n[ok[0]]) if len(ok) else MAX_REPLICATES


def target_plan(t: Target, runs: dict, base: Scenario, precision: float, n0: int) -> TargetPlan:
    """Stage 1's spread and the goal on the target's own scale, and the replicates they need."""
    iv, fewest = evaluate(t, runs, base.name, base)
    if t.kind == "difference":  # a reform that removes every event is a large effect, not a rare one
        keys = list(base.params.group_keys)
        gi = keys.index(t.group) if t.group else None
        fewest = max(sum(events(o, t.metric, gi) for o in runs[s]) for s in (t.scenario, base.name))
    t_n0 = stats.t.ppf(0.5 + LEVEL / 2, n0 - 1)
    g = precision / (1 + precision)
    if not np.isfinite(iv.low):
        return TargetPlan(t.label, t.kind, iv.estimate, math.inf, math.nan, fewest / n0, None)
    if t.kind == "ratio":  # delta-method interval: estimate * exp(+/- t * s / sqrt(n)) on the log ratio
        spread = math.log(iv.high / iv.estimate) * math.sqrt(n0) / t_n0
        goal = math.log1p(g)
    else:
        spread = (iv.high - iv.estimate) * math.sqrt(n0) / t_n0
        low = abs(iv.estimate) - stats.t.ppf(ESTIMATE_CONFIDENCE, n0 - 1) * spread / math.sqrt(n0)
        goal = g * low if (t.kind != "difference" or iv.excludes(0.0)) and low > 0 else math.nan
    return TargetPlan(t.label, t.kind, iv.estimate, spread, goal, fewest / n0, replicates_for(spread, goal, n0))


def stage1(loaded: Sequence[Scenario], seeds: list[int], workers: int) -> tuple[dict, float]:
    """Every scenario on the seeds: outputs by scenario name, and mean CPU seconds per run."""
    with worker_pool(workers) as pool:  # CPU time per run: what the machine's load does not inflate
        submit = pool.submit if workers > 1 else _now
        futures = [[submit(timed_replicate, sc.params.model_dump(mode="json"), s, sc.policies) for s in seeds]
                   for sc in loaded]
        done = [[f.result() for f in fs] for fs in futures]
    runs = {sc.name: [o for o, _ in d] for sc, d in zip(loaded, done)}
    return runs, float(np.mean([cpu for d in done for _, cpu in d]))


def next_size(residents: int, rarest: float) -> int | None:
    """The next size in SIZES that would give the rarest group (``rarest`` > 0 events per
    replicate) EVENTS_PER_REPLICATE if events grew in proportion to residents."""
    want = residents * EVENTS_PER_REPLICATE / rarest
    larger = [s for s in SIZES if s > residents]
    return next((s for s in larger if s >= want), larger[-1]) if larger else None


def plan(scenarios: Sequence[str], metrics: Sequence[str] = PRECISION_METRICS, groups: Sequence[str] = (),
         precision: float = 0.25, baseline: str = "baseline", pilot_residents: int = 20_000,
         pilot_replicates: int = STAGE1_REPLICATES, days: int | None = None, seed: int = 1, workers: int = 1,
         progress: Callable[[int], None] | None = None, announce: Callable[[str], None] | None = None) -> Plan:
    """Run stage 1 at the candidate size (growing it until the rarest asked group has enough
    events per replicate) and return the city size and replicates that meet ``precision``.

    Example:
        >>> p = plan(["baseline"], ["wrongful_stops"], ["black_m", "white_m"], precision=0.25)  # doctest: +SKIP
        >>> p.residents, p.replicates                                                             # doctest: +SKIP
        (500000, 8)
    """
    if not 0 < precision < 10:
        raise InputError(f"--precision = {precision}: must be a relative precision > 0 and < 10 (e.g. 0.25)")
    if pilot_replicates < STAGE1_REPLICATES:
        raise InputError(f"--pilot-replicates = {pilot_replicates}: must be at least {STAGE1_REPLICATES} "
                         "(the spread between replicates is estimated from them)")
    if pilot_residents < 100:
        raise InputError(f"--pilot-residents = {pilot_residents}: must be at least 100")
    names = list(dict.fromkeys([baseline, *scenarios]))
    residents = pilot_residents
    loaded = [load(s, overrides(days, residents)) for s in names]
    base = loaded[0]
    for g in groups:
        if g not in base.params.group_keys:
            raise InputError(f"--groups: {g!r} is not a group; groups: {', '.join(base.params.group_keys)}")
    todo = targets([s.name for s in loaded], base.name, metrics, groups, base.params.enforcement.reference_group,
                   rates=len(loaded) == 1)
    if not todo:
        raise InputError("nothing to plan: give a reform to compare with the baseline, or --groups")
    used = max(1, min(workers, os.cpu_count() or 1))
    seeds = replicate_seeds(seed, pilot_replicates)  # the first replicates of the planned run
    stages: list[Stage] = []
    while True:
        if announce is not None:
            announce(f"Stage 1: {len(loaded)} scenario(s) x {len(seeds)} replicates at {residents:,} residents ...")
        runs, per_run = stage1(loaded, seeds, used)
        if progress is not None:
            progress(len(seeds) * sum(sc.params.run.days for sc in loaded))
        rows = [target_plan(t, runs, base, precision, pilot_replicates) for t in todo]
        seen = [r.events_per_replicate for r in rows if r.events_per_replicate > 0]
        rarest = min(seen, default=0.0)  # no events at all: structural (e.g. a flow not begun), not rare
        stages.append(Stage(residents, rarest))
        bigger = next_size(residents, rarest) if 0 < rarest < EVENTS_PER_REPLICATE else None
        if bigger is None:
            break
        residents = bigger
        loaded = [load(s, overrides(days, residents)) for s in names]
        base = loaded[0]
    n = max([r.replicates for r in rows if r.replicates is not None], default=pilot_replicates)
    return Plan(names, precision, pilot_residents, pilot_replicates, residents, n, per_run, used, rows, stages,
                days, seed, list(metrics), list(groups))


class _Done:
    """A finished result, for the serial path (same interface as a future)."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value


def _now(fn, *args) -> _Done:
    return _Done(fn(*args))


def describe(p: Plan) -> list[str]:
    """Lines for the terminal: stage 1, per target, then the plan and its assumptions."""
    sizes = ", ".join(f"{s.residents:,} ({s.events_per_replicate:,.1f})" for s in p.stages)
    lines = [f"Stage 1: {len(p.scenarios)} scenario(s) x {p.pilot_replicates} paired replicates at "
             f"{p.residents:,} residents (sizes tried, with the rarest asked group's events per replicate: {sizes}; "
             f"wanted at least {EVENTS_PER_REPLICATE})."]
    if not p.enough_events:
        lines.append(f"  Warning: even at {p.residents:,} residents the rarest group has fewer than "
                     f"{EVENTS_PER_REPLICATE} events per replicate; the replicates below may be too few.")
    for r in p.targets:
        scale = "log ratio" if r.kind == "ratio" else "per replicate"
        need = (f"needs {r.replicates} replicates" if r.replicates is not None
                else "no events in stage 1: cannot be planned (start stage 1 at a larger --pilot-residents)"
                if r.events_per_replicate == 0
                else f"{NO_DIFFERENCE} in stage 1: cannot be planned to a relative precision")
        lines.append(f"  {r.label}: estimate {r.estimate:,.4g}, spread {r.spread:.3g} ({scale}), "
                     f"{r.events_per_replicate:,.1f} events per replicate behind it: {need}")
    if all(r.replicates is None for r in p.targets):
        lines.append(f"  Warning: no target could be planned; below is only stage 1's size and {p.pilot_replicates} "
                     "replicates.")
    lines.append(f"Plan for +/-{p.precision:.0%} ({LEVEL:.0%} intervals, at least {EVENTS_PER_REPLICATE} events per "
                 f"replicate in each asked group): {p.residents:,} residents x {p.replicates} replicates; the run's own "
                 f"intervals meet the goal with probability about {ASSURANCE:.0%} or more (two-stage rule, docs/ODD.md 7.16). "
                 f"{p.runs} runs of about {p.seconds_per_run:.1f} s of CPU (measured in stage 1): about "
                 f"{_duration(p.expected_seconds)} with {p.workers} worker(s) on this machine when its cores are "
                 "free (model runs only; add about 30 s for the report and charts).")
    asked = "".join(f" --metric {m}" for m in p.metrics) + (f" --groups {' '.join(p.groups)}" if p.groups else "")
    lines.append(f"Run it: {p.command()}  (its first {p.pilot_replicates} replicates are stage 1's; add --precision "
                 f"{p.precision:g} --max-replicates {p.replicates}{asked} to stop as soon as the precision is reached)")
    return lines


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"
