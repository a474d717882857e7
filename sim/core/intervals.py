"""Confidence intervals over replicates and the verdicts a reader is shown.

Replicates are independent (seeds spawned from one run seed), and replicate r of a reform and
of its baseline share a seed, so a reform's effect is estimated by the mean of the paired
differences with a Student t interval (the differences of common-random-number pairs are
independent across r). A rate ratio between two groups is the ratio of their pooled rates (events
summed over replicates, per resident), never a mean, median or maximum of per-replicate ratios:
those are undefined whenever the reference group has no event in a replicate and are biased
upwards when events are few. Its interval comes from the delta method on the log ratio of the
two groups' mean counts, counts paired by replicate (Rice 2007, Mathematical Statistics and
Data Analysis, 3rd ed., section 4.6).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

LEVEL = 0.95              # two-sided confidence level of every reported interval
MIN_EVENTS = 30           # a group rate ratio is shown only if both groups have this many events (pooled)
NO_DIFFERENCE = "no detectable difference"
TOO_FEW = "too few events"


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided ``LEVEL`` confidence interval over ``n`` replicates."""

    estimate: float
    low: float
    high: float
    n: int

    @property
    def relative_halfwidth(self) -> float:
        """Larger distance from the estimate to a bound, divided by |estimate| (inf at 0)."""
        half = max(self.high - self.estimate, self.estimate - self.low)
        return half / abs(self.estimate) if self.estimate else math.inf

    def excludes(self, value: float) -> bool:
        return bool(self.low > value or self.high < value)


def t_interval(x: np.ndarray, level: float = LEVEL) -> Interval:
    """Mean of ``x`` with a Student t interval (NaN bounds with fewer than 2 values; a
    constant sample has a zero-width interval)."""
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n)


def ratio_interval(a: np.ndarray, b: np.ndarray, scale: float = 1.0, level: float = LEVEL) -> Interval:
    """``scale * mean(a) / mean(b)`` (e.g. a ratio of per-capita rates, ``scale`` = size of
    b's group / size of a's) with a delta-method t interval on the log scale; ``a`` and ``b``
    are per-replicate counts of the same replicates. NaN when either group has no event."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = len(a)
    ma, mb = a.mean() if n else 0.0, b.mean() if n else 0.0
    if n == 0 or ma <= 0 or mb <= 0:
        return Interval(math.nan, math.nan, math.nan, n)
    r = scale * ma / mb
    if n < 2:
        return Interval(float(r), math.nan, math.nan, n)
    cov = np.cov(a, b, ddof=1)
    var_log = (cov[0, 0] / ma**2 + cov[1, 1] / mb**2 - 2 * cov[0, 1] / (ma * mb)) / n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * math.sqrt(max(var_log, 0.0)))
    return Interval(float(r), float(r * math.exp(-half)), float(r * math.exp(half)), n)


def difference_verdict(iv: Interval) -> str:
    """What a paired difference's interval says: its direction, or no detectable difference."""
    if not np.isfinite(iv.low):
        return "too few replicates"
    if iv.excludes(0.0):
        return "increase" if iv.estimate > 0 else "decrease"
    return NO_DIFFERENCE


def precise_enough(iv: Interval, precision: float) -> bool:
    """Relative-precision stopping criterion (Law 2015, Simulation Modeling and Analysis, 5th
    ed., section 9.4.1): the interval's half-width is at most ``precision / (1 + precision)``
    of |estimate|, which bounds the estimate's relative error by ``precision`` with
    probability about ``LEVEL``."""
    return bool(np.isfinite(iv.low) and iv.relative_halfwidth <= precision / (1 + precision))
