"""Algorithm presets and probe quality: the score model actually used for a search.

``vendor_2018`` is the stored fit (:mod:`sim.recognition.fit`): Rekognition-like, fitted to the
ACLU 2018 Congress test, which needs differentials in the upper range of NIST's spread.
``nist_median`` puts every group at NISTIR 8280's median FMR ratio and FNMR; ``nist_leading``
shrinks those differentials (``presets.leading_differential``) and raises every genuine
mean (``presets.leading_genuine_shift``, fitted to NIST's 2018 rank-1 miss at 12M). All
three share the vendor's similarity scale at NIST's operating point (white-male FMR = 1e-5
at the same similarity), so a threshold means the same white-male FMR in each; impostor
spreads and cross-group offsets are the declared ones of :class:`RecognitionParams`.

Probe quality shifts scores per probe: genuine means fall and impostor means rise by the
declared amounts of ``recognition.quality`` (a low-quality face is harder to confirm and
resembles more strangers).

Example:
    >>> p = RecognitionParams(algorithm="nist_median")
    >>> round(preset(p).impostor_mean["black_m"] - preset(p).impostor_mean["white_m"], 3)
    0.0
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.core.groups import GROUP_KEYS
from sim.recognition.params import QUALITIES, RecognitionParams
from sim.recognition.published import FMR_RATIO, FNMR, hispanic_between

DIGITS = 4


def nist_logit(params: RecognitionParams) -> float:
    """Logit similarity of NIST's operating point under the vendor fit (white-male FMR = nist_fmr)."""
    return float(params.impostor_mean["white_m"] + params.impostor_sd * stats.norm.isf(params.calibration.nist_fmr))


def _median_ratios(w: float) -> dict[str, float]:
    med = {k: v[0] for k, v in FMR_RATIO.items()} | {"white_m": 1.0}
    return med | {f"hispanic_{s}": hispanic_between(med, s, w) for s in ("f", "m")}


def _median_fnmr(w: float) -> dict[str, float]:
    return FNMR | {f"hispanic_{s}": hispanic_between(FNMR, s, w) for s in ("f", "m")}


def preset(params: RecognitionParams) -> RecognitionParams:
    """``params`` with the per-group means of its ``algorithm`` preset (unchanged for vendor_2018)."""
    if params.algorithm == "vendor_2018":
        return params
    pr, cal = params.presets, params.calibration
    L, sd, gsd = nist_logit(params), params.impostor_sd, params.genuine_sd
    gamma, spread, shift = ((1.0, 1.0, 0.0) if params.algorithm == "nist_median" else
                            (pr.leading_differential, pr.leading_fnmr_spread, pr.leading_genuine_shift))
    ratio = _median_ratios(cal.hispanic_position)
    a = {k: L - sd * stats.norm.isf(ratio[k] ** gamma * cal.nist_fmr) for k in GROUP_KEYS}
    miss = _median_fnmr(cal.hispanic_position)
    b = {k: L - gsd * stats.norm.ppf(miss[k]) for k in GROUP_KEYS}
    b = {k: b["white_m"] + spread * (v - b["white_m"]) + shift for k, v in b.items()}
    return params.model_copy(update={"impostor_mean": {k: round(float(v), DIGITS) for k, v in a.items()},
                                     "genuine_mean": {k: round(float(v), DIGITS) for k, v in b.items()}})


def quality_shifts(params: RecognitionParams) -> tuple[np.ndarray, np.ndarray]:
    """(Q,) impostor rise and (Q,) genuine drop by probe quality, in the order of ``QUALITIES``."""
    q = params.quality
    return (np.array([q.impostor_rise[k] for k in QUALITIES]), np.array([q.genuine_drop[k] for k in QUALITIES]))


def quality_index(quality: str) -> int:
    """Index of a probe quality name; ValueError naming the allowed ones."""
    if quality not in QUALITIES:
        raise ValueError(f"quality = {quality!r} is not a probe quality; allowed: {', '.join(QUALITIES)}")
    return QUALITIES.index(quality)
