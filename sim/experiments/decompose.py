"""What drives a wrongful-stop disparity: a Shapley decomposition over four factors.

The disparity between groups A and B is the ratio of their wrongful stops per resident
over the run. Four factors can each be switched to a neutral form (``params.neutral``):

* ``algorithm``: error rates differ by group (NISTIR 8280, ACLU 2018) -> the same rates
  for every pair of groups;
* ``gallery``: who is enrolled follows offending history and arrests (with
  ``offenders.history``; else the FBI 2019 arrest shares at the start) -> enrolment follows
  the population: the starting gallery and every photo later arrests add (the same number
  of photos, each given to a random resident or, for outsiders, by population share);
* ``cameras``: where cameras are (segregation x adoption) -> the same coverage everywhere;
* ``attention``: patrol presence from over-policing, hot spots and the attention loop ->
  the same presence per resident everywhere, so the same discovery and stops per resident.

With all four neutral, nothing in the model treats the groups differently, so the
disparity is 1 up to noise. On the revised model the gallery's group make-up is not an
input: it comes from where patrols are (stops and discovered offences become arrests, and
arrests photos), so gallery and attention act mostly together: each alone is near parity
(the gallery real at neutral presence holds offenders, who are of every group alike by
default; presence real with a neutral gallery adds arrests whose photos follow the
population), and their joint effect is shared between them by the Shapley values.

Every one of the 2^4 combinations runs with the same replicate seeds (paired: common
random numbers), giving the disparity v(S) with the factors in S real and the rest
neutral. A factor's Shapley value is its marginal effect v(S + i) - v(S) averaged over
the orders in which factors can be switched on; the four values add up exactly to
v(all real) - v(all neutral), replicate by replicate. Bands are over replicates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sim.core.errors import InputError
from sim.experiments.bands import band
from sim.experiments.runner import RunTotals, overrides, paired_variants
from sim.policy.scenario import Scenario, load
from sim.core.streams import replicate_seeds

FACTORS: tuple[str, ...] = ("algorithm", "gallery", "cameras", "attention")
LABELS = {
    "algorithm": "Algorithm error differences",
    "gallery": "Gallery make-up",
    "cameras": "Camera placement (segregation x adoption)",
    "attention": "Patrol attention (over-policing)",
}
METRIC = "wrongful_stops"


def coalitions(n: int = len(FACTORS)) -> list[tuple[bool, ...]]:
    """All 2^n on/off patterns (True: the factor is real, not neutral)."""
    return list(itertools.product((False, True), repeat=n))


def shapley(value: Callable[[tuple[bool, ...]], np.ndarray], n: int) -> np.ndarray:
    """Shapley values of n players for a value function of coalitions (arrays allowed:
    one value per replicate). Returns shape (n, ...)."""
    out = []
    for i in range(n):
        phi = 0.0
        for s in coalitions(n):
            if s[i]:
                continue
            k = sum(s)
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            with_i = tuple(True if j == i else s[j] for j in range(n))
            phi = phi + weight * (value(with_i) - value(s))
        out.append(phi)
    return np.array(out)


@dataclass
class Decomposition:
    """Disparities of every coalition, per replicate, and their Shapley decomposition."""

    scenario: str
    groups: tuple[str, str]
    seeds: list[int]
    values: dict[tuple[bool, ...], np.ndarray]   # coalition -> (R,) disparity A/B
    events: dict[tuple[bool, ...], np.ndarray]   # coalition -> (R, 2) wrongful stops of A and B
    contributions: np.ndarray = field(init=False)  # (factors, R)

    def __post_init__(self) -> None:
        self.contributions = shapley(lambda s: self.values[s], len(FACTORS))

    @property
    def full(self) -> np.ndarray:
        return self.values[(True,) * len(FACTORS)]

    @property
    def neutral(self) -> np.ndarray:
        return self.values[(False,) * len(FACTORS)]

    def alone(self, factor: str) -> np.ndarray:
        """Disparity with only ``factor`` real (the others neutral)."""
        return self.values[tuple(f == factor for f in FACTORS)]

    def table(self) -> pd.DataFrame:
        """One row per quantity: mean over replicates, its confidence band, and the 10-90%
        spread of single replicates."""
        rows = [("neutral", "Disparity, all four factors neutral", self.neutral),
                *((f, LABELS[f], c) for f, c in zip(FACTORS, self.contributions)),
                ("total", "Total (scenario minus all neutral)", self.full - self.neutral),
                ("scenario", "Disparity in the scenario", self.full),
                *((f"alone_{f}", f"Disparity with only {LABELS[f].lower()} real", self.alone(f)) for f in FACTORS)]
        return pd.DataFrame([{"key": k, "label": label, **band(v)} for k, label, v in rows])

    def runs(self) -> pd.DataFrame:
        """Every run: coalition, replicate, seed, disparity and the two groups' event counts."""
        rows = []
        for s, v in self.values.items():
            for r, seed in enumerate(self.seeds):
                rows.append({**{f: ("real" if on else "neutral") for f, on in zip(FACTORS, s)}, "replicate": r,
                             "seed": seed, "disparity": v[r], f"{METRIC}_{self.groups[0]}": self.events[s][r, 0],
                             f"{METRIC}_{self.groups[1]}": self.events[s][r, 1]})
        return pd.DataFrame(rows)


