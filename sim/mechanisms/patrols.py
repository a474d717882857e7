"""Discretionary policing: where patrols go, and what their presence finds.

A department allocates patrol presence by a rule over its neighbourhoods: in proportion to
recorded incidents per resident raised to ``patrol.hotspot_focus`` (hot-spot policing puts
more than a proportional share where most was recorded), times a declared preference for
neighbourhoods of over-policed categories (``patrol.over_policing``). Presence is per
resident, population-weighted mean 1. It acts twice: it discovers offences nobody reported
(more of the low-level ones), and it makes discretionary stops, a share of which end in
arrests. Discovered offences are recorded incidents, so with the attention loop on the
allocation feeds on what presence itself found (Ensign et al. 2018; Lum & Isaac 2016).
Clearance of recorded offences does not depend on presence.
"""

from __future__ import annotations

import numpy as np

from sim.core.offences import OFFENCES, PETTY_THEFT
from sim.params import Params


def presence(attention: np.ndarray, over_policed_share: np.ndarray, population: np.ndarray,
             p: Params) -> np.ndarray:
    """Patrol presence per resident of each neighbourhood (population-weighted mean 1).

    Args:
        attention: recorded incidents per resident the department acts on (moving average).
        over_policed_share: share of each neighbourhood's residents in over-policed categories.
    """
    if p.neutral.attention:
        return np.ones(len(attention))
    pop = np.maximum(population, 0)
    mean_att = max(float(attention @ pop / max(pop.sum(), 1)), 1e-300)
    w = (np.maximum(attention, 0) / mean_att) ** p.patrol.hotspot_focus
    w = w * np.exp(p.patrol.over_policing * over_policed_share)
    mean_w = float(w @ pop / max(pop.sum(), 1))
    return w / mean_w if mean_w > 0 else np.ones(len(attention))


def discovery_rates(p: Params) -> np.ndarray:
    """Discovery rate of an unreported offence at mean presence, by type (low-level highest)."""
    out = np.full(len(OFFENCES), p.patrol.discovery_serious)
    out[PETTY_THEFT] = p.patrol.discovery
    return out


def discovery(presence_nbh: np.ndarray, p: Params) -> np.ndarray:
    """(types, m) chance police presence discovers an unreported offence: 1 - exp(-rate x presence)."""
    return -np.expm1(-discovery_rates(p)[:, None] * presence_nbh[None, :])


def stops(presence_nbh: np.ndarray, population: np.ndarray, p: Params, rng: np.random.Generator) -> np.ndarray:
    """Discretionary stops per neighbourhood today: Poisson total, multinomial by presence x residents."""
    n_stops = rng.poisson(p.patrol.stops_per_1k * population.sum() / 1000)
    w = presence_nbh * population
    if w.sum() <= 0:
        return np.zeros(len(w), np.int64)
    return rng.multinomial(n_stops, w / w.sum())
