"""Every calibration target of the model, checked in one table (``survsim calibrate``).

Model-level targets are averaged over a few seeds of the shipped scenarios; recognition
targets are analytic (see :mod:`sim.recognition.targets`). Tolerances are ours, chosen
from how precise each published figure is.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.experiments.fitting import (ADOPTION_DAY, ADOPTION_SHARE, BLACK_ARREST_SHARE, black_arrest_share, camera_share,
                                     partners, with_values)
from sim.model import SurveillanceModel
from sim.output.validation_page import format_value
from sim.recognition import TargetCheck, recognition_targets
from sim.policy.scenario import load

SEEDS = range(4)


def _check(*args, **kw) -> TargetCheck:
    """Every model-level row so far was fitted (see the sources of the fitted parameters)."""
    return TargetCheck.of(*args, **{"evidence": "fitted", **kw})


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


WASHCO_SEARCHES = 1_000   # > 1,000 searches logged in 2018 (lower bound); "up to ~20 a day"
NYPD_MATCH_SHARE = 0.264  # NYPD 2018: 1,851 possible matches of 7,024 requests


def search_funnel(seeds: Sequence[int] = SEEDS) -> tuple[float, float]:
    """Baseline in 2018 (days 366-730): face searches a year were every department searching
    (the run's count over ``fr_departments``), and the share of searches where review picked a
    candidate; pooled over seeds."""
    p = with_values(load("baseline").params, **{"run.days": 730})
    searches = matches = 0.0
    for s in seeds:
        m = SurveillanceModel(p, seed=s)
        m.run()
        searches += m.recorder.get("fr_searches")[366:].sum()
        matches += m.recorder.get("fr_possible_matches")[366:].sum()
    per_year = searches / len(seeds) / p.enforcement.fr_departments  # days 366-730: one year
    return float(per_year), float(matches / max(searches, 1))


def funnel_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    """Search volume (fitted: ``enforcement.other_probes``) and lead yield (a check)."""
    per_year, match = search_funnel(seeds)
    ratio = load("baseline").params.gallery.catchment_ratio  # the gallery's catchment per city resident
    return [
        TargetCheck.of(f"face searches a year, 20,000-resident city, all units searching (Washington County's "
                       f"2018 count / its catchment ratio {ratio:g})",
                       "Willamette Week, Hillsboro Signal 2018; WaPo 2019 (> 1,000 in 2018; up to ~20 a day)",
                       WASHCO_SEARCHES / ratio, per_year, (WASHCO_SEARCHES / ratio, 20 * 365 / ratio),
                       evidence="fitted"),  # enforcement.other_probes was fitted to it
        # Requests include images too poor to search, searches do not: the model's share per
        # search should be at or above NYPD's per request (one-sided), and not above ~60%.
        TargetCheck.of("share of face searches where review picked a candidate (baseline, 2018)",
                       "NYPD 2018 via FindBiometrics (26.4% possible match per request)", NYPD_MATCH_SHARE, match,
                       (NYPD_MATCH_SHARE, 0.6)),
    ]


def all_targets(seeds: Sequence[int] = SEEDS) -> list[TargetCheck]:
    return model_targets(seeds) + funnel_targets(seeds) + recognition_targets()


__all__ = ["TargetCheck", "all_targets", "model_targets", "format_value"]
