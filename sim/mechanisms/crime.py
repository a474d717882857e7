"""Crime: actual offences, which of them cameras capture, and which police learn of.

Offences come in the types of :mod:`sim.core.offences` (petty theft, vehicle theft, burglary,
violent crime), each with its own rate, reporting and clearance. Rates in docs/sources.md are
*recorded* crime; actual crime is recorded / (reporting x recording + unreported x
discovered by patrols at mean presence). Offenders are drawn from the neighbourhood's residents with equal offending
rates across groups unless ``groups.offending_ratio`` says otherwise; propensity and the
journey to crime are :mod:`sim.mechanisms.offenders` (an explicit,
changeable assumption); a share of offences are outsiders' (:mod:`sim.mechanisms.outsiders`).
An offence happens at a spot among its neighbourhood's households and is captured when a
camera overlooks that spot; a capture raises the chance it is reported.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.core.offences import BURGLARY, OFFENCES, PETTY_THEFT, PROPERTY_KINDS, VEHICLE_THEFT, VIOLENT
from sim.params import Crime, Enforcement

if TYPE_CHECKING:
    from sim.mechanisms.outsiders import Outsiders

__all__ = ["OFFENCES", "PROPERTY_KINDS", "VIOLENT", "Offences", "clearance", "commit_crime", "daily_rates",
           "recorded_rates", "reporting"]


@dataclass
class Offences:
    """Today's offences, one row each."""

    nbh: np.ndarray
    kind: np.ndarray       # offence type (index into OFFENCES, = seriousness rank)
    offender: np.ndarray   # resident row, -1 for an outsider (sim.mechanisms.outsiders)
    captured: np.ndarray   # bool, a camera recorded it
    reported: np.ndarray   # bool, known to police (a victim reported it, or a patrol found it)
    recorded: np.ndarray   # bool
    recorded_uncaptured: np.ndarray  # bool, would be recorded had no camera seen it (victim reports only)
    discovered: np.ndarray  # bool, recorded because patrols found it (nobody reported it)
    spot: np.ndarray       # uniform in [0, 1): where in its neighbourhood's row of households it happened
    group: np.ndarray      # offender's group (a resident's, or an outsider's drawn group)
    outsider: np.ndarray   # bool, the offender lives outside the city
    outsider_u: np.ndarray  # (2, N) uniforms: an outsider's booking photo, licence photo

    def __len__(self) -> int:
        return len(self.nbh)


def recorded_rates(p: Crime) -> np.ndarray:
    """Recorded offences per 100k residents per year, by type (order of OFFENCES)."""
    r = np.zeros(len(OFFENCES))
    r[PETTY_THEFT] = p.petty_theft_share * p.property_recorded
    r[BURGLARY] = p.burglary_share * p.property_recorded
    r[VEHICLE_THEFT] = max(1 - p.petty_theft_share - p.burglary_share, 0.0) * p.property_recorded  # no -1e-17
    r[VIOLENT] = p.violent_recorded
    return r


def reporting(p: Crime) -> np.ndarray:
    """Chance an offence is reported, by type. Property types follow their NCVS ratios,
    scaled so that property crime as a whole is reported at ``property_reporting``
    (reported share = recorded / actual, summed over types)."""
    rec = recorded_rates(p)
    ratio = np.array([p.petty_theft_reporting_ratio, p.vehicle_theft_reporting_ratio, p.burglary_reporting_ratio])
    prop = rec[list(PROPERTY_KINDS)]
    scale = p.property_reporting * (prop / ratio).sum() / max(prop.sum(), 1e-300) if prop.sum() > 0 else p.property_reporting
    out = np.empty(len(OFFENCES))
    out[list(PROPERTY_KINDS)] = np.clip(scale * ratio, 0.0, 1.0)
    out[VIOLENT] = p.violent_reporting
    return out


def clearance(p: Crime, e: Enforcement) -> np.ndarray:
    """Chance a recorded offence is cleared by conventional investigation, by type.

    Petty theft and burglary are FBI 2019's; vehicle theft's is what makes recorded
    property crime as a whole clear at ``property_clearance`` (17.2%)."""
    rec = recorded_rates(p)
    share = rec / max(rec[list(PROPERTY_KINDS)].sum(), 1e-300)
    out = np.empty(len(OFFENCES))
    out[PETTY_THEFT], out[BURGLARY], out[VIOLENT] = e.petty_theft_clearance, e.burglary_clearance, e.violent_clearance
    rest = e.property_clearance - share[PETTY_THEFT] * out[PETTY_THEFT] - share[BURGLARY] * out[BURGLARY]
    out[VEHICLE_THEFT] = np.clip(rest / share[VEHICLE_THEFT], 0.0, 1.0) if share[VEHICLE_THEFT] > 0 else 0.0
    return out


def daily_rates(p: Crime, population: np.ndarray, crime_index: np.ndarray,
                discovered: np.ndarray | None = None) -> np.ndarray:
    """Expected actual offences per day, shape (types, neighbourhoods).

    Args:
        discovered: (types, m) chance police discover an unreported offence at the starting
            patrol presence (None: none are). Actual rates are scaled so that recorded crime
            (reported x recording + unreported x discovered, over where offences happen) is
            the FBI's recorded rate at the start.
    """
    rep = reporting(p)[:, None]
    found = np.zeros((len(rep), len(population))) if discovered is None else discovered
    w = population * crime_index
    known = (rep * p.recording + (1 - rep) * found) @ w / max(w.sum(), 1e-300)
    per_person = recorded_rates(p) / known / 100_000 / 365
    return per_person[:, None] * w[None, :]


