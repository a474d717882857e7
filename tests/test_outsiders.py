"""Outsiders (sim.mechanisms.outsiders): offenders and passers-by who live outside the city.

A share of offences are non-residents'; they can be truly matched only through their own
photos, their arrests count by group and add outside photos, and they never enter a
resident's state. A share of 0 draws nothing, and a policy leaves the offences paired."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core.streams import stream
from sim.mechanisms.outsiders import Outsiders
from sim.model import SurveillanceModel
from sim.policy.policies import parse
from tests.conftest import small

# Every recorded offence searched, so searches are many in a small run.
SEARCH_ALL = {"enforcement.other_probes": 1.0, "enforcement.fr_departments": 1.0}


def _days(m: SurveillanceModel, days: int) -> list:
    """Today's offences on each of ``days`` steps."""
    out = []
    for _ in range(days):
        m.step()
        out.append(m.today)
    return out


def _total(m: SurveillanceModel, name: str) -> np.ndarray:
    r = m.recorder
    return np.nansum(r.by_group[:, r.index[name], :], axis=0)


def test_share_zero_draws_nothing_and_every_offender_is_a_resident():
    m = SurveillanceModel(small(days=200, **{"offenders.outsider_share": 0.0}), seed=1)
    days = _days(m, 200)
    assert sum(len(t) for t in days) > 50
    for t in days:
        assert not t.outsider.any() and (t.offender >= 0).all()
        assert (t.group == m.city.group[t.offender]).all()
    untouched = stream(1, "outsiders").bit_generator.state
    assert m.policing.outsiders.rng.bit_generator.state == untouched, "the outsiders' stream was drawn at share 0"


@pytest.mark.parametrize("share", [0.15, 0.5])
def test_outsiders_commit_their_share_of_offences_in_the_offending_make_up(share):
    m = SurveillanceModel(small(days=365, residents=10_000, **{"offenders.outsider_share": share}), seed=2)
    days = _days(m, 365)
    out = np.concatenate([t.outsider for t in days])
    n = len(out)
    assert n > 500
    assert out.mean() == pytest.approx(share, abs=4 * np.sqrt(share * (1 - share) / n))  # binomial noise
    for t in days:  # outsiders have no resident row; residents keep theirs and their group
        assert (t.offender[t.outsider] == -1).all()
        assert (t.group[~t.outsider] == m.city.group[t.offender[~t.outsider]]).all()
    # Outsiders' groups follow the city's offending weight: men, weighted up by offenders.female_ratio.
    group = np.concatenate([t.group[t.outsider] for t in days])
    male = np.array([k.endswith("_m") for k in m.group_keys])
    want = np.bincount(m.city.group, weights=m.offend_w)[male].sum() / m.offend_w.sum()
    assert male[group].mean() == pytest.approx(want, abs=4 * np.sqrt(want * (1 - want) / len(group)))
    assert want > 0.65  # women offend at 0.37 of men's rate: the test can tell make-ups apart


def test_outsider_photos_follow_resident_offenders_of_their_group():
    m = SurveillanceModel(small(days=400, **{"offenders.outsider_share": 0.3}), seed=3)
    o = m.policing.outsiders
    start = o.booked_chance().copy()
    m.run()
    # Kept up to date as arrests enrol residents: equal to the offending-weighted enrolment now.
    c, enrolled = m.city, m.gallery.enrolled
    G = len(m.group_keys)
    now = np.bincount(c.group[enrolled], weights=m.offend_w[enrolled], minlength=G) / np.bincount(
        c.group, weights=m.offend_w, minlength=G)
    assert o.booked_chance() == pytest.approx(now)
    assert (o.booked_chance() >= start).all() and (o.booked_chance() > start).any()
    # With history, resident offenders are far more often enrolled than residents (~0.7 vs 0.25).
    assert start @ np.bincount(c.group, weights=m.offend_w, minlength=G) / m.offend_w.sum() > 0.5
    # Booking photo with that chance, or (licence searches only) a licence photo.
    u = np.random.default_rng(0).random((2, 200_000))
    g = np.zeros(200_000, np.int64)
    q, lic = o.booked_chance()[0], o.licence_share
    assert o.enrolled(g, u, licence=False).mean() == pytest.approx(q, abs=0.005)
    assert o.enrolled(g, u, licence=True).mean() == pytest.approx(q + (1 - q) * lic, abs=0.005)


def _all_outsiders(resident_share: float, **extra) -> SurveillanceModel:
    """Every offender an outsider; innocent people never arrested (arrests are then exactly
    clearances and patrol hits); every recorded offence searched."""
    p = small(days=365, residents=10_000, **{"offenders.outsider_share": 1.0, "gallery.resident_share": resident_share,
                                            "enforcement.arrest_innocent": 0.0, **SEARCH_ALL, **extra})
    m = SurveillanceModel(p, seed=4)
    m.run()
    return m


