"""Global sensitivity analysis: which assumptions move which outputs, and how much.

A sensitivity spec is a sweep spec (see :mod:`sim.experiments.sweep`) whose ``[parameters]`` are all
ranges (``{ low = .., high = .. }`` or ``"assumption"`` for the range the parameter tree
declares), with ``method = "sobol"`` or ``"morris"`` and ``samples`` N:

* Sobol' (variance decomposition, Saltelli sampling without second order): N * (D + 2)
  points for D parameters, N a power of 2. S1 is the share of an output's variance due
  to one parameter alone; ST adds its interactions.
* Morris (elementary effects): N trajectories of D + 1 points on a ``levels`` grid
  (default 4). mu_star ranks parameters by mean absolute effect; sigma shows non-linearity
  or interactions.

Every point runs ``replicates`` times with the same replicate seeds (common random
numbers), and the analysis uses the mean over replicates. The runs go through the sweep
machinery into a resumable store ``<out>/runs_<method>``; the analysis itself
(:func:`estimate`) takes any model callable, which is how it is checked on the Ishigami
function, whose indices are known.

Example:
    >>> rep = sensitivity("scenarios/sweeps/assumptions_sobol.toml", "results/sens", workers=4)  # doctest: +SKIP
    >>> print(rep)                                                                              # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.errors import InputError
from sim.core.metrics import BY_NAME
from sim.output.results import check_folder, clean_leftovers, git_commit, marker_kind, version, write_marker
from sim.experiments.sweep import Plan, Spec, SweepReport, count, execute, load_index, plan, read_spec
from sim.experiments.sweep_spec import scenario_with
from sim.experiments.sweep_store import atomic_write
from sim.policy.scenario import find

METHODS = ("sobol", "morris")
COLUMNS = {"sobol": ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
           "morris": ["output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]}
MORRIS_LEVELS = 4
RESAMPLES = 100  # bootstrap resamples for the confidence intervals (95%)


@dataclass(frozen=True)
class Problem:
    """Parameters and their ranges, as SALib wants them."""

    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]

    def salib(self) -> dict:
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": [list(b) for b in self.bounds]}


def sample(problem: Problem, method: str, samples: int, seed: int, levels: int = MORRIS_LEVELS) -> np.ndarray:
    """The design matrix (points x parameters) for ``method``, fixed by ``seed``."""
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem.salib(), samples, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem.salib(), samples, num_levels=levels, seed=seed)


def analyse(problem: Problem, method: str, X: np.ndarray, Y: dict[str, np.ndarray], seed: int,
            levels: int = MORRIS_LEVELS) -> tuple[pd.DataFrame, list[str]]:
    """Indices of every output in ``Y`` (one value per row of ``X``), and notes on outputs
    that could not be analysed (non-finite values, no variation): their rows are NaN."""
    from SALib.analyze import morris, sobol

    rows, notes = [], []
    for name, y in Y.items():
        y = np.asarray(y, dtype=float)
        bad = int((~np.isfinite(y)).sum())
        if bad or np.ptp(y) == 0:
            why = (f"{bad} of {len(y)} points gave no finite value (e.g. a ratio with zero below)" if bad
                   else "it did not vary across points")
            notes.append(f"output {name!r}: indices not computed: {why}")
            rows += [{"output": name, "parameter": p} for p in problem.names]
            continue
        if method == "sobol":
            si = sobol.analyze(problem.salib(), y, calc_second_order=False, num_resamples=RESAMPLES, seed=seed)
        else:
            si = morris.analyze(problem.salib(), X, y, num_resamples=RESAMPLES, num_levels=levels, seed=seed)
        cols = COLUMNS[method][2:]
        rows += [{"output": name, "parameter": p, **{c: float(si[c][j]) for c in cols}}
                 for j, p in enumerate(problem.names)]
    return pd.DataFrame(rows, columns=COLUMNS[method]), notes


def estimate(problem: Problem, model: Callable[[np.ndarray], dict[str, np.ndarray]], method: str = "sobol",
             samples: int = 1024, seed: int = 0, levels: int = MORRIS_LEVELS) -> tuple[pd.DataFrame, list[str]]:
    """Sample, evaluate ``model`` (design matrix -> {output: values}) and analyse.

    Example:
        >>> from SALib.test_functions import Ishigami
        >>> pi = float(np.pi)
        >>> prob = Problem(("x1", "x2", "x3"), ((-pi, pi),) * 3)
        >>> idx, _ = estimate(prob, lambda X: {"f": Ishigami.evaluate(X)}, "sobol", 1024, seed=1)
        >>> idx.S1.round(1).tolist()
        [0.3, 0.4, 0.0]
    """
    X = sample(problem, method, samples, seed, levels)
    return analyse(problem, method, X, model(X), seed, levels)


@dataclass
class SensitivityReport:
    method: str
    out_dir: Path
    runs: SweepReport
    indices: pd.DataFrame
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reform_runs: list[SweepReport] = field(default_factory=list)  # one per reform scenario, after `runs`

    def __str__(self) -> str:
        lines = [f"{self.method} sensitivity: {len(self.indices.output.unique())} outputs x "
                 f"{len(self.indices.parameter.unique())} parameters -> {self.out_dir}"]
        lines += [str(self.runs), *(str(r) for r in self.reform_runs)]
        lines += [f"  wrote {f}" for f in self.files] + [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def sensitivity(spec_path: str | Path, out_dir: str | Path | None = None, method: str | None = None,
                workers: int = 1, scheduler: str | None = None, progress: Callable[[int], None] | None = None,
                images: bool = True) -> SensitivityReport:
    """Global sensitivity of a spec's outputs to its parameter ranges.

    Args:
        spec_path: the sensitivity spec (TOML).
        out_dir: where to write ``<method>_indices.csv``/``.html``/``.png``/``.svg``,
            ``<method>_manifest.json`` and the run store ``runs_<method>/``
            (default ``results/sensitivity/<name>``).
        method: "sobol" or "morris" (default: the spec's ``method``, else sobol).
        workers, scheduler, progress: as for :func:`sim.experiments.sweep.run_sweep`.
        images: also try PNG/SVG export (needs kaleido and Chromium; skipped with a note).

    Interrupted, it resumes from the runs already stored.
    """
    job = _Job.make(spec_path, out_dir, method)
    runs: list[SweepReport] = []

    job.out.mkdir(parents=True, exist_ok=True)
    if marker_kind(job.out) is None:
        write_marker(job.out, "sensitivity")
    clean_leftovers(job.out)

    def model(X: np.ndarray) -> dict[str, np.ndarray]:
        runs.extend(execute(plan_, store, workers, scheduler, progress, flag="--out")
                    for plan_, store in job.plans(X))
        return outputs(job, len(X))

    indices, notes = estimate(job.problem, model, job.method, job.spec.samples, job.spec.seed, job.levels)
    files = write(indices, job.spec, job.method, job.out, images, notes)
    manifest = job.out / f"{job.method}_manifest.json"
    write_manifest(manifest, job.spec, job.method, job.problem, runs, notes)
    return SensitivityReport(job.method, job.out, runs[0], indices, [*files, manifest], notes, runs[1:])


def status(spec_path: str | Path, out_dir: str | Path | None = None, method: str | None = None) -> SweepReport:
    """Counts of stored and missing model runs (e.g. for a progress bar), without running."""
    job = _Job.make(spec_path, out_dir, method)
    parts = [count(p, store, flag="--out")
             for p, store in job.plans(sample(job.problem, job.method, job.spec.samples, job.spec.seed, job.levels))]
    return SweepReport(job.spec.name, job.out, sum(r.total for r in parts), sum(r.skipped for r in parts), 0, 0.0)


def outputs(job: _Job, points: int) -> dict[str, np.ndarray]:
    """Each output's mean over replicates at every point; a reform output is the paired
    difference (reform run - run of the spec's scenario, same point and replicate seed),
    averaged over replicates."""
    keys = ["point", "replicate"]
    base = load_index(job.store).set_index(keys)
    values = {}
    for o in job.spec.outputs:
        col = base[o.name]
        if o.reform:
            col = load_index(job.reform_store(o.reform)).set_index(keys)[o.name] - col  # aligned on the keys
        values[o.name] = col.groupby(level="point").mean().reindex(range(points)).to_numpy(float)
    return values


@dataclass(frozen=True)
class _Job:
    """A validated sensitivity request: spec, method, problem, where things go."""

    spec: Spec
    method: str
    levels: int
    problem: Problem
    out: Path

    @classmethod
    def make(cls, spec_path: str | Path, out_dir: str | Path | None, method: str | None) -> _Job:
        if method is not None and method not in METHODS:
            raise InputError(f"--method {method!r}: allowed: {', '.join(METHODS)}")
        spec = read_spec(spec_path, kind="sensitivity")
        method = method or spec.design
        n = spec.samples
        if n is None or n < 2 or (method == "sobol" and n & (n - 1)):
            need = "a power of 2 (e.g. 16, 32, 64)" if method == "sobol" else "an integer >= 2 (trajectories)"
            raise InputError(f"{spec.path}: field 'samples' = {n!r}: {method} needs {need}")
        out = Path(out_dir) if out_dir is not None else Path("results") / "sensitivity" / spec.name
        if not (marker_kind(out) is None and any(out.glob("runs_*/sweep.json"))):  # else made before markers
            check_folder(out, "--out", "sensitivity")
        problem = Problem(tuple(a.path for a in spec.axes), tuple((a.low, a.high) for a in spec.axes))
        return cls(spec, method, spec.levels or MORRIS_LEVELS, problem, out)

    @property
    def store(self) -> Path:
        return self.out / f"runs_{self.method}"

    def reform_store(self, reform: str) -> Path:
        return self.out / f"runs_{self.method}_{reform}"

    @property
    def reforms(self) -> list[str]:
        return list(dict.fromkeys(o.reform for o in self.spec.outputs if o.reform))

    def plan(self, X: np.ndarray) -> Plan:
        """Model runs of the spec's scenario for the design matrix (integer parameters
        rounded); every output is kept as a level (a reform output as the scenario's level)."""
        points = [{a.path: a.cast(x) for a, x in zip(self.spec.axes, row)} for row in X]
        return plan(self.spec, points, extra_key={"method": self.method, "levels": self.levels})

    def plans(self, X: np.ndarray) -> list[tuple[Plan, Path]]:
        """The spec scenario's runs, then each reform's: the reform scenario with the same
        overrides, the same points and replicate seeds, keeping its outputs' levels. Every
        scenario runs once per point and seed, however many outputs use it."""
        out = [(self.plan(X), self.store)]
        points = out[0][0].points
        for name in self.reforms:
            path = find(name)
            spec = replace(self.spec, scenario=path, base=scenario_with(path, self.spec.overrides, f"reform {name}"),
                           outputs=tuple(o for o in self.spec.outputs if o.reform == name))
            out.append((plan(spec, points, extra_key={"method": self.method, "levels": self.levels, "reform": name}),
                        self.reform_store(name)))
        return out


def write(indices: pd.DataFrame, spec: Spec, method: str, out: Path, images: bool, notes: list[str]) -> list[Path]:
    """CSV and chart (HTML always; PNG/SVG when kaleido and Chromium work, else a note)."""
    stem = out / f"{method}_indices"
    atomic_write(stem.with_suffix(".csv"), lambda f: indices.to_csv(f, index=False))
    fig = chart(indices, method, labels={o.name: _label(o, spec.scenario.stem) for o in spec.outputs}, title=spec.name)
    atomic_write(stem.with_suffix(".html"), lambda f: fig.write_html(f, include_plotlyjs=True, full_html=True))
    files = [stem.with_suffix(".csv"), stem.with_suffix(".html")]
    if images:
        try:
            from sim.output.report import export

            files += export(fig, stem)
        except Exception as e:  # noqa: BLE001 - images are optional: say why and carry on
            notes.append(f"no PNG/SVG chart: {type(e).__name__}: {e}")
    return files


def _label(o, spec_scenario: str = "") -> str:
    what = {"ratio": " ratio ", "difference": " minus "}.get(o.compare, " ")
    groups = what.join(o.groups)
    return (f"{o.name}: {BY_NAME[o.metric].label}, {o.statistic}" + (f" ({groups})" if groups else "")
            + (f", {o.reform} minus {spec_scenario}" if o.reform else ""))


def chart(indices: pd.DataFrame, method: str, labels: dict[str, str] | None = None, title: str = "") -> go.Figure:
    """Bars per parameter, one panel per output: S1 and ST (Sobol) or mu_star and sigma
    (Morris), with 95% confidence intervals where SALib gives them."""
    outputs = list(dict.fromkeys(indices.output))
    labels = labels or {}
    # one parameter axis for every panel, labelled once at the bottom: long names rotated
    # under each panel would run into the next panel's title
    fig = make_subplots(rows=len(outputs), cols=1, subplot_titles=[labels.get(o, o) for o in outputs],
                        vertical_spacing=0.3 / max(len(outputs), 1), shared_xaxes=True)
    bars = ((("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST")) if method == "sobol"
            else (("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma (spread of effects)")))
    colours = ("#1f77b4", "#ff7f0e")
    for i, o in enumerate(outputs, start=1):
        d = indices[indices.output == o]
        for (col, conf, name), colour in zip(bars, colours):
            err = dict(type="data", array=d[conf].tolist(), visible=True) if conf else None
            fig.add_trace(go.Bar(x=d.parameter, y=d[col], name=name, marker_color=colour, error_y=err,
                                 legendgroup=col, showlegend=i == 1), row=i, col=1)
    if method == "sobol":  # indices are shares of variance; clip wild intervals of small samples
        fig.update_yaxes(range=[-0.1, 1.1])
    for i, o in enumerate(outputs):
        if indices[indices.output == o].iloc[:, 2].isna().all():
            fig.layout.annotations[i].text += " (not computed: see notes)"
    kind = "Sobol' indices (share of output variance)" if method == "sobol" else "Morris elementary effects"
    fig.update_layout(title=f"{title}: {kind}" if title else kind, barmode="group", template="plotly_white",
                      height=320 + 220 * len(outputs), width=1100, margin={"t": 120, "b": 200},
                      legend={"orientation": "h", "y": 1 + 40 / (220 * len(outputs)), "yanchor": "bottom",
                              "x": 1, "xanchor": "right"})
    return fig


def write_manifest(path: Path, spec: Spec, method: str, problem: Problem, runs: Sequence[SweepReport],
                   notes: Sequence[str]) -> None:
    info = {"name": spec.name, "method": method, "spec_path": str(spec.path), "out": str(path.parent),
            "spec": spec.raw, "problem": problem.salib(),
            "samples": spec.samples, "replicates": spec.replicates, "seed": spec.seed,
            "residents": spec.base.params.city.n_residents, "days": spec.base.params.run.days,
            "runs": sum(r.total for r in runs), "store": str(runs[0].store),
            "reform_stores": [str(r.store) for r in runs[1:]], "notes": list(notes),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "survsim_version": version(), "git_commit": git_commit()}
    atomic_write(path, lambda f: f.write_text(json.dumps(info, indent=2, default=str)))
