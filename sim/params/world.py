"""Parameters of the place and the time: run length, groups, city, network, crime, coverage."""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from sim.core.groups import CENSUS_SHARES
from sim.core.paramtree import Node, param

DAY = "1 / day"


class Run(Node):
    start_date: dt.date = param(dt.date(2017, 1, 1), unit="date", doc="calendar date of day 0",
                                source="Parks Associates 2017 (adoption level is given for 2017)")
    days: int = param(1095, unit="days", doc="length of a run (4017 days: 2017 to the end of 2027)",
                      assumption=(365, 4017), ge=1, le=7305)


class Groups(Node):
    shares: dict[str, float] = param(
        CENSUS_SHARES, unit="share of residents",
        doc="demographic groups and their population shares (normalised to sum 1)",
        source="US Census 2019 (Black 13.4% per docs/sources.md); other race shares assumption +/-2pp")
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
    """Recorded rates (FBI) by offence type; reporting (NCVS) by type; see sim/core/offences.py."""

    property_recorded: float = param(2109.9, unit="offences / 100k residents / year", ge=0,
                                     doc="recorded property crime rate (petty theft + vehicle theft + burglary)",
                                     source="FBI CIUS 2019", le=100_000)
    violent_recorded: float = param(366.7, unit="offences / 100k residents / year", ge=0,
                                    doc="recorded violent crime rate", source="FBI CIUS 2019", le=100_000)
    petty_theft_share: float = param(0.734, unit="share of recorded property crime", ge=0, le=1,
                                     doc="larceny-theft (incl. package theft) in recorded property crime; FBI CIUS 2019 "
                                         "Table 1 gives 73.4% (not in docs/sources.md)",
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


