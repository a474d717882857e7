"""Where an offence happens, which cameras saw it, and footage requests to the owners around it.

An offence happens at a spot in its neighbourhood's row of households (:attr:`Offences.spot`).
The ``view`` households from the spot on (``coverage.kappa``, rounded) overlook it: it is
captured when one of them has a camera (:func:`in_view`). A partnered department asks the
camera owners in the ``households_near`` households around the spot (the portal's 0.5-mile
radius), which include those in view. Without a warrant an owner decides: one who does not
know they can refuse usually complies; one who knows complies less, more so when afraid.
Under a warrant the footage comes through the vendor's legal process. Only footage from an
owner in view shows the offence; the rest is handed over all the same (privacy exposure,
emotion screening) but is no evidence.
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
    grant: np.ndarray     # (k, households_near) each owner's decision


def draw(n_offences: int, p: Params, rng: np.random.Generator) -> RequestDraws:
    k = p.requests.households_near
    return RequestDraws(rng.random(n_offences), rng.random(n_offences), rng.random((n_offences, k)))


def view_households(kappa: float) -> int:
    """Households whose camera overlooks an offence's spot (``coverage.kappa``, rounded)."""
    return max(int(round(kappa)), 0)


def _position(spot: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Household position (0..count-1) of each spot within its neighbourhood."""
    return np.minimum((spot * count).astype(np.int64), np.maximum(count - 1, 0))


def in_view(nbh: np.ndarray, spot: np.ndarray, hh_start: np.ndarray, hh_count: np.ndarray,
            camera: np.ndarray, view: int) -> np.ndarray:
    """Does a camera overlook each offence's spot: one of the ``view`` households from the
    spot on (wrapping within the neighbourhood) has a camera."""
    if view == 0 or len(nbh) == 0:
        return np.zeros(len(nbh), bool)
    near, _ = window(nbh, spot, hh_start, hh_count, view, view)  # just the households in view
    return ((near >= 0) & camera[np.maximum(near, 0)]).any(axis=1)


def window(nbh: np.ndarray, spot: np.ndarray, hh_start: np.ndarray, hh_count: np.ndarray, k: int,
           view: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` households around each spot (centred on the ``view`` households that overlook
    it; -1 past a small neighbourhood's end) and which of them overlook it."""
    count = np.maximum(hh_count[nbh], 1)
    lead = max((k - view) // 2, 0)
    j = np.arange(k)[None, :]
    offset = (_position(spot, count)[:, None] - lead + j) % count[:, None]
    near = np.where(j < count[:, None], hh_start[nbh][:, None] + offset, -1)
    return near, (near >= 0) & ((j - lead) % count[:, None] < view)


@dataclass
class Requests:
    warrantless: int = 0
    warranted: int = 0
    granted: int = 0
    granted_households: np.ndarray | None = None  # household rows that handed over footage
    asked_households: np.ndarray | None = None    # household rows asked without a warrant (trust loop)
    offences: np.ndarray | None = None  # positions (in the offences passed) with footage of the offence obtained


def request_footage(p_request: np.ndarray, nbh: np.ndarray, spot: np.ndarray, d: RequestDraws, hh_start: np.ndarray,
                    hh_count: np.ndarray, camera: np.ndarray, aware: np.ndarray, fear: np.ndarray,
                    hh_head: np.ndarray, p: Params, warrant: bool, in_app: bool, informed: bool,
                    grant_factor: Callable[[np.ndarray], np.ndarray] | None = None) -> Requests:
    """Requests for a set of offences (one department's, today).

    Args:
        p_request: chance the department asks, per offence (0 where it may not).
        nbh, spot: neighbourhood and spot (:attr:`Offences.spot`) of each offence.
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
    near, overlooks = window(nbh[ask], spot[ask], hh_start, hh_count, r.households_near,
                             view_households(p.coverage.kappa))
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
        offences=np.flatnonzero(ask)[(granted & overlooks).any(axis=1)],
        asked_households=np.empty(0, np.int64) if warranted else near[owner],
    )
