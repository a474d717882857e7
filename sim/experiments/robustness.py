"""Reform differences across an ensemble's accepted worlds: reading the worlds, setting them in
scenarios, the parameter-inclusive band and the robustness table (``survsim compare --ensemble``).

Everything here is arithmetic on whole-run totals and is a pure function of its inputs; the
runs are made by :mod:`sim.experiments.compare_ensemble`. A *world* is one accepted draw of
``survsim ensemble build`` (``accepted.csv``): a value for each varied assumption.

Bands (both 95%, for the mean paired difference of a reform from the baseline):

* *replicate-only*: the normal comparison at the shipped defaults, the Student t interval of
  the mean of ``R`` paired differences (``diff_low``, ``diff_high`` in summary.csv).
* *parameter-inclusive*: from the per-(world, replicate) paired differences ``d[w, r]`` (every
  world on the same replicate seeds). With ``m_w`` each world's mean, ``s_b`` the standard
  deviation of the ``m_w`` over ``W`` worlds and ``s_w`` the pooled within-world standard
  deviation, the half-width is ``sqrt((t(W-1) sqrt(1 + 1/W) s_b)^2 + (t(R-1) s_w / sqrt(R))^2)``
  around the mean of all ``d``: a normal-theory prediction interval for the mean effect in
  another accepted world, plus the replicate error of estimating it (law of total variance).
  It is then widened, where needed, to contain the replicate-only interval (``widened``), so
  that it is never narrower than the band it extends: worlds with less replicate noise than
  the defaults could otherwise give a narrower band, which would claim that admitting
  parameter uncertainty made the answer surer.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy import stats

from sim.core.errors import InputError
from sim.core.intervals import LEVEL
from sim.core.metrics import BETTER
from sim.core.paramtree import value_at
from sim.experiments.ensemble import drawable
from sim.experiments.fitting import with_values
from sim.output.folders import MARKER, marker_kind
from sim.params import Params
from sim.policy.scenario import Scenario, load

FLAG = "--ensemble"
MIN_DECIDING = 8     # worlds needed before parameters are named as deciding a comparison (Spearman)
TOP_DECIDING = 3     # at most this many deciding parameters per row
DECIDING_P = 0.05    # a parameter is named only if its rank correlation is significant at this level
ROBUSTNESS_COLUMNS = ("first", "second", "metric", "better", "worlds", "first_better", "second_better", "ties",
                      "undetermined", "share_first_better", "share_low", "share_high", "margin_mean", "deciding",
                      "note")


# ---- the worlds --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Worlds:
    """The accepted worlds of an ensemble folder (the first ``n`` if asked)."""

    folder: Path
    values: pd.DataFrame       # index: draw number; one column per varied parameter path
    accepted: int              # accepted draws in the folder (all of them, not only those used)
    spec: dict

    @property
    def paths(self) -> list[str]:
        return list(self.values.columns)

    @property
    def draws(self) -> list[int]:
        return [int(d) for d in self.values.index]

    def point(self, draw: int) -> dict[str, float]:
        """The world's parameter values (integers as int, as the build drew them)."""
        known = drawable()
        return {p: (int(round(v)) if known[p][2] else float(v)) for p, v in self.values.loc[draw].items()}


