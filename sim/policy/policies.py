"""Policies: classes with a start date, a jurisdiction scope and a legal reference.

Every policy has the same small lifecycle: the model calls :meth:`Policy.apply` once, at
the start of its start day, with the city departments in scope; ``apply`` changes the
law in force (:class:`sim.policy.law.Law`). Adding a policy means adding a class here and
registering it; the model is not edited. A policy whose start day is after the run never
applies, so its run is identical to the baseline's (common random numbers).

In a scenario file::

    [[policies]]
    type = "warrant_requirement"
    start = "2019-01-01"        # a date, or a day number
    scope = "all"               # or a list of department indices, e.g. [0, 2]
"""

from __future__ import annotations

import datetime as dt
import difflib
from abc import ABC, abstractmethod
from typing import ClassVar, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sim.core.errors import InputError
from sim.core.offences import OFFENCES, OffenceName, seriousness
from sim.policy.law import Law

class Policy(BaseModel, ABC):
    """Base class: when, where, under which law."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ClassVar[str] = ""
    label: ClassVar[str] = ""
    reference: ClassVar[str] = ""

    type: str
    start: dt.date | int = Field(dt.date(2019, 1, 1), description="start date, or day number from the run's start")
    scope: Literal["all"] | list[int] = Field("all", description="'all' or a list of city department indices")
    legal_reference: str = ""

    def start_day(self, start_date: dt.date) -> int:
        return self.start if isinstance(self.start, int) else (self.start - start_date).days

    def departments(self, n: int) -> np.ndarray:
        if self.scope == "all":
            return np.arange(n)
        bad = [i for i in self.scope if not 0 <= i < n]
        if bad:
            raise InputError(f"policy {self.type!r}: scope {self.scope} names departments {bad}; "
                             f"the city has departments 0 to {n - 1}")
        return np.array(self.scope, dtype=int)

    def citation(self) -> str:
        return self.legal_reference or self.reference

    @abstractmethod
    def apply(self, law: Law, depts: np.ndarray) -> None:
        """Change the law in force for departments ``depts`` (called once, on the start day).
        Policies see only the law: the model reacts to it (e.g. re-derives the algorithm's
        scores when an audit or equalisation is in force)."""


class WarrantRequirement(Policy):
    kind, label = "warrant_requirement", "Warrant required for footage"
    reference = "US Const. amend. IV; no such rule for voluntary in-app requests as of 2019"
    type: Literal["warrant_requirement"] = "warrant_requirement"

    def apply(self, law, depts):
        law.warrant_required[depts] = True


class FederalFRMoratorium(Policy):
    kind, label = "federal_fr_moratorium", "Federal face-recognition moratorium"
    reference = "Facial Recognition and Biometric Technology Moratorium Act (proposed Jun 2020)"
    type: Literal["federal_fr_moratorium"] = "federal_fr_moratorium"

    def apply(self, law, depts):
        law.fr_allowed[depts] = False


class FederalFRRegulation(Policy):
    kind, label = "federal_fr_regulation", "Federal face-recognition regulation"
    reference = "Ethical Use of Facial Recognition Act (proposed Feb 2020); vendor advice of a 99% threshold (AWS 2018)"
    type: Literal["federal_fr_regulation"] = "federal_fr_regulation"
    threshold: float = Field(0.99, ge=0.5, le=1.0, description="minimum similarity threshold")
    fmr_cap: float = Field(2.0, ge=1.0, le=1000.0, description="bias audit: max FMR ratio to the best group")

    def apply(self, law, depts):
        law.threshold[depts] = np.maximum(law.threshold[depts], self.threshold)
        # A floor, not only the department's own threshold: it binds top-k searches too.
        law.threshold_floor[depts] = np.maximum(law.threshold_floor[depts], self.threshold)
        law.review[depts] = True
        law.match_alone_arrest[depts] = False
        law.fmr_cap = self.fmr_cap if law.fmr_cap is None else min(law.fmr_cap, self.fmr_cap)


class NoCreditProgramme(Policy):
    kind, label = "no_credit_program", "Ban on credit programmes and marketing duties"
    reference = "assumption: state procurement/ethics rule; cf. Lakeland agreement terms (Vice 2019)"
    type: Literal["no_credit_program"] = "no_credit_program"

    def apply(self, law, depts):
        law.credit_programme[depts] = False
        law.marketing_duty[depts] = False


class InformedConsent(Policy):
    kind, label = "informed_consent", "Informed consent for footage requests"
    reference = "cf. Illinois BIPA (2008): written consent before biometric collection"
    type: Literal["informed_consent"] = "informed_consent"

    def apply(self, law, depts):
        law.informed_consent[depts] = True


class EmotionBan(Policy):
    kind, label = "emotion_ban", "Ban on emotion recognition"
    reference = "cf. EU AI Act (Reg. 2024/1689) Art. 5: emotion recognition prohibited in workplaces and education"
    type: Literal["emotion_ban"] = "emotion_ban"

    def apply(self, law, depts):
        law.emotion_analysis[depts] = False
        law.emotion_stops[depts] = False


class EmotionScreening(Policy):
    kind, label = "emotion_screening", "Emotion screening (flags become stops)"
    reference = "hypothetical practice; 'fear' label added to Rekognition 12 Aug 2019 (AWS)"
    type: Literal["emotion_screening"] = "emotion_screening"

    def apply(self, law, depts):
        law.emotion_analysis[depts] = True
        law.emotion_stops[depts] = True


class DoorbellFaceRecognition(Policy):
    kind, label = "doorbell_face_recognition", "Doorbell face recognition switched on by the vendor"
    reference = "vendor patent applications for doorbell face matching (2018); no federal face-recognition law"
    type: Literal["doorbell_face_recognition"] = "doorbell_face_recognition"

    def apply(self, law, depts):
        law.doorbell_fr = True


class EndInAppRequests(Policy):
    kind, label = "end_in_app_requests", "End of in-app police requests"
    reference = "vendor announcement, Jan 2024: legal process needed for footage"
    type: Literal["end_in_app_requests"] = "end_in_app_requests"
    start: dt.date | int = dt.date(2024, 1, 24)

    def apply(self, law, depts):
        law.in_app_requests[depts] = False


class EqualisedAlgorithm(Policy):
    kind, label = "equalised_algorithm", "Bias-equalised algorithm"
    reference = "hypothetical: every group gets the best group's error rates (cf. NISTIR 8280)"
    type: Literal["equalised_algorithm"] = "equalised_algorithm"

    def apply(self, law, depts):
        law.equalised = True


class SeriousCrimeOnly(Policy):
    kind, label = "fr_serious_crime_only", "Face searches only for serious offences"
    reference = "cf. EU AI Act (Reg. 2024/1689) Art. 5: remote biometric identification only for serious crimes"
    type: Literal["fr_serious_crime_only"] = "fr_serious_crime_only"
    min_offence: OffenceName = Field("violent", description=f"least serious offence searched: one of {', '.join(OFFENCES)}")

    def apply(self, law, depts):
        law.fr_min_seriousness[depts] = np.maximum(law.fr_min_seriousness[depts], seriousness(self.min_offence))


class CandidateCap(Policy):
    kind, label = "candidate_cap", "Cap on candidates per face search"
    reference = "policy lever; cf. Washington County's 5-candidate lists (GCN 2017) and FBI NGI's 2-50 (GAO-16-267)"
    type: Literal["candidate_cap"] = "candidate_cap"
    max_candidates: int = Field(1, ge=1, le=1000, description="most candidates a search may return, in every mode")

    def apply(self, law, depts):
        cur = law.max_candidates[depts]
        law.max_candidates[depts] = np.where(cur > 0, np.minimum(cur, self.max_candidates), self.max_candidates)


class NoLicenceSearch(Policy):
    kind, label = "no_licence_search", "Ban on searching licence/ID photos"
    reference = "cf. The Perpetual Line-Up (Georgetown CPT 2016): >= 26 states allowed licence-photo searches"
    type: Literal["no_licence_search"] = "no_licence_search"

    def apply(self, law, depts):
        law.licence_search[depts] = False


POLICIES: dict[str, type[Policy]] = {c.kind: c for c in (
    WarrantRequirement, FederalFRMoratorium, FederalFRRegulation, NoCreditProgramme, InformedConsent,
    EmotionBan, EmotionScreening, DoorbellFaceRecognition, EndInAppRequests, EqualisedAlgorithm, SeriousCrimeOnly,
    CandidateCap, NoLicenceSearch)}


def parse(entries: list, where: str) -> list[Policy]:
    """Validate a scenario's ``[[policies]]`` tables into Policy objects."""
    out = []
    for i, entry in enumerate(entries):
        at = f"{where}: policies[{i}]"
        if not isinstance(entry, dict) or "type" not in entry:
            raise InputError(f"{at}: each policy needs a 'type'; allowed: {', '.join(POLICIES)}")
        cls = POLICIES.get(entry["type"])
        if cls is None:
            hint = difflib.get_close_matches(str(entry["type"]), POLICIES, n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"{at}: field 'type' = {entry['type']!r} is not a policy.{did} "
                             f"Allowed: {', '.join(POLICIES)}")
        try:
            out.append(cls.model_validate(entry))
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(x) for x in err["loc"])
            if err["type"] == "extra_forbidden":
                names = list(cls.model_fields)
                hint = difflib.get_close_matches(field, names, n=1)
                did = f" Did you mean {hint[0]!r}?" if hint else ""
                raise InputError(f"{at} ({entry['type']}): unknown field {field!r}.{did} "
                                 f"Allowed: {', '.join(names)}") from None
            raise InputError(f"{at} ({entry['type']}): field {field!r} = {err.get('input')!r}: {err['msg']}") from None
    return out
