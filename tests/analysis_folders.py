"""Small real analyses for the chart and dashboard tests: a frontier and a disparity
decomposition of a small city, with the search volume raised so that wrongful stops
happen (a few seconds each), written as the command line writes them."""

from __future__ import annotations

from pathlib import Path

import sim
from sim.experiments.analysis_output import write_decomposition, write_frontier
from sim.experiments.decompose import Decomposition, decompose
from sim.experiments.frontier import Frontier, frontier
from sim.experiments.runner import overrides

BOOST = {"enforcement.other_probes": 0.5, "enforcement.fr_departments": 1.0,
         "gallery.photos_per_catchment_person": 2.0,  # ~300,000 photos, as in the 20,000-resident baseline
         # Reviewers now pick one candidate or none per search (issue 15), so a small city has
         # too few wrongful stops of white men for a ratio: unreviewed lists make every
         # candidate a lead, as the old constant-catch review nearly did.
         "enforcement.review": False}
FRONTIER_NAME, DECOMPOSITION_NAME = "baseline-threshold", "baseline-black_m-white_m"


def small_frontier() -> tuple[Frontier, sim.Scenario]:
    sc = sim.load("baseline", {**overrides(200, 3000), **BOOST})
    return frontier(sc, "threshold", [0.8, 0.99], replicates=2, seed=1), sc


def small_decomposition() -> tuple[Decomposition, sim.Scenario]:
    """5,000 residents for 300 days: the smallest city where white men are wrongfully
    stopped in every combination (else the ratio is undefined and decompose raises)."""
    sc = sim.load("baseline", {**overrides(300, 5000), **BOOST})
    return decompose(sc, ("black_m", "white_m"), replicates=2, seed=1), sc


def write_both(results: Path, f: tuple[Frontier, sim.Scenario] | None = None,
               d: tuple[Decomposition, sim.Scenario] | None = None) -> tuple[Path, Path]:
    """Write both folders under ``results`` where the command line puts them; returns them."""
    f, d = f or small_frontier(), d or small_decomposition()
    fdir, ddir = results / "frontier" / FRONTIER_NAME, results / "decompose" / DECOMPOSITION_NAME
    write_frontier(f[0], f[1], 1, fdir, images=False, extra=BOOST)
    write_decomposition(d[0], d[1], 1, ddir, images=False, extra=BOOST)
    return fdir, ddir


def synthetic_decomposition(replicates: int = 3) -> tuple[Decomposition, sim.Scenario]:
    """A decomposition without model runs (for fast tests of files and pages): each real
    factor adds a fixed amount to the disparity, plus noise by replicate."""
    import numpy as np

    from sim.experiments.decompose import coalitions

    rng = np.random.default_rng(5)
    effect = np.array([0.4, 1.1, 0.3, -0.1])
    values = {s: 1.2 + effect @ np.array(s, float) + rng.normal(0, 0.1, replicates) for s in coalitions()}
    events = {s: np.column_stack([40 * v, np.full(replicates, 40.0)]) for s, v in values.items()}
    sc = sim.load("baseline", overrides(300, 5000))
    return Decomposition(sc.name, ("black_m", "white_m"), list(range(1, replicates + 1)), values, events), sc
