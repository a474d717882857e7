"""What decides a chart's metric: the assumptions with the largest sensitivity indices in the
last sensitivity run shipped with survsim, for chart footers and the report.

The shipped file ``drivers.json`` (next to this module, in the wheel) is written from a
``survsim sensitivity`` output folder by::

    python -m sim.output.drivers results/sensitivity/reforms_morris

It records the spec, method, size and date of the run and, per output (a level, or a paired
reform difference), every parameter ranked by its index (Morris mu*, the mean absolute
elementary effect; Sobol' ST, the total-order share of variance). A chart of metric X names
the parameters that rank highest for any output of X: each output's indices are divided by
that output's largest (indices of different outputs have different units), and a parameter
scores its mean share over X's outputs (levels and reform differences alike), so the
parameters that decide most of X's comparisons come first. Values shown are those of the parameters the chart
was run with. A metric that no shipped output covers gets no ranking (the footer says so).

Example:
    >>> from sim.params import Params
    >>> lines(Params(), "wrongful_stops")[-1]  # doctest: +SKIP
    'ranked by Morris mu* in reforms_morris (6 trajectories, 8,000 residents, 1,461 days, 1 replicate; 2026-11-30)'
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim.core.errors import InputError
from sim.core.metrics import BY_NAME
from sim.core.paramtree import Leaf, leaves, value_at
from sim.params import Params

SHIPPED = Path(__file__).with_name("drivers.json")
TOP = 4                                   # assumptions a footer names
INDEX = {"morris": ("mu_star", "mu_star_conf", "Morris mu*"), "sobol": ("ST", "ST_conf", "Sobol' ST")}
REGENERATE = "python -m sim.output.drivers <sensitivity folder>"


@functools.lru_cache(maxsize=4)
def load(path: Path = SHIPPED) -> dict[str, Any] | None:
    """The shipped indices (None if there is no file)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def ranking(metric: str | Sequence[str], shipped: dict[str, Any] | None = None, n: int = TOP) -> list[str]:
    """Parameter paths with the largest indices for ``metric`` (or any of several metrics),
    best first; [] if no shipped output measures it."""
    shipped = load() if shipped is None else shipped
    metrics = {metric} if isinstance(metric, str) else set(metric)
    score: dict[str, float] = {}
    counted = 0
    for out in (shipped or {}).get("outputs", {}).values():
        ranked = [r for r in out.get("ranking", []) if math.isfinite(r["index"])]
        top = max((r["index"] for r in ranked), default=0.0)
        if out.get("metric") not in metrics or top <= 0:
            continue
        counted += 1
        for r in ranked:
            if r["index"] > 0:  # a parameter with no effect at all is not named
                score[r["parameter"]] = score.get(r["parameter"], 0.0) + r["index"] / top
    # mean share over the metric's outputs (a parameter absent from one counts 0 there)
    return [p for p, _ in sorted(score.items(), key=lambda kv: (-kv[1] / max(counted, 1), kv[0]))][:n]


@functools.lru_cache(maxsize=1)
def _leaves() -> dict[str, Leaf]:
    return {leaf.path: leaf for leaf in leaves(Params())}


def lines(p: Params, metric: str | Sequence[str], shipped: dict[str, Any] | None = None, n: int = TOP) -> list[str]:
    """The footer's assumptions for ``metric``: each top parameter with its value in ``p``
    and declared range, then where the ranking comes from; or one line saying there is none."""
    shipped = load() if shipped is None else shipped
    names = [metric] if isinstance(metric, str) else list(metric)
    label = " and ".join(BY_NAME[m].label.lower() if m in BY_NAME else m for m in names)
    top = ranking(names, shipped, n)
    if not top:
        return [f"no shipped sensitivity ranking for {label} (run `survsim sensitivity`, then `{REGENERATE}`)"]
    out = []
    for path in top:
        leaf = _leaves().get(path)
        rng = f" (assumption {leaf.assumption[0]:g}-{leaf.assumption[1]:g})" if leaf and leaf.assumption else ""
        try:
            value = value_at(p, path)
            shown = f"{value:.3g}" if isinstance(value, float) else str(value)
        except AttributeError:
            shown = "?"
        out.append(f"{path} = {shown}{rng}")
    return [*out, f"ranked for {label} by {source(shipped)}"]