def read_worlds(folder: str | Path, worlds: int | None = None) -> Worlds:
    """Read and check an ensemble folder; InputError naming ``--ensemble`` (or ``--worlds``)
    for anything unusable, before anything runs."""
    folder = Path(folder)
    allowed = "allowed: a folder written by `survsim ensemble build` with at least one accepted draw"
    kind = marker_kind(folder) if folder.is_dir() else None
    if kind != "ensemble":
        what = ("does not exist" if not folder.exists() else "is not a folder" if not folder.is_dir()
                else f"is a survsim {kind} folder" if kind else f"has no {MARKER} marker of an ensemble")
        raise InputError(f"{FLAG} {folder}: {what}, not an ensemble; {allowed}")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
        vary = manifest["spec"]["vary"]
        table = pd.read_csv(folder / "accepted.csv")
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(f"{FLAG} {folder}: manifest.json or accepted.csv unreadable ({type(e).__name__}: {e}); "
                         f"the build has not finished? {allowed}") from None
    if not isinstance(vary, dict) or not vary:
        raise InputError(f"{FLAG} {folder}: manifest.json names no varied parameters; {allowed}")
    missing = [p for p in list(vary) + ["draw"] if p not in table.columns]
    if missing:
        raise InputError(f"{FLAG} {folder}: accepted.csv lacks column(s) {', '.join(missing)}; {allowed}")
    if table.empty:
        raise InputError(f"{FLAG} {folder}: has no accepted draws (0 of {manifest.get('draws', '?')}); {allowed}")
    known = drawable()
    for path in vary:
        if path not in known:
            raise InputError(f"{FLAG} {folder}: varied parameter {path!r} is no longer a drawable assumption of "
                             "this version (renamed or removed); allowed: an ensemble built with this version")
    values = table.set_index("draw")[list(vary)].astype(float)
    if worlds is not None:
        if isinstance(worlds, bool) or not isinstance(worlds, int) or not 1 <= worlds <= len(values):
            raise InputError(f"--worlds = {worlds!r}: allowed: an integer from 1 to {len(values)} (the accepted "
                             f"draws in {folder})")
        values = values.iloc[:worlds]
    base = load("baseline").params
    for draw, row in values.iterrows():
        for path, v in row.items():
            lo, hi = known[path][:2]
            if not (math.isfinite(v) and lo <= v <= hi):
                raise InputError(f"{FLAG} {folder}: draw {draw}: {path} = {v!r} is outside its declared range "
                                 f"{lo:g}-{hi:g} in this version; allowed: an ensemble built with this version")
        try:
            with_values(base, **{p: (int(round(v)) if known[p][2] else v) for p, v in row.items()})
        except ValidationError as e:
            raise InputError(f"{FLAG} {folder}: draw {draw} no longer validates: {e.errors()[0]['msg']} at "
                             f"{'.'.join(map(str, e.errors()[0]['loc']))}; allowed: an ensemble built with this "
                             "version") from None
    return Worlds(folder, values, len(table), manifest.get("spec", {}))


def in_world(sc: Scenario, point: dict[str, float], reference: Params) -> tuple[Scenario, list[str]]:
    """``sc`` with the world's values set, except where the scenario itself sets a varied
    parameter to another value than ``reference`` (the shipped baseline's): that is the
    scenario's own choice and is kept. Returns the scenario and the paths it kept."""
    kept = [p for p in point if value_at(sc.params, p) != value_at(reference, p)]
    values = {p: v for p, v in point.items() if p not in kept}
    return replace(sc, params=with_values(sc.params, **values)), kept


# ---- the parameter-inclusive band ---------------------------------------------------------------
def paired(totals: pd.DataFrame, first: str, second: str, metric: str) -> pd.DataFrame:
    """``first - second`` per world (rows) and replicate (columns), from tidy ``totals``
    (columns world, scenario, metric, replicate, value)."""
    t = totals[totals.metric == metric].pivot_table(index=["world", "replicate"], columns="scenario",
                                                    values="value", observed=True)
    return (t[first] - t[second]).unstack("replicate")


def inclusive_band(d: np.ndarray, replicate_only: tuple[float, float], level: float = LEVEL) -> dict[str, float]:
    """The parameter-inclusive band of a W x R array of paired differences (module docstring),
    widened to contain ``replicate_only`` (low, high) where needed."""
    d = np.asarray(d, float)
    w, r = d.shape
    means = d.mean(axis=1)
    q = 0.5 + level / 2
    sb = float(means.std(ddof=1)) if w > 1 else 0.0
    sw = float(np.sqrt(d.var(axis=1, ddof=1).mean())) if r > 1 else math.nan
    between = stats.t.ppf(q, w - 1) * math.sqrt(1 + 1 / w) * sb if w > 1 else 0.0
    within = stats.t.ppf(q, r - 1) * sw / math.sqrt(r) if r > 1 else math.nan
    centre, half = float(d.mean()), float(math.hypot(between, within))
    low, high = centre - half, centre + half
    lo0, hi0 = replicate_only
    widened = bool(np.isfinite(lo0) and np.isfinite(hi0) and (lo0 < low or hi0 > high))
    if np.isfinite(lo0) and np.isfinite(hi0):
        low, high = min(low, lo0), max(high, hi0)
    return {"ens_mean": centre, "ens_low": low, "ens_high": high, "between_sd": sb, "within_sd": sw,
            "world_min": float(means.min()), "world_max": float(means.max()), "widened": widened,
            "worlds": w, "world_replicates": r}


