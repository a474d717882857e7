"""The ``survsim`` command line.

Every user error (bad scenario file, flag or value) prints one message naming the field,
the value and what is allowed, and exits with code 2 before anything is written.
"""

from __future__ import annotations

import functools
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sim.core.errors import InputError
from sim.experiments.ensemble_cli import ensemble_app
from sim.experiments.process import DelayedProgress as _DelayedProgress, Interrupted, check_port, install_handlers

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="survsim: simulate doorbell cameras, police partnerships and face recognition.")
app.add_typer(ensemble_app)  # survsim ensemble build: sim/experiments/ensemble_cli.py
# Wide tables when piped to a file (rich assumes 80 columns without a terminal).
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out = Console(width=None if sys.stdout.isatty() else 160)


DelayedProgress = functools.partial(_DelayedProgress, console=err)  # on stderr, once a run has taken over 1 s


def _check_out(out_dir: Path, flag: str = "--out", kind: str = "results") -> None:
    """Before any run: refuse a folder survsim did not write or cannot write (exit 2)."""
    from sim.output.folders import check_folder

    check_folder(out_dir, flag, kind)


def fail(e: InputError) -> None:
    err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(code=e.exit_code)


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="shipped scenario name (see `survsim scenarios`) or path to a .toml file")] = "baseline",
    replicates: Annotated[int, typer.Option(min=1, max=10_000, help="replicates (seeds spawned from --seed)")] = 4,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
    days: Annotated[int | None, typer.Option(help="override the scenario's horizon (days, 1-7305)")] = None,
    residents: Annotated[int | None, typer.Option(help="override the number of residents (50-5,000,000)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="local worker processes (results identical to 1)")] = 1,
    out_dir: Annotated[Path | None, typer.Option("--out", help="results folder (default results/<scenario>)")] = None,
) -> None:
    """Run a scenario and write manifest.json, timeseries.parquet and summary.csv."""
    import sim
    from sim.experiments.console import run_table
    from sim.experiments.runner import overrides

    try:
        sc = sim.load(scenario, overrides(days, residents))
        target = out_dir or Path("results") / sc.name
        _check_out(target)
        err.print(f"[bold]{sc.name}[/]: {sc.description}", highlight=False)
        p = sc.params
        t0 = time.monotonic()
        with DelayedProgress(replicates * p.run.days, f"{sc.name}: {replicates} x {p.run.days} days") as progress:
            res = sim.run(sc, replicates=replicates, seed=seed, workers=workers, progress=progress)
        path = res.save(target)
    except InputError as e:
        fail(e)
    elapsed = time.monotonic() - t0
    out.print(run_table(res))
    size = f"{p.city.n_residents:,} residents" if not p.city.neighbourhoods else f"the city of {p.city.neighbourhoods}"
    out.print(f"{replicates} replicate(s) x {p.run.days} days x {size} in {elapsed:.1f} s. Results: [bold]{path}[/]")


MAIN_RESIDENTS, MAIN_REPLICATES = 50_000, 8  # the main job: see README (bands that answer in ~3 min on 2 cores)


@app.command()
def compare(
    scenarios: Annotated[list[str] | None, typer.Argument(help="scenario names or .toml paths (default: baseline and five reforms)")] = None,
    baseline: Annotated[str, typer.Option(help="scenario the others are compared with")] = "baseline",
    replicates: Annotated[int, typer.Option(min=1, max=10_000, help="paired replicates per scenario")] = MAIN_REPLICATES,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
    days: Annotated[int | None, typer.Option(help="override every scenario's horizon (days)")] = None,
    residents: Annotated[int, typer.Option(help="residents (wrongful stops are rare: small cities give noise)")] = MAIN_RESIDENTS,
    workers: Annotated[int, typer.Option(min=0, max=256, help="local worker processes (0: all cores)")] = 0,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("results/compare"),
    charts: Annotated[bool, typer.Option(help="write report.html and PNG/SVG charts")] = True,
    all_charts: Annotated[bool, typer.Option("--all-charts", help="export every chart as PNG/SVG, not only the advocate's four")] = False,
    cache: Annotated[Path, typer.Option(help="cache of finished runs (same scenario and seeds are reused)")] = Path("results/.cache"),
    precision: Annotated[float | None, typer.Option(help="run paired batches until every asked difference and ratio is known to +/- this fraction (e.g. 0.25)")] = None,
    max_replicates: Annotated[int, typer.Option(min=2, max=10_000, help="with --precision: stop here at the latest")] = 32,
    metric: Annotated[list[str] | None, typer.Option(help="with --precision: metrics asked about (repeatable; default the four headline flows)")] = None,
    groups: Annotated[tuple[str, str] | None, typer.Option(help="with --precision: two group keys whose differences and rate ratios are asked about")] = None,
    ensemble: Annotated[Path | None, typer.Option(help="also run every scenario on each accepted world of this `survsim ensemble build` folder (parameter-inclusive bands, robustness.csv)")] = None,
    worlds: Annotated[int | None, typer.Option(help="with --ensemble: only the first N accepted worlds (default: all)")] = None,
) -> None:
    """Run scenarios with paired seeds against a baseline; write summary.csv, report.html, charts."""
    from sim.experiments import console
    from sim.experiments.compare_ensemble import DEFAULT_SCENARIOS, compare as run_compare, runs_factor
    from sim.experiments.precision import PRECISION_METRICS

    names = scenarios or list(DEFAULT_SCENARIOS)
    try:
        import sim
        from sim.experiments.runner import overrides

        loaded = [sim.load(n, overrides(days, residents)) for n in dict.fromkeys([baseline, *names])]
        _check_out(out_dir)
        _check_out(cache, "--cache", "cache")
        reps = max_replicates if precision is not None else replicates
        total = reps * sum(s.params.run.days for s in loaded) * runs_factor(ensemble, worlds)
        t0 = time.monotonic()
        with DelayedProgress(total, f"{len(loaded)} scenarios x {reps} replicates") as progress:
            comp = run_compare(names, baseline=baseline, replicates=replicates, seed=seed, days=days,
                               residents=residents, workers=workers or _cpus(), cache=cache, progress=progress,
                               precision=precision, max_replicates=max_replicates, metrics=metric or PRECISION_METRICS,
                               groups=groups or (), ensemble=ensemble, worlds=worlds)
        path = comp.save(out_dir, charts=charts, all_charts=all_charts)
    except InputError as e:
        fail(e)
    out.print(console.difference_table(comp))
    out.print(console.group_table(comp))
    for line in console.stopping_lines(comp) + console.ensemble_lines(comp):
        out.print(line, highlight=False)
    for w in comp.warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    out.print(f"Compared in {time.monotonic() - t0:.1f} s. Results: [bold]{path}[/]"
              + (f" (open {path / 'report.html'})" if charts else ""), highlight=False)


@app.command()
def plan(
    scenarios: Annotated[list[str] | None, typer.Argument(help="scenarios (the baseline is added); default: the baseline alone")] = None,
    metric: Annotated[list[str] | None, typer.Option(help="metrics asked about (repeatable; default the four headline flows)")] = None,
    groups: Annotated[tuple[str, str] | None, typer.Option(help="two group keys, e.g. black_m white_m")] = None,
    precision: Annotated[float, typer.Option(help="relative precision wanted, e.g. 0.25 for +/-25%")] = 0.25,
    pilot_residents: Annotated[int, typer.Option(min=100, help="city size stage 1 starts at (grown until the rarest asked group has 30 events per replicate)")] = 20_000,
    pilot_replicates: Annotated[int, typer.Option(min=8, max=100, help="paired replicates in stage 1 (the run's first replicates)")] = 8,
    days: Annotated[int | None, typer.Option(help="override every scenario's horizon (days)")] = None,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed (the same as the compare run's)")] = 1,
    workers: Annotated[int, typer.Option(min=0, max=256, help="local worker processes (0: all cores)")] = 0,
) -> None:
    """Run a two-stage plan; print the city size and replicates a question needs, and the run time here."""
    from sim.experiments.plan import describe, plan as run_plan
    from sim.experiments.precision import PRECISION_METRICS

    try:
        p = run_plan(scenarios or [], metric or PRECISION_METRICS, groups or (), precision, pilot_residents=pilot_residents,
                     pilot_replicates=pilot_replicates, days=days, seed=seed, workers=workers or _cpus(),
                     announce=lambda m: err.print(m, highlight=False))
    except InputError as e:
        fail(e)
    for line in describe(p):
        out.print(line, highlight=False)


@app.command()
def validate(
    out_dir: Annotated[Path, typer.Option("--out", help="folder for validation.html")] = Path("results/validation"),
    replicates: Annotated[int, typer.Option(min=1, max=100, help="replicates per check (8: every verdict stable)")] = 8,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
) -> None:
    """Write validation.html: every calibration target and pattern check, with sources."""
    from sim.experiments.validation import validate as run_validation

    try:
        _check_out(out_dir)
        path = run_validation(out_dir, replicates=replicates, seed=seed)
    except InputError as e:
        fail(e)
    out.print(f"Validation report: [bold]{path}[/]", highlight=False)


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="sweep spec (TOML file, or a shipped spec name): parameters, design, replicates, outputs")],
    store: Annotated[Path | None, typer.Option(help="sweep store folder (default results/sweeps/<name>)")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="local worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")] = None,
) -> None:
    """Run a parameter sweep into a resumable store (runs already stored are skipped)."""
    from sim.experiments import sweep as sweeps

    _resumable(lambda: sweeps.status(spec, store), "sweep",
               lambda bar: sweeps.run_sweep(spec, store, workers=workers, scheduler=scheduler, progress=bar))


