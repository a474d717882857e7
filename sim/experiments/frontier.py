"""Benefit-harm frontier: what a face-recognition lever buys in clearances and costs in
wrongful stops and arrests, group by group.

For each value of the lever the scenario runs with replicate seeds shared with a paired
run without face recognition (``enforcement.fr_allowed = false``); the benefit is the
extra offences cleared, the harm the extra wrongful stops and arrests, per replicate,
then averaged with a band over replicates (:func:`sim.experiments.bands.band`). Rates are per 100,000
residents (of the group, for harms) per year, so cities and horizons compare.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.bands import band
from sim.core.errors import InputError
from sim.core.offences import LABELS as OFFENCE_LABELS, OFFENCES
from sim.experiments.runner import RunTotals, overrides, paired_variants
from sim.policy.law import SEARCH_MODES
from sim.policy.scenario import Scenario, load
from sim.recognition.params import ALGORITHMS
from sim.core.streams import replicate_seeds

BENEFIT = "clearances"
HARMS = ("wrongful_stops", "wrongful_arrests")
KEPT = (BENEFIT, "fr_clearances", "fr_searches", *HARMS)
NO_FR = "no face recognition"


@dataclass(frozen=True)
class Lever:
    """A policy lever: the parameter it sets and the values it runs over."""

    name: str
    path: str
    label: str
    values: tuple[Any, ...]
    kind: type

    def show(self, v: Any) -> str:
        if self.kind is bool:
            return "required" if v else "not required"
        if self.name == "seriousness":
            return f"{OFFENCE_LABELS[v]} or worse" if v != OFFENCES[0] else "any offence"
        if self.name == "review":
            return f"{v:.0%} rejected"
        if self.kind is str:
            return str(v).replace("_", " ")
        return f"{v:g}"

    def parse(self, text: str, where: str | None = None) -> Any:
        """One value from the command line, checked (``where`` names the flag in errors)."""
        where = where or f"--values for lever {self.name!r}"
        if self.kind is bool:
            low = text.strip().lower()
            if low not in ("true", "false", "1", "0", "yes", "no"):
                raise InputError(f"{where}: {text!r} is not a switch; allowed: true, false")
            return low in ("true", "1", "yes")
        if self.kind is str:
            if text not in self.values:
                what = "an offence type" if self.name == "seriousness" else "one of the lever's values"
                raise InputError(f"{where}: {text!r} is not {what}; allowed: {', '.join(self.values)}")
            return text
        try:
            v = float(text)
        except ValueError:
            raise InputError(f"{where}: {text!r} is not a number; allowed: numbers from 0 to 1") from None
        if not 0 <= v <= 1:
            raise InputError(f"{where}: {v:g} is out of range; allowed: 0 to 1")
        return v


LEVERS: dict[str, Lever] = {lv.name: lv for lv in (
    # From below the vendor's 80% default to its 99% advice. Lower thresholds (0.5, as one
    # sheriff used with a 5-candidate cap) run with --values; in threshold mode the model
    # does not cap the candidate list, so there they overstate capped practice.
    Lever("threshold", "recognition.threshold", "Similarity threshold of face searches",
          (0.7, 0.8, 0.9, 0.95, 0.99), float),
    Lever("review", "enforcement.review_catch", "Share of false candidates human review rejects",
          (0.0, 0.25, 0.5, 0.75, 0.9), float),
    Lever("warrant", "requests.warrant_required", "Warrant required for footage", (False, True), bool),
    Lever("seriousness", "enforcement.fr_min_offence", "Least serious offence searched", OFFENCES, str),
    # The algorithm and how searches are run decide the harms as much as any law (issue 15).
    Lever("algorithm", "recognition.algorithm", "Face-recognition algorithm (preset)", ALGORITHMS, str),
    Lever("search_mode", "enforcement.search_mode", "How departments run face searches", SEARCH_MODES, str),
)}


@dataclass
class Frontier:
    """Per lever value and replicate: benefit and harms relative to no face recognition."""

    scenario: str
    lever: Lever
    values: list[Any]
    seeds: list[int]
    groups: tuple[str, ...]
    runs: dict[Any, list[RunTotals]]  # lever value (or NO_FR) -> one RunTotals per replicate
    years: float

    def per_replicate(self) -> pd.DataFrame:
        """Tidy differences to the paired no-FR run: value, replicate, quantity, group, rate."""
        rows = []
        for v in self.values:
            for r, (t, base) in enumerate(zip(self.runs[v], self.runs[NO_FR])):
                n = base.group_size.sum()
                gained = (t.total[BENEFIT] - base.total[BENEFIT]) / n / self.years * 1e5
                rows.append({"value": v, "replicate": r, "quantity": "clearances_gained", "group": "all", "rate": gained})
                fr = t.total["fr_searches"] / n / self.years * 1e5
                rows.append({"value": v, "replicate": r, "quantity": "fr_searches", "group": "all", "rate": fr})
                for h in HARMS:
                    caused = t.by_group[h] - base.by_group[h]
                    rows.append({"value": v, "replicate": r, "quantity": f"{h}_caused", "group": "all",
                                 "rate": caused.sum() / n / self.years * 1e5})
                    for g, key in enumerate(self.groups):
                        rows.append({"value": v, "replicate": r, "quantity": f"{h}_caused", "group": key,
                                     "rate": caused[g] / max(base.group_size[g], 1) / self.years * 1e5})
        return pd.DataFrame(rows)

    def table(self) -> pd.DataFrame:
        """Mean and band of each quantity per lever value (and group)."""
        per = self.per_replicate()
        out = []
        for (v, q, g), d in per.groupby(["value", "quantity", "group"], sort=False):
            out.append({"lever": self.lever.name, "value": v, "label": self.lever.show(v), "quantity": q,
                        "group": g, **band(d.sort_values("replicate").rate.to_numpy())})
        t = pd.DataFrame(out)
        t["unit"] = np.where(t.group == "all", "per 100k residents per year", "per 100k residents of the group per year")
        return t


def frontier(scenario: str | Path | Scenario = "baseline", lever: str = "threshold",
             values: Sequence[Any] | None = None, replicates: int = 4, seed: int = 0, days: int | None = None,
             residents: int | None = None, workers: int = 1, scheduler: str | None = None,
             extra: dict | None = None, progress: Callable[[int], None] | None = None) -> Frontier:
    """Run ``lever`` over ``values`` (default: its range), each paired with no face recognition.

    Example:
        >>> f = frontier("baseline", "threshold", [0.8, 0.99], replicates=2, days=60,
        ...              residents=2000)                                   # doctest: +SKIP
        >>> f.table().query("quantity == 'clearances_gained'")            # doctest: +SKIP
    """
    if lever not in LEVERS:
        raise InputError(f"--vary = {lever!r} is not a lever; allowed: {', '.join(LEVERS)}")
    if replicates < 2:
        raise InputError(f"replicates = {replicates}: must be >= 2 (bands are over replicates)")
    lv = LEVERS[lever]
    vals = list(lv.values if values is None else values)
    if not vals:
        raise InputError(f"--values for lever {lever!r}: give at least one value")
    if len(set(map(str, vals))) != len(vals):
        raise InputError(f"--values for lever {lever!r}: {vals} repeats a value")
    sc = scenario if isinstance(scenario, Scenario) else load(scenario, {**overrides(days, residents),
                                                                       **(extra or {})})
    seeds = replicate_seeds(seed, replicates)
    variants = {NO_FR: {"enforcement.fr_allowed": False}, **{v: {lv.path: v} for v in vals}}
    runs = paired_variants(sc, variants, seeds, KEPT, workers, scheduler, progress)
    return Frontier(sc.name, lv, vals, list(seeds), sc.params.group_keys, runs, sc.params.run.days / 365.25)

