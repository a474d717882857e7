"""Bands over replicates, one convention for the analyses (frontier, decomposition).

The band is a confidence interval of the mean over replicates (t distribution), which
narrows as replicates are added; the 10-90% spread of single replicates is kept too, to
show how much one run (one possible city) varies.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

CONFIDENCE = 0.90


def band(v: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """Mean, its t confidence band, and the 10-90% spread of replicates."""
    v = np.asarray(v, float)
    n = len(v)
    mean = float(v.mean())
    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * v.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return {"mean": mean, "low": mean - half, "high": mean + half, "p10": float(np.quantile(v, 0.1)),
            "p90": float(np.quantile(v, 0.9)), "replicates": n}
