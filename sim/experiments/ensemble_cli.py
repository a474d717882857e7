"""``survsim ensemble ...``: the command group, added to the main CLI with one line
(``app.add_typer(ensemble_app)``); the work is in :mod:`sim.experiments.ensemble`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from sim.core.errors import InputError
from sim.experiments.process import DelayedProgress, Interrupted

ensemble_app = typer.Typer(name="ensemble", no_args_is_help=True, add_completion=False,
                           help="Parameter ensembles accepted by the calibration checks and validation patterns.")
_err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
_out = Console(width=None if sys.stdout.isatty() else 160)


@ensemble_app.command("build")
def build(
    draws: Annotated[int, typer.Option(min=1, max=100_000, help="parameter sets drawn (Latin hypercube over the priors)")] = 400,
    patterns: Annotated[list[str] | None, typer.Option(help="pattern keys a draw must all pass (repeatable or comma-separated; default: the independent checks and patterns that pass at the shipped defaults, less those the defaults fail at this --residents/--replicates)")] = None,
    vary: Annotated[list[str] | None, typer.Option(help="dotted assumption names to draw (repeatable or comma-separated; default: every single-number assumption, sizes and horizons excluded)")] = None,
    residents: Annotated[int, typer.Option(min=500, max=1_000_000, help="residents of each draw's baseline runs")] = 5_000,
    replicates: Annotated[int, typer.Option(min=1, max=100, help="replicates per draw (seeds spawned from --seed and the draw)")] = 2,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="seed of the design and of every draw's replicates")] = 1,
    workers: Annotated[int, typer.Option(min=1, max=256, help="local worker processes (results identical to 1)")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")] = None,
    out_dir: Annotated[Path, typer.Option("--out", help="ensemble folder (re-run the same command to resume)")] = Path("results/ensemble"),
    charts: Annotated[bool, typer.Option(help="also export the chart as PNG/SVG (HTML is always written)")] = True,
) -> None:
    """Draw parameter sets from the declared assumption ranges and keep those that reproduce
    every chosen pattern (rejection ABC); write accepted.csv, draws.csv, manifest.json and a chart."""
    from sim.experiments import ensemble

    names = [v.strip() for x in (vary or []) for v in x.split(",") if v.strip()]
    try:
        b = ensemble.prepare(draws, patterns, residents, replicates, seed, names or None, out_dir, workers, scheduler)
        with DelayedProgress(max(b.missing(), 1), f"ensemble: {b.missing()} draws", console=_err) as bar:
            try:
                report = ensemble.build(b, bar, images=charts)
            except (KeyboardInterrupt, Interrupted) as e:
                _err.print("interrupted; finished draws are stored: run the same command to resume")
                raise typer.Exit(code=getattr(e, "code", 130)) from None
    except InputError as e:
        _err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, markup=True, soft_wrap=True)
        raise typer.Exit(code=e.exit_code) from None
    for line in report.lines():
        _out.print(line, highlight=False)