def test_an_outsider_is_truly_matched_only_if_enrolled():
    # No resident offender is enrolled at the start and the gallery loop is off: outsiders,
    # enrolled as resident offenders are, never are, so no search finds its offender.
    none = _all_outsiders(0.0, **{"loops.gallery": False})
    assert none.policing.outsiders.booked_chance().max() == 0
    assert _total(none, "fr_searches").sum() > 100
    assert _total(none, "fr_true_candidates").sum() == 0
    # With residents enrolled (here only through patrol stops: no resident offends), outsiders
    # are found, at most as often as they are enrolled (a search can miss an enrolled face).
    some = _all_outsiders(0.25, **{"loops.gallery": False})
    w = np.bincount(some.city.group, weights=some.offend_w)
    enrolled = some.policing.outsiders.booked_chance() @ w / w.sum()
    searches = _total(some, "fr_searches").sum()
    found = _total(some, "fr_true_candidates").sum() / searches
    assert 0.4 * enrolled < found <= enrolled + 3 * np.sqrt(enrolled * (1 - enrolled) / searches), (found, enrolled)


def test_outsiders_arrests_count_by_group_but_touch_no_resident():
    m = _all_outsiders(0.25)
    G = len(m.group_keys)
    cleared = _total(m, "clearances")
    assert cleared.sum() > 20
    # Arrests by group = residents' own tallies (patrol hits) + outsiders' cleared offences.
    residents = np.bincount(m.city.group, weights=m.pop.arrests, minlength=G)
    assert _total(m, "arrests") == pytest.approx(residents + cleared)
    # False candidates are gallery members: every wrongfully stopped resident has a photo.
    assert m.pop.wrongful.sum() > 0
    assert not ((m.pop.wrongful > 0) & ~m.gallery.enrolled).any()
    assert _total(m, "stops").sum() > m.pop.stops.sum()  # outsiders' stops count by group
    # Their photos enter the gallery as outside photos, not residents'.
    start = SurveillanceModel(m.p, seed=4).gallery
    assert (m.gallery.resident_photos - start.resident_photos).sum() == m.pop.arrests.sum()


def test_a_policy_off_the_offence_path_leaves_offences_paired():
    # A moratorium on face searches from day 730 changes arrests, the gallery and so outsiders'
    # chance of a photo, but not who offends where: the offence sequence is the baseline's.
    p = small(days=800, **{"offenders.outsider_share": 0.3})
    moratorium = parse(list(sim.load("federal_fr_moratorium").policies), "test")
    runs = [SurveillanceModel(p, seed=5, policies=pols) for pols in ([], moratorium)]
    a, b = (_days(m, 800) for m in runs)
    fields = ("nbh", "kind", "offender", "outsider", "group", "outsider_u", "spot")
    assert all(np.array_equal(getattr(x, f), getattr(y, f)) for x, y in zip(a, b) for f in fields)
    assert sum(t.outsider.sum() for t in a) > 50
    assert not np.array_equal(_total(runs[0], "fr_searches"), _total(runs[1], "fr_searches")), "the policy acted"


def test_passers_by_share_and_make_up():
    group = np.repeat([0, 1, 2], [6000, 3000, 1000])
    o = Outsiders(0.4, group, np.ones(len(group)), 4, 0.5, np.random.default_rng(0))
    out, g = o.passers(100_000, np.random.default_rng(1))
    assert out.mean() == pytest.approx(0.4, abs=0.01)
    assert np.bincount(g[out], minlength=4) / out.sum() == pytest.approx([0.6, 0.3, 0.1, 0.0], abs=0.01)
    none = Outsiders(0.0, group, np.ones(len(group)), 4, 0.5, np.random.default_rng(0))
    rng = np.random.default_rng(2)
    state = rng.bit_generator.state
    assert not none.passers(1000, rng)[0].any() and rng.bit_generator.state == state


def test_outsider_passers_by_flagged_and_stopped_count_by_group_not_as_residents():
    # Emotion screening with every passer-by an outsider, and no other stops: flags become
    # stops by group, but no resident is stopped.
    sc = sim.load("emotion_screening")
    p = small(days=900, **{"offenders.outsider_share": 1.0, "patrol.stops_per_1k": 0.0,
                           "enforcement.fr_allowed": False, "emotion.base_rate": 0.5})
    m = SurveillanceModel(p, seed=6, policies=parse(list(sc.policies), "test"))
    m.run()
    assert _total(m, "emotion_flags").sum() > 0
    assert _total(m, "stops").sum() > 0 and _total(m, "wrongful_stops").sum() > 0
    assert m.pop.stops.sum() == 0 and m.pop.wrongful.sum() == 0
