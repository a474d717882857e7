"""Crime: actual offences, which of them cameras capture, and which police learn of.

Rates in TARGETS.md are *recorded* crime; actual crime is recorded / (reporting x
recording). Offenders are drawn from the neighbourhood's residents with equal offending
rates across groups unless ``groups.offending_ratio`` says otherwise (an explicit,
changeable assumption). A camera capture raises the chance an offence is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.params import Crime

PROPERTY, VIOLENT = 0, 1


@dataclass
class Offences:
    """Today's offences, one row each."""

    nbh: np.ndarray
    kind: np.ndarray       # PROPERTY or VIOLENT
    offender: np.ndarray   # resident row
    captured: np.ndarray   # bool, a camera recorded it
    reported: np.ndarray   # bool
    recorded: np.ndarray   # bool
    recorded_uncaptured: np.ndarray  # bool, would be recorded had no camera seen it

    def __len__(self) -> int:
        return len(self.nbh)


def daily_rates(p: Crime, population: np.ndarray, crime_index: np.ndarray) -> np.ndarray:
    """Expected actual offences per day, shape (2, neighbourhoods): property, violent."""
    per_person = np.array([
        p.property_recorded / (p.property_reporting * p.recording),
        p.violent_recorded / (p.violent_reporting * p.recording),
    ]) / 100_000 / 365
    return per_person[:, None] * (population * crime_index)[None, :]


def commit_crime(rates: np.ndarray, coverage: np.ndarray, offend_cum: np.ndarray,
                 res_start: np.ndarray, p: Crime, rng: np.random.Generator) -> Offences:
    """Draw today's offences.

    Args:
        rates: (2, m) expected offences per day without cameras.
        coverage: (m,) camera coverage of each neighbourhood.
        offend_cum: cumulative offending weight over residents (sorted by neighbourhood).
        res_start: first resident row of each neighbourhood.
    """
    # Deterrence thins offences; the Poisson draw itself does not depend on coverage, so
    # scenarios keep the same candidate offences (common random numbers).
    counts = rng.poisson(rates)
    kind = np.repeat(np.tile([PROPERTY, VIOLENT], 1), counts.sum(axis=1))
    nbh = np.concatenate([np.repeat(np.arange(rates.shape[1]), c) for c in counts])
    u = rng.random((4, len(nbh)))  # offender, deterrence, capture, reporting: one each
    kept = u[1] >= p.deterrence * coverage[nbh]
    # Offender: weighted draw inside the neighbourhood's slice of the cumulative weights.
    lo = np.where(res_start[nbh] > 0, offend_cum[np.maximum(res_start[nbh] - 1, 0)], 0.0)
    end = np.append(res_start[1:], len(offend_cum))[nbh]
    hi = offend_cum[end - 1]
    offender = np.searchsorted(offend_cum, lo + u[0] * (hi - lo), side="right")
    offender = np.minimum(offender, end - 1)
    captured = u[2] < coverage[nbh]
    base = np.where(kind == PROPERTY, p.property_reporting, p.violent_reporting)
    p_report = np.where(captured, 1 - (1 - base) * (1 - p.camera_reporting_uplift), base)
    reported = u[3] < p_report
    # Recording: reported offences are recorded with probability p.recording; reuse u[3]
    # scaled into [0, p_report) so no extra draw is needed.
    recorded = reported & (u[3] < p_report * p.recording)
    recorded_uncaptured = u[3] < base * p.recording  # same draw, without the camera uplift
    return Offences(nbh[kept], kind[kept], offender[kept], captured[kept], reported[kept], recorded[kept],
                    recorded_uncaptured[kept])
