"""Footage requests: a partnered department asks camera owners near an offence for video.

Owners are the camera households in a window of ``households_near`` neighbouring
households (the portal's 0.5-mile radius). Without a warrant an owner decides: one who
does not know they can refuse usually complies; one who knows complies less, more so when
afraid. Under a warrant the footage comes through the vendor's legal process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.params import Params


@dataclass
class RequestDraws:
    """Per-offence random numbers, drawn for every offence so scenarios stay paired."""

    request: np.ndarray   # (k,) does the department ask
    cause: np.ndarray     # (k,) is there probable cause for a warrant
    window: np.ndarray    # (k,) where the window of nearby households starts
    grant: np.ndarray     # (k, households_near) each owner's decision


def draw(n_offences: int, p: Params, rng: np.random.Generator) -> RequestDraws:
    k = p.requests.households_near
    return RequestDraws(rng.random(n_offences), rng.random(n_offences), rng.random(n_offences),
                        rng.random((n_offences, k)))


@dataclass
class Requests:
    warrantless: int = 0
    warranted: int = 0
    granted: int = 0
    granted_households: np.ndarray | None = None  # household rows that handed over footage
    asked_households: np.ndarray | None = None    # household rows asked without a warrant (trust loop)
    offences: np.ndarray | None = None  # positions (in the offences passed) with footage obtained


def request_footage(p_request: np.ndarray, nbh: np.ndarray, d: RequestDraws, hh_start: np.ndarray,
                    hh_count: np.ndarray, camera: np.ndarray, aware: np.ndarray, fear: np.ndarray,
                    hh_head: np.ndarray, p: Params, warrant: bool, in_app: bool, informed: bool,
                    grant_factor: Callable[[np.ndarray], np.ndarray] | None = None) -> Requests:
    """Requests for a set of offences (one department's, today).

    Args:
        p_request: chance the department asks, per offence (0 where it may not).
        nbh: neighbourhood of each offence.
        fear, hh_head: residents' fear and each household's decision maker.
        warrant, in_app, informed: the department's rules (see :class:`sim.policy.law.Law`).
        grant_factor: multiplier of a voluntary grant's chance for given residents (the
            household heads asked), from their trust; None: no trust loop. Grants under a
            warrant are legal process and do not depend on it.
    """
    r = p.requests
    ask = d.request < p_request
    warranted = bool(warrant)
    if warranted:
        ask &= d.cause < r.probable_cause
    elif not in_app:
        ask[:] = False
    if not ask.any():
        return Requests(granted_households=np.empty(0, np.int64), offences=np.empty(0, np.int64),
                        asked_households=np.empty(0, np.int64))
    k = r.households_near
    count = hh_count[nbh[ask]]
    start = (d.window[ask] * count).astype(np.int64)
    offset = (start[:, None] + np.arange(k)[None, :]) % count[:, None]
    near = np.where(np.arange(k)[None, :] < count[:, None], hh_start[nbh[ask]][:, None] + offset, -1)
    owner = (near >= 0) & camera[np.maximum(near, 0)]
    if warranted:
        p_grant = np.full(owner.shape, r.warrant_compliance)
    else:
        hh = np.maximum(near, 0)
        fear_up = np.maximum(fear[hh_head[hh]] - p.fear.baseline, 0)
        knows = aware[hh] | bool(informed)  # informed consent: every owner is told they may refuse
        p_grant = np.where(knows, np.clip(r.grant_aware + r.grant_fear_slope * fear_up, 0, 1), r.grant_unaware)
        if grant_factor is not None:
            p_grant = np.clip(p_grant * grant_factor(hh_head[hh]), 0, 1)
    granted = owner & (d.grant[ask] < p_grant)
    n_asked = int(owner.sum())
    return Requests(
        warrantless=0 if warranted else n_asked, warranted=n_asked if warranted else 0,
        granted=int(granted.sum()), granted_households=near[granted],
        offences=np.flatnonzero(ask)[granted.any(axis=1)],
        asked_households=np.empty(0, np.int64) if warranted else near[owner],
    )
