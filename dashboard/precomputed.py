"""The default comparison, shipped with the package so a first visit shows results at once.

The Compare page opens on :class:`~dashboard.urlstate.CompareView`'s defaults (6 scenarios,
20,000 residents, 5 years, 4 replicates): about a minute and a half of model runs on two
cores. Its results for what the first view draws (every metric's summary; the daily rows of
the charted metric, by group, and of the headline and funnel metrics, all residents) are
stored in ``dashboard/precomputed/`` and served until the full runs are in the cache.
They are a pure function of the scenarios and seeds, so they are checked against a fresh
run in ``tests/test_dashboard_precomputed.py`` and regenerated with

    PYTHONPATH=. python -m dashboard.precomputed            # ~2 min on 2 cores

Example:
    >>> from dashboard.urlstate import CompareView
    >>> serves(CompareView()), serves(CompareView(seed=2))
    (True, False)
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard.urlstate import CompareView
from sim.experiments.compare import Comparison, cache_key, compare
from sim.output.figures import FUNNEL_METRICS
from sim.output.results import Results, version
from sim.policy.scenario import Scenario, load

DIR = Path(__file__).resolve().parent / "precomputed"
VIEW = CompareView()
# daily rows shipped: the first chart's metric by group; the headline's and funnel's, all residents
BY_GROUP = (VIEW.metric,)
TOTALS = tuple(dict.fromkeys((*FUNNEL_METRICS, "footage_obtained_without_warrant", "fr_searches", "clearances")))
RUN_FIELDS = ("baseline", "scenarios", "seed", "replicates", "days", "residents")


def scenarios(view: CompareView = VIEW) -> list[Scenario]:
    """Baseline first, then the compared scenarios, at the view's size (as the dashboard loads them)."""
    size = {"run.days": view.days, "city.n_residents": view.residents}
    return [load(name, size) for name in dict.fromkeys([view.baseline, *view.scenarios])]


def keys(view: CompareView = VIEW) -> dict[str, str]:
    """Scenario name -> cache key of its runs (parameters, policies, seeds, version)."""
    return {sc.name: cache_key(sc, view.seed, view.replicates) for sc in scenarios(view)}


def serves(view: Any) -> bool:
    """The shipped results can draw this view: the default runs, the default metric, and
    the files were made from today's parameters and version (their cache keys agree)."""
    if not isinstance(view, CompareView) or view.metric != VIEW.metric:
        return False
    if any(getattr(view, f) != getattr(VIEW, f) for f in RUN_FIELDS):
        return False
    manifest = _manifest()
    return manifest is not None and manifest.get("keys") == _default_keys()


@functools.lru_cache(maxsize=1)
def _default_keys() -> dict[str, str]:
    return keys(VIEW)


def comparison() -> tuple[Comparison, pd.DataFrame]:
    """(the shipped comparison, its full summary); raises FileNotFoundError if not shipped."""
    return _load()


@functools.lru_cache(maxsize=1)
def _manifest() -> dict[str, Any] | None:
    try:
        return json.loads((DIR / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


@functools.lru_cache(maxsize=1)
def _load() -> tuple[Comparison, pd.DataFrame]:
    manifest = _manifest()
    if manifest is None:
        raise FileNotFoundError(DIR / "manifest.json")
    ts = pd.read_parquet(DIR / "timeseries.parquet")
    summary = pd.read_csv(DIR / "summary.csv")
    summary["group"] = summary["group"].fillna("").astype(str)  # "" (all residents) reads back as NaN
    results = {}
    for sc in scenarios(VIEW):
        part = ts[ts["scenario"] == sc.name].reset_index(drop=True)
        for col in ("scenario", "metric", "group"):
            part[col] = part[col].astype(str).astype("category")
        results[sc.name] = Results(sc, VIEW.seed, manifest["replicate_seeds"], part)
    return Comparison(VIEW.baseline, results), summary


@dataclasses.dataclass
class ShippedBundle:
    """The shipped comparison with the interface of :class:`dashboard.data.Bundle` (meta,
    summary, tidy rows of a metric), read once from the package: it holds no run."""

    comparison: Comparison
    table: pd.DataFrame
    meta: dict[str, Any]
    last_day: int

    @property
    def cmp(self) -> Comparison:
        return self.comparison

    @property
    def scenarios(self) -> list[str]:
        return list(self.comparison.results)

    def summary(self) -> pd.DataFrame:
        return self.table

    def frame(self, *metrics: str) -> pd.DataFrame:
        parts = [r.timeseries[r.timeseries["metric"].isin(metrics) & (r.timeseries["day"] <= self.last_day)]
                 for r in self.comparison.results.values()]
        out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if len(out):
            for col in ("scenario", "metric", "group"):
                out[col] = out[col].astype(str)
        return out


@functools.lru_cache(maxsize=1)
def bundle() -> ShippedBundle:
    """The shipped default comparison as a bundle for the Compare page's first view."""
    cmp, table = comparison()
    last = min(int(r.timeseries["day"].max()) for r in cmp.results.values())
    return ShippedBundle(cmp, table, cmp.meta(), last)


def subset(ts: pd.DataFrame) -> pd.DataFrame:
    """The rows the first view draws (see the module's docstring)."""
    keep = ts["metric"].isin(BY_GROUP) | (ts["metric"].isin(TOTALS) & (ts["group"] == ""))
    return ts[keep].reset_index(drop=True)


def generate(workers: int = 2, out: Path = DIR) -> Path:
    """Run the default comparison (no cache) and write manifest, summary and rows to ``out``."""
    view = VIEW
    cmp = compare(list(view.scenarios), baseline=view.baseline, replicates=view.replicates, seed=view.seed,
                  days=view.days, residents=view.residents, workers=workers, cache=None)
    out.mkdir(parents=True, exist_ok=True)
    cmp.summary().to_csv(out / "summary.csv", index=False)
    ts = subset(cmp.timeseries)
    for col in ("scenario", "metric", "group"):
        ts[col] = ts[col].astype(str)
    ts.to_parquet(out / "timeseries.parquet", index=False, compression="zstd")
    base = cmp.results[view.baseline]
    manifest = {"view": dataclasses.asdict(view), "keys": keys(view), "version": version(),
                "replicate_seeds": base.seeds, "by_group": list(BY_GROUP), "totals": list(TOTALS),
                "made_by": "PYTHONPATH=. python -m dashboard.precomputed"}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, default=list) + "\n")
    _manifest.cache_clear()
    _load.cache_clear()
    return out


if __name__ == "__main__":
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    print(f"wrote {generate(workers)}")
