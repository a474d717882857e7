"""Compare scenarios against a baseline with paired replicates.

Every scenario runs with the same replicate seeds, so replicate r of a reform and of the
baseline share every random draw except where the policy acts; differences are taken per
replicate, then summarised (median and 10-90% band). Results of a resolved scenario and
seeds are cached on disk and reused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.metrics import BY_NAME
from sim.params import Params
from sim.output.results import Results, git_commit, load_results, version
from sim.experiments.runner import overrides, run
from sim.policy.scenario import Scenario, load

DEFAULT_SCENARIOS = ("baseline", "warrant_required", "federal_fr_moratorium", "federal_fr_regulated",
                     "no_credit_program", "combined_reform")
HEADLINE = ("cameras", "app_users", "free_cameras", "fear_mean", "footage_requests_warrantless", "footage_granted",
            "footage_obtained_without_warrant", "fr_searches", "fr_false_candidates", "wrongful_stops",
            "wrongful_arrests", "clearances", "gallery_share", "trust_mean", "crimes_reported", "partnered_departments",
            "partner_exits", "households_in_market")
def key_assumptions(p: Params) -> list[str]:
    """The assumptions a chart footer names, stated from the parameters actually used."""
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



KEY_ASSUMPTIONS = tuple(key_assumptions(Params()))  # the defaults' footer (prefer key_assumptions(params))


def cache_key(sc: Scenario, seed: int, replicates: int) -> str:
    """What determines a run: parameters, policies, seeds, model version (not names)."""
    data = {"params": sc.params.model_dump(mode="json"), "policies": list(sc.policies), "seed": seed,
            "replicates": replicates, "version": version()}
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]


def run_cached(sc: Scenario, replicates: int, seed: int, workers: int, cache: Path | None,
               progress: Callable[[int], None] | None) -> Results:
    folder = cache / cache_key(sc, seed, replicates) if cache else None
    if folder is not None and (folder / "manifest.json").is_file():
        manifest, ts = load_results(folder)
        ts["scenario"] = pd.Categorical([sc.name] * len(ts))
        if progress is not None:
            progress(replicates * sc.params.run.days)
        return Results(sc, seed, manifest["replicate_seeds"], ts)
    res = run(sc, replicates=replicates, seed=seed, workers=workers, progress=progress)
    if folder is not None:
        res.save(folder)
    return res


@dataclass
class Comparison:
    baseline: str
    results: dict[str, Results]
    warnings: list[str] = field(default_factory=list)

    @property
    def scenarios(self) -> list[Scenario]:
        return [r.scenario for r in self.results.values()]

    @property
    def timeseries(self) -> pd.DataFrame:
        ts = pd.concat([r.timeseries.astype({"scenario": str}) for r in self.results.values()], ignore_index=True)
        last = min(int(r.timeseries.day.max()) for r in self.results.values())  # common horizon
        return ts[ts.day <= last]

    def meta(self) -> dict:
        base = self.results[self.baseline]
        return {
            "scenarios": [{"name": s.name, "description": s.description,
                           "policies": [p["type"] for p in s.policies]} for s in self.scenarios],
            "baseline": self.baseline, "replicates": len(base.seeds), "seed": base.seed,
            "replicate_seeds": base.seeds, "version": version(), "git_commit": git_commit(),
            "assumptions": key_assumptions(base.scenario.params), "start_date": str(base.scenario.params.run.start_date),
            "residents": base.scenario.params.city.n_residents,
        }

    def summary(self) -> pd.DataFrame:
        """Per scenario, metric and group: the statistic (final level for stocks, total over
        the common horizon for flows) with its 10-90% band, and the paired difference from
        the baseline with its band."""
        ts = self.timeseries
        last = ts.day.max()
        rows = []
        per_rep = {}
        for (scen, metric, group), g in ts.groupby(["scenario", "metric", "group"], observed=True, sort=False):
            m = BY_NAME[metric]
            v = g.groupby("replicate")["value"].sum() if m.flow else g[g.day == last].set_index("replicate")["value"]
            per_rep[scen, metric, group] = v
        for (scen, metric, group), v in per_rep.items():
            base = per_rep.get((self.baseline, metric, group))
            q = _band(v.to_numpy(float))
            d = _band((v - base).to_numpy(float)) if base is not None and scen != self.baseline else [np.nan] * 3
            m = BY_NAME[metric]
            rows.append({"scenario": scen, "metric": metric, "group": group,
                         "statistic": "total" if m.flow else f"day {last}",
                         "median": q[0], "p10": q[1], "p90": q[2],
                         "diff_median": d[0], "diff_p10": d[1], "diff_p90": d[2],
                         "replicates": len(v), "unit": m.unit.replace(" / day", "") if m.flow else m.unit,
                         "label": m.label})
        return pd.DataFrame(rows)

    def save(self, out: Path, charts: bool = True) -> Path:
        """Write summary.csv, timeseries.parquet, manifest.json and (with charts) report.html
        plus charts/*.png|svg, atomically (temporary folder renamed at the end)."""
        from sim.output.results import atomic_folder

        with atomic_folder(out) as tmp:
            summary = self.summary()
            summary.to_csv(tmp / "summary.csv", index=False)
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            with open(tmp / "manifest.json", "w") as f:
                json.dump({**self.meta(), "resolved": [s.resolved() for s in self.scenarios]}, f, indent=2, default=str)
            if charts:
                from sim.output.report import browser_path, write_report

                try:
                    browser_path()
                    images = True
                except RuntimeError as e:  # no Chromium: the HTML report still works offline
                    self.warnings.append(f"report.html written without PNG/SVG charts: {e}")
                    images = False
                write_report(self.timeseries, self.meta(), tmp, metrics=list(HEADLINE), summary=summary,
                             images=images)
        return out


def _band(x: np.ndarray) -> list[float]:
    x = x[np.isfinite(x)]
    return list(np.percentile(x, [50, 10, 90])) if len(x) else [np.nan] * 3


def compare(scenarios: list[str] | tuple[str, ...] = DEFAULT_SCENARIOS, baseline: str = "baseline",
            replicates: int = 4, seed: int = 1, days: int | None = None, residents: int | None = None,
            workers: int = 1, cache: Path | None = Path("results/.cache"),
            progress: Callable[[int], None] | None = None) -> Comparison:
    """Run (or reuse) every scenario and the baseline with the same replicate seeds."""
    names = list(dict.fromkeys([baseline, *scenarios]))
    loaded = [load(s, overrides(days, residents)) for s in names]
    if len({s.name for s in loaded}) < len(loaded):
        raise InputError(f"scenario names must be distinct, got {[s.name for s in loaded]}")
    results = {sc.name: run_cached(sc, replicates, seed, workers, cache, progress) for sc in loaded}
    return Comparison(loaded[0].name, results)
