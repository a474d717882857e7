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

from sim.core.compiled import compiled
from sim.mechanisms.crime import Offences
from sim.params import Params
from sim.world.city import City
from sim.world.network import SortedContacts


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


class FearUpdate:
    """``FearUpdate(adjacency, city, fear_base, p)(fear, out, posts_1k, app)`` writes
    tomorrow's fear to ``out`` (float32; ``fear`` is left as it is, since every contact must
    read today's value), the update above rearranged:

        out = min(1, (1 - decay - peer_weight) * fear
                     + (posts_1k[nbh] * weight + pull + peer_weight * peer_fear))

    with weight = decay * post_weight * (1 for app users, else media_weight), pull = decay *
    fear_base and peer_fear the mean of ``fear`` over contacts. It also leaves tomorrow's
    sums of fear by group in ``by_group`` (float64) for the recorder.

    One compiled pass over the degree-sorted rows (:class:`sim.world.network.SortedContacts`)
    does the contact mean, the update and the sums together, in float32 in the order written,
    so the fear equals the numpy expression bit for bit (tests/test_fear.py). Every term is
    >= 0, so only the upper bound needs clipping.
    """

    def __init__(self, adjacency: sp.csr_array, city: City, fear_base: np.ndarray, p: Params):
        f = p.fear
        self.contacts = SortedContacts(adjacency, city.nbh, city.n_neighbourhoods)
        self.row_group = city.group[self.contacts.resident].astype(np.uint16)  # group of each sorted row
        self.pull = (f.decay * fear_base).astype(np.float32)
        self.weights = np.float32(f.post_weight * f.decay), np.float32(f.media_weight * f.post_weight * f.decay)
        self.peer, self.keep = np.float32(f.peer_weight), np.float32(1 - f.decay - f.peer_weight)
        self.by_group = np.bincount(city.group, weights=fear_base, minlength=len(p.group_keys))  # day 0's fear

    def __call__(self, fear: np.ndarray, out: np.ndarray, posts_1k: np.ndarray, app: np.ndarray) -> None:
        c = self.contacts
        self.by_group[:] = 0
        _fear_day(c.indptr, c.indices, c.inv_degree, c.resident, c.nbh_start, self.row_group, posts_1k, app,
                  *self.weights, self.pull, self.peer, self.keep, fear, out, self.by_group)


# numba, because this loop is a third of the day at 100,000 residents and numpy cannot fuse
# it: as array operations it is a sparse product, a gather back to resident order, six
# passes and a group sum, each streaming its arrays through the cache again. Types are fixed
# (compiled once, cached on disk: sim.core.compiled); unsigned indices spare numba's
# negative-index checks.
@compiled("void(uint32[::1], uint32[::1], float32[::1], uint32[::1], uint32[::1], uint16[::1], float32[::1], "
          "boolean[::1], float32, float32, float32[::1], float32, float32, float32[::1], float32[::1], float64[::1])")
def _fear_day(indptr, indices, inv_degree, resident, nbh_start, row_group, posts_1k, app, w_app, w_other,
              pull, peer_weight, keep, fear, out, by_group):  # pragma: no cover (compiled)
    one = np.float32(1)
    for k in range(len(nbh_start) - 1):
        posts = posts_1k[k]
        for r in range(nbh_start[k], nbh_start[k + 1]):
            start, end = indptr[r], indptr[r + 1]
            w = inv_degree[end - start]
            peer = np.float32(0)
            for j in range(start, end):
                peer += w * fear[indices[j]]
            i = resident[r]
            e = posts * (w_app if app[i] else w_other)
            e = e + pull[i]
            e = e + peer * peer_weight
            x = min(fear[i] * keep + e, one)
            out[i] = x
            by_group[row_group[r]] += x
