"""Direction of each mechanism's effect, over several seeds, with paired runs."""

from __future__ import annotations

import numpy as np

from tests.conftest import run_model, small

SEEDS = (1, 2, 3)


def final(params, metric, seeds=SEEDS, day=-1):
    return np.array([run_model(params, s).recorder.get(metric)[day] for s in seeds])


def total(params, metric, seeds=SEEDS):
    return np.array([run_model(params, s).recorder.get(metric).sum() for s in seeds])


def test_more_fear_more_adoption():
    calm = final(small(**{"fear.post_weight": 0.0}), "cameras")
    afraid = final(small(**{"fear.post_weight": 8.0}), "cameras")
    assert (afraid > calm).all(), f"cameras with fearful posts {afraid} vs none {calm}"
    assert (final(small(**{"fear.post_weight": 8.0}), "fear_mean") > final(small(**{"fear.post_weight": 0.0}), "fear_mean")).all()


def test_peers_raise_adoption():
    lone = final(small(**{"adoption.beta_peer": 0.0}), "cameras")
    social = final(small(**{"adoption.beta_peer": 6.0}), "cameras")
    assert (social > lone).all()


def test_higher_price_lowers_adoption():
    cheap = final(small(**{"vendor.price": 99.0}), "cameras")
    dear = final(small(**{"vendor.price": 249.0}), "cameras")
    assert (cheap > dear).all()


def test_credit_programme_gives_free_cameras():
    on = final(small(), "free_cameras")
    off = final(small(**{"vendor.credit_programme": False}), "free_cameras")
    assert (on > 0).all() and (off == 0).all()


def test_credit_loop_switch_cuts_the_loop():
    """Loop off: only the cameras seeded at signing are given; installs buy none."""
    p = small(**{"loops.credit": False})
    for s in SEEDS:
        m = run_model(p, s)
        seeded = p.vendor.seed_cameras * int(m.partnered.sum())
        assert m.recorder.get("free_cameras")[-1] <= seeded
    on = final(small(), "free_cameras")
    off = final(p, "free_cameras")
    assert (on > off).all(), f"credit loop on {on} vs off {off}"


def test_fear_loop_switch_removes_camera_effect_on_posts():
    """With the fear loop cut, posts no longer depend on how many cameras there are."""
    few, many = {"adoption.initial_cameras": 0.01}, {"adoption.initial_cameras": 0.2}
    for s in SEEDS:
        off_few = run_model(small(**few, **{"loops.fear": False}), s).recorder.get("crime_posts")
        off_many = run_model(small(**many, **{"loops.fear": False}), s).recorder.get("crime_posts")
        np.testing.assert_array_equal(off_few, off_many)
        on_few = run_model(small(**few), s).recorder.get("crime_posts")
        on_many = run_model(small(**many), s).recorder.get("crime_posts")
        assert on_many.sum() > on_few.sum()


def test_fear_loop_raises_fear_and_adoption():
    on, off = small(), small(**{"loops.fear": False})
    assert (final(on, "fear_mean") > final(off, "fear_mean")).all()
    assert (final(on, "cameras") >= final(off, "cameras")).all()


def test_cameras_raise_reporting():
    """Captured offences are reported more often (same offences: paired streams)."""
    few = total(small(**{"adoption.initial_cameras": 0.0}), "crimes_reported")
    many = total(small(**{"adoption.initial_cameras": 0.5}), "crimes_reported")
    assert (many > few).all()
    np.testing.assert_array_equal(total(small(**{"adoption.initial_cameras": 0.0}), "crimes_actual"),
                                  total(small(**{"adoption.initial_cameras": 0.5}), "crimes_actual"))


def test_awareness_lowers_grants():
    unaware = total(small(**{"requests.aware_share": 0.0}), "footage_granted")
    aware = total(small(**{"requests.aware_share": 1.0}), "footage_granted")
    assert (aware < unaware).all()


def test_warrant_rule_stops_warrantless_requests():
    p = small(**{"requests.warrant_required": True})
    assert (total(p, "footage_requests_warrantless") == 0).all()
    assert (total(p, "footage_requests_warranted") > 0).all()
    assert (total(p, "footage_requests_warranted") < total(small(), "footage_requests_warrantless")).all()


def test_partnered_departments_market_and_request():
    """No partnership programme (start beyond the run): no requests, no free cameras."""
    p = small(**{"vendor.programme_start_day": 5000})
    assert (total(p, "footage_requests_warrantless") == 0).all()
    assert (final(p, "partnered_departments") == 0).all()
    assert (final(small(), "partnered_departments") > 0).all()
