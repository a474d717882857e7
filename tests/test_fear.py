"""The compiled fear update equals the numpy expression it replaces, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.residents import init_population
from sim.core.streams import stream
from sim.mechanisms.fear import FearUpdate
from sim.world.city import build_city
from sim.world.network import build_network, row_normalise
from tests.conftest import run_model, small


def numpy_update(a, city, fear, posts_1k, app, fear_base, p):
    """The update as whole-array numpy operations (the form before the compiled loop), in
    the same float32 order: what the kernel must equal bit for bit."""
    f = p.fear
    weight = np.where(app, np.float32(f.post_weight * f.decay), np.float32(f.media_weight * f.post_weight * f.decay))
    e = np.repeat(posts_1k, np.bincount(city.nbh, minlength=city.n_neighbourhoods)) * weight
    e += (f.decay * fear_base).astype(np.float32)
    e += (row_normalise(a) @ fear) * np.float32(f.peer_weight)
    out = fear * np.float32(1 - f.decay - f.peer_weight) + e
    return np.minimum(out, 1)


@pytest.fixture(scope="module")
def world():
    p = small(residents=5000, **{"fear.peer_weight": 0.3, "fear.post_weight": 2.0})
    c = build_city(p, stream(3, "city"))
    pop = init_population(c, p, stream(3, "city"))
    return p, c, pop, build_network(c, p.network, stream(3, "network"))


@pytest.mark.parametrize("day", range(3))
def test_kernel_equals_the_numpy_update_bit_for_bit(world, day):
    p, c, pop, a = world
    rng = np.random.default_rng(day)
    fear = rng.random(len(c.nbh)).astype(np.float32)
    posts = (rng.random(c.n_neighbourhoods) ** 4 * 1000).astype(np.float32)  # the busiest clip at 1
    app = rng.random(len(c.nbh)) < 0.3
    update, out = FearUpdate(a, c, pop.fear_base, p), np.empty_like(fear)
    before = fear.copy()
    update(fear, out, posts, app)
    expected = numpy_update(a, c, fear, posts, app, pop.fear_base, p)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(fear, before)  # today's fear is read, never written
    assert (out == 1).any() and (out < 1).any()
    # sums by group of tomorrow's fear, for the recorder (float64)
    np.testing.assert_allclose(update.by_group, np.bincount(c.group, weights=expected, minlength=len(p.group_keys)),
                               rtol=1e-12)


def test_an_isolated_resident_keeps_no_peer_pull(world):
    """A resident without contacts gets no peer term (1/degree is 0, not a division by 0)."""
    p, c, pop, a = world
    a = a.tolil()
    for j in a.rows[0]:
        a[j, 0] = 0
    a[0, :] = 0
    a = a.tocsr()
    a.eliminate_zeros()
    fear = np.full(len(c.nbh), 0.5, np.float32)
    out = np.empty_like(fear)
    FearUpdate(a, c, pop.fear_base, p)(fear, out, np.zeros(c.n_neighbourhoods, np.float32), np.zeros(len(fear), bool))
    np.testing.assert_array_equal(out, numpy_update(a, c, fear, np.zeros(c.n_neighbourhoods, np.float32),
                                                    np.zeros(len(fear), bool), pop.fear_base, p))
    assert np.isfinite(out).all()


def test_recorded_fear_by_group_is_the_mean_of_residents_fear():
    """The recorder's fear row comes from the kernel's sums: it must match the residents."""
    m = run_model(small(days=500, residents=3000), seed=4)
    r = m.recorder
    sizes = np.bincount(m.city.group, minlength=len(m.group_keys))
    means = np.bincount(m.city.group, weights=m.pop.fear, minlength=len(m.group_keys)) / np.maximum(sizes, 1)
    got = r.by_group[-1, r.index["fear_mean"]]
    np.testing.assert_allclose(got[sizes > 0], means[sizes > 0], rtol=1e-9)
    np.testing.assert_allclose(r.total[-1, r.index["fear_mean"]], m.pop.fear.astype(float).mean(), rtol=1e-9)


def test_compiled_loops_still_work_where_no_cache_can_be_written(monkeypatch):
    """numba raises when no cache folder is writable (read-only install, no home): the
    loop is then compiled without a cache instead of survsim failing to import."""
    import numba

    from sim.core import compiled as comp

    real = numba.njit

    def njit(signature, cache=False, **kw):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file 'f.py'")
        return real(signature, **kw)

    monkeypatch.setattr(comp.numba, "njit", njit)

    @comp.compiled("float64(float64[::1])")
    def total(x):
        s = 0.0
        for v in x:
            s += v
        return s

    assert total(np.arange(4.0)) == 6.0
