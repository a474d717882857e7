"""Parameters of behaviour: fear, household adoption, the vendor, departments' partnering, footage requests."""

from __future__ import annotations

from pydantic import model_validator

from sim.core.paramtree import Node, param
from sim.params.world import DAY


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
    camera_hazard: float = param(8.6e-5, unit=DAY, ge=0, le=1,
                                 doc="daily purchase hazard of a household in the market at reference fear, no peers, "
                                     "no marketing",
                                 source="fitted: ~4% of households by end of 2017 (Parks Associates)")
    beta_fear: float = param(4.0, unit="1 / fear", ge=0, le=50, doc="log-hazard rise per unit fear above baseline",
                             assumption=(1.0, 8.0))
    beta_peer: float = param(4.8, unit="1 / share", ge=0, le=50,
                             doc="log-hazard rise per share of contacts on the platform (carries the app launch's "
                                 "effect on purchases)",
                             source="fitted: ~7% of households by end of 2018 (Parks Associates 2019: 28% security "
                                    "system x ~1/4 video doorbell or lock, derived), with camera_hazard")
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
                                       "home-ownership ratio, not in docs/sources.md)",
                                   assumption=(0.0, 1.6))
    price_sensitivity_sd: float = param(0.5, unit="log-sd", ge=0, le=3,
                                        doc="spread of price sensitivity (lognormal, mean 1)", assumption=(0.2, 1.0))
    app_hazard: float = param(2e-5, unit=DAY, ge=0, le=1,
                              doc="daily app-install hazard of a resident without a camera at reference fear",
                              assumption=(5e-6, 1e-4))
    app_with_camera: float = param(0.7, unit="probability", ge=0, le=1,
                                   doc="chance a camera buyer installs the app at purchase", assumption=(0.5, 0.9))
    market_share: float = param(0.35, unit="share of households", ge=0.001, le=1,
                                doc="households that would ever buy a doorbell at the 2017 price (vendor.price): the "
                                    "market potential; the rest never buy unless the price falls below their "
                                    "reservation price (price sensitivity x price). Floor from the 25% of broadband "
                                    "households planning to buy in 2019 and the 28% with a security system (Parks "
                                    "Associates 2019)", assumption=(0.25, 0.5))
    app_launch_day: int = param(485, unit="day", ge=0, doc="day the neighbourhood app launched (May 2018)",
                                source="press coverage 2018-2019 (app launched May 2018)")


class Vendor(Node):
    price: float = param(150.0, unit="USD", ge=0, le=100_000, doc="camera price paid on average in 2017 (day 0)",
                         assumption=(99.0, 249.0))
    price_floor: float = param(80.0, unit="USD", ge=0, le=100_000,
                               doc="price the path falls toward (entry models 'from $80', Jan 2019)",
                               source="press, Jan 2019: video doorbells from $80 (docs/sources.md)")
    price_decline: float = param(0.12, unit="1 / year", ge=0, le=5,
                                 doc="yearly rate at which the price closes its gap to the floor: price(t) = floor + "
                                     "(price - floor) exp(-price_decline t); 0.12 puts the mean price near $130 in "
                                     "2019, between the $80 entry models and the ~$200 mid model",
                                 assumption=(0.05, 0.25))
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
    outside_hazard: float = param(1.4e-6, unit=DAY, ge=0, le=1,
                                  doc="daily chance a willing outside department accepts the offer unprompted",
                                  source="fitted: every partnership row to 2019, ~40 end 2018 to 661 late 2019 (FT 2021; "
                                         "Wired; GovTech; WaPo 2019; CNET)")
    peer_hazard: float = param(0.0198, unit=DAY, ge=0, le=1,
                               doc="daily acceptance hazard per share of partnered peers (among willing departments)",
                               source="fitted: every partnership row to 2019, ~40 end 2018 to 661 late 2019 (FT 2021; "
                                      "Wired; GovTech; WaPo 2019; CNET)")
    city_hazard: float = param(0.004, unit=DAY, ge=0, le=1,
                               doc="daily acceptance hazard of a city department once offers start",
                               assumption=(0.001, 0.02))
    willing_share: float = param(0.2, unit="share of departments", ge=0, le=1,
                                 doc="departments that would ever partner (the rest never do: politics, policy, no "
                                     "use for doorbell video); drawn once per department",
                                 assumption=(0.1, 0.4))
    onboard_capacity: float = param(6.0, unit="departments / day", ge=0.01, le=10_000,
                                    doc="departments the vendor can onboard a day; accepted offers beyond it wait",
                                    assumption=(3.0, 15.0))
    scrutiny_day: int = param(969, unit="day", ge=0,
                              doc="public scrutiny begins (28 Aug 2019: national press on the partnerships, then "
                                  "letters from Congress and local bans)",
                              source="Washington Post and the vendor's map, Aug 2019 (docs/sources.md)")
    scrutiny: float = param(0.13, unit="share", ge=0, le=1,
                            doc="fall in every acceptance hazard from scrutiny_day on",
                            source="fitted: with the two hazards to every partnership row to 2019; set by the "
                                   "late-2019 row (661, CNET), the only one after 28 Aug 2019; range 0-0.3 (at 0.3 "
                                   "the mean reaches 661 only by 31 Dec 2019; fits on three sets of 12 seeds 0.11-0.13)")
    exit_rate: float = param(0.02, unit="1 / year", ge=0, le=1,
                             doc="yearly chance a partnered department ends its partnership (from scrutiny_day on)",
                             assumption=(0.0, 0.06))
    ban_rate: float = param(0.005, unit="1 / year", ge=0, le=1,
                            doc="yearly chance a partnered department's jurisdiction bans the partnership by law "
                                "(from scrutiny_day on); it ends at once and never resumes",
                            assumption=(0.0, 0.02))
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
                                 doc="households within the 0.5-mile request radius of an offence (centred on its spot)",
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




