"""Adoption of cameras (by households) and of the app (by residents).

Each adopter has a clock: an Exp(1) threshold drawn once, and a cumulative hazard that
grows each day by

    h = base * exp(beta_fear * (fear - baseline) + beta_peer * peer_share
                   + beta_marketing * marketing - beta_privacy * privacy
                   [- beta_price * price_sens * (price / reference_price - 1)  cameras only])

Cameras have a market: a household buys only while the price is below its reservation
price (``market_reserve / price_sens``; :func:`market_reserve` sets the reservation so
that ``market_share`` of households are in the market at the 2017 price). The price
follows :func:`price_at` (falling toward a floor), stepped every ``PRICE_STEP`` days, so
the market grows as the price falls and purchases slow as it runs out: an S-curve.

The unit adopts on the day its hazard passes its threshold. This is an exact draw of a
time-varying hazard, needs no random numbers per day, and keeps scenarios paired: the
same household buys on the same day unless a policy changes its hazard. Adopters' clocks
are set to infinity so the daily test is a single comparison.

Legal extreme coefficients (beta_fear = beta_peer = 50) overflow float32 ``exp`` to inf,
and a stopped clock's hazard keeps growing: rows that pass the test with a stopped
(infinite) clock are dropped, since ``inf >= inf`` would otherwise re-adopt them daily. An
infinite hazard on a running clock is simply an adoption that day, which is right.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from sim.params import Adoption, Vendor

PRICE_STEP = 30  # days between price changes: the camera offsets are recomputed then, not daily


def price_at(v: Vendor, day: int) -> float:
    """Mean camera price on ``day`` (stepped every PRICE_STEP days): the 2017 price
    closing its gap to the floor at ``price_decline`` a year."""
    t = (day // PRICE_STEP) * PRICE_STEP / 365.25
    return float(v.price_floor + (v.price - v.price_floor) * np.exp(-v.price_decline * t))


def market_reserve(a: Adoption, price0: float) -> float:
    """Reservation level R: a household with price sensitivity s is in the market at
    price P when s * P <= R. s is lognormal with mean 1 and log-sd ``price_sensitivity_sd``,
    so R puts ``market_share`` of households in the market at ``price0``."""
    sd = a.price_sensitivity_sd
    q = float(ndtri(min(max(a.market_share, 1e-12), 1 - 1e-12)))
    return price0 * float(np.exp(-sd**2 / 2 + sd * q)) if sd > 0 else (np.inf if a.market_share >= 0.5 else 0.0)


def in_market(a: Adoption, price0: float, price: float, price_sens: np.ndarray) -> np.ndarray:
    """Households whose reservation price is at least ``price``."""
    return price_sens * price <= market_reserve(a, price0)


def static_term(a: Adoption, fear_ref: float, privacy: np.ndarray) -> np.ndarray:
    """The app's log-hazard terms that never change in a run (float32)."""
    const = np.log(max(a.app_hazard, 1e-300)) - a.beta_fear * fear_ref
    return (np.float32(const) - np.float32(a.beta_privacy) * privacy).astype(np.float32)


def camera_offset(a: Adoption, price: float, price_sens: np.ndarray, market: np.ndarray | None = None) -> np.ndarray:
    """Per-household log-hazard of buying a camera minus the app's: base and price;
    -inf (no purchase) for households outside ``market`` (all in it if None)."""
    base = np.log(max(a.camera_hazard, 1e-300)) - np.log(max(a.app_hazard, 1e-300))
    out = (np.float32(base) - np.float32(a.beta_price * (price / a.reference_price - 1)) * price_sens
           ).astype(np.float32)
    if market is not None:
        out[~market] = -np.inf
    return out


def slow_term(a: Adoption, static: np.ndarray, peer_share: np.ndarray,
              marketing: np.ndarray | None, trust: np.ndarray | None = None) -> np.ndarray:
    """The app's log-hazard terms other than fear (float32): ``static`` + beta_peer *
    peer_share (+ ``marketing`` and the ``trust`` term, per resident, or None). They change
    only when residents join the platform, a department starts marketing or the trust term
    is refreshed, so the model keeps them summed rather than adding arrays every day."""
    x = np.float32(a.beta_peer) * peer_share
    x += static
    if marketing is not None:
        x += marketing
    if trust is not None:
        x += trust
    return x


def log_hazard(a: Adoption, fear: np.ndarray, slow: np.ndarray) -> np.ndarray:
    """Today's app log-hazard per resident (float32); ``slow`` from :func:`slow_term`."""
    x = np.float32(a.beta_fear) * fear
    x += slow
    return x


def advance_clock(hazard: np.ndarray, clock: np.ndarray, log_h: np.ndarray) -> np.ndarray:
    """Add today's hazard exp(log_h) to every clock; return rows that adopt today and
    stop their clocks. ``log_h`` is overwritten. Stopped clocks never adopt again, even when
    an extreme hazard overflowed to inf (checked on today's few adopters only, so the
    day costs no extra pass over all rows)."""
    with np.errstate(over="ignore"):  # an overflow to inf is an adoption today (handled)
        np.exp(log_h, out=log_h)
        hazard += log_h
    new = np.flatnonzero(hazard >= clock)
    new = new[np.isfinite(clock[new])]
    clock[new] = np.inf
    return new
