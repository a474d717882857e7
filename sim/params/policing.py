"""Parameters of policing: the gallery, the enforcement path, patrols, emotion labels."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from sim.core.groups import GROUP_KEYS
from sim.core.offences import OffenceName
from sim.core.paramtree import Node, did_you_mean, param
from sim.params.world import DAY
from sim.recognition.params import check_groups


class Gallery(Node):
    photos_per_catchment_person: float = param(
        0.5, unit="photos / person", ge=0, le=10,
        doc="booking photos of people outside the city, per person of the gallery's catchment (catchment_ratio x "
            "residents), so the gallery scales with the city; 0.5 gives Washington County's ~300,000 photos (GCN "
            "2017) for the 20,000-resident baseline city", assumption=(0.2, 1.0))
    catchment_ratio: float = param(30.0, unit="people per city resident", ge=0, le=1000,
                                   doc="people in the gallery's catchment (county, state) per city resident; the "
                                       "catchment is policed like the city, so its arrests add photos in proportion",
                                   assumption=(5.0, 100.0))
    max_photos_per_person: float = param(
        10.0, unit="photos / person", ge=0.5, le=100, assumption=(3.0, 20.0),
        doc="most photos the gallery keeps per person of its catchment (catchment_ratio x residents, plus the "
            "residents); older photos are purged past it. A runaway guard: the gallery loop (arrests add photos, "
            "photos add false candidates and wrongful arrests) has no other limit, and at the high end of every "
            "assumption it grew 539k photos to 31.2M for a 500k catchment. Washington County held ~1.5 photos per "
            "photographed person (~300,000 of ~200,000 people, GCN 2017); the default, the largest legal "
            "starting gallery (photos_per_catchment_person <= 10), binds only on runaways")
    resident_share: float = param(0.25, unit="share of residents", ge=0, le=1,
                                  doc="residents with a booking photo at the start (make-up follows arrests)",
                                  assumption=(0.15, 0.35))


    @model_validator(mode="after")
    def _starts_under_cap(self) -> Gallery:
        # Photos per person of catchment + city at the start (residents: resident_share each).
        start = ((self.photos_per_catchment_person * self.catchment_ratio + self.resident_share)
                 / (self.catchment_ratio + 1))
        if start > self.max_photos_per_person:
            raise ValueError(
                f"gallery.photos_per_catchment_person = {self.photos_per_catchment_person} starts the gallery at "
                f"{start:.2f} photos per person, above gallery.max_photos_per_person = "
                f"{self.max_photos_per_person}: raise the cap or lower the starting gallery")
        return self


class Enforcement(Node):
    reference_group: str = param("white_m", unit="group key", doc="group disparity ratios are taken against")
    score_proxy: dict[str, str] = param(
        {}, unit="group key -> census group key",
        doc="census group whose recognition error rates a non-census group uses (e.g. educator groups)")
    fr_allowed: bool = param(True, unit="bool",
                             doc="face-recognition searches are lawful (no federal face-recognition law)")
    fr_departments: float = param(0.5, unit="share", ge=0, le=1,
                                  doc="share of city departments that run face searches on footage",
                                  assumption=(0.2, 1.0))
    other_probes: float = param(0.072, unit="probability", ge=0, le=1,
                                doc="share of recorded offences with a face image from other sources (business CCTV, "
                                    "social media) that FR-using departments search, partnered or not",
                                source="fitted: Washington County > 1,000 searches in 2018 (Willamette Week 2018), aim "
                                       "1,200 / catchment ratio 30 = 40 a year for the baseline city; searches are linear "
                                       "in this share (doorbell-only ~5.5 a year, 23 more per 0.048; 4 seeds, 2018; "
                                       "refitted after the place and offender revisions: 0.048 gave 28.5)")
    usable_face: float = param(0.4, unit="probability", ge=0, le=1,
                               doc="chance footage of an offence shows the offender's face well enough to search",
                               assumption=(0.2, 0.7))
    fr_assignment: Literal["expected", "drawn", "listed"] = param(
        "expected", unit="rule",
        doc="which departments search: expected = every department runs a fr_departments share of its "
            "searchable cases (units that use it; no per-seed design draw); drawn = each department uses it with "
            "chance fr_departments, drawn per seed (the old rule: widens bands with a design draw); listed = "
            "exactly the departments in fr_department_list")
    fr_department_list: list[int] = param([], unit="department indices",
                                          doc="departments that search, with fr_assignment = listed")
    other_sources: dict[str, float] = param(
        {"cctv": 0.6, "social": 0.3, "booking": 0.1}, unit="share of other-source probes", assumption=(0.0, 1.0),
        doc="where non-doorbell probes come from: business/public CCTV stills, social-media photos, and "
            "booking-quality photos (a known suspect's earlier photo); no published split, practitioners' "
            "accounts put CCTV and social media first")
    search_mode: Literal["threshold", "top_k", "top_k_threshold"] = param(
        "threshold", unit="mode",
        doc="how departments search: threshold = every candidate above the threshold (vendor default); top_k = "
            "the k best whatever their score (Washington County as used, WaPo 2019; NIST investigative mode); "
            "top_k_threshold = the k best above the threshold (Washington County's written policy, GCN 2017)")
    top_k_mode: bool = param(False, unit="bool",
                             doc="old switch, kept for scenario files: true means search_mode = top_k")
    department_modes: list[Literal["threshold", "top_k", "top_k_threshold"]] = param(
        [], unit="mode per city department", doc="per-department search_mode (empty: search_mode everywhere)")
    department_top_k: list[int] = param([], unit="candidates per city department",
                                        doc="per-department candidate-list length (empty: recognition.top_k)")
    department_thresholds: list[float] = param(
        [], unit="similarity per city department", doc="per-department threshold (empty: recognition.threshold)")
    licence_search: bool = param(False, unit="bool",
                                 doc="searches include driver's licence / ID photos: residents with no arrest "
                                     "record can be candidates (>= 26 states allowed it in 2016)")
    licence_share: float = param(0.5, unit="share of adults", ge=0, le=1,
                                 source="Georgetown CPT, The Perpetual Line-Up 2016 (117M adults, about 1 in 2)",
                                 doc="share of residents (and of the catchment) with a licence/ID photo in the "
                                     "searched network")
    review: bool = param(True, unit="bool", doc="candidates go through human review before any action")
    review_catch: float = param(0.5, unit="probability", ge=0, le=1,
                                doc="chance review rejects a lone false candidate scoring review_reference (with "
                                    "several candidates the reviewer picks one or none: see review_score_weight)",
                                assumption=(0.2, 0.8))
    review_true_pass: float = param(0.95, unit="probability", ge=0, le=1,
                                    doc="chance review accepts a lone true candidate scoring review_reference",
                                    assumption=(0.8, 1.0))
    review_reference: float = param(0.8, unit="similarity", ge=0.01, le=0.99, assumption=(0.5, 0.99),
                                    doc="score at which review_catch and review_true_pass hold (the vendor default, "
                                        "so a lone candidate is reviewed as before)")
    review_score_weight: float = param(
        0.5, unit="log-odds per logit similarity", ge=0, le=5, assumption=(0.0, 1.5),
        doc="how much a higher score raises a candidate's chance to be picked over the others and over 'no "
            "match' (0: the reviewer ignores scores)")
    other_race_factor: float = param(
        1.5, unit="odds ratio", ge=1, le=10, assumption=(1.0, 3.0),
        doc="odds multiplier on accepting a false candidate when the reviewer's race differs from the probe's "
            "(other-race effect: more false identifications of other-race faces)")
    reviewer_white_share: float = param(
        0.7, unit="share of reviews", ge=0, le=1, assumption=(0.5, 0.9),
        doc="reviews by white analysts; the others are modelled as the probe's own race (optimistic)")
    stop_per_lead: float = param(0.6, unit="probability", ge=0, le=1,
                                 doc="chance police stop a candidate who passed review", assumption=(0.3, 1.0))
    arrest_offender: float = param(0.7, unit="probability", ge=0, le=1,
                                   doc="chance a stopped offender is arrested", assumption=(0.5, 0.9))
    arrest_innocent: float = param(0.1, unit="probability", ge=0, le=1,
                                   doc="chance a stopped innocent candidate is arrested on the match",
                                   assumption=(0.02, 0.3))
    match_alone_arrest: bool = param(True, unit="bool", doc="an arrest may rest on a face match alone")
    corroboration_factor: float = param(0.2, unit="ratio", ge=0, le=1,
                                        doc="factor on arrest_innocent when a match alone is not enough",
                                        assumption=(0.05, 0.5))
    property_clearance: float = param(0.172, unit="probability", ge=0, le=1,
                                      doc="recorded property offences cleared by arrest without face recognition",
                                      source="FBI CIUS 2019 (all property crime 17.2%)")
    petty_theft_clearance: float = param(0.184, unit="probability", ge=0, le=1,
                                         doc="recorded petty thefts cleared by arrest without face recognition "
                                             "(vehicle theft's rate is derived so all property crime gives 17.2%)",
                                         source="FBI CIUS 2019 (larceny-theft 18.4%)")
    burglary_clearance: float = param(0.141, unit="probability", ge=0, le=1,
                                      doc="recorded burglaries cleared by arrest without face recognition",
                                      source="FBI CIUS 2019 (burglary 14.1%)")
    footage_clearance_uplift: float = param(
        0.5, unit="relative increase", ge=0, le=5,
        doc="conventional clearance of a recorded offence rises by this share when owners' footage of it was obtained "
            "(identifying, corroborating, tracing the offender), with or without face recognition; chance capped at 1",
        assumption=(0.1, 1.0))
    fr_min_offence: OffenceName = param("petty_theft", unit="offence type",
                                        doc="least serious offence a face search may be run for: petty_theft = any "
                                            "(current practice, down to a package theft); violent = violent crime only "
                                            "(cf. EU AI Act Art. 5's serious-crime limit)")
    violent_clearance: float = param(0.45, unit="probability", ge=0, le=1,
                                     doc="recorded violent offences cleared by arrest without face recognition",
                                     assumption=(0.35, 0.55))
    emotion_stops: bool = param(False, unit="bool", doc="emotion screening: 'fear'/'anger' flags become stops")
    passersby: int = param(3, unit="faces / footage", ge=0, le=100,
                           doc="passers-by's faces in one owner's footage (screened when emotion analysis is on)",
                           assumption=(1, 10))

    @field_validator("other_sources")
    @classmethod
    def _sources(cls, v: dict[str, float]) -> dict[str, float]:
        allowed = {"cctv", "social", "booking"}
        if set(v) != allowed or any(x < 0 for x in v.values()) or abs(sum(v.values()) - 1) > 1e-3:
            raise ValueError(f"give shares >= 0 summing to 1 for exactly {sorted(allowed)}")
        return v

    @field_validator("department_top_k")
    @classmethod
    def _ks(cls, v: list[int]) -> list[int]:
        if any(k < 1 for k in v):
            raise ValueError(f"each candidate-list length must be >= 1, got {v}")
        return v

    @field_validator("department_thresholds")
    @classmethod
    def _thresholds(cls, v: list[float]) -> list[float]:
        if any(not 0 <= t <= 1 for t in v):
            raise ValueError(f"each threshold must be in [0, 1], got {v}")
        return v

    @property
    def mode(self) -> str:
        """The search mode in force for departments without their own (top_k_mode kept as an alias)."""
        return "top_k" if self.top_k_mode else self.search_mode

    @field_validator("score_proxy")
    @classmethod
    def _proxies(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {k: g for k, g in v.items() if g not in GROUP_KEYS}
        if bad:
            did = did_you_mean(next(iter(bad.values())), GROUP_KEYS)
            raise ValueError(f"score_proxy must map to census group keys {GROUP_KEYS}, got {bad}.{did}")
        return v


class Patrol(Node):
    """Discretionary policing (sim.mechanisms.patrols): presence by a department rule,
    discovery of unreported offences, stops and arrests. Clearance does not use it."""

    over_policing: float = param(6.5, unit="log-ratio per over-policed share", ge=0, le=30,
                                 doc="departments' preference: patrol presence per resident rises as exp(this x share "
                                     "of the neighbourhood in over-policed categories), historical over-policing, not "
                                     "offending; it moves stops, arrests and discovered offences, never the chance a "
                                     "recorded offence is cleared",
                                 source="fitted: Black people 28.4% of city arrests vs 13.4% of population (FBI CIUS "
                                        "2019); secant, refitted after footage came from the cameras in view (which had "
                                        "lowered it from 27.0% to 25.4% at 6.2): 6.2: 25.4% (4 seeds), 6.6: 29.2% (8), "
                                        "7.0: 29.5% (8), 7.3: 29.9% (8); seed noise ~1.5 points at 4 seeds")
    over_policed: list[str] = param(["black"], unit="race categories",
                                    doc="categories (group keys without _f/_m) whose neighbourhoods draw more policing")
    hotspot_focus: float = param(1.5, unit="exponent", ge=0, le=4,
                                 doc="patrol presence follows recorded incidents per resident to this power: 1 = in "
                                     "proportion, above 1 = hot spots get more than their share (hot-spot and "
                                     "predictive policing target the top cells)", assumption=(1.0, 2.0))
    discovery: float = param(0.1, unit="rate at mean presence", ge=0, le=5,
                             doc="unreported petty thefts that patrols discover and record, at the city's mean "
                                 "presence (chance 1 - exp(-this x presence))", assumption=(0.02, 0.3))
    discovery_serious: float = param(0.02, unit="rate at mean presence", ge=0, le=5,
                                     doc="as patrol.discovery, for vehicle theft, burglary and violent crime (victims "
                                         "report these more; patrols find fewer)", assumption=(0.0, 0.1))
    stops_per_1k: float = param(0.1, unit="stops / 1k residents / day", ge=0, le=50,
                                doc="discretionary patrol stops (not driven by a face match), placed by presence",
                                assumption=(0.02, 0.5))
    hit_rate: float = param(0.05, unit="probability", ge=0, le=1,
                            doc="share of patrol stops that end in an arrest", assumption=(0.01, 0.15))
    memory: float = param(0.05, unit=DAY, ge=0, le=1,
                          doc="weight of today's recorded incidents in patrol attention (moving average)",
                          assumption=(0.01, 0.2))




class EmotionParams(Node):
    """Emotion labelling of faces captured on footage."""

    enabled: bool = param(False, unit="bool",
                          doc="run emotion analysis on captured faces (off by default)")
    base_rate: float = param(
        0.02, unit="flags / capture", assumption=(0.005, 0.10), ge=0, le=1,
        doc="chance a white man's captured face is labelled 'fear' or 'anger'")
    group_multiplier: dict[str, float] = param(
        # Black 3x (Rhue 2018: angrier scores at similar smiles; the 27% vs 0.13% example is
        # an extreme case); darker women a further 1.5x (Raji & Buolamwini 2019: up to 3.6x);
        # Hispanic and American Indian 1.5x by assumption; no figure for Asian faces.
        {"white_f": 1.0, "white_m": 1.0, "black_f": 4.5, "black_m": 3.0, "hispanic_f": 1.5,
         "hispanic_m": 1.5, "asian_f": 1.0, "asian_m": 1.0, "native_f": 1.5, "native_m": 1.5},
        unit="x base rate", assumption=(1.0, 10.0),
        doc="per-group multiplier on the flag rate (Rhue 2018; Buolamwini & Gebru 2018; "
            "Raji & Buolamwini 2019)")
    validity: float = param(
        0.30, unit="1", ge=0, le=1,
        source="Barrett et al. 2019 (a scowl accompanies anger only ~30-35% of the time)",
        doc="best-case share of flags reflecting the labelled emotion; a stop on a flag is founded (not "
            "wrongful) with this chance: the vendor's claim at 1, no evidence at 0")

    @field_validator("group_multiplier")
    @classmethod
    def _groups(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()):
            raise ValueError("group multipliers must be >= 0")
        return check_groups(value)
