"""Parameters of the place and the time: run length, groups, city, network, crime, coverage."""

from __future__ import annotations

import datetime as dt

from pydantic import field_validator, model_validator

from sim.core.groups import CENSUS_SHARES
from sim.core.paramtree import Node, did_you_mean, param

DAY = "1 / day"
# Lowest share of reported (and recorded) crime: rates are calibrated to *recorded* crime,
# so actual crime is recorded / (reporting x recording); the reporting shares have ge=0.01.
MIN_RECORDING = 0.01


class Run(Node):
    # Not strict: a date arrives as a TOML date, or as ISO text from JSON (workers, caches).
    start_date: dt.date = param(dt.date(2017, 1, 1), unit="date", doc="calendar date of day 0",
                                source="Parks Associates 2017 (adoption level is given for 2017)", strict=False)
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
        blank = [k for k in v if not k.strip()]
        if blank:
            raise ValueError(f"group key {blank[0]!r} is not allowed: an empty key is the whole-population row of "
                             f"results; give each group a name")
        bad = [k for k, s in v.items() if not (0 < s < float("inf"))]
        if bad:
            raise ValueError(f"shares must be finite and > 0, got {bad[0]} = {v[bad[0]]}")
        total = sum(v.values())
        return {k: s / total for k, s in v.items()}

    @model_validator(mode="after")
    def _ratios(self) -> Groups:
        for k, r in self.offending_ratio.items():
            if k not in self.shares:
                raise ValueError(f"offending_ratio names unknown group {k!r}.{did_you_mean(k, self.shares)} "
                                 f"Groups: {sorted(self.shares)}")
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
    dissimilarity: float = param(
        0.55, unit="index 0-1", ge=0.0, le=0.95,
        doc="target dissimilarity index from the majority of the Black category (and of any minority category "
            "city.group_dissimilarity does not list, e.g. the educator's group_b); presets: mild 0.40, typical 0.55, "
            "hypersegregated 0.711. Large US metros range 0.395 to over 0.70 (Frey 2018)",
        assumption=(0.40, 0.75))
    group_dissimilarity: dict[str, float] = param(
        {"hispanic": 0.48, "asian": 0.41, "native": 0.33}, unit="index 0-1 by race category",
        doc="target dissimilarity from the majority per minority category (keys: group keys without _f/_m); "
            "Hispanic-white ~0.48 and Asian-white ~0.41 in 2010 (Census CENSR-3; unconfirmed); American Indian "
            "ranks fourth of four on every dimension (Census 2002), 0.33 declared",
        assumption=(0.25, 0.60))
    isolation: dict[str, float] = param(
        {"black": 0.45, "hispanic": 0.48, "asian": 0.395}, unit="index 0-1 by race category",
        doc="target isolation per minority category: the group's share in the average member's neighbourhood "
            "(Black 0.45 and Hispanic 0.48: metro averages 2010, Logan & Stults; Asian/PI 0.395: 30 metros 2000, "
            "Census CENSR-3); a category not listed has no isolation target; presets: mild Black 0.25 "
            "(declared), hypersegregated Black 0.642 (Massey & Tannen 2015)",
        assumption=(0.2, 0.7))

    @field_validator("group_dissimilarity", "isolation")
    @classmethod
    def _indices(cls, v: dict[str, float]) -> dict[str, float]:
        bad = {k: x for k, x in v.items() if not 0.0 <= x <= 0.95}
        if bad:
            k = next(iter(bad))
            raise ValueError(f"{k} = {bad[k]} is outside 0.0 to 0.95")
        return v

    neighbourhoods: str = param(
        "", unit="path to a CSV or GeoJSON table",
        doc="build the city from a table instead of the grid: one row per neighbourhood (e.g. census tract) with "
            "id, x, y (in neighbourhood widths, ~miles), households, residents per group key, optional crime_index "
            "and jurisdiction (sim.world.table); or a GeoJSON FeatureCollection (.geojson/.json) with those "
            "properties and a Polygon/MultiPolygon/Point per feature, positioned in miles (sim.world.geojson); n_residents, grid_side and the segregation targets are then unused. "
            "Looked up in the working directory, then among the shipped scenarios")
    crime_index_sigma: float = param(0.5, unit="log-sd", ge=0.0, le=2.0,
                                     doc="spread of baseline crime between neighbourhoods (lognormal)",
                                     assumption=(0.2, 1.0))


