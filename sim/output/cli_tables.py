"""Tables the CLI prints for `survsim city`: the built city's segregation report
(`survsim city`: per minority category, target and achieved dissimilarity and isolation,
where it is the majority, and counts)."""

from __future__ import annotations

import json

from rich.table import Table

from sim.core.streams import stream
from sim.params import Params
from sim.world.city import build_city, segregation_report


def city_report(p: Params, seed: int) -> dict:
    """Build the city a run with ``seed`` would build and report its segregation."""
    return segregation_report(build_city(p, stream(seed, "city")), p)


def city_table(name: str, rep: dict) -> Table:
    """The report as a table, targets beside achieved values."""
    t = Table(title=f"{name}: {rep['residents']:,} residents, {rep['households']:,} households, "
                    f"{rep['neighbourhoods']} neighbourhoods; majority {rep['majority']}")
    for c in ("group", "residents", "dissimilarity (target)", "isolation (target)",
              "share where majority", "majority neighbourhoods"):
        t.add_column(c, justify="left" if c == "group" else "right")
    for g, r in rep["groups"].items():
        iso_t = "none" if r["isolation_target"] is None else f"{r['isolation_target']:.3f}"
        d_t = "none" if r["dissimilarity_target"] is None else f"{r['dissimilarity_target']:.3f}"
        t.add_row(g, f"{r['residents']:,}", f"{r['dissimilarity']:.3f} ({d_t})",
                  f"{r['isolation']:.3f} ({iso_t})", f"{r['share_where_majority']:.3f}", str(r["majority_neighbourhoods"]))
    return t


def city_json(name: str, seed: int, rep: dict) -> str:
    return json.dumps({"scenario": name, "seed": seed, **rep}, indent=2)
