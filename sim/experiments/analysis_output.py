"""Writing and reading the results folders of ``survsim frontier`` and ``survsim decompose``.

A folder holds ``manifest.json`` (what was run: scenario, lever or groups, replicates,
seeds, city size, horizon, version, key assumptions), the table as CSV, every run's
numbers, and the chart as HTML (always) and PNG/SVG (when Chromium is available). The
folder is written whole or not at all (:func:`sim.output.results.atomic_folder`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from sim.output.analysis_charts import decomposition_chart, frontier_chart
from sim.experiments.bands import CONFIDENCE
from sim.experiments.compare import key_assumptions
from sim.experiments.decompose import FACTORS, METRIC, Decomposition
from sim.experiments.frontier import Frontier
from sim.output.results import atomic_folder, git_commit, version
from sim.policy.scenario import Scenario

TABLES = {"frontier": "frontier.csv", "decomposition": "decomposition.csv"}
# the metrics whose top sensitivity drivers the chart footer names (sim.output.drivers)
DECIDES = {"frontier": ("wrongful_stops", "wrongful_arrests", "clearances"), "decomposition": METRIC}


def manifest(kind: str, sc: Scenario, seeds: list[int], seed: int, **extra: Any) -> dict[str, Any]:
    p = sc.params
    return {"analysis": kind, "scenario": sc.name, "description": sc.description, "replicates": len(seeds),
            "seed": seed, "replicate_seeds": seeds, "residents": p.city.n_residents, "days": p.run.days,
            "start_date": str(p.run.start_date), "confidence": CONFIDENCE,
            "key_assumptions": key_assumptions(p, DECIDES.get(kind)), "survsim_version": version(), "git_commit": git_commit(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **extra}


def write_frontier(f: Frontier, sc: Scenario, seed: int, out: Path, images: bool = True,
                   extra: dict | None = None) -> list[str]:
    """Write a frontier folder; returns notes (e.g. why no PNG was written)."""
    meta = manifest("frontier", sc, f.seeds, seed, lever=f.lever.name, lever_path=f.lever.path,
                    lever_label=f.lever.label, values=[str(v) for v in f.values], groups=list(f.groups),
                    overrides=extra or {})
    table = f.table()
    return _write(out, meta, table, f.per_replicate(), "frontier_runs.csv", frontier_chart(table, meta), images)


def write_decomposition(d: Decomposition, sc: Scenario, seed: int, out: Path, images: bool = True,
                        extra: dict | None = None) -> list[str]:
    meta = manifest("decomposition", sc, d.seeds, seed, groups=list(d.groups), factors=list(FACTORS),
                    metric=METRIC, overrides=extra or {})
    table = d.table()
    return _write(out, meta, table, d.runs(), "decomposition_runs.csv", decomposition_chart(table, meta), images)


def _write(out: Path, meta: dict, table: pd.DataFrame, runs: pd.DataFrame, runs_name: str, fig, images: bool
           ) -> list[str]:
    notes: list[str] = []
    kind = meta["analysis"]
    with atomic_folder(out) as tmp:
        table.to_csv(tmp / TABLES[kind], index=False)
        runs.to_csv(tmp / runs_name, index=False)
        fig.write_html(tmp / f"{kind}.html", include_plotlyjs=True, full_html=True)
        if images:
            try:
                from sim.output.report import export

                export(fig, tmp / kind)
            except Exception as e:  # noqa: BLE001 - images are optional: say why and carry on
                notes.append(f"no PNG/SVG chart: {type(e).__name__}: {e}")
        meta = {**meta, "notes": notes}
        (tmp / "manifest.json").write_text(json.dumps(meta, indent=2, default=str))
    return notes


def read(folder: str | Path) -> tuple[dict[str, Any], pd.DataFrame]:
    """(manifest, table) of a frontier or decomposition folder."""
    folder = Path(folder)
    meta = json.loads((folder / "manifest.json").read_text())
    kind = meta.get("analysis")
    if kind not in TABLES:
        raise ValueError(f"{folder}: not a frontier or decomposition folder (analysis = {kind!r})")
    return meta, pd.read_csv(folder / TABLES[kind])


def find(results: str | Path = "results") -> list[Path]:
    """Frontier and decomposition folders under ``results`` (newest first)."""
    root = Path(results)
    found = [m.parent for sub in ("frontier", "decompose") for m in (root / sub).glob("*/manifest.json")
             if not m.parent.name.startswith(".")]  # hidden: a folder still being written or replaced
    return sorted(found, key=lambda p: (p / "manifest.json").stat().st_mtime, reverse=True)
