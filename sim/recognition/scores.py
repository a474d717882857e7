"""Similarity-score model: per-group genuine and impostor score distributions.

A comparison of two face images yields a similarity score in (0, 1). We model
``logit(score)`` as normal (a logit-normal score):

* genuine pairs (same person, probe group g): ``N(genuine_mean[g], genuine_sd)``;
* impostor pairs (probe group p, candidate group c): ``N(mu[p, c], impostor_sd)`` with
  ``mu[p, c] = (a_p + a_c) / 2 - cross_race_offset * [race differs]
  - cross_sex_offset * [sex differs]`` and ``a_g = impostor_mean[g]``.

Why logit-normal rather than Beta: the scale is bounded like vendor similarity scores,
while on the logit scale FMR and FNMR are normal tail probabilities, so they are closed
form, monotone in the threshold and cheap to evaluate for a 10x10 matrix every day; a
threshold maps to one number (``logit(t)``) and a group differential is a shift of the
mean, which is how NIST describes demographic effects. Beta tails would need the
incomplete beta function in every call and couple the mean to the tail shape. Gaussian
tails on the logit scale fall fast, so a 0.99 threshold gives very few false matches, as
the vendor's re-run reported.

Example:
    >>> m = ScoreModel.from_params()
    >>> m.fmr(0.8).shape, m.fnmr(0.8).shape
    ((10, 10), (10,))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special, stats

from sim.core.groups import GROUP_KEYS
from sim.recognition.params import RecognitionParams


def _race_sex(key: str) -> tuple[str, str]:
    race, _, sex = key.rpartition("_")
    return race, sex


def impostor_matrix(a: np.ndarray, cross_race: float, cross_sex: float,
                    groups: tuple[str, ...] = GROUP_KEYS) -> np.ndarray:
    """Mean logit impostor score for each (probe group, candidate group) pair.

    Args:
        a: (G,) same-group impostor means.
        cross_race: logit drop when the two faces differ in race.
        cross_sex: logit drop when the two faces differ in sex.
        groups: group keys ("race_sex"), in the order of ``a``.

    Returns:
        (G, G) symmetric matrix; the diagonal equals ``a``.
    """
    race, sex = zip(*(_race_sex(k) for k in groups))
    race, sex = np.array(race), np.array(sex)
    d_race = race[:, None] != race[None, :]
    d_sex = sex[:, None] != sex[None, :]
    return (a[:, None] + a[None, :]) / 2 - cross_race * d_race - cross_sex * d_sex


@dataclass(frozen=True)
class ScoreModel:
    """Score distributions as arrays indexed by group (order of ``GROUP_KEYS``).

    Attributes:
        imp_mean: (G, G) mean logit impostor score, probe group x candidate group.
        imp_sd: sd of impostor logit scores.
        gen_mean: (G,) mean logit genuine score by group.
        gen_sd: sd of genuine logit scores.
    """

    imp_mean: np.ndarray
    imp_sd: float
    gen_mean: np.ndarray
    gen_sd: float

    @classmethod
    def from_params(cls, params: RecognitionParams | None = None, use_preset: bool = True) -> ScoreModel:
        """Build the arrays once from a parameter node (defaults when None); with
        ``use_preset`` the means of ``params.algorithm``'s preset replace the stored ones
        (pass False for means already taken from the preset and then changed, e.g. audited)."""
        if params is None:
            return default_model()
        if use_preset and params.algorithm != "vendor_2018":
            from sim.recognition.algorithms import preset  # its inputs import this module

            params = preset(params)
        a = np.array([params.impostor_mean[k] for k in GROUP_KEYS])
        b = np.array([params.genuine_mean[k] for k in GROUP_KEYS])
        mu = impostor_matrix(a, params.cross_race_offset, params.cross_sex_offset)
        mu.flags.writeable = b.flags.writeable = False  # shared by every search: keep fixed
        return cls(mu, params.impostor_sd, b, params.genuine_sd)

    def impostor(self, probe: int, candidate: int) -> stats.distributions.rv_frozen:
        """Frozen scipy distribution of logit impostor scores for one pair of groups."""
        return stats.norm(self.imp_mean[probe, candidate], self.imp_sd)

    def genuine(self, group: int) -> stats.distributions.rv_frozen:
        """Frozen scipy distribution of logit genuine scores for one group."""
        return stats.norm(self.gen_mean[group], self.gen_sd)

    def fmr(self, threshold: float | np.ndarray) -> np.ndarray:
        """False match rate per comparison: P(impostor score >= threshold).

        Args:
            threshold: similarity threshold(s) in [0, 1]; an array adds leading axes.

        Returns:
            (..., G, G) array, probe group x candidate group.
        """
        t = special.logit(np.asarray(threshold, dtype=float))[..., None, None]
        return stats.norm.sf(t, self.imp_mean, self.imp_sd)

    def fnmr(self, threshold: float | np.ndarray) -> np.ndarray:
        """False non-match rate: P(genuine score < threshold), shape (..., G)."""
        t = special.logit(np.asarray(threshold, dtype=float))[..., None]
        return stats.norm.cdf(t, self.gen_mean, self.gen_sd)

    def fmr_rows(self, probe_groups: np.ndarray, t: np.ndarray | float) -> np.ndarray:
        """FMR of each probe against each candidate group at logit threshold(s) ``t``.

        Hot path of the search: ``special.ndtr`` avoids scipy.stats call overhead.

        Args:
            probe_groups: (P,) group index of each probe.
            t: scalar or (P,) logit thresholds (-inf gives 1, +inf gives 0).

        Returns:
            (P, G) false match rates.
        """
        t = np.asarray(t, dtype=float)
        t = t[:, None] if t.ndim else t
        return special.ndtr((self.imp_mean[probe_groups] - t) / self.imp_sd)

    def threshold_at_fmr(self, fmr: float, group: int) -> float:
        """Similarity threshold at which same-group FMR of ``group`` equals ``fmr``."""
        t = self.imp_mean[group, group] + self.imp_sd * stats.norm.isf(fmr)
        return float(special.expit(t))

    def p_any_false(self, threshold: float, gallery_counts: np.ndarray) -> np.ndarray:
        """Chance that a non-enrolled probe of each group gets >= 1 false candidate.

        ``1 - prod_c (1 - FMR[p, c]) ** n_c``: grows with gallery size and depends on the
        gallery's make-up through the candidate-group column of FMR.

        Returns:
            (G,) probabilities by probe group.
        """
        log_none = np.log1p(-self.fmr(threshold)) @ np.asarray(gallery_counts, dtype=float)
        return -np.expm1(log_none)


@lru_cache(maxsize=1)
def default_model() -> ScoreModel:
    """Score model with the stored (fitted) defaults, built once per process."""
    return ScoreModel.from_params(RecognitionParams())


def fmr(threshold: float | np.ndarray) -> np.ndarray:
    """(G, G) false match rate of the default model (probe group x candidate group)."""
    return default_model().fmr(threshold)


def fnmr(threshold: float | np.ndarray) -> np.ndarray:
    """(G,) false non-match rate of the default model by group."""
    return default_model().fnmr(threshold)