def disparity(t: RunTotals, a: int, b: int, metric: str = METRIC) -> tuple[float, float, float]:
    """(ratio of per-resident rates A / B, events A, events B) over the whole run."""
    ev = t.by_group[metric]
    rate_a, rate_b = ev[a] / max(t.group_size[a], 1), ev[b] / max(t.group_size[b], 1)
    return (rate_a / rate_b if rate_b > 0 else math.nan), float(ev[a]), float(ev[b])


def check_groups(sc: Scenario, groups: Sequence[str]) -> tuple[int, int]:
    keys = sc.params.group_keys
    if len(groups) != 2:
        raise InputError(f"--groups takes two group keys (A B), got {len(groups)}: {list(groups)}")
    bad = [g for g in groups if g not in keys]
    if bad:
        raise InputError(f"--groups: {bad[0]!r} is not a group of scenario {sc.name!r}; allowed: {', '.join(keys)}")
    if groups[0] == groups[1]:
        raise InputError(f"--groups: A and B are both {groups[0]!r}; give two different groups")
    return keys.index(groups[0]), keys.index(groups[1])


def decompose(scenario: str | Path | Scenario = "baseline", groups: Sequence[str] = ("black_f", "white_m"),
              replicates: int = 8, seed: int = 0, days: int | None = None, residents: int | None = None,
              workers: int = 1, scheduler: str | None = None, extra: dict | None = None,
              progress: Callable[[int], None] | None = None) -> Decomposition:
    """Run the 16 paired combinations of neutral factors and decompose the disparity.

    Args:
        groups: (A, B); the disparity is A's wrongful stops per resident over B's.
        extra: further dotted parameter overrides (e.g. for a larger search volume).
        progress: called with 1 after each finished run.

    Raises:
        InputError: bad groups or replicates, or a replicate where group B had no
            wrongful stops in some combination (the ratio is undefined: run more
            residents, days or search volume).

    Example:
        >>> d = decompose("baseline", ("black_m", "white_m"), replicates=2, days=60,
        ...               residents=2000)                                # doctest: +SKIP
        >>> d.table().set_index("key").loc["total", "mean"]              # doctest: +SKIP
    """
    if replicates < 2:
        raise InputError(f"replicates = {replicates}: must be >= 2 (bands are over replicates)")
    sc = scenario if isinstance(scenario, Scenario) else load(scenario, {**overrides(days, residents),
                                                                       **(extra or {})})
    a, b = check_groups(sc, groups)
    seeds = replicate_seeds(seed, replicates)
    combos = coalitions()
    variants = {s: {f"neutral.{f}": not on for f, on in zip(FACTORS, s)} for s in combos}
    runs = paired_variants(sc, variants, seeds, (METRIC,), workers, scheduler, progress)
    values, events = {}, {}
    for s, totals in runs.items():
        d = np.array([disparity(t, a, b) for t in totals])  # (replicates, 3): ratio, events A, events B
        values[s], events[s] = d[:, 0], d[:, 1:]
    undefined = sorted({int(r) for s in combos for r in np.flatnonzero(np.isnan(values[s]))})
    if undefined:
        raise InputError(f"group {groups[1]!r} had no wrongful stops in replicate(s) "
                         f"{', '.join(map(str, undefined))} of some "
                         f"combination, so its disparity is undefined; use more residents (--residents), more days "
                         f"(--days) or a larger search volume")
    return Decomposition(sc.name, (groups[0], groups[1]), list(seeds), values, events)