class Offenders(Node):
    """Who offends (sim.mechanisms.offenders): propensity, journey to crime, record."""

    propensity_sigma: float = param(
        1.6, unit="log-sd", ge=0.0, le=3.0,
        doc="spread of offending propensity between residents (lognormal, mean 1): 1.6 puts ~52% of expected "
            "offences on the top 6% of residents, Wolfgang et al.'s birth-cohort figure (6% committed 52%); "
            "repeat offending follows from a stable propensity",
        assumption=(1.0, 2.2))
    female_ratio: float = param(
        0.37, unit="ratio", ge=0.0, le=2.0,
        doc="offending propensity of women (group keys ending _f) relative to men: 0.37 = 0.27 / 0.73, women "
            "being about a quarter of US arrests (as recognition.calibration.gallery_female_share)",
        assumption=(0.25, 0.55))
    journey_decay: float = param(
        1.0, unit="grid cells (neighbourhood widths)", ge=0.0, le=50.0,
        doc="offenders come from neighbourhoods at distance d with weight exp(-d / this) x their propensity: "
            "mean journeys of 1.2-2.1 miles, ~30% of burglaries within 0.5 mile (Rhodes & Conly 1981), read with a "
            "neighbourhood ~1 mile across (an assumption); 0 = offenders live where they offend",
        assumption=(0.5, 2.0))
    outsider_share: float = param(
        0.15, unit="share of offences (and of passers-by)", ge=0.0, le=1.0,
        doc="people out in the city who live outside it (commuters, visitors), offending as residents do: they "
            "commit this share of offences wherever offences happen and are this share of passers-by in footage; "
            "groups as the city's (offending-weighted for offenders); booking photos as often as resident offenders "
            "of their group (sim.mechanisms.outsiders). No figure in docs/sources.md: declared. For scale, the "
            "journey kernel (journey_decay 1) puts ~18% of its weight beyond the 10 x 10 baseline grid; visitors "
            "from farther add to it, a larger city has less edge; 0 = every offender and passer-by is a resident",
        assumption=(0.05, 0.30))
    history: bool = param(True, unit="bool",
                          doc="residents' starting booking photos follow their expected arrests (offending and "
                              "where patrols stop), so the gallery holds the people most likely to offend")


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
                             doc=f"share of reported crime the police record; at least {MIN_RECORDING} because the "
                                 "rates above are recorded crime, so actual crime = recorded / (reporting x "
                                 "recording) and 0 would mean infinitely many offences",
                             assumption=(0.8, 1.0))

    @field_validator("recording")
    @classmethod
    def _recording(cls, v: float) -> float:
        if v < MIN_RECORDING:
            raise ValueError(f"must be at least {MIN_RECORDING} (the same floor as the reporting shares): the crime "
                             f"rates are recorded crime, so actual crime = recorded / (reporting x recording), and "
                             f"{v} would mean {'infinitely' if v == 0 else 'absurdly'} many offences")
        return v
    deterrence: float = param(0.0, unit="share per unit coverage", ge=0, le=1,
                              doc="fall in offending per unit camera coverage (evidence weak: 0 by default)",
                              source="MIT Tech Review 2018; CNET 2020; Piza et al. 2015 (no RCT of doorbells); range 0-0.2")
    camera_reporting_uplift: float = param(0.3, unit="probability", ge=0, le=1,
                                           doc="extra chance an unreported offence is reported when a camera captured it",
                                           assumption=(0.0, 0.6))


class Coverage(Node):
    kappa: float = param(5.0, unit="households", ge=0, le=100,
                         doc="households (rounded) whose camera overlooks an offence's spot; coverage = "
                             "1 - (1 - cameras / households)^kappa: saturating street coverage",
                         assumption=(2.0, 10.0))


