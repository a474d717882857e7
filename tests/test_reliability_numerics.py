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
from sim.params.world import MIN_RECORDING
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
    log_h = np.array([1e4, 1e4, 1e4], np.float32)
    assert adoption.advance_clock(hazard, clock, log_h).tolist() == [2]  # rows 0 and 1 stay adopted
    assert np.isinf(clock).all()
    log_h = np.array([1e4, 1e4, 1e4], np.float32)
    assert adoption.advance_clock(hazard, clock, log_h).tolist() == []


# --- item 5: nothing recorded ---------------------------------------------------------------
def test_recording_zero_is_refused_with_the_reason():
    """crime.recording = 0 crashed every run (actual = recorded / (reporting x recording))."""
    for v in (0.0, 0.005):
        with pytest.raises(InputError, match=rf"params\.crime\.recording' = {v}: must be at least 0\.01"):
            sim.load("baseline", {"crime.recording": v})


def test_lowest_legal_reporting_and_recording_run():
    ge = {leaf.path: leaf.ge for leaf in leaves(sim.Params())
          if leaf.path in ("crime.property_reporting", "crime.violent_reporting")}
    assert all(g > 0 for g in ge.values()), ge
    ge["crime.recording"] = MIN_RECORDING
    m = _run(days=40, residents=300, **{k: float(v) for k, v in ge.items()})
    assert np.isfinite(m.recorder.get("crimes_actual")).all()


# --- item 4: a threshold of 0 returned the whole gallery -------------------------------------
def test_threshold_zero_keeps_candidate_lists_and_gallery_bounded():
    """recognition.threshold = 0 made every search return every photo; the stops and wrongful
    arrest photos doubled the gallery every ~100 days (1.5M photos for 2,000 residents by day
    800; 18 GB for a larger city) until the run was killed."""
    m = _run(days=1000, residents=2000, seed=0, **{"recognition.threshold": 0.0})
    r, cap = m.recorder, m.p.recognition.max_candidates
    assert (r.get("fr_false_candidates") <= cap * r.get("fr_searches")).all()
    assert r.get("fr_searches").sum() > 0
    start = r.get("gallery_size")[0]
    assert r.get("gallery_size")[-1] < 2 * start, (start, r.get("gallery_size")[-1])


def test_cap_candidates_keeps_the_best_up_to_the_cap_and_leaves_short_lists_alone():
    from sim.mechanisms.enforcement import cap_candidates, score_model
    from sim.recognition import SearchResult

    model = score_model(sim.Params().group_keys, sim.Params())
    gallery = np.full(10, 30_000)
    false = np.array([[0, 3, 1, 0, 0, 0, 0, 0, 0, 0], [900, 900, 2000, 3000, 10, 10, 10, 10, 10, 10]])
    found = np.array([True, True])
    res = SearchResult(false, found, np.zeros(2), np.full(2, -np.inf))
    none, zero = np.full(2, np.nan), np.zeros(2)  # no threshold; no probe-quality shift
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    short = cap_candidates(SearchResult(false[:1], found[:1]), np.array([1]), gallery, 50, none[:1], zero[:1],
                           model, rng)
    assert (short.false_by_group == false[:1]).all()
    assert rng.bit_generator.state == state  # no draw when no list is capped
    out = cap_candidates(res, np.array([1, 3]), gallery, 50, none, zero, model, rng)
    assert (out.false_by_group[0] == false[0]).all() and out.false_by_group[1].sum() == 49  # the true one takes a slot
    # Best scores first: groups whose impostors score higher (Black, American Indian) fill more slots.
    assert out.false_by_group[1, 3] > out.false_by_group[1, 0]
    # The capped list's reviewer sees candidates above the level of the 50th best, not the old floor.
    assert out.floor[0] == -np.inf and out.floor[1] > -np.inf


def test_top_k_longer_than_the_candidate_cap_is_refused():
    with pytest.raises(InputError, match=r"top_k = 80 must be <= recognition.max_candidates = 50"):
        sim.load("baseline", {"recognition.top_k": 80})


# --- item 6: the gallery at the high end of every assumption ---------------------------------
def _high_edges(residents: int) -> dict:
    p = sim.Params()
    ov = {leaf.path: leaf.assumption[1] for leaf in leaves(p)
          if leaf.assumption and type(leaf.value) in (int, float) and leaf.assumption[0] != leaf.assumption[1]
          and leaf.path not in ("run.days", "city.n_residents", "gallery.max_photos_per_person")}
    ov["emotion.group_multiplier"] = dict.fromkeys(p.emotion.group_multiplier, 10.0)
    return {**ov, "city.grid_side": 10, "city.n_residents": residents, "run.days": 3650}


def test_gallery_never_passes_its_photos_per_person_cap():
    """Every assumption at its high end grew the gallery from 502k to 543M photos (1,076 per
    person of the catchment) in ten years; nothing capped photos per person."""
    sc = sim.load("baseline", _high_edges(1000))
    m = SurveillanceModel(sc.params, seed=1)
    m.run()
    g = sc.params.gallery
    people = (g.catchment_ratio + 1) * 1000
    sizes = m.recorder.get("gallery_size")
    assert sizes.max() <= g.max_photos_per_person * people
    assert np.isfinite(m.recorder.total[:, m.recorder.index["wrongful_arrests"]]).all()


def test_gallery_cap_purges_in_proportion_and_binds_only_when_reached():
    # The gallery starts at ~0.99 photos per person of the catchment and, uncapped, passes 1.15
    # within 1,500 days at these edges: a cap of 1.1 must be reached and hold.
    sc = sim.load("baseline", {**_high_edges(1000), "gallery.max_photos_per_person": 1.1, "run.days": 1500})
    m = SurveillanceModel(sc.params, seed=1)
    m.run()
    people = (sc.params.gallery.catchment_ratio + 1) * 1000
    sizes = m.recorder.get("gallery_size")
    assert sizes.max() <= 1.1 * people
    assert sizes.max() >= 0.99 * 1.1 * people  # reached: the cap is what held it
    gal = m.gallery
    assert (gal.resident_photos <= gal.photos).all() and (gal.photos >= 0).all()


def test_purge_is_a_no_op_under_the_limit_and_keeps_the_make_up():
    from sim.mechanisms.enforcement import Gallery

    gal = Gallery(np.array([600, 300, 100]), np.array([60, 30, 10]), np.zeros(5, bool), np.zeros(3, np.int64),
                  limit=1000)
    gal.purge()
    assert gal.photos.tolist() == [600, 300, 100]
    gal.add(np.zeros(0, np.int64), np.zeros(0, np.int64), np.array([600, 300, 100]))
    assert gal.photos.tolist() == [600, 300, 100] and gal.resident_photos.tolist() == [30, 15, 5]


def test_a_gallery_starting_above_its_cap_is_refused():
    with pytest.raises(InputError, match=r"photos_per_catchment_person = 5\.0 starts the gallery at 4\.8\d "
                                         r"photos per person, above gallery\.max_photos_per_person = 3\.0"):
        sim.load("baseline", {"gallery.photos_per_catchment_person": 5.0, "gallery.max_photos_per_person": 3.0})
    # The default cap admits every legal starting gallery.
    sim.load("baseline", {"gallery.photos_per_catchment_person": 10.0, "gallery.resident_share": 1.0})
