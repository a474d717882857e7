"""Compare scenarios against a baseline with paired replicates.

Every scenario runs with the same replicate seeds, so replicate r of a reform and of the
baseline share every random draw except where the policy acts; differences are taken per
replicate, then summarised (median and 10-90% band). Results of a resolved scenario and
seeds are cached on disk and reused.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.core.errors import InputError
from sim.params import Params
from sim.output.results import DataWarning, Results, git_commit, version
from sim.experiments.cache import CacheError, code_fingerprint, discard_entry, prepare_cache, read_cached
from sim.experiments.events import per_replicate, summarise
from sim.experiments.precision import BATCH, PRECISION_METRICS, replicate_until_precise
from sim.experiments.runner import overrides, run
from sim.policy.scenario import Scenario, load

if TYPE_CHECKING:
    from sim.experiments.distributed import Pool

DEFAULT_SCENARIOS = ("baseline", "warrant_required", "federal_fr_moratorium", "federal_fr_regulated",
                     "no_credit_program", "combined_reform")
HEADLINE = ("cameras", "app_users", "free_cameras", "fear_mean", "footage_requests_warrantless", "footage_granted",
            "footage_obtained_without_warrant", "fr_searches", "fr_false_candidates", "wrongful_stops",
            "wrongful_arrests", "clearances", "gallery_share", "trust_mean", "crimes_reported", "partnered_departments",
            "partner_exits", "households_in_market")
def key_assumptions(p: Params, metric: str | tuple[str, ...] | None = None) -> list[str]:
    """The assumptions a chart footer names, stated from the parameters actually used: for a
    ``metric`` (or several), those with the largest indices in the last shipped sensitivity
    run (:mod:`sim.output.drivers`); without one, a fixed general list."""
    if metric is not None:  # imported here: `python -m sim.output.drivers` imports sim (and this) first
        from sim.output import drivers

        return drivers.lines(p, metric)
    ratios = p.groups.offending_ratio
    offending = ("offending equal across groups (assumption)" if all(v == 1 for v in ratios.values())
                 else "offending ratios " + ", ".join(f"{k} {v:g}x" for k, v in ratios.items()) + " (assumption)")
    e = p.enforcement
    return [
        offending,
        "recognition errors fitted to ACLU 2018 and NISTIR 8280",
        f"human review rejects {e.review_catch:.0%} of false candidates (assumption 20-80%)",
        f"{e.usable_face:.0%} of footage shows a searchable face (assumption 20-70%)",
    ]



def _drivers(p: Params) -> dict[str, list[str]]:
    from sim.output import drivers

    return drivers.by_metric(p)


KEY_ASSUMPTIONS = tuple(key_assumptions(Params()))  # the defaults' footer (prefer key_assumptions(params))


def cache_key(sc: Scenario, seed: int, replicates: int) -> str:
    """What determines a run: parameters, policies, seeds, model version and the model's
    source code (:func:`code_fingerprint`), not names."""
    data = {"params": sc.params.model_dump(mode="json"), "policies": list(sc.policies), "seed": seed,
            "replicates": replicates, "version": version(), "code": code_fingerprint()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]


def run_cached(sc: Scenario, replicates: int, seed: int, workers: int, cache: Path | None,
               progress: Callable[[int], None] | None, pool: Pool | None = None) -> Results:
    """The scenario's results from the cache if a verified entry is there, else run and
    store them (on ``pool`` if given, see :func:`sim.experiments.runner.run`); an entry that
    fails verification is rebuilt with a warning."""
    folder = cache / cache_key(sc, seed, replicates) if cache else None
    if folder is not None and folder.exists():
        try:
            res = read_cached(folder, sc, seed, replicates)
            if progress is not None:
                progress(replicates * sc.params.run.days)
            return res
        except CacheError as e:
            warnings.warn(f"cache entry {folder} is unusable ({e}); running it again", DataWarning, stacklevel=2)
            discard_entry(folder)
    res = run(sc, replicates=replicates, seed=seed, workers=workers, progress=progress, pool=pool)
    if folder is not None:
        prepare_cache(cache)
        res.save(folder, flag="--cache")  # atomic: the entry appears whole, with survsim's marker
    return res


@dataclass
class Comparison:
    baseline: str
    results: dict[str, Results]
    warnings: list[str] = field(default_factory=list)
    stopping: dict | None = None  # precision-driven replication: batches, criterion, per-target status
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def scenarios(self) -> list[Scenario]:
        return [r.scenario for r in self.results.values()]

    @property
    def timeseries(self) -> pd.DataFrame:
        if "timeseries" not in self._memo:  # built once: tens of millions of rows at the main job's size
            ts = pd.concat([r.timeseries.astype({"scenario": str}) for r in self.results.values()], ignore_index=True)
            ts["scenario"] = pd.Categorical(ts["scenario"], categories=list(self.results))
            last = min(int(r.timeseries.day.max()) for r in self.results.values())  # common horizon
            self._memo["timeseries"] = ts[ts.day <= last].reset_index(drop=True)
        return self._memo["timeseries"]

    def meta(self) -> dict:
        base = self.results[self.baseline]
        return {
            "scenarios": [{"name": s.name, "description": s.description,
                           "policies": [p["type"] for p in s.policies]} for s in self.scenarios],
            "baseline": self.baseline, "replicates": len(base.seeds), "seed": base.seed,
            "replicate_seeds": base.seeds, "version": version(), "git_commit": git_commit(),
            "assumptions": key_assumptions(base.scenario.params), "drivers": _drivers(base.scenario.params),
            "start_date": str(base.scenario.params.run.start_date),
            "residents": base.scenario.params.city.n_residents,
            **({"stopping": self.stopping} if self.stopping is not None else {}),
        }

    def summary(self) -> pd.DataFrame:
        """Per scenario, metric and group: the statistic (final level for stocks, total over
        the common horizon for flows) with its 10-90% band over replicates and its mean with a
        95% interval; the paired difference from the baseline (band, mean, interval, verdict);
        for counted events, the events, rate per 100k per year and the pooled rate ratio to
        the reference group (see :mod:`sim.experiments.events`)."""
        if "summary" not in self._memo:
            params = {name: r.scenario.params for name, r in self.results.items()}
            last = min(int(r.timeseries.day.max()) for r in self.results.values())  # common horizon
            # per scenario, so the full table is never concatenated just for the summary
            wide = pd.concat([per_replicate(r.timeseries, last) for r in self.results.values()])
            self._memo["summary"] = summarise(wide, last, self.baseline, params)
        return self._memo["summary"]

    def save(self, out: Path, charts: bool = True, all_charts: bool = False) -> Path:
        """Write summary.csv, timeseries.parquet, manifest.json and (with charts) report.html
        plus charts/*.png|svg (the advocate's charts, ``report.ADVOCATE_CHARTS``; every chart
        with ``all_charts``), atomically (temporary folder renamed at the end)."""
        from sim.output.results import atomic_folder

        with atomic_folder(out) as tmp:
            summary = self.summary()
            summary.to_csv(tmp / "summary.csv", index=False)
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            with open(tmp / "manifest.json", "w") as f:
                json.dump({**self.meta(), "resolved": [s.resolved() for s in self.scenarios]}, f, indent=2, default=str)
            if charts:
                from sim.output.report import ADVOCATE_CHARTS, browser_path, write_report

                try:
                    browser_path()
                    images = True
                except RuntimeError as e:  # no Chromium: the HTML report still works offline
                    self.warnings.append(f"report.html written without PNG/SVG charts: {e}")
                    images = False
                write_report(self.timeseries, self.meta(), tmp, metrics=list(HEADLINE), summary=summary,
                             images=images, export=None if all_charts else ADVOCATE_CHARTS,
                             sections=self.extra_outputs(tmp, images))
            else:
                self.extra_outputs(tmp, False)
        return out

    def extra_outputs(self, folder: Path, images: bool) -> list[str]:
        """Further files a kind of comparison writes into its folder (none here; see
        :class:`sim.experiments.compare_ensemble.EnsembleComparison`); returns report sections (HTML)."""
        return []


def compare(scenarios: list[str] | tuple[str, ...] = DEFAULT_SCENARIOS, baseline: str = "baseline",
            replicates: int = 4, seed: int = 1, days: int | None = None, residents: int | None = None,
            workers: int = 1, cache: Path | None = Path("results/.cache"),
            progress: Callable[[int], None] | None = None, precision: float | None = None,
            max_replicates: int = 32, metrics: tuple[str, ...] | list[str] = PRECISION_METRICS,
            groups: tuple[str, ...] | list[str] = (), batch: int = BATCH) -> Comparison:
    """Run (or reuse) every scenario and the baseline with the same replicate seeds.

    With ``precision`` (e.g. 0.25), ``replicates`` is ignored: paired replicates run in
    batches of ``batch`` until every reform's difference in ``metrics`` (per group in
    ``groups``, or in total) and every asked group's rate ratio is known to that relative
    precision, or ``max_replicates`` is reached (rule and per-target status in
    ``Comparison.stopping`` and manifest.json; see :mod:`sim.experiments.precision`).

    Example:
        >>> c = compare(["warrant_required"], precision=0.25, max_replicates=16, residents=50_000)  # doctest: +SKIP
        >>> c.stopping["stopped"], c.stopping["replicates"]                                          # doctest: +SKIP
        ('precision reached', 8)
    """
    names = list(dict.fromkeys([baseline, *scenarios]))
    loaded = [load(s, overrides(days, residents)) for s in names]
    if len({s.name for s in loaded}) < len(loaded):
        raise InputError(f"scenario names must be distinct, got {[s.name for s in loaded]}")
    if precision is not None:
        results, record = replicate_until_precise(loaded, loaded[0].name, precision, max_replicates, seed,
                                                  metrics=tuple(metrics), groups=tuple(groups), batch=batch,
                                                  workers=workers, progress=progress)
        return Comparison(loaded[0].name, results, stopping=record)
    with shared_pool(workers) as pool:
        results = {sc.name: run_cached(sc, replicates, seed, workers, cache, progress, pool) for sc in loaded}
    return Comparison(loaded[0].name, results)


def shared_pool(workers: int) -> contextlib.AbstractContextManager[Pool | None]:
    """One local pool for a command's many runs when ``workers`` > 1 (a worker's start, a
    fresh process importing survsim, costs ~3 s; a pool per scenario paid it every time);
    else None. Processes start on the first run submitted, so a cached command starts none."""
    from sim.experiments.distributed import executor

    return executor(workers) if isinstance(workers, int) and workers > 1 else contextlib.nullcontext()
