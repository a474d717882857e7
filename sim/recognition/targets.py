"""Published targets for the recognition model and the check that the model meets them.

The figures are rows of ``docs/sources.md``. Model values are analytic
expectations (no Monte Carlo noise), so a check passes or fails deterministically.

Example:
    >>> all(c.passed for c in recognition_targets())
    True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.groups import GROUP_KEYS
from sim.recognition.params import CalibrationInputs, RecognitionParams
from sim.recognition.scores import ScoreModel

NIST = "NISTIR 8280 Annex 15 via MdTF (derived), 126 algorithms, mugshots"
ACLU = "ACLU, 26 Jul 2018"
AWS = "AWS statements, Jul 2018"

# Median FMR ratio vs white men at the NIST operating point: (median, 10th pct, 90th pct).
FMR_RATIO: dict[str, tuple[float, float, float]] = {
    "white_f": (1.0, 1.0, 2.5), "black_f": (7.9, 4.0, 20.0), "black_m": (1.0, 1.0, 7.9),
    "asian_f": (5.0, 2.0, 12.6), "asian_m": (1.0, 1.0, 4.0),
    "native_f": (50.0, 10.0, 63.0), "native_m": (12.6, 2.0, 20.0),
}
# Median FNMR at the same operating point.
FNMR: dict[str, float] = {
    "white_m": 0.012, "black_m": 0.0054, "black_f": 0.010, "white_f": 0.017,
    "asian_f": 0.031, "native_f": 0.043, "asian_m": 0.012, "native_m": 0.028,
}
FNMR_REL_TOL = 0.30  # accepted relative error on each FNMR (our tolerance, not published)

CONGRESS_MATCHED = 28.0  # members falsely matched at 0.80
CONGRESS_MATCHED_BAND = (20.0, 36.0)  # our tolerance on the expectation
POC_SHARE = 0.40  # share of people of colour among the 28 (11 of 28 inferred)
POC_SHARE_BAND = (0.30, 0.50)
RERUN_MAX = 1.0  # "no misidentification": expected false matches well below one

POC = np.array([not k.startswith("white_") for k in GROUP_KEYS])


@dataclass(frozen=True)
class TargetCheck:
    """One calibration target: published value, model value and whether it is in band."""

    name: str
    source: str
    target: float
    model: float
    tolerance: tuple[float, float]
    passed: bool

    @classmethod
    def of(cls, name: str, source: str, target: float, model: float, band: tuple[float, float]) -> TargetCheck:
        """A check whose ``passed`` is ``band[0] <= model <= band[1]``."""
        lo, hi = band
        return cls(name, source, target, float(model), (lo, hi), bool(lo <= model <= hi))


def _counts(shares: dict[str, float], total: int) -> np.ndarray:
    return np.array([shares[k] for k in GROUP_KEYS]) * total


def congress_matched(model: ScoreModel, cal: CalibrationInputs,
                     threshold: float) -> np.ndarray:
    """Expected members falsely matched (>= 1 false candidate), by group: shape (G,)."""
    gallery = _counts(cal.gallery_shares, cal.gallery_size)
    return _counts(cal.congress_shares, cal.congress_size) * model.p_any_false(threshold, gallery)


def rerun_false_matches(model: ScoreModel, cal: CalibrationInputs) -> float:
    """Expected false matches, Congress vs the vendor's 850,000 faces at 0.99.

    The re-run gallery's make-up was not published; we assume the arrest-photo make-up.
    """
    probes = _counts(cal.congress_shares, cal.congress_size)
    gallery = _counts(cal.gallery_shares, cal.rerun_gallery_size)
    return float(probes @ model.fmr(cal.rerun_threshold) @ gallery)


def nist_rates(model: ScoreModel, cal: CalibrationInputs) -> tuple[float, np.ndarray, np.ndarray]:
    """NIST operating point and the model's same-group FMR ratios and FNMRs there.

    Returns:
        (threshold where white-male FMR = ``cal.nist_fmr``, (G,) FMR ratio vs white men,
        (G,) FNMR).
    """
    wm = GROUP_KEYS.index("white_m")
    t = model.threshold_at_fmr(cal.nist_fmr, wm)
    same = np.diag(model.fmr(t))
    return t, same / same[wm], model.fnmr(t)


def hispanic_between(values: dict[str, float], sex: str, w: float) -> float:
    """Log-scale interpolation between white (w=0) and Black (w=1) of one sex."""
    return float(values[f"white_{sex}"] ** (1 - w) * values[f"black_{sex}"] ** w)


_check = TargetCheck.of


def recognition_targets(params: RecognitionParams | None = None,
                        seed: int = 0) -> list[TargetCheck]:
    """Check the score model against every published recognition target.

    Args:
        params: recognition parameters (stored defaults when None).
        seed: unused (all model values are analytic expectations); kept so every
            calibration check has the same signature.

    Returns:
        One :class:`TargetCheck` per target, in table order.
    """
    del seed
    params = params or RecognitionParams()
    cal = params.calibration
    model = ScoreModel.from_params(params)
    matched = congress_matched(model, cal, params.threshold)
    out = [
        _check("Congress members falsely matched at 0.80 (expected)", ACLU,
               CONGRESS_MATCHED, matched.sum(), CONGRESS_MATCHED_BAND),
        _check("people-of-colour share of Congress false matches", ACLU,
               POC_SHARE, matched[POC].sum() / matched.sum(), POC_SHARE_BAND),
        _check("expected false matches, Congress vs 850,000 faces at 0.99", AWS,
               0.0, rerun_false_matches(model, cal), (0.0, RERUN_MAX)),
    ]
    _, ratio, miss = nist_rates(model, cal)
    ratio_by, miss_by = dict(zip(GROUP_KEYS, ratio)), dict(zip(GROUP_KEYS, miss))
    for k, (med, lo, hi) in FMR_RATIO.items():
        out.append(_check(f"FMR ratio vs white men at NIST point: {k}", NIST, med,
                          ratio_by[k], (lo, hi)))
    w = cal.hispanic_position
    bands = dict(FMR_RATIO, white_m=(1.0, 1.0, 1.0))  # the reference group, by definition
    med = {k: v[0] for k, v in bands.items()}
    for sex in ("f", "m"):  # assumption: between white and Black bands of the same sex
        lo = min(bands[f"white_{sex}"][1], bands[f"black_{sex}"][1])
        hi = max(bands[f"white_{sex}"][2], bands[f"black_{sex}"][2])
        out.append(_check(f"FMR ratio vs white men at NIST point: hispanic_{sex}",
                          "assumption: between white and Black", hispanic_between(med, sex, w),
                          ratio_by[f"hispanic_{sex}"], (lo, hi)))
    for k, fnmr in FNMR.items():
        out.append(_check(f"FNMR at NIST point: {k}", NIST, fnmr, miss_by[k],
                          (fnmr * (1 - FNMR_REL_TOL), fnmr * (1 + FNMR_REL_TOL))))
    for sex in ("f", "m"):
        pair = (FNMR[f"white_{sex}"], FNMR[f"black_{sex}"])
        out.append(_check(f"FNMR at NIST point: hispanic_{sex}",
                          "assumption: between white and Black", hispanic_between(FNMR, sex, w),
                          miss_by[f"hispanic_{sex}"],
                          (min(pair) * (1 - FNMR_REL_TOL), max(pair) * (1 + FNMR_REL_TOL))))
    return out
