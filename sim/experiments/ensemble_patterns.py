"""The patterns an ensemble draw is judged by: the independent checks of ``survsim calibrate``
and the patterns of ``survsim validate``, each with the tolerance band or pass rule it
already declares there, evaluated for one parameter set at a stated city size.

Nothing is re-implemented here: the rows come from :func:`sim.experiments.targets.independent_checks`,
:func:`sim.experiments.targets.funnel_targets` and :func:`sim.recognition.recognition_targets`
(each given the drawn parameters), and the patterns from the check functions of
:mod:`sim.experiments.validation` on :func:`sim.experiments.validation.run_baseline` runs.

Fitted targets are not offered: a drawn world keeps the fitted parameters at their stored
values, so a fitted row would judge the fit, not the draw (refitting per draw is later work).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.experiments.fitting import pooled_shares, with_values
from sim.experiments.targets import funnel_targets, independent_checks
from sim.experiments.validation import (adoption_check, clearance_check, disparity_check, fear_check,
                                        partnership_check, run_baseline, run_partners)
from sim.params import Params
from sim.recognition import recognition_targets


@dataclass(frozen=True)
class Pattern:
    """One pattern a draw can be asked to reproduce."""

    key: str
    kind: str         # "check" (a calibrate row no parameter was fitted to) or "pattern" (validate)
    needs: str        # "baseline" runs, the search "funnel" (2018), the "national" preset, or "analytic"
    label: str
    rule: str         # the declared pass rule or tolerance band, in words
    find: str = ""    # checks: a phrase of the row's name in sim.experiments.targets / sim.recognition
    value: str = ""   # patterns: the headline entry of PatternCheck.values reported as its value
    excluded: str = ""  # why it is not in the default set ("" = in it)


FBI = "FBI CIUS 2019"
PATTERNS: dict[str, Pattern] = {p.key: p for p in (
    Pattern("arrests_hispanic", "check", "baseline", "Hispanic share of arrests", f"0.16-0.25 ({FBI}: 0.203)",
            find="Hispanic share of arrests",
            excluded="misses at the shipped defaults (0.142 in survsim calibrate): a finding about the model"),
    Pattern("arrests_asian", "check", "baseline", "Asian share of arrests", f"0.005-0.03 ({FBI}: 0.013)",
            find="Asian share of arrests",
            excluded="misses at the shipped defaults (survsim calibrate): a finding about the model"),
    Pattern("arrests_native", "check", "baseline", "American Indian share of arrests", f"0.015-0.045 ({FBI}: 0.028)",
            find="American Indian share of arrests",
            excluded="misses at the shipped defaults (survsim calibrate): a finding about the model"),
    Pattern("clearance_property", "check", "baseline", "property offences cleared (calibrate row)",
            f"0.141-0.20 ({FBI}: 0.172)", find="property recorded offences cleared"),
    Pattern("clearance_violent", "check", "baseline", "violent offences cleared", f"0.40-0.51 ({FBI}: 0.455)",
            find="violent recorded offences cleared"),
    Pattern("nypd_match_share", "check", "funnel", "share of face searches where review picked a candidate (2018)",
            "0.264-0.6 (NYPD 2018: 0.264 per request)", find="review picked a candidate",
            excluded="misses at the shipped defaults (0.782 vs 0.264-0.6 in survsim calibrate)"),
    Pattern("aws_rerun", "check", "analytic", "expected false matches, Congress vs 850,000 faces at 0.99",
            "at most the published re-run's", find="Congress vs 850,000"),
    Pattern("vendor_spread", "check", "analytic", "vendor_2018: worst group FMR / geometric mean",
            "within NIST FRVT Part 8's spread", find="vendor_2018: worst group FMR"),
    Pattern("vendor_rank1_miss", "check", "analytic", "vendor_2018: rank-1 miss, 12.3M gallery",
            "between 2018 leaders and 2010's best", find="vendor_2018: rank-1 miss"),
    Pattern("median_spread", "check", "analytic", "nist_median: worst group FMR / geometric mean",
            "within NIST FRVT Part 8's spread", find="nist_median: worst group FMR"),
    Pattern("median_rank1_miss", "check", "analytic", "nist_median: rank-1 miss, 12.3M gallery",
            "between 2018 leaders and 2010's best", find="nist_median: rank-1 miss"),
    Pattern("fbi_top50", "check", "analytic", "vendor_2018: mate in a 50-candidate list, 30M gallery",
            "0.85-1.0 (GAO-16-267: 86%)", find="mate in a 50-candidate list"),
    Pattern("loglinear", "check", "analytic", "vendor_2018: rank-1 hit rate linear in log gallery size (R^2)",
            "0.95-1.0", find="linear in log gallery size"),
    Pattern("adoption", "pattern", "baseline", "adoption rises and accelerates after the app launch",
            "never falls; growth after launch >= 1.5x before", value="growth_ratio_after_vs_before"),
    Pattern("partnerships", "pattern", "national", "partnerships: slow 2018, fast 2019, faster 2020, bending after",
            "none before the programme; 2019 >= 3x 2018 per day; median 2020 gain above 2019's (FT 2021); "
            "gains fall after their peak in every seed", value="growth_ratio_2019_vs_2018"),
    Pattern("fear_gap", "pattern", "baseline", "fear rises while actual crime does not",
            "last-year fear >= 1.10x first year; actual crime <= 1.05x", value="fear_ratio"),
    Pattern("disparity", "pattern", "baseline", "wrongful stops per resident above the reference for Black groups",
            "ratio > 1 for Black women and Black men (pooled over replicates)", value="ratio_black_min"),
    Pattern("clearance", "pattern", "baseline", "property clearance near the FBI's 17.2% (validate pattern)",
            "conventional and with-FR clearance both in 0.141-0.20 (medians)", value="property_clearance_high"),
)}
DEFAULT_PATTERNS: tuple[str, ...] = tuple(k for k, p in PATTERNS.items() if not p.excluded)


def draw_params(base: dict[str, Any], point: dict[str, float], residents: int | None = None) -> Params:
    """``base`` (plain data of a Params) with the drawn values (and city size) set, validated."""
    extra = {"city.n_residents": residents} if residents is not None else {}
    return with_values(Params.model_validate(base), **point, **extra)


def evaluate_draw(point: dict[str, float], seeds: list[int], *, baseline: dict[str, Any], national: dict[str, Any],
                  keys: tuple[str, ...], residents: int, staged: bool = True) -> dict[str, Any]:
    """Judge one parameter set: {key: {"value", "passed"}} for each chosen pattern, or
    {"_invalid": reason} when the drawn values together break a rule of the parameter tree.

    Staged (the default): the analytic recognition checks are judged first, and a draw that
    fails one is not simulated: its other patterns come back ``{"value": nan, "passed":
    False, "skipped": True}``. Acceptance needs every pattern, so this rejects exactly the
    draws full evaluation would (the accepted set is the same); only the simulated patterns'
    pass rates are then over the draws that reached them.

    ``baseline`` and ``national`` are the two scenarios' parameters as plain data; the draw
    is set in both. Baseline runs (one per seed, ``residents`` residents, the scenario's
    horizon) feed every baseline check and pattern; the search funnel and the national
    preset run only when a chosen pattern needs them. Plain data in and out (for workers).
    """
    try:
        base = draw_params(baseline, point, residents)
        nat = draw_params(national, point) if any(PATTERNS[k].needs == "national" for k in keys) else None
    except ValidationError as e:
        return {"_invalid": "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:2])}
    needs = {PATTERNS[k].needs for k in keys}
    rows, patterns = {}, {}
    start = base.run.start_date
    if "analytic" in needs:  # stage 1: closed-form checks, milliseconds; a failed one rejects the draw unsimulated
        rows.update({r.name: r for r in recognition_targets(base.recognition)})
        stage1 = {k: _row_result(rows, PATTERNS[k]) for k in keys if PATTERNS[k].needs == "analytic"}
        if staged and not all(v["passed"] for v in stage1.values()):
            return {k: stage1.get(k, {"value": float("nan"), "passed": False, "skipped": True}) for k in keys}
    if "baseline" in needs:
        runs = [run_baseline(base, s) for s in seeds]
        rows.update({r.name: r for r in independent_checks(pooled_shares(base.group_keys, [r.counts for r in runs]))})
        wanted = set(keys)
        for key, check in (("adoption", lambda: adoption_check(runs, base, start)),
                           ("fear_gap", lambda: fear_check(runs, start)),
                           ("disparity", lambda: disparity_check(runs, base)),
                           ("clearance", lambda: clearance_check(runs, start))):
            if key in wanted:
                patterns[key] = check()
    if "funnel" in needs:
        rows.update({r.name: r for r in funnel_targets(seeds, base)})
    if nat is not None:
        partners = np.array([run_partners(nat, s) for s in seeds])
        patterns["partnerships"] = partnership_check(partners, nat, nat.run.start_date)
    out: dict[str, Any] = {}
    for key in keys:
        p = PATTERNS[key]
        if p.kind == "check":
            out[key] = _row_result(rows, p)
        else:
            pc = patterns[key]
            values = dict(pc.values)
            if key == "disparity":
                black = [v for k, v in values.items() if k.startswith("ratio_black_")]
                values["ratio_black_min"] = float(np.min(black)) if black else float("nan")  # NaN if any is
            out[key] = {"value": float(values[p.value]), "passed": bool(pc.passed)}
    return out


def _row_result(rows: dict, p: Pattern) -> dict[str, Any]:
    row = find_row(list(rows.values()), p)
    return {"value": float(row.model), "passed": bool(row.passed)}


def find_row(rows: list, p: Pattern):
    """The one calibration row whose name contains the pattern's phrase (only independent checks)."""
    hits = [r for r in rows if p.find in r.name and r.evidence == "check"]
    if len(hits) != 1:
        raise LookupError(f"pattern {p.key!r}: {len(hits)} check rows contain {p.find!r}")
    return hits[0]
