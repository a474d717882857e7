"""Shared fixtures: small, fast parameter sets built from the shipped baseline."""

from __future__ import annotations

import pytest

import sim
from sim.experiments.fitting import with_values
from sim.model import SurveillanceModel


def small(days: int = 900, residents: int = 3000, **dotted) -> sim.Params:
    """Baseline parameters for a small city; the app (day 485) and partnerships (day 455)
    are live before day 900, so every mechanism acts."""
    return with_values(sim.load("baseline").params, **{"run.days": days, "city.n_residents": residents,
                                                         "city.grid_side": 6, **dotted})


def run_model(params: sim.Params, seed: int) -> SurveillanceModel:
    m = SurveillanceModel(params, seed=seed)
    m.run()
    return m


@pytest.fixture(scope="session")
def baseline_small() -> SurveillanceModel:
    return run_model(small(), seed=3)