# ---- the robustness table -----------------------------------------------------------------------
def wilson(k: float, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion k/n (Wilson 1927; Brown, Cai & DasGupta
    2001); ``k`` may end in .5 (ties counted half)."""
    if n == 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def deciding(margins: np.ndarray, values: pd.DataFrame) -> tuple[str, str]:
    """(parameters, note): the up to TOP_DECIDING parameters whose values rank-correlate with
    the per-world margin (Spearman, two-sided p < DECIDING_P), strongest first, each with its
    rho; or why none is named."""
    n = len(margins)
    if n < MIN_DECIDING:
        return "", f"fewer than {MIN_DECIDING} worlds: no deciding parameter named"
    if np.ptp(margins) == 0:
        return "", "the margin is the same in every world"
    found = []
    for path in values.columns:
        x = values[path].to_numpy(float)
        if np.ptp(x) == 0:
            continue
        rho, p = stats.spearmanr(x, margins)
        if np.isfinite(p) and p < DECIDING_P:
            found.append((abs(rho), path, rho))
    found.sort(key=lambda f: (-f[0], f[1]))
    if not found:
        return "", f"no parameter's rank correlation with the margin is significant at {DECIDING_P:g}"
    return "; ".join(f"{path} ({rho:+.2f})" for _, path, rho in found[:TOP_DECIDING]), ""


def robustness(totals: pd.DataFrame, scenarios: Sequence[str], values: pd.DataFrame,
               metrics: Sequence[str] | None = None, level: float = LEVEL) -> pd.DataFrame:
    """For each pair of ``scenarios`` (in order: first, second) and each metric with a better
    direction (:data:`sim.core.metrics.BETTER`): in how many worlds the first is better (sign
    of its mean paired difference over replicates), the second, how many are ties (equal
    means) and how many are undetermined (the world's own ``level`` t interval of the paired
    difference contains 0, ties included); the share of worlds where the first is better (a
    tie counts half, as in a probability of superiority) with its Wilson interval over worlds,
    the mean margin (first minus second, metric units) and the deciding parameters.
    ``values``: parameter values per world (index: world)."""
    rows = []
    metrics = [m for m in (metrics or BETTER) if m in BETTER and m in set(totals.metric)]
    for (a, b), metric in itertools.product(itertools.combinations(scenarios, 2), metrics):
        d = paired(totals, a, b, metric)
        sign = 1.0 if BETTER[metric] == "higher" else -1.0
        means = d.mean(axis=1).to_numpy(float)
        r = d.shape[1]
        if r > 1:
            half = stats.t.ppf(0.5 + level / 2, r - 1) * d.std(axis=1, ddof=1).to_numpy(float) / math.sqrt(r)
            undetermined = int(np.sum(np.abs(means) <= half))
        else:
            undetermined = len(means)
        k, k2 = int(np.sum(sign * means > 0)), int(np.sum(sign * means < 0))
        ties = len(means) - k - k2
        share = (k + ties / 2) / len(means)
        low, high = wilson(k + ties / 2, len(means), level)
        names, note = deciding(sign * means, values.loc[d.index])
        rows.append({"first": a, "second": b, "metric": metric, "better": BETTER[metric], "worlds": len(means),
                     "first_better": k, "second_better": k2, "ties": ties, "undetermined": undetermined,
                     "share_first_better": share, "share_low": low, "share_high": high,
                     "margin_mean": float(means.mean()), "deciding": names, "note": note})
    return pd.DataFrame(rows, columns=list(ROBUSTNESS_COLUMNS))
