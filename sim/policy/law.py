"""The law and practice in force, per city department, which policies change.

Mechanisms read the rules from here, never from the scenario's parameters directly, so a
policy only has to change this state on its start day (no edits to the model). On day 0
the state is what the parameters say: the status quo of the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.core.errors import InputError
from sim.core.offences import seriousness
from sim.params import Params


SEARCH_MODES = ("threshold", "top_k", "top_k_threshold")


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
    search_mode: np.ndarray        # index into SEARCH_MODES: threshold, top_k, top_k_threshold
    top_k: np.ndarray              # candidate-list length in top-k modes
    threshold_floor: np.ndarray    # lowest threshold any search may use, top-k included (0: none)
    max_candidates: np.ndarray     # cap on candidates returned, every mode (0: none)
    licence_search: np.ndarray     # licence/ID photos searched too
    doorbell_fr: bool = False      # the vendor matches faces in doorbells (the patent)
    fmr_cap: float | None = None   # bias audit: no group's FMR above cap x the best group's
    equalised: bool = False        # algorithm with equal error rates across groups

    @classmethod
    def from_params(cls, p: Params, n_departments: int) -> Law:
        def each(value) -> np.ndarray:
            return np.full(n_departments, value)

        e = p.enforcement

        def per_department(name: str, values: list, default) -> np.ndarray:
            if not values:
                return each(default)
            if len(values) != n_departments:
                raise InputError(f"enforcement.{name} = {values}: give one value per city department "
                                 f"({n_departments}, city.n_jurisdictions), or none")
            return np.array(values)

        modes = per_department("department_modes", list(e.department_modes), e.mode)

        return cls(
            warrant_required=each(p.requests.warrant_required), in_app_requests=each(p.requests.in_app),
            informed_consent=each(False), fr_allowed=each(p.enforcement.fr_allowed),
            threshold=each(float(p.recognition.threshold)), review=each(p.enforcement.review),
            match_alone_arrest=each(p.enforcement.match_alone_arrest),
            credit_programme=each(p.vendor.credit_programme), marketing_duty=each(p.vendor.marketing_duty),
            emotion_analysis=each(p.emotion.enabled), emotion_stops=each(p.enforcement.emotion_stops),
            fr_min_seriousness=each(seriousness(p.enforcement.fr_min_offence)),
            search_mode=np.array([SEARCH_MODES.index(m) for m in modes]),
            top_k=per_department("department_top_k", list(e.department_top_k), p.recognition.top_k).astype(np.int64),
            threshold_floor=each(0.0), max_candidates=each(0), licence_search=each(e.licence_search),
        )._thresholds(per_department("department_thresholds", list(e.department_thresholds), p.recognition.threshold))

    def _thresholds(self, values: np.ndarray) -> Law:
        self.threshold = values.astype(float)
        return self

    def search_rules(self, depts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Threshold (NaN: none) and candidate cap (0: none) of searches by departments ``depts``.

        The threshold floor (a regulation's minimum) binds in every mode, top-k included; a
        cap on candidates binds in every mode, threshold-only included.
        """
        mode = self.search_mode[depts]
        thr = np.where(mode == 1, np.nan, self.threshold[depts])
        floor = self.threshold_floor[depts]
        thr = np.where(floor > 0, np.fmax(thr, floor), thr)
        k = np.where(mode == 0, 0, self.top_k[depts])
        cap = self.max_candidates[depts]
        k = np.where(cap > 0, np.where(k > 0, np.minimum(k, cap), cap), k)
        return thr, k
