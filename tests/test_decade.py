"""Model revision 3 (issue 16): a market that saturates, partnerships with limits, the trust loop."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.fitting import partnership_series, with_values
from sim.mechanisms import adoption
from sim.mechanisms.trust import TrustState
from sim.model import SurveillanceModel
from sim.params import Params, Trust
from sim.policy.scenario import load
from tests.conftest import run_model, small

SEEDS = range(8)
YEAR_ENDS = (0, 365, 730, 1096, 1461, 1826, 2191, 2557, 2922, 3287, 3652, 4017)  # 1 Jan 2017 .. 1 Jan 2028


# --- adoption with a market ------------------------------------------------------------------
def test_price_falls_toward_floor_and_the_market_grows():
    p = Params()
    prices = [adoption.price_at(p.vendor, d) for d in YEAR_ENDS]
    assert prices[0] == p.vendor.price and all(np.diff(prices) < 0) and prices[-1] > p.vendor.price_floor
    sens = np.random.default_rng(0).lognormal(-0.5**2 / 2, 0.5, 200_000)
    share0 = adoption.in_market(p.adoption, p.vendor.price, p.vendor.price, sens).mean()
    assert share0 == pytest.approx(p.adoption.market_share, abs=0.01), "market_share is the share at the 2017 price"
    assert adoption.in_market(p.adoption, p.vendor.price, prices[-1], sens).mean() > share0


def test_households_outside_the_market_never_buy():
    m = SurveillanceModel(small(days=400, residents=2000), seed=2)
    outside = ~m.market & ~m.pop.camera
    m.run(29)  # the price (and market) is unchanged before day 30
    assert not m.pop.camera[outside].any()


def test_camera_gains_rise_then_fall_by_2027():
    """Yearly gains in camera share: an S-curve, not acceleration until the city runs out
    (a test of shape over 8 seeds, not of a level)."""
    p = small(days=4017, residents=2500, **{"city.grid_side": 5, "city.n_jurisdictions": 1})
    gains = []
    for s in SEEDS:
        m = run_model(p, s)
        share = m.recorder.get("cameras") / len(m.pop.camera)
        gains.append(np.diff(share[list(YEAR_ENDS)]))
    g = np.mean(gains, axis=0)
    peak = int(np.argmax(g))
    assert 0 < peak < len(g) - 1, f"yearly gains should peak inside the run, got {np.round(g * 100, 2)}"
    assert g[-1] < 0.8 * g[peak], f"gains should fall after the peak, got {np.round(g * 100, 2)}"


# --- partnerships with limits ---------------------------------------------------------------
def test_partnership_series_equals_the_full_model():
    p = with_values(load("national").params, **{"departments.n_outside": 800, "vendor.programme_start_day": 5,
                                                "departments.scrutiny_day": 60, "departments.exit_rate": 0.5,
                                                "departments.ban_rate": 0.3, "departments.outside_hazard": 1e-3,
                                                "run.days": 150, "city.n_residents": 500, "city.grid_side": 3})
    m = run_model(p, 4)
    full = m.recorder.get("partnered_departments")
    assert np.array_equal(partnership_series(p, 4, 150), full)
    assert m.recorder.get("partner_exits")[-1] > 0 and full[-1] < full.max(), "exits should show"


def _national_gains(seeds=SEEDS) -> np.ndarray:
    """Yearly partnership gains 2018..2027 of the national preset, one row per seed."""
    p = load("national").params
    return np.array([np.diff(partnership_series(p, s, 4017)[list(YEAR_ENDS[1:])]) for s in seeds])


@pytest.fixture(scope="module")
def national_gains() -> np.ndarray:
    return _national_gains()


def test_national_partnership_gains_bend_in_every_seed(national_gains):
    """Gains peak no later than 2021 and then fall each year to 2023 while they are positive
    (once willing departments run out, the net loss is exits of a shrinking stock, which
    shrinks too); every year from 2023 gains less than 2019 did (exits and bans make late
    gains small or negative)."""
    g = national_gains  # columns: 2018, 2019, ..., 2027
    for row in g:
        peak = int(np.argmax(row))
        after = row[peak:6]
        falling = all(b < a for a, b in zip(after, after[1:]) if a > 0)
        assert peak <= 3 and falling and (row[5:] < row[1]).all(), row


@pytest.mark.xfail(strict=True, reason="with scrutiny fitted to the late-2019 row (0.13) contagion among willing "
                   "departments still accelerates into 2020 (capacity-bound): the 2020 gain exceeds 2019's in every "
                   "seed, as FT 2021 reports (police and fire: 704 added in 2019, 1,189 in 2020); see the issue-16 note")
def test_national_partnership_gains_fall_from_2020_in_every_seed(national_gains):
    assert (national_gains[:, 2] < national_gains[:, 1]).all(), national_gains[:, :4]


def test_unwilling_departments_never_partner_and_capacity_binds():
    p = with_values(load("national").params, **{"departments.outside_hazard": 0.01, "departments.onboard_capacity": 2})
    m = SurveillanceModel(with_values(p, **{"run.days": 600, "city.n_residents": 500, "city.grid_side": 3}), seed=1)
    x = partnership_series(m.p, 1, 600)
    assert np.diff(x).max() <= 2, "no more than the capacity a day"
    m2 = SurveillanceModel(with_values(p, **{"run.days": 600, "city.n_residents": 500, "city.grid_side": 3}), seed=1)
    for d in range(1, 601):
        m2.day = d
        m2.vendor.step()
    assert not (m2.partnered & ~m2.dept_willing).any()


# --- trust ------------------------------------------------------------------------------------
def test_trust_state_sums_and_lazy_recovery():
    rng = np.random.default_rng(1)
    nbh, group = rng.integers(0, 5, 300), rng.integers(0, 3, 300)
    t = TrustState(Trust(half_life=0.05), nbh, group, 5, 3)  # fast recovery: forces rescaling
    for _ in range(400):
        t.recover()
        t.lose(rng.integers(0, 300, 10), 0.3)
        t.gain(rng.integers(0, 300, 5), 0.05)
        v = t.values()
        assert (v >= 0).all() and (v <= 1).all()
    v = t.values()
    assert np.allclose(t.by_group(), np.bincount(group, v) / np.bincount(group))
    assert np.allclose(t.by_nbh(), np.bincount(nbh, v) / np.bincount(nbh))


def _paired_with_injected_stops(trust_on: bool, seed: int = 5):
    """Two identical runs; in the second, 300 residents of the first neighbourhoods are
    wrongfully stopped 3 times on day 500. Returns both models after 300 more days."""
    p = small(days=800, residents=3000, **{"loops.trust": trust_on, "requests.property_request": 0.9})
    a, b = SurveillanceModel(p, seed=seed), SurveillanceModel(p, seed=seed)
    a.run(500)
    b.run(500)
    b.policing.count_stops(np.repeat(np.arange(300), 3), True)  # the trust loop reads them on day 501
    a.run(300)
    b.run(300)
    return a, b


def test_without_the_trust_loop_grants_and_reporting_ignore_past_stops():
    a, b = _paired_with_injected_stops(trust_on=False)
    for name in ("crimes_reported", "footage_granted", "app_users"):
        assert np.array_equal(a.recorder.get(name), b.recorder.get(name)), name


def test_with_the_trust_loop_stops_lower_trust_reporting_and_grants():
    a, b = _paired_with_injected_stops(trust_on=True)
    ra, rb = a.recorder, b.recorder
    assert b.trust.values(slice(0, 300)).mean() < a.trust.values(slice(0, 300)).mean() - 0.1
    hit = np.unique(b.city.nbh[:300])
    assert b.trust.by_nbh()[hit].mean() < a.trust.by_nbh()[hit].mean()
    assert rb.get("crimes_reported").sum() <= ra.get("crimes_reported").sum()
    assert rb.get("footage_granted").sum() <= ra.get("footage_granted").sum()
    assert (rb.get("crimes_reported").sum() < ra.get("crimes_reported").sum()
            or rb.get("footage_granted").sum() < ra.get("footage_granted").sum())


def test_trust_falls_most_where_stops_concentrate():
    """Over-policed neighbourhoods get more stops: their trust ends lower (pooled seeds)."""
    lo, hi = [], []
    for s in range(3):
        m = run_model(small(days=900), s)
        stops = np.bincount(m.city.nbh, weights=m.pop.stops, minlength=m.city.n_neighbourhoods) / m.pop_counts
        trust = m.trust.by_nbh()
        top = stops >= np.quantile(stops, 0.75)
        low = stops <= np.quantile(stops, 0.25)
        hi.append(trust[top].mean())
        lo.append(trust[low].mean())
    assert np.mean(hi) < np.mean(lo)


def test_warrant_requirement_raises_trust_relative_to_baseline():
    p = small(days=900)
    for s in range(3):
        base = run_model(p, s)
        warrant = run_model(with_values(p, **{"requests.warrant_required": True}), s)
        assert warrant.recorder.get("trust_mean")[-1] > base.recorder.get("trust_mean")[-1]
