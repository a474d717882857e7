"""Offenders: who offends, from where, and who already has a record.

* **Propensity.** Each resident has an offending propensity, lognormal with mean 1 and log-sd
  ``offenders.propensity_sigma`` (times ``groups.offending_ratio``, equal by default): a
  few residents commit most offences, and the same people offend again (repeat offending
  follows from a stable propensity).
* **Journey to crime.** An offence in neighbourhood j is committed by a resident of
  neighbourhood k with weight ``exp(-dist(j, k) / offenders.journey_decay)`` times k's total
  propensity; within k, by propensity. The kernel is cut at ``_CUTOFF`` decay lengths (a
  sparse matrix), so large grids stay cheap.
* **History.** At the start, a resident has a booking photo with chance
  ``1 - exp(-years x expected arrests a year)``, where expected arrests come from the same
  processes that make arrests during the run: clearance of their offences and discretionary
  stops where they live. ``years`` is solved so the mean is ``gallery.resident_share``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import brentq
from scipy.spatial import cKDTree

from sim.world.rowsample import RowSampler

_CUTOFF = 4.0  # kernel cut at this many decay lengths (exp(-4) ~ 2% of the weight at distance 0)


def propensity(n: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Offending propensity per resident: lognormal with mean 1."""
    return rng.lognormal(-sigma**2 / 2, sigma, size=n) if sigma > 0 else np.ones(n)


class Journey:
    """Sampler of the offender's home neighbourhood for offences in each neighbourhood."""

    def __init__(self, xy: np.ndarray, mass: np.ndarray, decay: float):
        m = len(xy)
        if decay <= 0:
            k = sp.eye_array(m, format="csr")
        else:
            k = cKDTree(xy).sparse_distance_matrix(cKDTree(xy), _CUTOFF * decay, output_type="coo_matrix").tocsr()
            k.data = np.exp(-k.data / decay)
            k = (k + sp.eye_array(m, format="csr") - sp.diags_array(k.diagonal())).tocsr()  # d = 0 entries
        self.sampler = RowSampler((k @ sp.diags_array(mass)).tocsr())

    def home(self, nbh: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Home neighbourhood of the offender of offences in ``nbh``, from uniforms ``u``."""
        return self.sampler.draw(nbh, u)


def history(offend_w: np.ndarray, offence_arrests: float, stop_arrests: np.ndarray, share: float,
            rng: np.random.Generator) -> np.ndarray:
    """Residents with a booking photo at the start (bool).

    Args:
        offend_w: offending weight per resident (propensity x group ratio).
        offence_arrests: expected arrests a year through clearance, per unit offending weight.
        stop_arrests: expected arrests a year through discretionary stops, per resident.
        share: target share of residents with a photo (``gallery.resident_share``).
    """
    rate = offence_arrests * offend_w + stop_arrests
    if share <= 0 or rate.max() <= 0:
        return np.zeros(len(rate), bool)
    mean = lambda years: float(-np.expm1(-years * rate).mean()) - share  # noqa: E731
    hi = 1.0
    while mean(hi) < 0 and hi < 1e6:
        hi *= 4
    years = brentq(mean, 0.0, hi, xtol=1e-6) if mean(hi) > 0 else hi
    return rng.random(len(rate)) < -np.expm1(-years * rate)
