"""The metric catalogue: every output declared once, with label, unit and whether it has
per-group rows. The model fills preallocated arrays; results, manifests and charts read
labels and units from here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from sim.core.offences import LABELS, OFFENCES


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str
    per_group: bool = False  # also recorded per demographic group
    flow: bool = False       # a count per day (summed over time), not a level
    intensive: bool = False  # a per-resident rate or share: groups average (by population), not add up
    population_row: bool = True  # False: per group only (the population row is NaN)


METRICS: tuple[Metric, ...] = (
    Metric("cameras", "Households with a camera", "households", per_group=True),
    Metric("app_users", "Residents using the app", "residents", per_group=True),
    Metric("free_cameras", "Free cameras given by police (cumulative)", "cameras"),
    Metric("partnered_departments", "Police departments partnered with the vendor", "departments"),
    Metric("partner_exits", "Partnerships ended (exits and local bans, cumulative)", "departments"),
    Metric("households_in_market", "Households in the camera market (would buy at today's price, or own one)",
           "share of households", intensive=True),
    Metric("camera_price", "Mean camera price", "USD", intensive=True),
    Metric("trust_mean", "Mean trust in police", "trust 0-1", per_group=True, intensive=True),
    Metric("coverage_mean", "Camera coverage where residents live", "share of street covered", intensive=True),
    Metric("fear_mean", "Mean fear of crime", "fear 0-1", per_group=True, intensive=True),
    Metric("crimes_actual", "Offences committed", "offences / day", flow=True),
    Metric("crimes_reported", "Offences reported to police", "offences / day", flow=True),
    Metric("crimes_recorded", "Offences recorded by police", "offences / day", flow=True),
    Metric("crimes_captured", "Offences captured on a camera", "offences / day", flow=True),
    Metric("crimes_discovered", "Offences nobody reported that patrols discovered and recorded", "offences / day", flow=True),
    Metric("crime_posts", "Crime posts in the app", "posts / day", flow=True),
    Metric("footage_requests_warrantless", "Footage requests without a warrant", "owners asked / day", flow=True),
    Metric("footage_requests_warranted", "Footage requests with a warrant", "owners asked / day", flow=True),
    Metric("footage_granted", "Footage requests granted", "owners / day", flow=True),
    Metric("fr_searches", "Face-recognition searches (by offender's group)", "searches / day", per_group=True, flow=True),
    Metric("fr_true_candidates", "Searches returning the offender", "candidates / day", per_group=True, flow=True),
    Metric("fr_no_match", "Searches ending with no candidate picked (by probe's group)", "searches / day",
           per_group=True, flow=True),
    Metric("fr_possible_matches", "Searches where review picked a candidate (by probe's group)", "searches / day",
           per_group=True, flow=True),
    Metric("fr_false_candidates", "False candidates returned (by their group)", "candidates / day", per_group=True,
           flow=True),
    Metric("stops", "Police stops (face matches, patrols, emotion flags)", "stops / day", per_group=True, flow=True),
    Metric("arrests", "Arrests", "arrests / day", per_group=True, flow=True),
    Metric("wrongful_stops", "Stops of people who did not commit the offence", "stops / day", per_group=True,
           flow=True),
    Metric("wrongful_arrests", "Arrests of people who did not commit the offence", "arrests / day", per_group=True,
           flow=True),
    Metric("clearances", "Offences cleared by arrest (by offender's group)", "offences / day", per_group=True,
           flow=True),
    Metric("fr_clearances", "Offences cleared only thanks to a face-search lead (by offender's group)",
           "offences / day", per_group=True, flow=True),
    *(m for name in OFFENCES for m in (
        Metric(f"recorded_{name}", f"Recorded offences: {LABELS[name]}", "offences / day", flow=True),
        Metric(f"cleared_{name}", f"Offences cleared by arrest: {LABELS[name]}", "offences / day", flow=True),
        Metric(f"searched_{name}", f"Face-recognition searches: {LABELS[name]}", "searches / day", flow=True))),
    Metric("emotion_flags", "Faces flagged 'fear'/'anger' by emotion analysis", "flags / day", per_group=True,
           flow=True),
    Metric("gallery_size", "Photos in the searched mugshot gallery", "photos", per_group=True),
    # Privacy exposure
    Metric("person_days_on_camera", "Resident-days inside camera coverage", "resident-days / day", per_group=True,
           flow=True),
    Metric("footage_obtained_without_warrant", "Owners' footage handed to police without a warrant (by owner's group)",
           "owners / day", per_group=True, flow=True),
    Metric("gallery_share", "Residents with a photo in the searched mugshot gallery", "share of residents",
           per_group=True, intensive=True),
    Metric("searches_per_1000", "Face-recognition searches per 1,000 residents (by offender's group)",
           "searches / 1k residents / day", per_group=True, flow=True, intensive=True),
    # No population row: the highest of the groups' ratios, as it once was, is biased upward
    # (the maximum of noisy ratios); pooled ratios with intervals and events are in summary.csv.
    Metric("disparity_wrongful_stops",
           "Wrongful stops per capita to date, relative to the reference group (per group only; no population row)",
           "ratio", per_group=True, intensive=True, population_row=False),
)

BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}

# Which way is better, for the metrics scenarios are ranked by (the robustness table of
# ``survsim compare --ensemble``): harms to residents are better lower, offences cleared higher.
# Every other metric has no better direction the model can state (more cameras, app users,
# face searches, fear or trust is a question of values or of mechanism, not an outcome to rank
# reforms by) and is left out of robustness.
BETTER: dict[str, str] = {"wrongful_stops": "lower", "wrongful_arrests": "lower", "fr_false_candidates": "lower",
                          "footage_obtained_without_warrant": "lower", "clearances": "higher"}


def catalogue() -> list[dict]:
    """The catalogue as plain dicts, for manifests."""
    return [asdict(m) for m in METRICS]


class Recorder:
    """Preallocated daily arrays for every metric: ``total[day, metric]`` and
    ``by_group[day, metric, group]`` (NaN for metrics without group rows)."""

    def __init__(self, days: int, n_groups: int, metrics: tuple[Metric, ...] = METRICS):
        self.metrics = metrics
        self.index = {m.name: i for i, m in enumerate(metrics)}
        self.total = np.zeros((days + 1, len(metrics)))
        self.by_group = np.full((days + 1, len(metrics), n_groups), np.nan)
        self.by_group[:, [m.per_group for m in metrics], :] = 0.0  # day-0 flows are zero, not missing

    def record(self, day: int, name: str, value: float, by_group: np.ndarray | None = None) -> None:
        i = self.index[name]
        self.total[day, i] = value
        if by_group is not None:
            self.by_group[day, i] = by_group

    def record_rows(self, day: int, names: tuple[str, ...], values: np.ndarray,
                    by_group: np.ndarray | None = None) -> None:
        """:meth:`record` for several metrics at once (``by_group``: one row per metric)."""
        i = self.rows(names)
        self.total[day, i] = values
        if by_group is not None:
            self.by_group[day, i] = by_group

    def rows(self, names: tuple[str, ...]) -> np.ndarray:
        """Column indices of ``names`` (cached: the day's record asks for the same tuples)."""
        cache = self.__dict__.setdefault("_rows", {})
        if names not in cache:
            cache[names] = np.array([self.index[n] for n in names], np.intp)
        return cache[names]

    def get(self, name: str, group: int | None = None) -> np.ndarray:
        """Daily series of one metric (whole population, or one group)."""
        i = self.index[name]
        return self.total[:, i] if group is None else self.by_group[:, i, group]
