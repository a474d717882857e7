"""Results of a run: a tidy table, summaries, and files written atomically with a manifest.

Tidy format: one row per (scenario, replicate, seed, day, metric, group) with ``value``;
``group`` is empty for whole-population rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.core.metrics import BY_NAME, METRICS, catalogue
from sim.output.folders import MARKER, DataWarning, check_folder, clean_leftovers, marker_kind, write_marker

__all__ = ["COLUMNS", "MARKER", "DataWarning", "ReplicateOutput", "Results", "atomic_folder", "check_folder",
           "clean_leftovers", "git_commit", "load_results", "marker_kind", "tidy", "version", "write_marker"]

if TYPE_CHECKING:
    from sim.policy.scenario import Scenario

COLUMNS = ["scenario", "replicate", "seed", "day", "metric", "group", "value"]


@dataclass
class ReplicateOutput:
    """One replicate's recorded metrics, as the runner returns it (picklable for workers)."""

    seed: int
    total: np.ndarray      # (days + 1, metrics)
    by_group: np.ndarray   # (days + 1, metrics, groups)


def version() -> str:
    try:
        return metadata.version("survsim")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def git_commit() -> str | None:
    """The source tree's commit (with '-dirty' if modified), or None outside git."""
    root = Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return None


def tidy(scenario: str, replicate: int, out: ReplicateOutput, groups: tuple[str, ...]) -> pd.DataFrame:
    """One replicate's arrays as tidy rows."""
    days = np.arange(out.total.shape[0])
    frames = []
    for i, m in enumerate(METRICS):
        frames.append(pd.DataFrame({"day": days, "metric": m.name, "group": "", "value": out.total[:, i]}))
        if m.per_group:
            g = out.by_group[:, i, :]
            frames.append(pd.DataFrame({
                "day": np.repeat(days, len(groups)), "metric": m.name,
                "group": np.tile(np.array(groups, dtype=object), len(days)), "value": g.ravel(),
            }))
    df = pd.concat(frames, ignore_index=True)
    df.insert(0, "seed", out.seed)
    df.insert(0, "replicate", replicate)
    df.insert(0, "scenario", scenario)
    return df[COLUMNS]


@dataclass
class Results:
    scenario: Scenario
    seed: int
    seeds: list[int]
    timeseries: pd.DataFrame

    @classmethod
    def from_outputs(cls, sc: Scenario, seed: int, outputs: list[ReplicateOutput]) -> Results:
        groups = sc.params.group_keys
        ts = pd.concat([tidy(sc.name, r, o, groups) for r, o in enumerate(outputs)], ignore_index=True)
        for col in ("scenario", "metric", "group"):
            ts[col] = ts[col].astype("category")
        return cls(sc, seed, [o.seed for o in outputs], ts)

    def series(self, metric: str, group: str = "") -> pd.DataFrame:
        """Wide table of one metric: rows are days, columns replicates."""
        t = self.timeseries
        sel = t[(t.metric == metric) & (t.group == group)]
        return sel.pivot(index="day", columns="replicate", values="value")

    def summary(self) -> pd.DataFrame:
        """Per metric and group: the final level (stocks) or the run total (flows), as
        median and 10th-90th percentiles over replicates."""
        t = self.timeseries
        last = t.day.max()
        rows = []
        for (metric, group), g in t.groupby(["metric", "group"], observed=True, sort=False):
            m = BY_NAME[metric]
            per_rep = g.groupby("replicate")["value"].sum() if m.flow else g[g.day == last].set_index("replicate")["value"]
            q = np.nanpercentile(per_rep.to_numpy(float), [50, 10, 90]) if per_rep.notna().any() else [np.nan] * 3
            rows.append({"scenario": self.scenario.name, "metric": metric, "group": group,
                         "statistic": "total" if m.flow else f"day {last}",
                         "median": q[0], "p10": q[1], "p90": q[2], "replicates": len(per_rep),
                         "unit": m.unit.replace(" / day", "") if m.flow else m.unit, "label": m.label})
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        p = self.scenario.params
        return {
            "survsim_version": version(), "git_commit": git_commit(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "scenario": self.scenario.resolved(),
            "seed": self.seed, "replicate_seeds": self.seeds, "replicates": len(self.seeds),
            "days": p.run.days, "residents": p.city.n_residents, "groups": list(p.group_keys),
            "metrics": catalogue(),
            "files": {"timeseries.parquet": "tidy: " + ", ".join(COLUMNS), "summary.csv": "see columns"},
            "environment": {"python": platform.python_version(), "numpy": np.__version__,
                            "mesa": metadata.version("mesa")},
        }

    def save(self, out: str | Path, flag: str = "--out") -> Path:
        """Write manifest.json, timeseries.parquet and summary.csv into ``out``.

        Files go to a hidden temporary folder beside ``out`` that is renamed into place at
        the end, so an interrupted run leaves no half-written results. An existing ``out``
        is replaced only if survsim wrote it (it has the :data:`MARKER` file).
        """
        with atomic_folder(Path(out), flag=flag) as tmp:
            with open(tmp / "manifest.json", "w") as f:
                json.dump(self.manifest(), f, indent=2, default=str)
            self.timeseries.to_parquet(tmp / "timeseries.parquet", index=False)
            self.summary().to_csv(tmp / "summary.csv", index=False)
        return Path(out)


@contextlib.contextmanager
def atomic_folder(out: Path, kind: str = "results", flag: str = "--out") -> Iterator[Path]:
    """Yield a hidden temporary folder beside ``out``; on success rename it to ``out``
    (replacing only an earlier survsim folder of the same ``kind``), on any error remove it.

    The folder carries the survsim marker (:data:`MARKER`); a folder without it is never
    replaced or deleted (InputError naming ``flag``)."""
    out = Path(out)
    check_folder(out, flag, kind)
    clean_leftovers(out.parent, out.name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write_marker(tmp, kind)
        yield tmp
        old = None
        if out.exists():
            check_folder(out, flag, kind)  # again: the run may have taken hours
            old = out.parent / f".{out.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            old.unlink() if old.is_symlink() else shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load_results(path: str | Path) -> tuple[dict, pd.DataFrame]:
    """Read a results folder back: (manifest, tidy time series)."""
    path = Path(path)
    with open(path / "manifest.json") as f:
        manifest = json.load(f)
    return manifest, pd.read_parquet(path / "timeseries.parquet")
