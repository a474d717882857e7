"""Fear of crime: posts seen in the app pull fear up; contacts pull it toward theirs; it
relaxes toward each resident's resting level.

    target_i = fear_base_i + post_weight * exposure_i * posts_per_1k[nbh_i]
    fear_i  += decay * (target_i - fear_i) + peer_weight * (peer_fear_i - fear_i)

exposure_i is 1 for app users and ``media_weight`` for others (posts spread by word of
mouth). Posts are recorded incidents re-broadcast as vendor alerts, plus camera captures
shared by owners (the fear loop: more cameras, more captures, more posts), both
amplified where police market the product.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from sim.mechanisms.crime import Offences
from sim.params import Params


def crime_posts(off: Offences, m: int, p: Params, app_live: bool, marketing: np.ndarray) -> np.ndarray:
    """Crime posts per neighbourhood today."""
    if not app_live:
        return np.zeros(m)
    if p.loops.fear:
        # The fear loop: cameras add posts twice, as shared captures and as the extra
        # offences that get reported because a camera saw them.
        recorded = np.bincount(off.nbh[off.recorded], minlength=m)
        shared = p.fear.capture_post_share * np.bincount(off.nbh[off.captured], minlength=m)
    else:  # loop cut: posts are what police would have recorded without any camera
        recorded = np.bincount(off.nbh[off.recorded_uncaptured], minlength=m)
        shared = 0
    return (p.vendor.alert_intensity * recorded + shared) * (1 + marketing)


def posts_per_1k(posts: np.ndarray, radius: sp.csr_array, reach: np.ndarray) -> np.ndarray:
    """Posts per day per 1,000 residents within each neighbourhood's alert radius;
    ``reach`` is :func:`alert_reach` (fixed for a run)."""
    return 1000 * (radius @ posts) / reach


def alert_reach(radius: sp.csr_array, population: np.ndarray) -> np.ndarray:
    """Residents within each neighbourhood's alert radius (at least 1)."""
    return np.maximum(radius @ population, 1)


def update_fear(fear: np.ndarray, pull: np.ndarray, exposure: np.ndarray,
                peer_fear: np.ndarray, p: Params) -> None:
    """Advance fear one day in place (float32 arrays), the update above rearranged:

        fear = (1 - decay - peer_weight) * fear + decay * fear_base
               + decay * post_weight * exposure + peer_weight * peer_fear

    ``pull`` is decay * fear_base and ``exposure`` already carries decay * post_weight;
    ``exposure`` and ``peer_fear`` are overwritten. Every term is >= 0, so only the upper
    bound needs clipping.
    """
    f = p.fear
    exposure += pull
    peer_fear *= np.float32(f.peer_weight)
    exposure += peer_fear
    fear *= np.float32(1 - f.decay - f.peer_weight)
    fear += exposure
    np.minimum(fear, 1, out=fear)
