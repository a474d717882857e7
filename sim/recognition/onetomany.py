"""One-to-many behaviour implied by a score model, and its published checks (NIST FRVT 1:N, FBI).

Rank-k miss: the mate is missed when at least k impostors outscore it. Given the mate's
logit score ``s``, impostors above it number ~Poisson(sum_c n_c FMR[p, c](s)) (many
independent comparisons, each unlikely), so ``miss_k = E_s[P(Poisson(lambda(s)) >= k)]``,
integrated over the genuine distribution on a fixed grid (deterministic, no Monte Carlo).
FPIR (share of non-mated searches with >= 1 candidate above threshold) is
``1 - prod_c (1 - FMR[p, c])^n_c``: the same identity the search draws from, so a row built
on it reproduces its input and is labelled so.

Example:
    >>> from sim.recognition.scores import ScoreModel
    >>> m = ScoreModel.from_params()
    >>> bool(0 < rank_miss(m, 12_300_000, 1) < 0.1)
    True
"""

from __future__ import annotations

import numpy as np
from scipy import optimize, special, stats

from sim.core.groups import GROUP_KEYS
from sim.recognition.params import CalibrationInputs, RecognitionParams
from sim.recognition.scores import ScoreModel

NIST_GALLERY = 12_300_000          # people in the FRVT 2018 1:N gallery (NISTIR 8238)
LEADING_MISS = 0.002               # "< 0.2% of searches miss the mate" (most accurate, 2018)
LEADING_MISS_AIM = 0.0015          # what fit_leading aims at inside that bound
WORST_TO_GEOMEAN = (6.0, 300.0)    # worst group FMR / geometric mean over groups, by algorithm (FRVT Part 8)
FBI_GALLERY = 30_000_000           # NGI-IPS criminal photos (GAO-16-267)
FBI_HIT_50 = 0.86                  # mate found in the 50-candidate list (FBI acceptance test)
_Z = np.linspace(-8.0, 8.0, 801)   # genuine-score grid (standard units)
_W = stats.norm.pdf(_Z) / stats.norm.pdf(_Z).sum()


def make_up(cal: CalibrationInputs) -> np.ndarray:
    """(G,) gallery shares by group: the arrest-photo make-up (our assumption for NIST's and FBI's galleries)."""
    return np.array([cal.gallery_shares[k] for k in GROUP_KEYS])


def rank_miss(model: ScoreModel, gallery: float, k: int, shares: np.ndarray | None = None,
              gen_drop: float = 0.0, imp_rise: float = 0.0) -> float:
    """Chance the mate is not among the top ``k``, averaged over probes of the gallery's make-up.

    Args:
        model: score model.
        gallery: gallery size (people).
        k: candidate-list length (1: rank-1 miss, NIST's investigative FNIR).
        shares: (G,) gallery and probe make-up (the arrest make-up when None).
        gen_drop, imp_rise: probe-quality shifts of genuine and impostor means.
    """
    sh = make_up(CalibrationInputs()) if shares is None else np.asarray(shares, float)
    out = 0.0
    for p in np.flatnonzero(sh > 0):
        s = model.gen_mean[p] - gen_drop + model.gen_sd * _Z
        lam = special.ndtr((model.imp_mean[p][None, :] + imp_rise - s[:, None]) / model.imp_sd) @ (sh * gallery)
        out += float(sh[p] * (_W @ special.pdtrc(k - 1, lam)))
    return out


def fpir(model: ScoreModel, threshold: float, gallery: float, shares: np.ndarray | None = None) -> float:
    """Share of non-mated searches with >= 1 candidate at or above ``threshold`` (probes of the gallery's make-up)."""
    sh = make_up(CalibrationInputs()) if shares is None else np.asarray(shares, float)
    return float(sh @ model.p_any_false(threshold, sh * gallery))


def worst_to_geomean(model: ScoreModel, params: RecognitionParams) -> float:
    """Worst group's same-group FMR over the geometric mean of all groups', at NIST's operating point."""
    t = model.threshold_at_fmr(params.calibration.nist_fmr, GROUP_KEYS.index("white_m"))
    f = np.diag(model.fmr(t))
    return float(f.max() / np.exp(np.log(f).mean()))


def fit_leading_differential(params: RecognitionParams | None = None) -> float:
    """``presets.leading_differential`` putting nist_leading at the low end of FRVT Part 8's spread (6x)."""
    params = (params or RecognitionParams()).model_copy(update={"algorithm": "nist_leading"})

    def gap(gamma: float) -> float:
        p = params.model_copy(update={"presets": params.presets.model_copy(update={"leading_differential": gamma})})
        return np.log(worst_to_geomean(ScoreModel.from_params(p), p)) - np.log(WORST_TO_GEOMEAN[0])

    return round(float(optimize.brentq(gap, 0.01, 1.0, xtol=1e-6)), 4)


def fit_leading(params: RecognitionParams | None = None, aim: float = LEADING_MISS_AIM) -> float:
    """``presets.leading_genuine_shift`` giving rank-1 miss ``aim`` at NIST's 12.3M gallery (bisection)."""
    params = (params or RecognitionParams()).model_copy(update={"algorithm": "nist_leading"})

    def gap(shift: float) -> float:
        p = params.model_copy(update={"presets": params.presets.model_copy(update={"leading_genuine_shift": shift})})
        return np.log(rank_miss(ScoreModel.from_params(p), NIST_GALLERY, 1)) - np.log(aim)

    return round(float(optimize.brentq(gap, 0.0, 15.0, xtol=1e-6)), 4)


if __name__ == "__main__":
    gamma = fit_leading_differential()
    p = RecognitionParams()
    p = p.model_copy(update={"presets": p.presets.model_copy(update={"leading_differential": gamma})})
    print(f"leading_differential = {gamma}\nleading_genuine_shift = {fit_leading(p)}")

