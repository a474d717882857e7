"""``survsim compare ... --ensemble DIR`` and ``sim.compare(..., ensemble=DIR)``: every scenario
on every accepted world of a parameter ensemble, with paired seeds.

First the normal comparison runs at the shipped defaults (its summary, report and charts are
those of ``survsim compare``: the *replicate-only* bands). Then each accepted world ``w`` of
the ensemble (``accepted.csv`` of ``survsim ensemble build``; the first ``--worlds`` of them)
runs every scenario with the same replicate seeds as the defaults: paired across scenarios,
and the same seeds in every world (common random numbers), so that differences between worlds
come from their parameters. The world's values are set in every scenario, except a varied
parameter a scenario file sets itself (kept, and listed in the manifest). Runs are cached
like any compare run (the key holds the world's parameters), so an interrupted run resumes.

Written beside the normal outputs: ``summary.csv`` gains the parameter-inclusive band of each
reform's difference (``ens_*`` columns, :func:`sim.experiments.robustness.inclusive_band`),
``robustness.csv`` (:func:`sim.experiments.robustness.robustness`), ``worlds.csv`` (every
world's parameter values and whole-run totals), ``robustness.html`` and ``ensemble_bands.html``
(+ ``charts/*.png|svg``), a section in ``report.html`` and an ``ensemble`` entry in
``manifest.json`` saying what each band covers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.core.errors import InputError
from sim.core.intervals import LEVEL
from sim.core.metrics import BETTER
from sim.experiments.compare import DEFAULT_SCENARIOS, HEADLINE, Comparison, run_cached, shared_pool
from sim.experiments.compare import compare as compare_defaults
from sim.experiments.events import per_replicate
from sim.experiments.precision import BATCH, PRECISION_METRICS
from sim.experiments.robustness import (DECIDING_P, MIN_DECIDING, TOP_DECIDING, Worlds, in_world, inclusive_band,
                                        paired, read_worlds, robustness)
from sim.policy.scenario import load

__all__ = ["DEFAULT_SCENARIOS", "EnsembleComparison", "compare", "runs_factor"]
ENS_COLUMNS = ("ens_mean", "ens_low", "ens_high", "between_sd", "within_sd", "world_min", "world_max", "widened",
               "worlds", "world_replicates")
COVERS = {
    "replicate_only": f"{LEVEL:.0%} Student t interval of the mean paired difference over the replicates at the "
                      "shipped defaults (diff_low, diff_high): chance only, parameters fixed",
    "parameter_inclusive": f"{LEVEL:.0%} band (ens_low, ens_high) from the per-(world, replicate) paired "
                           "differences: half-width sqrt((t(W-1) sqrt(1+1/W) s_between)^2 + (t(R-1) s_within / "
                           "sqrt(R))^2) around their mean, i.e. the spread of the mean effect between accepted "
                           "worlds (a prediction interval for another accepted world) plus the replicate error "
                           "within them; widened where needed to contain the replicate-only interval "
                           "(widened = true). Covers the varied assumptions as the ensemble accepted them and "
                           "chance; not the fitted parameters, per-group tables or the model's structure",
    "robustness": "per world, the sign of the mean paired difference over replicates decides which scenario is "
                  f"better ({', '.join(f'{k} {v} is better' for k, v in BETTER.items())}); "
                  "share_first_better = (worlds where the first is better "
                  f"+ half the ties, where the means are equal) / worlds, with a {LEVEL:.0%} Wilson interval over "
                  "worlds (covers which worlds were accepted, not "
                  f"replicate noise); undetermined = worlds whose own {LEVEL:.0%} t interval of the difference "
                  f"contains 0; deciding = up to {TOP_DECIDING} parameters whose Spearman rank correlation with the "
                  f"per-world margin has p < {DECIDING_P:g}, strongest first, with rho (positive: higher values "
                  f"favour the first scenario); only with at least {MIN_DECIDING} worlds",
}


@dataclass
class EnsembleComparison(Comparison):
    """A :class:`Comparison` at the shipped defaults plus the same scenarios on each accepted world."""

    worlds: Worlds | None = None
    totals: pd.DataFrame | None = None  # world, scenario, metric, replicate, value (whole population, run totals)
    kept: dict[str, list[str]] = field(default_factory=dict)  # scenario -> varied paths it sets itself

    def ensemble_bands(self) -> pd.DataFrame:
        """Per reform and headline metric (whole population): the replicate-only interval at the
        defaults next to the parameter-inclusive band (:data:`COVERS`)."""
        if "ensemble_bands" not in self._memo:
            base = super().summary()
            base = base[(base.group == "") & (base.scenario != self.baseline)].set_index(["scenario", "metric"])
            rows = []
            for scen in [s for s in self.results if s != self.baseline]:
                for metric in [m for m in HEADLINE if (scen, m) in base.index]:
                    d = paired(self.totals, scen, self.baseline, metric).to_numpy(float)
                    r = base.loc[(scen, metric)]
                    rows.append({"scenario": scen, "metric": metric, "group": "", "diff_mean": float(r.diff_mean),
                                 "diff_low": float(r.diff_low), "diff_high": float(r.diff_high),
                                 **inclusive_band(d, (float(r.diff_low), float(r.diff_high)))})
            self._memo["ensemble_bands"] = pd.DataFrame(rows, columns=["scenario", "metric", "group", "diff_mean",
                                                                       "diff_low", "diff_high", *ENS_COLUMNS])
        return self._memo["ensemble_bands"]

    def summary(self) -> pd.DataFrame:
        """The comparison's summary with the parameter-inclusive band beside each reform's
        whole-population difference (``ens_*`` columns; empty in other rows)."""
        if "ensemble_summary" not in self._memo:
            ens = self.ensemble_bands()[["scenario", "metric", "group", *ENS_COLUMNS]]
            s = super().summary().merge(ens, on=["scenario", "metric", "group"], how="left")
            self._memo["ensemble_summary"] = s
        return self._memo["ensemble_summary"]

    def robustness(self) -> pd.DataFrame:
        if "robustness" not in self._memo:
            self._memo["robustness"] = robustness(self.totals, list(self.results), self.worlds.values)
        return self._memo["robustness"]

    def meta(self) -> dict:
        w = self.worlds
        return {**super().meta(), "ensemble": {
            "folder": str(w.folder), "worlds": len(w.draws), "accepted": w.accepted, "draws": w.draws,
            "parameters": w.paths, "spec": w.spec, "seeds": "every world runs on the replicate seeds above",
            "kept_by_scenario": {k: v for k, v in self.kept.items() if v}, "covers": COVERS}}

    def worlds_table(self) -> pd.DataFrame:
        """One row per world and scenario: the world's parameter values and each headline total
        (mean over replicates)."""
        t = self.totals.groupby(["world", "scenario", "metric"], observed=True)["value"].mean().unstack("metric")
        t = t.reset_index().merge(self.worlds.values.rename_axis("world").reset_index(), on="world")
        return t[["world", "scenario", *self.worlds.paths, *[m for m in HEADLINE if m in t.columns]]]

    def extra_outputs(self, folder: Path, images: bool) -> list[str]:
        from sim.output.report import export
        from sim.output.robustness_chart import bands_chart, robustness_chart
        from sim.output.robustness_chart import section

        rob = self.robustness()
        rob.to_csv(folder / "robustness.csv", index=False)
        self.worlds_table().to_csv(folder / "worlds.csv", index=False)
        meta = self.meta()
        figs = {"robustness": robustness_chart(rob, meta),
                "ensemble_bands": bands_chart(self.summary(), meta, list(BETTER))}
        for stem, fig in figs.items():
            fig.write_html(folder / f"{stem}.html", include_plotlyjs=True, full_html=True)
            if images:
                try:
                    export(fig, folder / "charts" / stem)
                except Exception as e:  # noqa: BLE001 - images are optional: say why and carry on
                    self.warnings.append(f"no PNG/SVG of {stem}: {type(e).__name__}: {e}")
        return [section(rob, self.ensemble_bands(), meta, figs)]


def runs_factor(ensemble: str | Path | None, worlds: int | None = None) -> int:
    """How many times the scenarios run: 1, or 1 + the worlds used (checks the folder first)."""
    if ensemble is None:
        if worlds is not None:
            raise InputError(f"--worlds = {worlds!r}: only with --ensemble DIR")
        return 1
    return 1 + len(read_worlds(ensemble, worlds).draws)


def compare(scenarios: list[str] | tuple[str, ...] = DEFAULT_SCENARIOS, baseline: str = "baseline",
            replicates: int = 4, seed: int = 1, days: int | None = None, residents: int | None = None,
            workers: int = 1, cache: Path | None = Path("results/.cache"),
            progress: Callable[[int], None] | None = None, precision: float | None = None,
            max_replicates: int = 32, metrics: tuple[str, ...] | list[str] = PRECISION_METRICS,
            groups: tuple[str, ...] | list[str] = (), batch: int = BATCH, ensemble: str | Path | None = None,
            worlds: int | None = None) -> Comparison:
    """:func:`sim.experiments.compare.compare`, and with ``ensemble`` (an ensemble folder) the
    same scenarios on its first ``worlds`` accepted worlds (default all), paired seeds
    throughout; returns an :class:`EnsembleComparison` (module docstring).

    Example:
        >>> c = compare(["federal_fr_moratorium"], replicates=2, ensemble="results/ensemble")  # doctest: +SKIP
        >>> c.robustness()[["first", "second", "metric", "share_first_better"]]               # doctest: +SKIP
    """
    if ensemble is None:
        runs_factor(None, worlds)
        return compare_defaults(scenarios, baseline, replicates, seed, days, residents, workers, cache, progress,
                                precision, max_replicates, metrics, groups, batch)
    if precision is not None:
        raise InputError(f"--precision = {precision!r}: not with --ensemble (every world runs the same fixed "
                         "--replicates); allowed: one of the two")
    if replicates < 2:
        raise InputError(f"--replicates = {replicates}: with --ensemble at least 2 (each world's interval and the "
                         "replicate-only band need two paired replicates)")
    ws = read_worlds(ensemble, worlds)
    default = compare_defaults(scenarios, baseline, replicates, seed, days, residents, workers, cache, progress)
    reference = load("baseline").params
    parts, kept = [], {}
    with shared_pool(workers) as pool:  # one pool for every world and scenario
        for draw in ws.draws:
            point = ws.point(draw)
            results = {}
            for sc in default.scenarios:
                wsc, kept[sc.name] = in_world(sc, point, reference)
                results[sc.name] = run_cached(wsc, replicates, seed, workers, cache, progress, pool)
            last = min(int(r.timeseries.day.max()) for r in results.values())
            for res in results.values():
                wide = per_replicate(res.timeseries, last)
                wide = wide[wide.index.get_level_values("group") == ""]
                tidy = wide.stack().rename("value").reset_index()
                parts.append(tidy[tidy.metric.isin(HEADLINE)].assign(world=draw))
    totals = pd.concat(parts, ignore_index=True)[["world", "scenario", "metric", "replicate", "value"]]
    for col in ("scenario", "metric"):
        totals[col] = totals[col].astype(str)
    notes = [f"{name} sets {', '.join(paths)} itself: kept in every world (the ensemble's values are not used there)"
             for name, paths in kept.items() if paths]
    return EnsembleComparison(default.baseline, default.results, warnings=notes, worlds=ws, totals=totals, kept=kept)
