"""Offline fit of the score distributions to the published targets (scipy.optimize).

What is fitted and why:

* Impostor means. Free: the white-male mean ``a_wm`` (sets the absolute level, hence the
  Congress count at 0.80) and the log FMR ratio vs white men of the seven groups NIST
  reports, each bounded to its published 10-90% band. Hispanic ratios are tied to white
  and Black (``hispanic_position``). Given these, each mean follows in closed form:
  ``a_g = L - sd * isf(ratio_g * 1e-5)`` with ``L`` the NIST operating point. Residuals:
  the ACLU Congress count (weighted heavily: it alone sets the level), the people-of-colour
  share in units of its binomial standard error (11 of 28 is one draw), and each ratio's
  distance from its NIST median in units of its band width (a soft pull; the medians are
  lower bounds anyway, since NIST floored FMRs at 1e-5). With NIST medians the
  people-of-colour share would be only ~15%: Black men have a median ratio of 1.0 and
  most Black members of Congress are men. The fit therefore moves ratios inside their
  bands, chiefly Black men and women towards the top of theirs: the ACLU result suggests
  Rekognition 2018 sat in the upper range of NIST's spread of algorithms.
* Genuine means: closed form from the NIST FNMRs at the same operating point,
  ``b_g = L - genuine_sd * ndtri(FNMR_g)``.
* Spreads and cross-group offsets are declared assumptions, not fitted: the published
  figures give each rate at a single threshold, which cannot identify a spread.

Run ``python -m sim.recognition.fit`` to print the fitted values for ``params.py``.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from sim.core.groups import GROUP_KEYS
from sim.recognition.params import RecognitionParams
from sim.recognition.scores import ScoreModel, impostor_matrix
from sim.recognition.targets import (
    CONGRESS_MATCHED, CONGRESS_MATCHED_BAND, FMR_RATIO, FNMR, POC, POC_SHARE,
    congress_matched, hispanic_between,
)

FREE = tuple(FMR_RATIO)  # groups whose FMR ratio is free within its NIST band
COUNT_WEIGHT = 10.0  # nothing else sets the absolute level: hit the ACLU count closely
# 11 of 28 is one binomial draw: weigh the share by its standard error, not as exact.
POC_SE = float(np.sqrt(POC_SHARE * (1 - POC_SHARE) / CONGRESS_MATCHED))
MARGIN = 0.01  # keep fitted log ratios this far inside their bands (checks are inclusive)
DIGITS = 4  # stored precision (logit units)


def _log_ratios(x: np.ndarray, w: float) -> dict[str, float]:
    """All ten log FMR ratios vs white men from the free ones."""
    lr = dict(zip(FREE, x), white_m=0.0)
    for sex in ("f", "m"):
        lr[f"hispanic_{sex}"] = (1 - w) * lr[f"white_{sex}"] + w * lr[f"black_{sex}"]
    return lr


def _means(x: np.ndarray, params: RecognitionParams) -> tuple[np.ndarray, float]:
    """Same-group impostor means (G,) and the NIST logit threshold from fit variables."""
    a_wm, lr = x[0], _log_ratios(x[1:], params.calibration.hispanic_position)
    sd, f0 = params.impostor_sd, params.calibration.nist_fmr
    nist = a_wm + sd * stats.norm.isf(f0)
    a = np.array([nist - sd * stats.norm.isf(np.exp(lr[k]) * f0) for k in GROUP_KEYS])
    return a, nist


def _residuals(x: np.ndarray, params: RecognitionParams) -> np.ndarray:
    a, _ = _means(x, params)
    mu = impostor_matrix(a, params.cross_race_offset, params.cross_sex_offset)
    model = ScoreModel(mu, params.impostor_sd, np.zeros(len(a)), params.genuine_sd)
    m = congress_matched(model, params.calibration, params.threshold)
    band = np.log(CONGRESS_MATCHED_BAND[1] / CONGRESS_MATCHED)
    r_count = np.log(m.sum() / CONGRESS_MATCHED) / band
    r_poc = (m[POC].sum() / m.sum() - POC_SHARE) / POC_SE
    # Soft pull to the NIST median, in units of the 10-90% band width (log scale).
    prior = [(xi - np.log(FMR_RATIO[k][0])) / np.log(FMR_RATIO[k][2] / FMR_RATIO[k][1])
             for k, xi in zip(FREE, x[1:])]
    return np.array([COUNT_WEIGHT * r_count, r_poc, *prior])


def fit(params: RecognitionParams | None = None) -> RecognitionParams:
    """Fit impostor and genuine means to the targets, keeping every assumption fixed.

    Args:
        params: starting parameters; their assumptions (spreads, cross-group offsets,
            make-ups, ``hispanic_position``) are kept. Stored defaults when None.

    Returns:
        A copy of ``params`` with fitted ``impostor_mean`` and ``genuine_mean``.
    """
    params = params or RecognitionParams()
    lo = [-np.inf] + [np.log(FMR_RATIO[k][1]) + MARGIN for k in FREE]
    hi = [np.inf] + [np.log(FMR_RATIO[k][2]) - MARGIN for k in FREE]
    # Start: medians, with white-male level placing 0.80 near NIST's operating point.
    x0 = np.array([special.logit(params.threshold) - 4.5 * params.impostor_sd]
                  + [np.clip(np.log(FMR_RATIO[k][0]), lo[i + 1], hi[i + 1])
                     for i, k in enumerate(FREE)])
    sol = optimize.least_squares(_residuals, x0, bounds=(lo, hi), args=(params,),
                                 xtol=1e-12, ftol=1e-12)
    a, nist = _means(sol.x, params)
    w = params.calibration.hispanic_position
    fnmr = dict(FNMR, **{f"hispanic_{s}": hispanic_between(FNMR, s, w) for s in ("f", "m")})
    b = {k: nist - params.genuine_sd * stats.norm.ppf(fnmr[k]) for k in GROUP_KEYS}
    return params.model_copy(update={
        "impostor_mean": {k: round(float(v), DIGITS) for k, v in zip(GROUP_KEYS, a)},
        "genuine_mean": {k: round(float(v), DIGITS) for k, v in b.items()},
    })


def main() -> None:
    """Print the fitted per-group means as literals to paste into ``params.py``."""
    p = fit()
    for name in ("impostor_mean", "genuine_mean"):
        print(f"{name} = {getattr(p, name)}")


if __name__ == "__main__":
    main()
