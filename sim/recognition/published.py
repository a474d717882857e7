"""Published recognition figures (rows of ``docs/sources.md``) shared by the fit, the presets
and the checks; no model code here, so every recognition module can import it."""

from __future__ import annotations

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



def hispanic_between(values: dict[str, float], sex: str, w: float) -> float:
    """Log-scale interpolation between white (w=0) and Black (w=1) of one sex."""
    return float(values[f"white_{sex}"] ** (1 - w) * values[f"black_{sex}"] ** w)
