"""Every calibration target of the model, checked in one table (``survsim calibrate``).

Model-level targets are averaged over a few seeds of the shipped scenarios; recognition
targets are analytic (see :mod:`sim.recognition.targets`). Tolerances are ours, chosen
from how precise each published figure is.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.experiments.fitting import (ADOPTION_DAY, ADOPTION_SHARE, BLACK_ARREST_SHARE, black_arrest_share, camera_share,
                                     partners)
from sim.output.validation_page import format_value
from sim.recognition import TargetCheck, recognition_targets
from sim.policy.scenario import load

SEEDS = range(4)


_check = TargetCheck.of


def model_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    """Adoption and partnership figures reproduced by the model (mean over seeds)."""
    base = load("baseline").params
    share = camera_share(base, seeds)
    # Diffusion from a handful of early partners is noisy: average more seeds than elsewhere.
    first = min(seeds)
    end_2018, aug_2019 = partners(load("national").params, range(first, first + 3 * len(seeds)), (729, 969))
    arrests = black_arrest_share(base, seeds)
    return [
        _check(f"households with a video doorbell, day {ADOPTION_DAY} (end of 2017)",
               "Parks Associates 2017", ADOPTION_SHARE, share, (0.035, 0.045)),
        _check("departments partnered, 31 Dec 2018 (national preset)", "Financial Times, Jan 2021",
               40, end_2018, (20, 60)),
        _check("departments partnered, 28 Aug 2019 (national preset)",
               "Washington Post and the vendor's map, Aug 2019 (401-405)", 403, aug_2019, (250, 550)),
        _check("Black share of arrests over the baseline run (2017-2021)", "FBI CIUS 2019 Table 49 (city arrests)",
               BLACK_ARREST_SHARE, arrests, (0.25, 0.32)),
    ]


def all_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    return model_targets(seeds) + recognition_targets()


__all__ = ["TargetCheck", "all_targets", "model_targets", "format_value"]