@functools.cache
def _cells(types: int, m: int) -> np.ndarray:
    """Neighbourhood of each (type, neighbourhood) cell, type-major (cached: asked daily)."""
    return np.tile(np.arange(m), types)


def commit_crime(rates: np.ndarray, coverage: np.ndarray, offend_cum: np.ndarray,
                 res_start: np.ndarray, reporting_by_type: np.ndarray, p: Crime, rng: np.random.Generator,
                 discovery: np.ndarray | None = None, journey=None,
                 rng_journey: np.random.Generator | None = None,
                 report_factor: np.ndarray | None = None,
                 in_view: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None, *,
                 outsiders: Outsiders) -> Offences:
    """Draw today's offences.

    Args:
        rates: (types, m) expected offences per day without cameras.
        coverage: (m,) camera coverage of each neighbourhood.
        offend_cum: cumulative offending weight over residents (sorted by neighbourhood).
        res_start: first resident row of each neighbourhood.
        reporting_by_type: chance an offence of each type is reported (:func:`reporting`).
        discovery: (types, m) chance police presence discovers an offence nobody reported
            (:func:`sim.mechanisms.patrols.discovery`); None: none are.
        journey, rng_journey: the offender's home neighbourhood sampler
            (:class:`sim.mechanisms.offenders.Journey`) and its own stream (one uniform per
            offence); None: offenders live where they offend.
        report_factor: (m,) multiplier of the chance of reporting by neighbourhood (the
            trust loop, :mod:`sim.mechanisms.trust`), or None.
        in_view: ``in_view(nbh, spot)``: is a camera in view of each offence's spot
            (:func:`sim.mechanisms.footage.in_view`)? None: a camera captures it with chance
            ``coverage`` (cameras spread evenly, as under ``neutral.cameras``).
        outsiders: :class:`sim.mechanisms.outsiders.Outsiders`, who marks outsiders' offences
            (drawn on its own stream, per candidate offence) and gives offenders' groups (with
            ``offenders.outsider_share`` 0 it draws nothing: every offender is a resident).
    """
    # Deterrence thins offences; the Poisson draw itself does not depend on coverage, so
    # scenarios keep the same candidate offences (common random numbers).
    counts = rng.poisson(rates)
    kind = np.repeat(np.arange(rates.shape[0]), counts.sum(axis=1))
    nbh = np.repeat(_cells(*rates.shape), counts.ravel())  # type-major, as kind
    u = rng.random((5, len(nbh)))  # offender, deterrence, capture, reporting, spot: one each
    kept = u[1] >= p.deterrence * coverage[nbh]
    # Offender: from a home neighbourhood (journey to crime), then a weighted draw inside
    # that neighbourhood's slice of the cumulative offending weights.
    home = nbh if journey is None else journey.home(nbh, rng_journey.random(len(nbh)))
    lo = np.where(res_start[home] > 0, offend_cum[np.maximum(res_start[home] - 1, 0)], 0.0)
    end = np.append(res_start[1:], len(offend_cum))[home]
    hi = offend_cum[end - 1]
    offender = np.searchsorted(offend_cum, lo + u[0] * (hi - lo), side="right")
    offender = np.minimum(offender, end - 1)
    offender, group, outsider, outsider_u = outsiders.offenders(offender)
    # Captured when a camera overlooks the spot; footage requests go to the owners around it.
    captured = u[2] < coverage[nbh] if in_view is None else in_view(nbh, u[4])
    base = reporting_by_type[kind]
    if report_factor is not None:  # trust: the one hook of the trust loop into crime
        base = np.clip(base * report_factor[nbh], 0.0, 1.0)
    p_report = np.where(captured, 1 - (1 - base) * (1 - p.camera_reporting_uplift), base)
    reported = u[3] < p_report
    # Recording: reported offences are recorded with probability p.recording; reuse u[3]
    # scaled into [0, p_report) so no extra draw is needed.
    recorded = reported & (u[3] < p_report * p.recording)
    recorded_uncaptured = u[3] < base * p.recording  # same draw, without the camera uplift
    discovered = np.zeros(len(nbh), bool)
    if discovery is not None:  # an unreported offence, found by patrols: the rest of u[3] rescaled
        found = discovery[kind, nbh]
        discovered = ~reported & ((u[3] - p_report) < found * (1 - p_report))
        recorded |= discovered
        reported |= discovered  # known to police: reported by a victim or found by a patrol
        # recorded_uncaptured leaves discoveries out: presence follows recorded incidents,
        # which cameras raise, so they would carry the cameras' effect into the fear loop's
        # camera-free counterfactual.
    return Offences(nbh[kept], kind[kept], offender[kept], captured[kept], reported[kept], recorded[kept],
                    recorded_uncaptured[kept], discovered[kept], u[4][kept], group[kept], outsider[kept],
                    outsider_u[:, kept])
