"""Offenders: concentrated, repeat offending; journeys to crime; a starting gallery that
follows offending history, so searches find enrolled offenders far more often than the
residents' enrolment share would suggest."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import offenders
from sim.model import SurveillanceModel
from tests.conftest import small


def _offences(m: SurveillanceModel, days: int) -> tuple[np.ndarray, np.ndarray]:
    """(offender rows, offence neighbourhoods) of residents' offences over ``days`` (outsiders'
    offences, tests/test_outsiders.py, have no resident row)."""
    who, where = [], []
    for _ in range(days):
        m.step()
        own = ~m.today.outsider
        who.append(m.today.offender[own])
        where.append(m.today.nbh[own])
    return np.concatenate(who), np.concatenate(where)


def test_offending_is_concentrated_as_wolfgang_found():
    w = offenders.propensity(200_000, 1.6, np.random.default_rng(1))
    top = np.sort(w)[::-1][: len(w) * 6 // 100]
    assert top.sum() / w.sum() == pytest.approx(0.52, abs=0.04)  # 6% commit ~52%
    assert w.mean() == pytest.approx(1.0, abs=0.05)


def test_same_people_offend_again():
    def repeat_share(sigma: float) -> float:
        m = SurveillanceModel(small(days=300, residents=10_000, **{"offenders.propensity_sigma": sigma}), seed=2)
        who, _ = _offences(m, 300)
        _, counts = np.unique(who, return_counts=True)
        return counts[counts > 1].sum() / counts.sum()

    assert repeat_share(1.6) > repeat_share(0.0) + 0.15


def test_offenders_travel_with_distance_decay():
    def journeys(decay: float) -> np.ndarray:
        m = SurveillanceModel(small(days=100, residents=10_000, **{"city.grid_side": 10,
                                                                  "offenders.journey_decay": decay}), seed=3)
        who, where = _offences(m, 100)
        return np.hypot(*(m.city.xy[m.city.nbh[who]] - m.city.xy[where]).T)

    home = journeys(0.0)
    near, far = journeys(1.0), journeys(2.0)
    assert (home == 0).all(), "with no journey, offenders live where they offend"
    assert 0 < near.mean() < far.mean()
    assert (near == 0).mean() > (near == 1).mean() / 4 * 1.5, "the own neighbourhood beats any one neighbour"


@pytest.mark.parametrize("history", [False, True])
def test_enrolled_offenders_follow_history_as_inputs_imply(history):
    m = SurveillanceModel(small(days=200, residents=20_000, **{"offenders.history": history}), seed=4)
    enrolled = m.gallery.enrolled.copy()
    # What the inputs imply: each resident's expected offences (where offences happen, the
    # journey kernel to their home, their propensity), weighting their enrolment.
    c, decay = m.city, m.p.offenders.journey_decay
    dist = np.hypot(*(c.xy[:, None, :] - c.xy[None, :, :]).transpose(2, 0, 1))
    kernel = np.where(dist <= 4 * decay, np.exp(-dist / decay), 0.0)  # (offence nbh, home nbh)
    mass = np.bincount(c.nbh, weights=m.offend_w, minlength=c.n_neighbourhoods)
    per_w = (m.crime_rates.sum(axis=0) / (kernel @ mass)) @ kernel  # offences per unit weight, by home
    expected = m.offend_w * per_w[c.nbh]
    implied = (expected * enrolled).sum() / expected.sum()
    resident_share = enrolled.mean()
    who, _ = _offences(m, 200)  # ~800 offences: binomial SE ~0.017
    # Searches are a random subset of offences (camera, usable face), so their offenders
    # are enrolled as often as offenders are.
    found = enrolled[who].mean()
    assert found == pytest.approx(implied, abs=0.05)
    # Enrolment by group alone: each group's offence share times its enrolment rate.
    G = len(m.group_keys)
    offence_share = np.bincount(c.group, weights=expected, minlength=G) / expected.sum()
    group_level = offence_share @ (np.bincount(c.group, weights=enrolled, minlength=G)
                                   / np.maximum(np.bincount(c.group, minlength=G), 1))
    if history:
        assert found > resident_share + 0.25, (found, resident_share)
        assert found > group_level + 0.2, (found, group_level)  # the person's history, not the group's
    else:
        # Without history, enrolment is random within a group, so offenders are enrolled at
        # their groups' rates. Those rates follow the arrest make-up (women ~27% of photos,
        # recognition.calibration.gallery_female_share) as offending does (offenders.female_ratio
        # from the same figure), so offenders are enrolled more often than residents (~0.31 vs
        # 0.25): the earlier expectation (found = resident share) ignored that both follow sex.
        assert found == pytest.approx(group_level, abs=0.05)
        assert group_level > resident_share