class Trust(Node):
    """Trust in police, per resident (the fifth loop; docs/ODD.md 7.16)."""

    baseline: float = param(0.6, unit="trust 0-1", ge=0.01, le=1,
                            doc="resting trust in police, the same in every group (group gaps emerge from contacts)",
                            assumption=(0.4, 0.8))
    stop_loss: float = param(0.2, unit="share of trust", ge=0, le=1,
                             doc="share of trust a resident loses when wrongfully stopped (trust *= 1 - stop_loss)",
                             assumption=(0.05, 0.4))
    other_stop_weight: float = param(0.25, unit="ratio", ge=0, le=1,
                                     doc="trust lost in any other stop (patrol stops, stops of the offender) relative "
                                         "to a wrongful stop (Tyler, Fagan & Geller 2014: stops, more so intrusive "
                                         "ones, lower legitimacy)", assumption=(0.0, 0.5))
    seen_loss: float = param(0.02, unit="share of trust", ge=0, le=1,
                             doc="share of trust a resident loses when a contact is wrongfully stopped",
                             assumption=(0.0, 0.06))
    request_loss: float = param(0.01, unit="share of trust", ge=0, le=1,
                                doc="share of trust an owner loses per warrantless footage request",
                                assumption=(0.0, 0.04))
    asymmetry: float = param(8.0, unit="ratio", ge=1, le=100,
                             doc="how much more a bad contact moves trust than a good one: a victim whose report "
                                 "is recorded gains stop_loss / asymmetry of the gap to full trust",
                             source="Skogan 2006: bad contacts move confidence 4-14x as much as good ones")
    half_life: float = param(2.0, unit="years", ge=0.05, le=100,
                             doc="half-life of a trust gap's recovery toward baseline", assumption=(0.5, 5.0))
    grant_slope: float = param(1.0, unit="1 / trust", ge=0, le=10,
                               doc="relative change in a voluntary grant's chance per unit of the head's trust "
                                   "above baseline (Tyler & Fagan 2008: legitimacy shapes cooperation)",
                               assumption=(0.0, 2.0))
    report_slope: float = param(0.3, unit="1 / trust", ge=0, le=10,
                                doc="relative change in the chance of reporting an offence per unit of the "
                                    "neighbourhood's mean trust above baseline; contested (Desmond et al. 2016 vs "
                                    "Zoorob 2020), so the range includes zero", assumption=(0.0, 1.0))
    app_slope: float = param(2.0, unit="1 / trust", ge=0, le=20,
                             doc="app-install log-hazard change per unit of trust above baseline",
                             assumption=(0.0, 4.0))
