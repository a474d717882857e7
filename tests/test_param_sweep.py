"""Every numeric parameter anywhere in its declared range, at once (issue 13: legal values
must not break runs).

Each numeric leaf is drawn among its default, its hard bounds (``ge``/``le``) and the ends
of its assumption range; a tiny city runs for 100-300 days. A draw either is refused at
load with a clear InputError (a cross-field rule, e.g. decay + peer_weight <= 1) or runs
with finite, non-negative metrics, no more cameras than households, no more app users than
residents, and a gallery within its photos-per-person cap.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import sim
from sim.core.errors import InputError
from sim.core.metrics import METRICS
from sim.core.paramtree import leaves
from sim.model import SurveillanceModel

LEAVES = {leaf.path: leaf for leaf in leaves(sim.Params())}
# The city's size and length are the test's (tiny); everything else is drawn.
FIXED = {"city.n_residents": 300, "city.grid_side": 3}
CAPS = {"departments.n_outside": 200}  # diffusion-only departments: cost, not behaviour


def _options(path: str) -> list:
    leaf = LEAVES[path]
    ends = [leaf.value, leaf.ge, leaf.le, *(leaf.assumption or ())]
    lo = -math.inf if leaf.ge is None else leaf.ge
    hi = math.inf if leaf.le is None else leaf.le
    vals = sorted({min(max(float(v), lo), hi) for v in ends if v is not None})
    if type(leaf.value) is int:
        return sorted({min(int(round(v)), CAPS.get(path, 10**9)) for v in vals})
    return vals


NUMERIC = sorted(p for p, leaf in LEAVES.items() if type(leaf.value) in (int, float) and p not in FIXED
                 and p != "run.days")


@st.composite
def draws(draw) -> dict:
    return {p: draw(st.sampled_from(_options(p))) for p in NUMERIC}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(values=draws(), days=st.integers(100, 300), seed=st.integers(0, 2**32 - 1))
def test_any_legal_numbers_run_bounded(values, days, seed):
    try:
        sc = sim.load("baseline", {**values, **FIXED, "run.days": days})
    except InputError as e:  # only rules across fields may refuse values inside their bounds
        assert "params." in str(e) or " = " in str(e), str(e)
        assume(False)
    m = SurveillanceModel(sc.params, seed=seed)
    m.run()
    r, p = m.recorder, sc.params
    skip = r.index["disparity_wrongful_stops"]  # NaN until the reference group has a wrongful stop
    for i, mt in enumerate(METRICS):
        if i != skip:
            assert np.isfinite(r.total[:, i]).all() and (r.total[:, i] >= 0).all(), mt.name
    assert r.get("cameras").max() <= len(m.pop.camera)
    assert r.get("app_users").max() <= len(m.city.group)
    people = (p.gallery.catchment_ratio + 1) * len(m.city.group)
    assert r.get("gallery_size").max() <= max(p.gallery.max_photos_per_person * people, r.get("gallery_size")[0])
    assert (r.get("fr_false_candidates") <= p.recognition.max_candidates * r.get("fr_searches")).all()
