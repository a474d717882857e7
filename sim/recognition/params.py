"""Parameters of the face-recognition model: fitted score distributions and their inputs.

Scores live on a 0..1 similarity scale; the distribution parameters are given on the logit
scale, where ``logit(score)`` is normal (see :mod:`sim.recognition.scores`). The per-group
means were fitted offline by :func:`sim.recognition.fit.fit` to the targets in
:mod:`sim.recognition.targets`; re-run ``python -m sim.recognition.fit`` to print new values
after changing an assumption.

Example:
    >>> p = RecognitionParams()
    >>> p.threshold
    0.8
    >>> round(p.impostor_mean["white_m"], 2) < p.genuine_mean["white_m"]
    True
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from sim.core.groups import GROUP_KEYS
from sim.core.paramtree import Node, did_you_mean, param

_FIT = "fitted by sim.recognition.fit to"
_FMR_TARGETS = (f"{_FIT} ACLU 2018 Congress test (28 of 535 at 0.80 vs 25,000 arrest photos, "
                "~40% people of colour) and NISTIR 8280 median FMR ratios vs white men "
                "(Annex 15 via MdTF), within their 10-90% bands")
_FNMR_TARGETS = f"{_FIT} NISTIR 8280 median FNMR at the FMR=1e-5 operating point (via MdTF)"


def check_groups(value: dict[str, float]) -> dict[str, float]:
    """Per-group dicts must name exactly the census groups, so no group is silently missing.

    Returns:
        The dict reordered as ``GROUP_KEYS``.

    Raises:
        ValueError: on unknown or missing group keys.
    """
    unknown = set(value) - set(GROUP_KEYS)
    missing = set(GROUP_KEYS) - set(value)
    if unknown or missing:
        did = "".join(did_you_mean(k, GROUP_KEYS) for k in sorted(unknown)[:1])
        raise ValueError(f"group keys must be exactly {GROUP_KEYS}; "
                         f"unknown {sorted(unknown)}, missing {sorted(missing)}.{did}")
    return {k: value[k] for k in GROUP_KEYS}


def _check_shares(value: dict[str, float]) -> dict[str, float]:
    value = check_groups(value)
    if any(v < 0 for v in value.values()) or abs(sum(value.values()) - 1.0) > 1e-3:
        raise ValueError(f"shares must be >= 0 and sum to 1 (sum is {sum(value.values()):.4f})")
    return value


class CalibrationInputs(Node):
    """Inputs of the offline fit: who was searched against whom in the published tests.

    Changing these only matters when re-fitting (``python -m sim.recognition.fit``) or when
    re-checking the targets; the running model uses the fitted score parameters only.
    """

    congress_size: int = param(535, unit="people", source="ACLU, 26 Jul 2018", ge=1,
                               doc="members of Congress searched (probes)")
    congress_shares: dict[str, float] = param(
        # 115th Congress: ~50 Black, ~39 Hispanic, ~15 Asian/Pacific, 2 American Indian
        # members, 107 women; so ~20% people of colour as the ACLU states.
        {"white_f": 0.131, "white_m": 0.671, "black_f": 0.037, "black_m": 0.056,
         "hispanic_f": 0.019, "hispanic_m": 0.054, "asian_f": 0.013, "asian_m": 0.015,
         "native_f": 0.0, "native_m": 0.004},
        unit="share of members", assumption=(0.0, 0.85),
        doc="make-up of the 115th Congress (2018) by group; ~20% people of colour per ACLU 2018")
    gallery_size: int = param(25_000, unit="photos", source="ACLU, 26 Jul 2018", ge=1,
                              doc="public arrest photos in the ACLU gallery")
    gallery_black_share: float = param(
        0.284, unit="share of photos", source="FBI CIUS 2019 Table 49 (city arrests)",
        ge=0, le=1, doc="Black share of the arrest-photo gallery, following arrests")
    gallery_other_races: dict[str, float] = param(
        # FBI CIUS 2019 Table 43 suggests Hispanic ~18%, American Indian 2.4%, Asian 1.3% of
        # all arrests, white non-Hispanic the rest; as shares of the non-Black 71.6%.
        {"white": 0.697, "hispanic": 0.251, "asian": 0.018, "native": 0.034},
        unit="share of non-Black photos", assumption=(0.0, 1.0),
        doc="make-up by race of the gallery's non-Black photos")
    gallery_female_share: float = param(
        0.27, unit="share of photos", assumption=(0.2, 0.35), ge=0, le=1,
        doc="women's share of the gallery, every race (about a quarter of US arrests)")
    rerun_gallery_size: int = param(850_000, unit="photos", source="AWS statements, Jul 2018",
                                    ge=1, doc="faces in the vendor's re-run at 99% threshold")
    rerun_threshold: float = param(0.99, unit="similarity", source="AWS statements, Jul 2018",
                                   ge=0, le=1, doc="threshold of the vendor's re-run")
    nist_fmr: float = param(1e-5, unit="false matches / comparison", ge=0, le=1,
                            source="NIST FRVT report cards (mugshot operating point)",
                            doc="white-male FMR that defines NIST's operating threshold")
    hispanic_position: float = param(
        0.5, unit="1", assumption=(0.0, 1.0), ge=0, le=1,
        doc="where Hispanic FMR ratio and FNMR sit between white (0) and Black (1) of the "
            "same sex, on a log scale; no published figure")

    @field_validator("congress_shares")
    @classmethod
    def _shares(cls, value: dict[str, float]) -> dict[str, float]:
        return _check_shares(value)

    @field_validator("gallery_other_races")
    @classmethod
    def _races(cls, value: dict[str, float]) -> dict[str, float]:
        races = {k.rpartition("_")[0] for k in GROUP_KEYS} - {"black"}
        unknown = sorted(set(value) - races)
        did = did_you_mean(unknown[0], races) if unknown else ""
        if (set(value) != races or any(v < 0 for v in value.values())
                or abs(sum(value.values()) - 1.0) > 1e-3):
            raise ValueError(f"give shares >= 0 for exactly {sorted(races)}, summing to 1.{did}")
        return value

    @property
    def gallery_shares(self) -> dict[str, float]:
        """Gallery make-up by group (sums to 1), from the race and sex shares."""
        race = {r: (1 - self.gallery_black_share) * v for r, v in self.gallery_other_races.items()}
        race["black"] = self.gallery_black_share
        f = self.gallery_female_share
        return {k: race[k.rpartition("_")[0]] * (f if k.endswith("_f") else 1 - f)
                for k in GROUP_KEYS}


ALGORITHMS = ("vendor_2018", "nist_median", "nist_leading")
QUALITIES = ("booking", "doorbell", "cctv", "social")
_Q_DOC = ("a probe of booking-photo quality (frontal, lit) is the reference; doorbell stills are "
          "wide-angle, often from above and at night; business CCTV is low resolution; social-media "
          "photos are frontal but posed, filtered and older. No published per-source score shift: "
          "the ranges span 'no effect' to 'as large as the genuine spread'")


class AlgorithmParams(Node):
    """How the non-default presets differ from the fitted vendor_2018 model.

    Every preset shares the vendor's similarity scale at NIST's operating point (the
    threshold where white men's FMR is 1e-5), so a threshold means the same white-male FMR
    in each; they differ in group differentials and in how well they find the mate.
    """

    leading_differential: float = param(
        0.6407, unit="exponent on median FMR ratios", ge=0, le=1,
        source="fitted by sim.recognition.onetomany.fit_leading_differential to NIST FRVT Part 8 draft 2022 "
               "(worst group FMR / geometric mean ~6x for the best algorithms: the low end of 6x to >300x)",
        doc="nist_leading: each group's FMR ratio vs white men is the NIST median ratio to this power (0: none, "
            "1: the median's); the most accurate algorithms show far smaller differentials (NIST bulletin Dec 2019)")
    leading_fnmr_spread: float = param(
        0.3, unit="share of median FNMR spread", assumption=(0.0, 1.0), ge=0, le=1,
        doc="nist_leading: differences of genuine means between groups as a share of the NIST-median ones "
            "(FNMR ratios 1x-2x across groups for good algorithms, NIST FRVT Part 8 draft 2022)")
    leading_genuine_shift: float = param(
        2.4779, unit="logit similarity", ge=0, le=20,
        source="fitted by sim.recognition.onetomany.fit_leading to NIST 30 Nov 2018 (< 0.2% rank-1 miss, "
               "12.3M-person gallery; fit aims at 0.15%)",
        doc="nist_leading: rise of every genuine mean over the NIST-median algorithm's")


class ProbeQuality(Node):
    """Declared effects of a probe's image source on its scores (logit similarity)."""

    genuine_drop: dict[str, float] = param(
        {"booking": 0.0, "doorbell": 2.0, "cctv": 1.5, "social": 0.8}, unit="logit similarity",
        assumption=(0.0, 3.0), doc="fall of the genuine score mean for a probe of this source; " + _Q_DOC)
    impostor_rise: dict[str, float] = param(
        {"booking": 0.0, "doorbell": 0.2, "cctv": 0.2, "social": 0.1}, unit="logit similarity",
        assumption=(0.0, 1.0),
        doc="rise of impostor score means for a probe of this source: a blurred face matches more strangers. "
            "Kept small (quality costs mostly misses); larger rises also compress group differentials: at 0.6 "
            "for doorbell stills Black men's wrongful-stop rate falls from ~1.8x to ~1.4x white men's")

    @field_validator("genuine_drop", "impostor_rise")
    @classmethod
    def _qualities(cls, value: dict[str, float]) -> dict[str, float]:
        if set(value) != set(QUALITIES) or any(v < 0 for v in value.values()):
            raise ValueError(f"give a value >= 0 for exactly {list(QUALITIES)}")
        return {k: value[k] for k in QUALITIES}


class RecognitionParams(Node):
    """One-to-many face search: score distributions per group, threshold, candidate list."""

    impostor_mean: dict[str, float] = param(
        {"white_f": -4.1421, "white_m": -4.1449, "black_f": -3.3428, "black_m": -3.5569,
         "hispanic_f": -3.7571, "hispanic_m": -3.8586, "asian_f": -3.6741, "asian_m": -4.1421,
         "native_f": -2.926, "native_m": -3.3782},
        unit="logit similarity", source=_FMR_TARGETS,
        doc="mean logit score of same-group impostor pairs (different people)")
    impostor_sd: float = param(
        1.25, unit="logit similarity", assumption=(0.8, 2.0), ge=0.01,
        doc="sd of impostor logit scores; sets how fast FMR falls as the threshold rises")
    cross_race_offset: float = param(
        1.0, unit="logit similarity", assumption=(0.5, 2.0), ge=0,
        doc="impostor pairs of different race score this much lower than same-race pairs")
    cross_sex_offset: float = param(
        1.0, unit="logit similarity", assumption=(0.5, 2.0), ge=0,
        doc="impostor pairs of different sex score this much lower than same-sex pairs")
    genuine_mean: dict[str, float] = param(
        {"white_f": 5.4263, "white_m": 5.7004, "black_f": 5.8389, "black_m": 6.2844,
         "hispanic_f": 5.6363, "hispanic_m": 5.9995, "asian_f": 4.9188, "asian_m": 5.7004,
         "native_f": 4.62, "native_m": 5.0083},
        unit="logit similarity", source=_FNMR_TARGETS,
        doc="mean logit score of genuine pairs (two photos of the same person)")
    genuine_sd: float = param(
        2.0, unit="logit similarity", assumption=(1.0, 3.0), ge=0.01,
        doc="sd of genuine logit scores (photo quality, ageing, pose); sets how fast misses "
            "rise with the threshold: white-male FNMR at 0.99 is ~30% (~15-85% over the range)")
    threshold: float = param(0.80, unit="similarity", source="ACLU, 26 Jul 2018", ge=0, le=1,
                             doc="vendor default similarity threshold for a match")
    top_k: int = param(5, unit="candidates", ge=1, le=1000,
                       source="Washington County, OR sheriff's policy (GCN 2017; WaPo 2019)",
                       doc="candidate-list length in investigative (top-k) searches; at most max_candidates")
    max_candidates: int = param(
        50, unit="candidates / search", ge=1, le=1000,
        source="GAO-16-267 (FBI NGI-IPS returns 2-50 candidates); NIST FRVT 1:N investigative mode (50)",
        doc="longest candidate list a search returns, whatever the threshold (deployed systems cap the list); "
            "the best-scoring candidates are kept. At most 1,000: every candidate can become a stop and an "
            "arrest photo, so a threshold near 0 with no cap made each search return the whole gallery "
            "and the run grow without bound")
    algorithm: Literal["vendor_2018", "nist_median", "nist_leading"] = param(
        "vendor_2018", unit="preset",
        doc="score model in use: vendor_2018 (the fit to the ACLU 2018 Congress test: a 2018 commercial "
            "algorithm in the upper range of NIST's differentials), nist_median (NISTIR 8280 median "
            "differentials and FNMRs), nist_leading (2018-19 leaders: small differentials, < 0.2% rank-1 miss "
            "at 12M)")
    presets: AlgorithmParams = AlgorithmParams()
    quality: ProbeQuality = ProbeQuality()
    calibration: CalibrationInputs = CalibrationInputs()

    @model_validator(mode="after")
    def _list(self) -> RecognitionParams:
        if self.top_k > self.max_candidates:
            raise ValueError(f"recognition.top_k = {self.top_k} must be <= recognition.max_candidates = "
                             f"{self.max_candidates} (the longest candidate list a search returns)")
        return self

    @field_validator("impostor_mean", "genuine_mean")
    @classmethod
    def _groups(cls, value: dict[str, float]) -> dict[str, float]:
        return check_groups(value)

