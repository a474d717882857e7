"""Tables the CLI prints: shipped scenarios, parameters, calibration targets, and the built
city's segregation report (`survsim city`: per minority category, target and achieved dissimilarity and isolation,
where it is the majority, and counts)."""

from __future__ import annotations

import json

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from sim.core.errors import InputError
from sim.core.paramtree import leaves

from sim.core.streams import stream
from sim.params import Params
from sim.output.validation_page import format_value
from sim.policy.scenario import load, shipped
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


def scenarios_table() -> Table:
    """``survsim scenarios``: name, base and description of each shipped scenario."""
    t = Table(title="Shipped scenarios (scenarios/*.toml)")
    t.add_column("name", style="bold")
    t.add_column("extends")
    t.add_column("description")
    for path in shipped():
        try:
            sc = load(path)
        except InputError as e:
            t.add_row(path.stem, "", f"[red]invalid: {e}[/]")
            continue
        base = Path(sc.chain[-2]).stem if len(sc.chain) > 1 else ""
        t.add_row(sc.name, base, sc.description)
    return t


def params_table(p: Params, title: str) -> Table:
    """``survsim params``: every leaf with value, unit, and source or assumption range."""
    t = Table(title=title)
    for c in ("parameter", "value", "unit", "source / assumption", "description"):
        t.add_column(c, overflow="fold")
    for leaf in leaves(p):
        prov = leaf.source or (f"assumption {leaf.assumption[0]:g}-{leaf.assumption[1]:g}" if leaf.assumption else "switch")
        t.add_row(leaf.path, str(leaf.value), leaf.unit, prov, leaf.doc)
    return t


def calibration_table(rows: list, checks: list) -> Table:
    """``survsim calibrate``: fitted targets (gating) and independent checks (shown)."""
    t = Table(title="Calibration targets (docs/sources.md): fitted (gating) and independent checks (shown)")
    for c in ("target", "source", "published", "model", "tolerance", "evidence", "result"):
        t.add_column(c, overflow="fold")
    for r in rows + checks:
        verdict = ("[bold red]FAIL[/]" if r in rows else "[yellow]miss[/]") if not r.passed else "[green]pass[/]"
        t.add_row(escape(r.name), r.source, format_value(r.target), format_value(r.model),
                  f"{format_value(r.tolerance[0])} - {format_value(r.tolerance[1])}", r.label, verdict)
    return t