@app.command()
def sensitivity(
    spec: Annotated[Path, typer.Argument(help="sensitivity spec (TOML file, or a shipped spec name such as assumptions_sobol): ranges, samples, outputs")],
    method: Annotated[str | None, typer.Option(help="sobol or morris (default: the spec's)")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder")] = None,
    workers: Annotated[int, typer.Option(min=1, max=256, help="local worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
) -> None:
    """Global sensitivity (Sobol or Morris, SALib) of chosen outputs; indices as CSV and a chart."""
    from sim.experiments import sensitivity as sens

    if method is not None and method not in ("sobol", "morris"):
        fail(InputError(f"--method = {method!r}: allowed: sobol, morris"))
    _resumable(lambda: sens.status(spec, out_dir, method), "sensitivity runs",
               lambda bar: sens.sensitivity(spec, out_dir, method=method, workers=workers, scheduler=scheduler,
                                            progress=bar))


ANALYSIS_RESIDENTS = 100_000  # wrongful stops are rare: smaller cities give mostly noise
DECOMPOSE_RESIDENTS = 300_000  # a ratio of two groups' counts needs more events still


def _cpus() -> int:
    import os

    return max(os.cpu_count() or 1, 1)


@app.command()
def frontier(
    scenario: Annotated[str, typer.Argument(help="shipped scenario name or path to a .toml file")] = "baseline",
    vary: Annotated[str, typer.Option(help="lever: threshold, review, warrant, seriousness, algorithm or search_mode")] = "threshold",
    values: Annotated[str | None, typer.Option(help="comma-separated lever values (default: the lever's range)")] = None,
    replicates: Annotated[int, typer.Option(min=2, max=10_000, help="paired replicates per lever value")] = 8,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
    days: Annotated[int | None, typer.Option(help="override the scenario's horizon (days)")] = None,
    residents: Annotated[int, typer.Option(help="residents (wrongful stops are rare: small cities give noise)")] = ANALYSIS_RESIDENTS,
    workers: Annotated[int, typer.Option(min=0, max=256, help="local worker processes (0: all cores)")] = 0,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder (default results/frontier/<scenario>-<lever>)")] = None,
    charts: Annotated[bool, typer.Option(help="write PNG/SVG charts (HTML is always written)")] = True,
) -> None:
    """Benefit-harm frontier: clearances gained vs wrongful stops/arrests caused, per group, as a lever moves."""
    import sim
    from sim.experiments.analysis_output import write_frontier
    from sim.experiments.frontier import LEVERS, frontier as run_frontier

    try:
        if vary not in LEVERS:
            raise InputError(f"--vary = {vary!r} is not a lever; allowed: {', '.join(LEVERS)}")
        vals = None if values is None else [LEVERS[vary].parse(v) for v in values.split(",") if v.strip()]
        from sim.experiments.runner import overrides

        sc = sim.load(scenario, overrides(days, residents))
        out_dir = out_dir or Path("results/frontier") / f"{sc.name}-{vary}"
        _check_out(out_dir)
        n = (len(vals) if vals is not None else len(LEVERS[vary].values)) + 1
        t0 = time.monotonic()
        with DelayedProgress(n * replicates, f"{n} settings x {replicates} replicates") as bar:
            f = run_frontier(sc, vary, vals, replicates=replicates, seed=seed, workers=workers or _cpus(),
                             scheduler=scheduler, progress=bar)
        notes = write_frontier(f, sc, seed, out_dir, images=charts)
    except InputError as e:
        fail(e)
    t = f.table()
    tab = Table(title=f"{sc.name}: {f.lever.label}, vs no face recognition (mean [90% band], per 100k per year)")
    for c in ("value", "clearances gained", "wrongful stops caused", "wrongful arrests caused", "searches"):
        tab.add_column(c, justify="left" if c == "value" else "right")
    for v in f.values:
        row = t[(t.value.astype(str) == str(v)) & (t.group == "all")].set_index("quantity")
        cell = lambda q: f"{row.loc[q, 'mean']:,.3g} [{row.loc[q, 'low']:,.3g}, {row.loc[q, 'high']:,.3g}]"  # noqa: E731
        tab.add_row(f.lever.show(v), cell("clearances_gained"), cell("wrongful_stops_caused"),
                    cell("wrongful_arrests_caused"), cell("fr_searches"))
    out.print(tab)
    for note in notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False)
    out.print(f"Frontier in {time.monotonic() - t0:.1f} s. Results: [bold]{out_dir}[/] "
              f"(per group: frontier.csv; chart: frontier.html)", highlight=False)


@app.command()
def decompose(
    scenario: Annotated[str, typer.Argument(help="shipped scenario name or path to a .toml file")] = "baseline",
    groups: Annotated[tuple[str, str], typer.Option(help="two group keys A B: disparity = A's wrongful stops per resident / B's")] = ("black_m", "white_m"),
    replicates: Annotated[int, typer.Option(min=2, max=10_000, help="paired replicates per combination")] = 8,
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
    days: Annotated[int | None, typer.Option(help="override the scenario's horizon (days)")] = None,
    residents: Annotated[int, typer.Option(help="residents (wrongful stops are rare: small cities give noise)")] = DECOMPOSE_RESIDENTS,
    workers: Annotated[int, typer.Option(min=0, max=256, help="local worker processes (0: all cores)")] = 0,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="output folder (default results/decompose/<scenario>-<A>-<B>)")] = None,
    charts: Annotated[bool, typer.Option(help="write PNG/SVG charts (HTML is always written)")] = True,
    algorithm: Annotated[str | None, typer.Option(help="algorithm preset to decompose under: vendor_2018, nist_median or nist_leading (default: the scenario's)")] = None,
    search_mode: Annotated[str | None, typer.Option(help="search mode to decompose under: threshold, top_k or top_k_threshold (default: the scenario's)")] = None,
) -> None:
    """Shapley decomposition of a wrongful-stop disparity over algorithm, gallery, cameras and attention."""
    import sim
    from sim.experiments.analysis_output import write_decomposition
    from sim.experiments.decompose import FACTORS, LABELS, check_groups, decompose as run_decompose
    from sim.experiments.runner import overrides

    try:
        from sim.experiments.frontier import LEVERS

        extra = {LEVERS[name].path: LEVERS[name].parse(v, f"--{name.replace('_', '-')}") for name, v in
                 (("algorithm", algorithm), ("search_mode", search_mode)) if v is not None}
        sc = sim.load(scenario, {**overrides(days, residents), **extra})
        check_groups(sc, groups)
        out_dir = out_dir or Path("results/decompose") / f"{sc.name}-{groups[0]}-{groups[1]}"
        _check_out(out_dir)
        t0 = time.monotonic()
        with DelayedProgress(16 * replicates, f"16 combinations x {replicates} replicates") as bar:
            d = run_decompose(sc, groups, replicates=replicates, seed=seed, workers=workers or _cpus(),
                              scheduler=scheduler, progress=bar)
        notes = write_decomposition(d, sc, seed, out_dir, images=charts)
    except InputError as e:
        fail(e)
    t = d.table().set_index("key")
    tab = Table(title=f"{sc.name}: wrongful-stop disparity {groups[0]} / {groups[1]} "
                      f"(mean [90% band] over {replicates} paired replicates)")
    for c in ("", "mean", "90% band"):
        tab.add_column(c, justify="left" if c == "" else "right")
    for key in ("neutral", *FACTORS, "total", "scenario"):
        r = t.loc[key]
        name = LABELS.get(key, r.label)
        tab.add_row(name if key in FACTORS else r.label, f"{r['mean']:+.3f}" if key in FACTORS else f"{r['mean']:.3f}",
                    f"[{r.low:.3f}, {r.high:.3f}]")
    out.print(tab)
    few = min(float(ev.min()) for ev in d.events.values())
    if few < 30:
        err.print(f"[yellow]warning:[/] as few as {few:.0f} wrongful stops of one group in a run: the ratios are "
                  f"noisy; use more --residents, --days or --replicates", highlight=False)
    for note in notes:
        err.print(f"[yellow]note:[/] {note}", highlight=False)
    out.print(f"Decomposed in {time.monotonic() - t0:.1f} s. Results: [bold]{out_dir}[/]", highlight=False)


