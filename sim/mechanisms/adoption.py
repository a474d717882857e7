"""Adoption of cameras (by households) and of the app (by residents).

Each adopter has a clock: an Exp(1) threshold drawn once, and a cumulative hazard that
grows each day by

    h = base * exp(beta_fear * (fear - baseline) + beta_peer * peer_share
                   + beta_marketing * marketing - beta_privacy * privacy
                   [- beta_price * price_sens * (price / reference_price - 1)  cameras only])

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

from sim.params import Adoption


def static_term(a: Adoption, fear_ref: float, privacy: np.ndarray) -> np.ndarray:
    """The app's log-hazard terms that never change in a run (float32)."""
    const = np.log(max(a.app_hazard, 1e-300)) - a.beta_fear * fear_ref
    return (np.float32(const) - np.float32(a.beta_privacy) * privacy).astype(np.float32)


def camera_offset(a: Adoption, price: float, price_sens: np.ndarray) -> np.ndarray:
    """Per-household log-hazard of buying a camera minus the app's: base and price."""
    base = np.log(max(a.camera_hazard, 1e-300)) - np.log(max(a.app_hazard, 1e-300))
    return (np.float32(base) - np.float32(a.beta_price * (price / a.reference_price - 1)) * price_sens
            ).astype(np.float32)


def slow_term(a: Adoption, static: np.ndarray, peer_share: np.ndarray,
              marketing: np.ndarray | None) -> np.ndarray:
    """The app's log-hazard terms other than fear (float32): ``static`` + beta_peer *
    peer_share (+ ``marketing``, per resident, or None). They change only when residents
    join the platform or a department starts marketing, so the model keeps them summed
    rather than adding three arrays every day."""
    x = np.float32(a.beta_peer) * peer_share
    x += static
    if marketing is not None:
        x += marketing
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
