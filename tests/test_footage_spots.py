"""Footage comes from the cameras that could have seen the offence (issue 14, item 6).

An offence happens at a spot among its neighbourhood's households; the ``view`` households
from the spot on overlook it; requests go to the owners around the spot, and only footage
from an owner in view counts as footage of the offence."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.experiments.fitting import with_values
from sim.mechanisms import footage
from sim.model import SurveillanceModel

# Two neighbourhoods: 10 households (rows 0-9) and 3 households (rows 10-12).
HH_START, HH_COUNT = np.array([0, 10]), np.array([10, 3])


def test_a_spot_is_captured_only_when_a_camera_overlooks_it():
    camera = np.zeros(13, bool)
    camera[7] = True
    nbh = np.zeros(10, np.int64)
    spot = (np.arange(10) + 0.5) / 10  # one offence in front of each household 0..9
    seen = footage.in_view(nbh, spot, HH_START, HH_COUNT, camera, view=3)
    # Household 7's camera overlooks spots 5, 6 and 7 (the three households from the spot on).
    assert np.flatnonzero(seen).tolist() == [5, 6, 7]
    assert not footage.in_view(nbh, spot, HH_START, HH_COUNT, camera, view=0).any()


def test_view_wraps_within_a_small_neighbourhood():
    camera = np.zeros(13, bool)
    camera[10] = True  # first household of the 3-household neighbourhood
    nbh = np.ones(3, np.int64)
    spot = (np.arange(3) + 0.5) / 3
    assert footage.in_view(nbh, spot, HH_START, HH_COUNT, camera, view=2).tolist() == [True, False, True]
    assert footage.in_view(nbh, spot, HH_START, HH_COUNT, camera, view=5).all()  # view beyond its size


def test_the_request_window_is_centred_on_the_spot_and_marks_the_households_in_view():
    near, overlooks = footage.window(np.array([0, 1]), np.array([0.55, 0.2]), HH_START, HH_COUNT, k=6, view=2)
    # Spot at household 5 of 10: view 5, 6; six households centred on them: 3..8.
    assert near[0].tolist() == [3, 4, 5, 6, 7, 8]
    assert near[0][overlooks[0]].tolist() == [5, 6]
    # A 3-household neighbourhood: every household once, the rest -1; view households 10, 11.
    assert sorted(near[1][near[1] >= 0].tolist()) == [10, 11, 12] and (near[1] == -1).sum() == 3
    assert sorted(near[1][overlooks[1]].tolist()) == [10, 11]


@pytest.fixture(scope="module")
def footage_log():
    """A baseline run that logs every department's requests with the offences' capture."""
    p = with_values(sim.load("baseline").params, **{"city.n_residents": 6000, "run.days": 900})
    m = SurveillanceModel(p, seed=3)
    log = []
    orig = footage.request_footage

    def spy(p_request, nbh, spot, d, hh_start, hh_count, camera, *args, **kw):
        out = orig(p_request, nbh, spot, d, hh_start, hh_count, camera, *args, **kw)
        near, overlooks = footage.window(nbh, spot, hh_start, hh_count, m.p.requests.households_near,
                                         footage.view_households(m.p.coverage.kappa))
        seen = footage.in_view(nbh, spot, hh_start, hh_count, camera, footage.view_households(m.p.coverage.kappa))
        log.append((out, near, overlooks, seen, camera.copy()))
        return out

    footage.request_footage = spy
    try:
        m.run()
    finally:
        footage.request_footage = orig
    return log


def test_footage_of_an_offence_comes_only_from_a_camera_that_overlooked_it(footage_log):
    obtained = sum(len(out.offences) for out, *_ in footage_log)
    for out, near, overlooks, seen, camera in footage_log:
        assert seen[out.offences].all()  # footage of the offence => a camera overlooked its spot
        assert set(out.granted_households.tolist()) <= set(near[near >= 0].tolist())  # owners around the spot
    assert obtained >= 10  # the run exercised the path (15 at this seed and size)


def test_every_owner_in_view_is_asked_and_only_their_footage_shows_the_offence():
    """All offences asked, every owner grants: the asked owners are the cameras around each
    spot, and an offence has footage exactly when a camera overlooks its spot."""
    p = sim.load("baseline").params
    p = with_values(p, **{"requests.households_near": 6, "coverage.kappa": 2.0})
    camera = np.zeros(13, bool)
    camera[[4, 7, 11]] = True
    nbh = np.array([0, 0, 0, 1])
    spot = np.array([0.55, 0.25, 0.95, 0.1])  # households 5, 2, 9 of the first; 0 of the second
    d = footage.RequestDraws(np.zeros(4), np.zeros(4), np.zeros((4, 6)))
    out = footage.request_footage(np.ones(4), nbh, spot, d, HH_START, HH_COUNT, camera, np.zeros(13, bool),
                                  np.zeros(13, np.float32), np.arange(13), p, warrant=False, in_app=True,
                                  informed=False)
    near, overlooks = footage.window(nbh, spot, HH_START, HH_COUNT, 6, 2)
    expected_asked = sorted(near[(near >= 0) & camera[np.maximum(near, 0)]].tolist())
    assert sorted(out.asked_households.tolist()) == expected_asked
    # Spot 5 (view 5, 6): no camera; spot 2 (view 2, 3): none; spot 9 (view 9, 0): none;
    # spot 0 of the small one (view 10, 11): household 11's camera.
    assert out.offences.tolist() == [3]
    assert footage.in_view(nbh, spot, HH_START, HH_COUNT, camera, 2).tolist() == [False, False, False, True]


def test_captures_follow_the_expected_coverage():
    """Capture by spot equals, on average, the neighbourhood coverage 1 - (1 - share)^view."""
    rng = np.random.default_rng(0)
    hh_start, hh_count = np.array([0]), np.array([2000])
    camera = rng.random(2000) < 0.1
    spot = rng.random(20000)
    seen = footage.in_view(np.zeros(20000, np.int64), spot, hh_start, hh_count, camera, view=5)
    share = camera.mean()
    assert seen.mean() == pytest.approx(1 - (1 - share) ** 5, abs=0.01)


def test_passers_by_come_from_nearby_neighbourhoods_as_offenders_do():
    """Emotion screening's passers-by move with the journey-to-crime kernel: more come from
    the owner's own neighbourhood than from any other, none from beyond the kernel's cut."""
    p = with_values(sim.load("baseline").params, **{"city.n_residents": 6000, "run.days": 5})
    m = SurveillanceModel(p, seed=1)
    rng = np.random.default_rng(0)
    nbh = np.full(20000, 12)
    home = m.passing.home(nbh, rng.random(len(nbh)))
    d = np.hypot(*(m.city.xy[home] - m.city.xy[12]).T)
    counts = np.bincount(home, minlength=m.city.n_neighbourhoods)
    assert counts.argmax() == 12 and (home == 12).mean() < 0.99  # own neighbourhood most, not all
    assert d.max() <= 4 * p.offenders.journey_decay + 1e-9  # the kernel's cut
    no_decay = SurveillanceModel(with_values(p, **{"offenders.journey_decay": 0.0}), seed=1)
    assert (no_decay.passing.home(nbh, rng.random(len(nbh))) == 12).all()