def _resumable(status, label: str, work) -> None:
    """Run resumable work with a progress bar over the missing runs; Ctrl-C keeps what is done."""
    try:
        with DelayedProgress(max(status().missing, 1), label) as bar:
            try:
                report = work(bar)
            except (KeyboardInterrupt, Interrupted) as e:
                err.print("interrupted; finished runs are stored: run the same command to resume")
                raise typer.Exit(code=getattr(e, "code", 130)) from None
    except InputError as e:
        fail(e)
    out.print(str(report), highlight=False)


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="address to bind; 127.0.0.1 = this machine only")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8050,
    results: Annotated[Path, typer.Option(help="folder whose .cache holds runs (shared with survsim compare)")] = Path("results"),
    workers: Annotated[int, typer.Option(min=1, max=64, help="worker processes for runs")] = 2,
    debug: Annotated[bool, typer.Option(help="Dash debug mode (never on a shared machine)")] = False,
    memory_budget: Annotated[int, typer.Option(
        min=256, max=1 << 20, help="MB the server and its workers aim to stay within; sets the largest run "
                                   "a page may request and how many finished runs are kept")] = 1536,
    allow_host: Annotated[list[str] | None, typer.Option(
        help="also answer requests for this host name (repeatable; localhost names and --host always are)")] = None,
) -> None:
    """Serve the dashboard: compare scenarios, what-if runs, educator mode, calibration."""
    try:
        check_port(host, port)
    except InputError as e:
        fail(e)
    from dashboard.app import main as serve

    serve(host=host, port=port, results=results, debug=debug, workers=workers, memory_budget=memory_budget,
          allow_hosts=tuple(allow_host or ()))


