"""The parameter tree: every number the model uses, with unit and provenance, in one place.

Each leaf says where its value comes from: ``source=`` names a row of
``shared/calibration/TARGETS.md`` (or a fit to it), ``assumption=(low, high)`` declares a
plausible range. ``survsim params`` lists them all. Scenario files override leaves by
their dotted path (``city.segregation = 0.7``); validation rejects unknown keys, wrong
types and values outside ``ge``/``le``.
"""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from sim.groups import CENSUS_SHARES, GROUP_KEYS, GROUP_LABELS
from sim.emotion import EmotionParams
from sim.offences import OffenceName
from sim.paramtree import Node, param
from sim.recognition.params import RecognitionParams

DAY = "1 / day"


class Run(Node):
    start_date: dt.date = param(dt.date(2017, 1, 1), unit="date", doc="calendar date of day 0",
                                source="Parks Associates 2017 (adoption level is given for 2017)")
    days: int = param(1095, unit="days", doc="length of a run", assumption=(365, 3650), ge=1, le=3650)


class Groups(Node):
    shares: dict[str, float] = param(
        CENSUS_SHARES, unit="share of residents",
        doc="demographic groups and their population shares (normalised to sum 1)",
        source="US Census 2019 (Black 13.4% per TARGETS.md); other race shares assumption +/-2pp")
    offending_ratio: dict[str, float] = param(
        {}, unit="ratio to the mean", doc="offending rate of a group relative to others (missing = 1: equal)",
        assumption=(1.0, 1.0))

    @field_validator("shares")
    @classmethod
    def _shares(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one group is needed")
        bad = [k for k, s in v.items() if not (0 < s < float("inf"))]
        if bad:
            raise ValueError(f"shares must be finite and > 0, got {bad[0]} = {v[bad[0]]}")
        total = sum(v.values())
        return {k: s / total for k, s in v.items()}

    @model_validator(mode="after")
    def _ratios(self) -> Groups:
        for k, r in self.offending_ratio.items():
            if k not in self.shares:
                raise ValueError(f"offending_ratio names unknown group {k!r}; groups are {sorted(self.shares)}")
            if not r >= 0:
                raise ValueError(f"offending_ratio.{k} must be >= 0, got {r}")
        return self


class City(Node):
    n_residents: int = param(20_000, unit="residents", doc="number of residents simulated",
                             assumption=(1_000, 1_000_000), ge=50, le=5_000_000)
    grid_side: int = param(10, unit="neighbourhoods per side", doc="the city is a grid_side x grid_side grid",
                           assumption=(3, 40), ge=1, le=200)
    n_jurisdictions: int = param(4, unit="departments", doc="police departments covering the city",
                                 assumption=(1, 20), ge=1, le=500)
    household_size: float = param(2.5, unit="residents / household", doc="mean household size",
                                  assumption=(2.0, 3.0), ge=1.0, le=8.0)
    dissimilarity: float = param(0.55, unit="index 0-1", ge=0.0, le=0.95,
                                 doc="target Black-white dissimilarity index (residential segregation)",
                                 assumption=(0.3, 0.8))
    crime_index_sigma: float = param(0.5, unit="log-sd", ge=0.0, le=2.0,
                                     doc="spread of baseline crime between neighbourhoods (lognormal)",
                                     assumption=(0.2, 1.0))


class Network(Node):
    local_ties: int = param(3, unit="ties / resident", ge=0, le=50,
                            doc="ties each resident makes inside their neighbourhood (degree ~2x after symmetry)",
                            assumption=(2, 8))
    long_ties: int = param(1, unit="ties / resident", ge=0, le=10,
                           doc="ties each resident makes with anyone within long_tie_radius of home",
                           assumption=(0, 3))
    long_tie_radius: float = param(
        2.0, unit="grid cells (neighbourhood widths)", ge=0, le=300, assumption=(1.0, 13.0),
        doc="reach of long ties: neighbourhoods whose centres lie within this distance of home (ties thin out "
            "with distance; most lie within a commute); at or beyond the grid's diagonal (12.7 on the 10x10 "
            "baseline grid), anywhere in the city, as before this parameter existed")
    homophily: float = param(0.7, unit="probability", ge=0.0, le=1.0,
                             doc="chance a local tie is with someone of the same race", assumption=(0.5, 0.9))


class Crime(Node):
    """Recorded rates (FBI) by offence type; reporting (NCVS) by type; see sim/offences.py."""

    property_recorded: float = param(2109.9, unit="offences / 100k residents / year", ge=0,
                                     doc="recorded property crime rate (petty theft + vehicle theft + burglary)",
                                     source="FBI CIUS 2019", le=100_000)
    violent_recorded: float = param(366.7, unit="offences / 100k residents / year", ge=0,
                                    doc="recorded violent crime rate", source="FBI CIUS 2019", le=100_000)
    petty_theft_share: float = param(0.734, unit="share of recorded property crime", ge=0, le=1,
                                     doc="larceny-theft (incl. package theft) in recorded property crime; FBI CIUS 2019 "
                                         "Table 1 gives 73.4% (not in calibration/TARGETS.md)",
                                     assumption=(0.65, 0.80))
    burglary_share: float = param(0.161, unit="share of recorded property crime", ge=0, le=1,
                                  doc="burglary in recorded property crime (vehicle theft is the rest); FBI CIUS 2019 "
                                      "Table 1 gives 16.1%", assumption=(0.12, 0.20))
    property_reporting: float = param(0.35, unit="probability", ge=0.01, le=1,
                                      doc="share of property crime reported to police, all types (the per-type rates "
                                          "are scaled to give this)", source="NCVS 2015 via Pew 2017")
    petty_theft_reporting_ratio: float = param(0.83, unit="ratio", ge=0.05, le=5,
                                               doc="reporting of petty theft relative to all property crime (NCVS: "
                                                   "~29% of thefts vs ~35% of property crime reported)",
                                               assumption=(0.6, 1.0))
    vehicle_theft_reporting_ratio: float = param(2.26, unit="ratio", ge=0.05, le=5,
                                                 doc="reporting of vehicle theft relative to all property crime (NCVS: "
                                                     "~79% reported)", assumption=(1.8, 2.6))
    burglary_reporting_ratio: float = param(1.37, unit="ratio", ge=0.05, le=5,
                                            doc="reporting of burglary relative to all property crime (NCVS: ~48% "
                                                "reported)", assumption=(1.1, 1.6))
    violent_reporting: float = param(0.47, unit="probability", ge=0.01, le=1,
                                     doc="share of violent crime reported to police", source="NCVS 2015 via Pew 2017")

    @model_validator(mode="after")
    def _shares(self) -> Crime:
        if self.petty_theft_share + self.burglary_share > 1:
            raise ValueError(f"petty_theft_share + burglary_share must be <= 1 (got {self.petty_theft_share} + "
                             f"{self.burglary_share}); vehicle theft is the rest")
        return self

    recording: float = param(0.95, unit="probability", ge=0, le=1,
                             doc="share of reported crime the police record", assumption=(0.8, 1.0))
    deterrence: float = param(0.0, unit="share per unit coverage", ge=0, le=1,
                              doc="fall in offending per unit camera coverage (evidence weak: 0 by default)",
                              source="MIT Tech Review 2018; CNET 2020; Piza et al. 2015 (no RCT of doorbells); range 0-0.2")
    camera_reporting_uplift: float = param(0.3, unit="probability", ge=0, le=1,
                                           doc="extra chance an unreported offence is reported when a camera captured it",
                                           assumption=(0.0, 0.6))


class Coverage(Node):
    kappa: float = param(5.0, unit="1 / (cameras per household)", ge=0, le=100,
                         doc="coverage = 1 - exp(-kappa * cameras / households): saturating street coverage",
                         assumption=(2.0, 10.0))


class Fear(Node):
    baseline: float = param(0.3, unit="fear 0-1", ge=0, le=1, doc="mean resting fear of crime",
                            assumption=(0.2, 0.5))
    baseline_sd: float = param(0.1, unit="fear 0-1", ge=0, le=0.5, doc="spread of resting fear between residents",
                               assumption=(0.05, 0.2))
    post_weight: float = param(4.0, unit="fear per (post / day / 1k residents)", ge=0, le=100,
                               doc="rise in an app user's fear target per daily crime post per 1,000 residents in the app radius",
                               assumption=(1.0, 10.0))
    media_weight: float = param(0.2, unit="ratio", ge=0, le=1,
                                doc="exposure of non-app residents to posts relative to app users",
                                assumption=(0.0, 0.5))
    peer_weight: float = param(0.05, unit=DAY, ge=0, le=1,
                               doc="daily pull of fear toward contacts' mean fear", assumption=(0.0, 0.2))
    decay: float = param(0.02, unit=DAY, ge=0, le=1, doc="daily relaxation of fear toward its resting level",
                         assumption=(0.005, 0.1))
    @model_validator(mode="after")
    def _stable(self) -> Fear:
        if self.decay + self.peer_weight > 1:
            raise ValueError(f"decay + peer_weight must be <= 1 (got {self.decay} + {self.peer_weight})")
        return self

    capture_post_share: float = param(0.5, unit="probability", ge=0, le=1,
                                      doc="share of camera-captured offences posted to the app",
                                      assumption=(0.2, 0.8))


class Adoption(Node):
    initial_cameras: float = param(0.03, unit="share of households", ge=0, le=1,
                                   doc="households with a video doorbell on day 0 (Jan 2017)",
                                   assumption=(0.02, 0.04))
    camera_hazard: float = param(3.63e-5, unit=DAY, ge=0, le=1,
                                 doc="daily purchase hazard of a household at reference fear, no peers, no marketing",
                                 source="fitted: ~4% of households by end of 2017 (Parks Associates)")
    beta_fear: float = param(4.0, unit="1 / fear", ge=0, le=50, doc="log-hazard rise per unit fear above baseline",
                             assumption=(1.0, 8.0))
    beta_peer: float = param(3.0, unit="1 / share", ge=0, le=50,
                             doc="log-hazard rise per share of contacts on the platform", assumption=(1.0, 6.0))
    beta_marketing: float = param(1.0, unit="1 / effort", ge=0, le=20,
                                  doc="log-hazard rise per unit of police marketing", assumption=(0.0, 2.0))
    beta_price: float = param(1.0, unit="1 / (price / reference price)", ge=0, le=20,
                              doc="log-hazard fall per unit relative price, scaled by price sensitivity",
                              assumption=(0.5, 2.0))
    reference_price: float = param(150.0, unit="USD", ge=1, le=100_000, doc="price at which price_factor = 1",
                                   assumption=(100.0, 200.0))
    beta_privacy: float = param(1.0, unit="1 / concern", ge=0, le=20,
                                doc="log-hazard fall per unit privacy concern (0-1)", assumption=(0.0, 2.0))
    privacy_mean: float = param(0.5, unit="concern 0-1", ge=0.05, le=0.95,
                                doc="mean privacy concern (Beta distributed, concentration 4)", assumption=(0.3, 0.7))
    segregation_gap: float = param(0.8, unit="log-ratio per over-policed share", ge=0, le=5,
                                   doc="fall in a household's camera-purchase log-hazard per unit share of its "
                                       "neighbourhood in over-policed categories, centred on the city mean: lower "
                                       "incomes and home-ownership where segregation put those groups (camera "
                                       "placement = segregation x adoption; ~0.55 from the 2019 Black/white "
                                       "home-ownership ratio, not in TARGETS.md)",
                                   assumption=(0.0, 1.6))
    price_sensitivity_sd: float = param(0.5, unit="log-sd", ge=0, le=3,
                                        doc="spread of price sensitivity (lognormal, mean 1)", assumption=(0.2, 1.0))
    app_hazard: float = param(2e-5, unit=DAY, ge=0, le=1,
                              doc="daily app-install hazard of a resident without a camera at reference fear",
                              assumption=(5e-6, 1e-4))
    app_with_camera: float = param(0.7, unit="probability", ge=0, le=1,
                                   doc="chance a camera buyer installs the app at purchase", assumption=(0.5, 0.9))
    app_launch_day: int = param(485, unit="day", ge=0, doc="day the neighbourhood app launched (May 2018)",
                                source="press coverage 2018-2019 (app launched May 2018)")


class Vendor(Node):
    price: float = param(150.0, unit="USD", ge=0, le=100_000, doc="camera price", assumption=(99.0, 249.0))
    credit_per_install: float = param(10.0, unit="USD / install", ge=0, le=10_000,
                                      doc="credit a partnered department earns per app install in its area",
                                      source="Motherboard/Vice 2019 (Lakeland agreement)")
    seed_cameras: int = param(15, unit="cameras", ge=0, le=100_000, doc="free cameras given to a department on partnering",
                              source="Motherboard/Vice 2019 (Lakeland agreement)")
    alert_intensity: float = param(0.5, unit="ratio", ge=0, le=10,
                                   doc="extra post volume from the vendor's crime alerts (fear marketing)",
                                   assumption=(0.0, 1.5))
    programme_start_day: int = param(455, unit="day", ge=0, doc="partnership programme starts (spring 2018)",
                                     source="Financial Times, Jan 2021")
    credit_programme: bool = param(True, unit="bool", doc="credits toward free cameras per app install")
    marketing_duty: bool = param(True, unit="bool", doc="partnered departments must market the product")


class Departments(Node):
    n_outside: int = param(0, unit="departments", ge=0, le=100_000,
                           doc="departments outside the city that take part in partnership diffusion only",
                           assumption=(0, 18_000))
    peer_degree: int = param(6, unit="ties / department", ge=2, le=50,
                             doc="mean contacts of a department in the diffusion network", assumption=(4, 12))
    outside_hazard: float = param(4.6e-7, unit=DAY, ge=0, le=1,
                                  doc="daily chance an outside department accepts the offer unprompted",
                                  source="fitted: ~40 partners end 2018, ~400 by 28 Aug 2019 (FT 2021; WaPo 2019)")
    peer_hazard: float = param(0.0193, unit=DAY, ge=0, le=1,
                               doc="daily acceptance hazard per share of partnered peer departments",
                               source="fitted: ~40 partners end 2018, ~400 by 28 Aug 2019 (FT 2021; WaPo 2019)")
    city_hazard: float = param(0.004, unit=DAY, ge=0, le=1,
                               doc="daily acceptance hazard of a city department once offers start",
                               assumption=(0.001, 0.02))
    marketing_effort: float = param(0.5, unit="effort 0-1", ge=0, le=1,
                                    doc="marketing a partnered department does under its contract duty",
                                    assumption=(0.2, 1.0))


class Requests(Node):
    property_request: float = param(0.3, unit="probability", ge=0, le=1,
                                    doc="chance a partnered department requests footage for a recorded property offence",
                                    assumption=(0.1, 0.6))
    violent_request: float = param(0.6, unit="probability", ge=0, le=1,
                                   doc="chance a partnered department requests footage for a recorded violent offence",
                                   assumption=(0.3, 0.9))
    households_near: int = param(20, unit="households", ge=1, le=500,
                                 doc="households within the 0.5-mile request radius of an offence",
                                 assumption=(10, 60))
    warrant_required: bool = param(False, unit="bool", doc="requests need a warrant (probable cause)")
    probable_cause: float = param(0.25, unit="probability", ge=0, le=1,
                                  doc="share of requests for which a warrant would be obtained",
                                  assumption=(0.1, 0.5))
    in_app: bool = param(True, unit="bool", doc="departments may ask owners through the app (ended Jan 2024)")
    warrant_compliance: float = param(0.68, unit="probability", ge=0, le=1,
                                      doc="chance footage is produced under a warrant (vendor compliance with legal demands)",
                                      source="vendor transparency data via FT (68% 2019, 57% 2020)")
    aware_share: float = param(0.4, unit="probability", ge=0, le=1,
                               doc="share of owners who know they can refuse a request", assumption=(0.2, 0.8))
    grant_unaware: float = param(0.5, unit="probability", ge=0, le=1,
                                 doc="chance an owner unaware of opt-out grants a request", assumption=(0.3, 0.8))
    grant_aware: float = param(0.15, unit="probability", ge=0, le=1,
                               doc="chance an owner aware of opt-out grants, at reference fear",
                               source="Gizmodo 2019 (requests 'largely ignored'); level an assumption 0.05-0.3")
    grant_fear_slope: float = param(0.5, unit="1 / fear", ge=0, le=5,
                                    doc="rise in an aware owner's grant chance per unit fear above baseline",
                                    assumption=(0.0, 1.0))


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
    resident_share: float = param(0.25, unit="share of residents", ge=0, le=1,
                                  doc="residents with a booking photo at the start (make-up follows arrests)",
                                  assumption=(0.15, 0.35))


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
    other_probes: float = param(0.03, unit="probability", ge=0, le=1,
                                doc="share of recorded offences with a face image from other sources (business CCTV, "
                                    "social media) that FR-using departments search, partnered or not",
                                assumption=(0.0, 0.1))
    usable_face: float = param(0.4, unit="probability", ge=0, le=1,
                               doc="chance footage of an offence shows the offender's face well enough to search",
                               assumption=(0.2, 0.7))
    top_k_mode: bool = param(False, unit="bool",
                             doc="investigative search: the top-k candidates instead of all above the threshold")
    review: bool = param(True, unit="bool", doc="candidates go through human review before any action")
    review_catch: float = param(0.5, unit="probability", ge=0, le=1,
                                doc="share of false candidates human review rejects", assumption=(0.2, 0.8))
    review_true_pass: float = param(0.95, unit="probability", ge=0, le=1,
                                    doc="chance review keeps the true offender", assumption=(0.8, 1.0))
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

    @field_validator("score_proxy")
    @classmethod
    def _proxies(cls, v: dict[str, str]) -> dict[str, str]:
        bad = {k: g for k, g in v.items() if g not in GROUP_KEYS}
        if bad:
            raise ValueError(f"score_proxy must map to census group keys {GROUP_KEYS}, got {bad}")
        return v


class Patrol(Node):
    over_policing: float = param(11.9, unit="log-ratio per over-policed share", ge=0, le=30,
                                 doc="police attention and investigative effort rise as exp(this x share of the "
                                     "neighbourhood in over-policed categories): historical over-policing, not offending",
                                 source="fitted: Black people 28.4% of city arrests vs 13.4% of population (FBI CIUS 2019)")
    over_policed: list[str] = param(["black"], unit="race categories",
                                    doc="categories (group keys without _f/_m) whose neighbourhoods draw more policing")
    stops_per_1k: float = param(0.1, unit="stops / 1k residents / day", ge=0, le=50,
                                doc="patrol stops not driven by a face match", assumption=(0.02, 0.5))
    hit_rate: float = param(0.05, unit="probability", ge=0, le=1,
                            doc="share of patrol stops that end in an arrest", assumption=(0.01, 0.15))
    memory: float = param(0.05, unit=DAY, ge=0, le=1,
                          doc="weight of today's recorded incidents in patrol attention (moving average)",
                          assumption=(0.01, 0.2))


class Loops(Node):
    fear: bool = param(True, unit="bool", doc="fear loop: camera footage adds crime posts that raise fear")
    credit: bool = param(True, unit="bool", doc="credit loop: app installs earn credits that become free cameras")
    gallery: bool = param(True, unit="bool", doc="gallery loop: every arrest adds a mugshot to the gallery")
    attention: bool = param(True, unit="bool",
                            doc="attention loop: patrols follow recorded incidents, which cameras inflate")


class Neutral(Node):
    """Counterfactual switches for the disparity decomposition (``survsim decompose``):
    each puts one source of group difference in a neutral form. All off: the scenario."""

    algorithm: bool = param(False, unit="bool",
                            doc="every probe/candidate pair of groups has the same error rates (FMR kept at its "
                                "make-up-weighted mean, genuine scores at their mean)")
    gallery: bool = param(False, unit="bool",
                          doc="the gallery's starting make-up (outside photos, residents' earlier records) follows "
                              "the population, not arrest shares; later arrests still add photos")
    cameras: bool = param(False, unit="bool",
                          doc="cameras capture offences with the city's mean coverage everywhere (no placement by "
                              "segregation x adoption); the camera count is unchanged")
    attention: bool = param(False, unit="bool",
                            doc="policing effort and patrol attention are the same per resident everywhere (no "
                                "over-policing, no attention loop)")


class Params(Node):
    """The whole tree. ``Params()`` is the baseline; scenario files override leaves."""

    run: Run = Run()
    groups: Groups = Groups()
    city: City = City()
    network: Network = Network()
    crime: Crime = Crime()
    coverage: Coverage = Coverage()
    fear: Fear = Fear()
    adoption: Adoption = Adoption()
    vendor: Vendor = Vendor()
    departments: Departments = Departments()
    requests: Requests = Requests()
    recognition: RecognitionParams = RecognitionParams()
    emotion: EmotionParams = EmotionParams()
    gallery: Gallery = Gallery()
    enforcement: Enforcement = Enforcement()
    patrol: Patrol = Patrol()
    loops: Loops = Loops()
    neutral: Neutral = Neutral()

    @model_validator(mode="after")
    def _groups_known(self) -> Params:
        keys = self.group_keys
        e = self.enforcement
        if e.reference_group not in keys:
            raise ValueError(f"enforcement.reference_group = {e.reference_group!r} is not a group; groups: {list(keys)}")
        missing = [k for k in keys if k not in GROUP_KEYS and k not in e.score_proxy]
        if missing:
            raise ValueError(f"groups {missing} have no recognition error rates: map them to census groups "
                             f"in enforcement.score_proxy")
        return self

    @property
    def group_keys(self) -> tuple[str, ...]:
        return tuple(self.groups.shares)


__all__ = ["Params", "GROUP_KEYS", "GROUP_LABELS"]
