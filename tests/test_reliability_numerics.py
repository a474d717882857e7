"""Legal values that used to break runs (issue 13, items 3-6): each reproduces the failure
at its minimal input and checks the invariant the fix restores."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core.errors import InputError
from sim.core.paramtree import leaves
from sim.mechanisms import adoption
from sim.model import SurveillanceModel
from tests.conftest import small


def _run(days: int = 700, residents: int = 1000, seed: int = 1, **dotted) -> SurveillanceModel:
    m = SurveillanceModel(small(days=days, residents=residents, **dotted), seed=seed)
    m.run()
    return m


def assert_stocks_bounded(m: SurveillanceModel) -> None:
    r = m.recorder
    households, residents = len(m.pop.camera), len(m.city.group)
    assert np.isfinite(r.total).sum() >= r.total.size - len(r.total)  # only the NaN-until-defined disparity
    assert r.get("cameras").max() <= households, f"{r.get('cameras').max()} cameras for {households} households"
    assert r.get("app_users").max() <= residents, f"{r.get('app_users').max()} app users for {residents} residents"


# --- item 3: adoption hazards at the top of their bounds ------------------------------------
def test_extreme_adoption_betas_never_adopt_more_than_everyone():
    """beta_fear = beta_peer = 50, beta_marketing = 20 (all legal) made float32 exp overflow to
    inf; inf >= inf then re-adopted stopped clocks every day (millions of cameras)."""
    m = _run(days=3650, **{"adoption.beta_fear": 50.0, "adoption.beta_peer": 50.0, "adoption.beta_marketing": 20.0})
    assert_stocks_bounded(m)
    assert m.pop.camera.sum() == m.recorder.get("cameras")[-1]


def test_advance_clock_never_readopts_a_stopped_clock():
    hazard = np.zeros(3, np.float32)
    clock = np.array([np.inf, 0.5, 2.0], np.float32)  # row 0 adopted earlier
    log_h = np.array([1e4, 1e4, -1e4], np.float32)     # exp overflows float32
    assert adoption.advance_clock(hazard, clock, log_h).tolist() == [1]
    assert np.isfinite(hazard).all()
    log_h = np.array([1e4, 1e4, 1e4], np.float32)
    assert adoption.advance_clock(hazard, clock, log_h).tolist() == [2]
    assert np.isfinite(hazard).all()


# --- item 5: nothing recorded ---------------------------------------------------------------
def test_recording_zero_is_refused_with_the_reason():
    """crime.recording = 0 crashed every run (actual = recorded / (reporting x recording))."""
    with pytest.raises(InputError, match=r"params\.crime\.recording' = 0\.0.*from 0\.01"):
        sim.load("baseline", {"crime.recording": 0.0})


def test_lowest_legal_reporting_and_recording_run():
    ge = {leaf.path: leaf.ge for leaf in leaves(sim.Params())
          if leaf.path in ("crime.recording", "crime.property_reporting", "crime.violent_reporting")}
    assert all(g > 0 for g in ge.values()), ge
    m = _run(days=40, residents=300, **{k: float(v) for k, v in ge.items()})
    assert np.isfinite(m.recorder.get("crimes_actual")).all()