@app.command()
def scenarios() -> None:
    """List the shipped scenarios."""
    from sim.output.cli_tables import scenarios_table

    out.print(scenarios_table())


@app.command()
def city(
    scenario: Annotated[str, typer.Argument(help="shipped scenario name or path to a .toml file")] = "baseline",
    seed: Annotated[int, typer.Option(min=0, max=2**63 - 1, help="run seed")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """The built city's segregation per group: dissimilarity and isolation vs targets, majority areas."""
    import sim
    from sim.output.cli_tables import city_json, city_report, city_table

    try:
        sc = sim.load(scenario)
        rep = city_report(sc.params, seed)
    except InputError as e:
        fail(e)
    print(city_json(sc.name, seed, rep)) if as_json else out.print(city_table(sc.name, rep))


@app.command()
def params(
    scenario: Annotated[str | None, typer.Argument(help="show values as resolved for this scenario")] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="print docs/parameters.md (defaults) instead")] = False,
) -> None:
    """List every parameter with value, unit, and source or assumption range."""
    import sim
    from sim.output.cli_tables import params_table

    if markdown:
        from sim.output.docs import parameters_markdown

        print(parameters_markdown())
        return
    try:
        p = sim.load(scenario).params if scenario else sim.Params()
    except InputError as e:
        fail(e)
    out.print(params_table(p, "Parameters" + (f" ({scenario})" if scenario else " (defaults)")))


