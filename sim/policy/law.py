"""The law and practice in force, per city department, which policies change.

Mechanisms read the rules from here, never from the scenario's parameters directly, so a
policy only has to change this state on its start day (no edits to the model). On day 0
the state is what the parameters say: the status quo of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.offences import seriousness
from sim.params import Params


@dataclass
class Law:
    """Rules per city department (arrays of length J) and vendor-wide switches."""

    warrant_required: np.ndarray   # footage only with a warrant (probable cause)
    in_app_requests: np.ndarray    # departments may ask owners through the app
    informed_consent: np.ndarray   # every owner knows they can refuse; requests explicit
    fr_allowed: np.ndarray         # face-recognition searches lawful
    threshold: np.ndarray          # similarity threshold of the department's searches
    review: np.ndarray             # candidates reviewed by a person before any action
    match_alone_arrest: np.ndarray  # an arrest may rest on a match alone
    credit_programme: np.ndarray   # credits toward free cameras per app install
    marketing_duty: np.ndarray     # contract duty to market the product
    emotion_analysis: np.ndarray   # emotion labels run on footage
    emotion_stops: np.ndarray      # emotion flags become stops
    fr_min_seriousness: np.ndarray  # least serious offence type searched (index into sim.core.offences.OFFENCES)
    doorbell_fr: bool = False      # the vendor matches faces in doorbells (the patent)
    fmr_cap: float | None = None   # bias audit: no group's FMR above cap x the best group's
    equalised: bool = False        # algorithm with equal error rates across groups

    @classmethod
    def from_params(cls, p: Params, n_departments: int) -> Law:
        def each(value) -> np.ndarray:
            return np.full(n_departments, value)

        return cls(
            warrant_required=each(p.requests.warrant_required), in_app_requests=each(p.requests.in_app),
            informed_consent=each(False), fr_allowed=each(p.enforcement.fr_allowed),
            threshold=each(float(p.recognition.threshold)), review=each(p.enforcement.review),
            match_alone_arrest=each(p.enforcement.match_alone_arrest),
            credit_programme=each(p.vendor.credit_programme), marketing_duty=each(p.vendor.marketing_duty),
            emotion_analysis=each(p.emotion.enabled), emotion_stops=each(p.enforcement.emotion_stops),
            fr_min_seriousness=each(seriousness(p.enforcement.fr_min_offence)),
        )