def source(shipped: dict[str, Any]) -> str:
    """'Morris mu* in reforms_morris (6 trajectories, 8,000 residents, 1,461 days, 1 replicate; 2026-11-30)'."""
    what = INDEX.get(shipped.get("method", ""), ("", "", shipped.get("method", "?")))[2]
    n = shipped.get("samples")
    size = f"{n} trajectories" if shipped.get("method") == "morris" else f"{n} base samples"
    reps = shipped.get("replicates", 1)
    return (f"{what} in {shipped.get('spec', '?')} ({size}, {shipped.get('residents', 0):,} residents, "
            f"{shipped.get('days', 0):,} days, {reps} replicate{'s' if reps != 1 else ''}; {shipped.get('date', '?')})")


def by_metric(p: Params, shipped: dict[str, Any] | None = None, n: int = TOP) -> dict[str, list[str]]:
    """:func:`lines` for every metric the shipped file covers (for a chart's meta)."""
    shipped = load() if shipped is None else shipped
    metrics = dict.fromkeys(o.get("metric") for o in (shipped or {}).get("outputs", {}).values())
    return {m: lines(p, m, shipped, n) for m in metrics if m and ranking(m, shipped, n)}


def ship(folder: str | Path, dest: str | Path = SHIPPED, method: str | None = None) -> Path:
    """Write the drivers file from a ``survsim sensitivity`` output folder (its
    ``<method>_manifest.json`` and ``<method>_indices.csv``). Deterministic: the same
    folder gives the same file."""
    folder = Path(folder)
    methods = [m for m in INDEX if (folder / f"{m}_manifest.json").is_file()] if method is None else [method]
    if method is not None and method not in INDEX:
        raise InputError(f"--method {method!r}: allowed: {', '.join(INDEX)}")
    if len(methods) != 1 or not (folder / f"{methods[0]}_indices.csv").is_file():
        found = ", ".join(methods) or "none"
        raise InputError(f"{folder}: needs one finished sensitivity run (<method>_manifest.json and "
                         f"<method>_indices.csv; found: {found}); give --method when there are two")
    method = methods[0]
    man = json.loads((folder / f"{method}_manifest.json").read_text())
    idx = pd.read_csv(folder / f"{method}_indices.csv")
    col, conf, _ = INDEX[method]
    spec = man.get("spec", {})
    overrides = spec.get("overrides", {})
    outputs = {}
    for name, o in spec.get("outputs", {}).items():
        o = {"metric": name, "statistic": o} if isinstance(o, str) else o
        d = idx[idx.output == name].dropna(subset=[col]).sort_values([col, "parameter"], ascending=[False, True])
        outputs[name] = {"metric": o.get("metric"), "statistic": o.get("statistic"), "reform": o.get("reform", ""),
                         "groups": o.get("ratio") or o.get("difference") or ([o["group"]] if "group" in o else []),
                         "ranking": [{"parameter": r.parameter, "index": round(float(getattr(r, col)), 6),
                                      "conf": round(float(getattr(r, conf)), 6)} for r in d.itertuples()]}
    data = {"spec": man.get("name"), "method": method, "index": col, "samples": man.get("samples"),
            "replicates": man.get("replicates"), "seed": man.get("seed"),
            "residents": man.get("residents", overrides.get("city.n_residents")),
            "days": man.get("days", overrides.get("run.days")), "date": str(man.get("created", "?"))[:10],
            "survsim_version": man.get("survsim_version"), "git_commit": man.get("git_commit"),
            "parameters": list(man.get("problem", {}).get("names", [])), "outputs": outputs}
    dest = Path(dest)
    dest.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    load.cache_clear()
    return dest


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sim.output.drivers",
                                 description="Ship the top assumptions per metric from a sensitivity output folder.")
    ap.add_argument("folder", help="a `survsim sensitivity ... --out FOLDER` folder")
    ap.add_argument("--method", default=None, help="morris or sobol (when the folder has both)")
    ap.add_argument("--to", default=str(SHIPPED), help=f"file to write (default: the shipped {SHIPPED.name})")
    a = ap.parse_args(argv)
    try:
        print(f"wrote {ship(a.folder, a.to, a.method)}")
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
