"""Discretionary policing: presence by a department rule discovers offences and makes
stops; with the attention loop on, a skewed start runs away (Ensign et al. 2018)."""

from __future__ import annotations

import numpy as np

from sim.core.offences import OFFENCES
from sim.mechanisms import patrols
from sim.model import SurveillanceModel
from tests.conftest import small


def _two_areas(loop: bool, days: int = 500) -> tuple[float, float]:
    """Equal true crime everywhere (no crime index spread, no preference), most offences
    unreported so recorded incidents are mostly what patrols find; attention starts twice
    as high in neighbourhood 0. Returns neighbourhood 0's share of presence x residents at
    the start and after ``days``."""
    p = small(days=days, residents=40_000, **{
        "city.grid_side": 2, "city.crime_index_sigma": 0.0, "patrol.over_policing": 0.0,
        "crime.property_reporting": 0.01, "crime.violent_reporting": 0.01, "crime.property_recorded": 50_000.0,
        "patrol.discovery": 0.1, "patrol.discovery_serious": 0.1, "patrol.hotspot_focus": 1.5,
        "crime.camera_reporting_uplift": 0.0, "loops.attention": loop, "enforcement.fr_allowed": False})
    m = SurveillanceModel(p, seed=5)
    pol = m.policing
    pol.attention[0] *= 2.0
    pol._allocate()
    share = lambda: float(pol.presence[0] * m.population[0] / (pol.presence @ m.population))  # noqa: E731
    start = share()
    m.run()
    return start, share()


def test_attention_runs_away_with_the_loop_on_and_not_with_it_off():
    start_on, end_on = _two_areas(loop=True)
    start_off, end_off = _two_areas(loop=False)
    assert start_on == start_off
    assert end_off == start_off, "without the loop the department keeps its starting allocation"
    assert end_on > start_on + 0.1, f"with the loop, presence should concentrate: {start_on:.3f} -> {end_on:.3f}"


def test_without_a_skew_or_hotspot_focus_the_loop_does_not_run_away():
    # Presence in proportion to recorded incidents (focus 1) and reported crime as the
    # anchor: the skewed start decays back towards equal shares.
    p = small(days=400, residents=20_000, **{"city.grid_side": 2, "city.crime_index_sigma": 0.0,
                                            "patrol.over_policing": 0.0, "patrol.hotspot_focus": 1.0})
    m = SurveillanceModel(p, seed=5)
    m.policing.attention[0] *= 2.0
    m.policing._allocate()
    first = m.policing.presence[0] / m.policing.presence[1:].mean()
    m.run()
    assert m.policing.presence[0] / m.policing.presence[1:].mean() < first


def test_presence_discovers_unreported_offences_low_level_ones_most():
    p = small(days=300, residents=20_000, **{"city.grid_side": 6})
    d = patrols.discovery(np.array([0.5, 1.0, 4.0]), p)
    assert (np.diff(d, axis=1) > 0).all(), "more presence, more discovered"
    assert (d[OFFENCES.index("petty_theft")] > d[OFFENCES.index("violent")]).all()
    m = SurveillanceModel(p, seed=2)
    found = np.zeros(m.city.n_neighbourhoods)
    unreported = np.zeros(m.city.n_neighbourhoods)
    for _ in range(300):
        m.step()
        t = m.today
        np.add.at(found, t.nbh[t.discovered], 1)
        np.add.at(unreported, t.nbh[~t.reported | t.discovered], 1)  # nobody reported these
        assert t.reported[t.discovered].all() and t.recorded[t.discovered].all()
    hi = m.policing.presence > np.median(m.policing.presence)
    assert found[hi].sum() / unreported[hi].sum() > 1.5 * found[~hi].sum() / unreported[~hi].sum()


def test_over_policing_preference_moves_arrests_not_clearance():
    def run(k: float) -> SurveillanceModel:
        m = SurveillanceModel(small(days=400, residents=20_000, **{"patrol.over_policing": k,
                                                                  "enforcement.fr_allowed": False}), seed=3)
        m.run()
        return m

    flat, skewed = run(0.0), run(10.0)
    black = [i for i, k in enumerate(flat.group_keys) if k.startswith("black")]

    def black_share(m):
        a = np.nansum(m.recorder.by_group[:, m.recorder.index["arrests"], :], axis=0)
        return a[black].sum() / a.sum()

    assert black_share(skewed) > black_share(flat) + 0.05
    # Conventional clearance is the FBI chance by type wherever the offence happened.
    off = skewed.today
    none = np.zeros(len(off), bool)
    np.testing.assert_array_equal(skewed.policing.clear_chance(off.kind, none), skewed.policing.clearance[off.kind])


def test_obtained_footage_raises_conventional_clearance():
    m = SurveillanceModel(small(days=10, residents=2_000), seed=1)
    kind = np.arange(len(OFFENCES))
    without = m.policing.clear_chance(kind, np.zeros(len(kind), bool))
    with_footage = m.policing.clear_chance(kind, np.ones(len(kind), bool))
    np.testing.assert_allclose(with_footage, np.minimum(without * (1 + m.p.enforcement.footage_clearance_uplift), 1))
    assert (with_footage > without).all()
