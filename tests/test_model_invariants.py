"""Invariants every run must keep, and the agents Mesa sees."""

from __future__ import annotations

import numpy as np

from sim.agents.departments import PoliceDepartment
from sim.core.metrics import METRICS
from sim.agents.residents import Resident
from sim.agents.vendor import Vendor


def test_counts_never_negative_and_finite(baseline_small):
    r = baseline_small.recorder
    ratio = r.index["disparity_wrongful_stops"]  # undefined (NaN) until the reference group has a stop
    counts = np.delete(r.total, ratio, axis=1)
    assert np.isfinite(counts).all()
    assert (counts >= 0).all(), [m.name for i, m in enumerate(METRICS) if (r.total[:, i] < 0).any()]
    assert (np.nan_to_num(r.total[:, ratio]) >= 0).all()


def test_stock_bounds(baseline_small):
    m = baseline_small
    r = m.recorder
    assert (r.get("cameras") <= len(m.pop.camera)).all(), "more cameras than households"
    assert (r.get("app_users") <= len(m.city.nbh)).all()
    assert (r.get("free_cameras") <= r.get("cameras")).all()
    assert ((r.get("coverage_mean") >= 0) & (r.get("coverage_mean") <= 1)).all()
    assert ((m.pop.fear >= 0) & (m.pop.fear <= 1)).all()
    # stocks of adoption never fall
    for name in ("cameras", "app_users", "free_cameras", "partnered_departments"):
        assert (np.diff(r.get(name)) >= 0).all(), f"{name} fell"


def test_flow_orderings(baseline_small):
    r = baseline_small.recorder
    assert (r.get("crimes_recorded") <= r.get("crimes_reported")).all()
    assert (r.get("crimes_reported") <= r.get("crimes_actual")).all()
    assert (r.get("crimes_captured") <= r.get("crimes_actual")).all()
    assert (r.get("wrongful_stops") <= r.get("stops")).all()
    assert (r.get("wrongful_arrests") <= r.get("arrests")).all()
    assert (r.get("fr_true_candidates") <= r.get("fr_searches")).all()
    assert (r.get("clearances") <= r.get("crimes_recorded")).all()
    asked = r.get("footage_requests_warrantless") + r.get("footage_requests_warranted")
    assert (r.get("footage_granted") <= asked).all(), "granted more than requested"
    assert asked.sum() > 0, "no footage requests at all: the mechanism did not act"


def test_group_rows_add_up(baseline_small):
    r = baseline_small.recorder
    for name in ("cameras", "app_users", "stops", "arrests", "wrongful_stops", "fr_searches", "gallery_size"):
        i = r.index[name]
        np.testing.assert_allclose(r.by_group[:, i, :].sum(axis=1), r.total[:, i])
    i = r.index["fear_mean"]
    sizes = np.bincount(baseline_small.city.group, minlength=len(baseline_small.group_keys))
    np.testing.assert_allclose(r.by_group[:, i, :] @ sizes / sizes.sum(), r.total[:, i], rtol=1e-5)


def test_agents_are_registered_mesa_agents(baseline_small):
    m = baseline_small
    residents = m.agents_by_type[Resident]
    assert len(residents) == len(m.city.nbh)
    assert len(m.agents_by_type[PoliceDepartment]) == len(m.departments)
    assert len(m.agents_by_type[Vendor]) == 1
    # a resident is a view on its row: its attributes follow the arrays
    r = m.resident(17)
    assert r.fear == float(m.pop.fear[17])
    assert r.owns_camera == bool(m.pop.camera[m.city.household[17]])
    assert r.group in m.group_keys
    m.pop.fear[17] = 0.875
    assert r.fear == 0.875


def test_residents_contiguous_by_neighbourhood(baseline_small):
    c = baseline_small.city
    assert (np.diff(c.nbh) >= 0).all(), "residents must be sorted by neighbourhood"
    assert (np.diff(c.household) >= 0).all()
    np.testing.assert_array_equal(c.members(np.array([0, 5])),
                                  np.flatnonzero(np.isin(c.household, [0, 5])))
