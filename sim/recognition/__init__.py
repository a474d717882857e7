"""Face recognition: per-group score distributions, one-to-many search, calibration.

Modules: :mod:`.params` (parameters and fit inputs), :mod:`.scores` (score distributions,
FMR/FNMR), :mod:`.search` (vectorised gallery search), :mod:`.fit` (offline scipy fit),
:mod:`.targets` (published targets and checks).

Example:
    >>> from sim.recognition import search_test
    >>> out = search_test({"white_m": 359, "black_f": 20}, {"white_m": 9_100}, 0.8, rng=0)
    >>> set(out) == {"white_m", "black_f"}
    True
"""

from sim.recognition.params import CalibrationInputs, RecognitionParams
from sim.recognition.scores import ScoreModel, default_model, fmr, fnmr
from sim.recognition.search import SearchResult, search, search_test
from sim.recognition.targets import TargetCheck, recognition_targets

__all__ = [
    "CalibrationInputs", "RecognitionParams", "ScoreModel", "SearchResult", "TargetCheck",
    "default_model", "fit", "fmr", "fnmr", "recognition_targets", "search", "search_test",
]


def fit(params: RecognitionParams | None = None) -> RecognitionParams:
    """Re-fit the score parameters (see :func:`sim.recognition.fit.fit`); imported lazily."""
    from sim.recognition.fit import fit as _fit  # scipy.optimize only when fitting

    return _fit(params)