@app.command()
def calibrate(
    check: Annotated[bool, typer.Option("--check", help="exit 1 if any target is outside its tolerance")] = False,
) -> None:
    """Print every calibration target: published value, source, model value, tolerance."""
    from sim.experiments.targets import calibration_rows
    from sim.output.cli_tables import calibration_table

    rows, checks = calibration_rows()
    out.print(calibration_table(rows, checks))
    failed = [r.name for r in rows if not r.passed]
    out.print(f"{len(rows) - len(failed)} of {len(rows)} fitted targets within tolerance "
              f"({sum(r.reproduces_input for r in rows)} of them reproduce their inputs by construction); "
              f"{sum(r.passed for r in checks)} of {len(checks)} independent checks (not gating).")
    if check and failed:
        err.print("outside tolerance: " + "; ".join(failed))
        raise typer.Exit(code=1)


def main() -> None:
    """Entry point: exit 2 for bad input, 130/143 after SIGINT/SIGTERM; never a traceback."""
    install_handlers(lambda message: err.print(f"[yellow]warning:[/] {escape(message)}", highlight=False))
    try:
        app()
    except InputError as e:  # raised outside a command's own handler
        err.print(f"error: {e}")
        sys.exit(2)
    except (Interrupted, KeyboardInterrupt) as e:
        err.print(f"interrupted ({signal.Signals(getattr(e, 'code', 130) - 128).name}); nothing half-written kept")
        sys.exit(getattr(e, "code", 130))


if __name__ == "__main__":
    main()
