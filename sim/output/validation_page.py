"""The validation page: calibration targets and pattern checks as one self-contained HTML
page (plotly charts inlined), and the row types the checks fill in
(:mod:`sim.experiments.validation` runs the model and makes the checks)."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from sim.core.paramtree import is_number, leaves
from sim.params import Params
from sim.recognition import TargetCheck


def format_value(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _band(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median and 10th-90th percentiles over seeds."""
    return tuple(np.nanpercentile(x, q, axis=axis) for q in (50, 10, 90))


@dataclass(frozen=True)
class TargetRow(TargetCheck):
    """A calibration target (:class:`sim.recognition.TargetCheck`) plus its seed spread."""

    kind: str = "analytic"               # "model" (simulated, mean over seeds) or "analytic"
    per_seed: tuple[float, ...] = ()     # model value of each seed (model-level targets)


@dataclass
class PatternCheck:
    """A qualitative pattern the model should show, with its evidence and verdict."""

    key: str
    title: str
    source: str
    passed: bool
    explanation: str
    values: dict[str, float]
    figure: go.Figure | None = field(default=None, repr=False, compare=False)
    stability: float | None = None  # share of resamples of the replicates giving the same verdict


@dataclass
class ValidationRows:
    targets: list[TargetRow]
    patterns: list[PatternCheck]
    meta: dict[str, Any]

    def as_data(self) -> dict[str, Any]:
        """Everything but the figures, as JSON-ready data."""
        def clean(x: Any) -> Any:  # NaN is not JSON
            if isinstance(x, dict):
                return {k: clean(v) for k, v in x.items()}
            if isinstance(x, (list, tuple)):
                return [clean(v) for v in x]
            return None if isinstance(x, float) and not np.isfinite(x) else x

        return clean({"meta": self.meta, "targets": [asdict(t) for t in self.targets],
                      "patterns": [{k: v for k, v in asdict(p).items() if k != "figure"} for p in self.patterns]})


STABLE = 0.9                 # a verdict is stable at a size when at least this share of resamples agrees
STABILITY_RESAMPLES = 200    # bootstrap resamples of the replicates (sim.experiments.validation.verdict_stability)


def _stability(p: PatternCheck, meta: dict[str, Any]) -> str:
    if p.stability is None:
        return ""
    word = "stable at this size" if p.stability >= STABLE else "NOT stable at this size: run more replicates"
    n = meta.get("disparity_replicates", meta["replicates"]) if p.key == "disparity" else meta["replicates"]
    return f'<p class="src">Verdict stability: {p.stability:.0%} of resamples of the {n} replicates agree ({word}).</p>'



# --- figures -------------------------------------------------------------------------------
def _add_band(fig: go.Figure, x: list, med: np.ndarray, lo: np.ndarray, hi: np.ndarray, name: str,
              colour: str) -> None:
    fig.add_trace(go.Scatter(x=x + x[::-1], y=np.concatenate([hi, lo[::-1]]), fill="toself", line_width=0,
                             fillcolor=colour, opacity=0.2, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=x, y=med, mode="lines", line_color=colour, name=name))


def _band_figure(x: list, series: np.ndarray, name: str, colour: str, percent: bool = False) -> go.Figure:
    fig = go.Figure()
    med, lo, hi = _band(series)
    _add_band(fig, x, med, lo, hi, name + " (median, 10-90% over replicates)", colour)
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def _style(fig: go.Figure, title: str, height: int = 360) -> go.Figure:
    fig.update_layout(title=dict(text=title, font_size=15), template="plotly_white", height=height,
                      margin=dict(l=60, r=20, t=50, b=40), legend=dict(orientation="h", y=-0.18),
                      font=dict(family="system-ui, sans-serif", size=12))
    return fig


def targets_figure(targets: list[TargetRow]) -> go.Figure:
    """Each target's model value as a position in its tolerance band (0 = lower edge, 1 = upper)."""
    def pos(v: float, t: TargetRow) -> float:
        lo, hi = t.tolerance
        return (v - lo) / (hi - lo) if hi > lo else 0.5

    names = [t.name for t in targets][::-1]
    rows = targets[::-1]
    fig = go.Figure()
    fig.add_vrect(x0=0, x1=1, fillcolor="#2ca02c", opacity=0.12, line_width=0)
    seeds = [(pos(v, t), t.name) for t in rows for v in t.per_seed]
    if seeds:
        fig.add_trace(go.Scatter(x=[s[0] for s in seeds], y=[s[1] for s in seeds], mode="markers", name="one seed",
                                 marker=dict(color="#555", size=6, symbol="line-ns-open")))
    fig.add_trace(go.Scatter(x=[pos(t.model, t) for t in rows], y=names, mode="markers", name="model",
                             marker=dict(size=10, color=["#2ca02c" if t.passed else "#d62728" for t in rows]),
                             text=[f"model {format_value(t.model)}; tolerance {format_value(t.tolerance[0])}-"
                                   f"{format_value(t.tolerance[1])}" for t in rows],
                             hovertemplate="%{y}<br>%{text}<extra></extra>"))
    fig.update_xaxes(title="position in tolerance band (0 = lower edge, 1 = upper edge)", range=[-0.6, 1.6],
                     zeroline=False)
    fig.update_yaxes(automargin=True)
    return _style(fig, "Calibration targets: model value within its tolerance", height=120 + 24 * len(rows))


# --- the page ------------------------------------------------------------------------------
def limits_section(params: Params) -> str:
    """The "What this model can and cannot tell you" section (HTML)."""
    numbers = [leaf for leaf in leaves(params) if is_number(leaf.value)]
    assumed = sum(1 for leaf in numbers if not leaf.source)
    can = [
        "Compare laws and practices on the same assumptions: every scenario runs with the same seeds as its "
        "baseline, so differences come from the policy, not from chance (<code>survsim compare</code>).",
        "Show how the mechanisms interact: switch a feedback loop off (<code>loops.fear</code>, "
        "<code>loops.credit</code>, <code>loops.gallery</code>, <code>loops.attention</code>) and see what changes.",
        "Show which assumptions a conclusion rests on: change any parameter in a scenario file and re-run.",
    ]
    cannot = [
        f"Predict a particular city or the future. It is a scenario tool: {assumed} of its {len(numbers)} numeric "
        "parameters are assumptions with a declared plausible range, not measurements (see "
        "<code>docs/parameters.md</code>); the city is a synthetic grid with national average rates.",
        "Tell you whether doorbell cameras deter crime. No randomised trial of doorbell cameras was found; the "
        "vendor-funded 55% claim was judged weak; deterrence is 0 by default (<code>crime.deterrence</code>).",
        "Give the error rates of face recognition on doorbell footage. The error model is fitted to NIST's tests on "
        "mugshots (NISTIR 8280) and to the ACLU's 2018 test of one product; doorbell stills (angles, light, "
        "distance) are likely worse, and algorithms have changed since. How often footage shows a searchable face "
        "is an assumption (<code>enforcement.usable_face</code>).",
        "Explain why arrests are unequal. Offending is equal across groups by assumption; the arrest make-up "
        "(28.4% Black) is reproduced by a fitted departmental preference for patrolling Black neighbourhoods "
        "(<code>patrol.over_policing</code>), which moves patrol stops and the offences patrols discover, not the "
        "chance of clearing a case; it describes the disparity but does not explain it. The other groups' arrest "
        "shares and clearance are independent checks (<code>survsim calibrate</code> shows them, pass or miss, "
        "without gating): with equal offending and only Black neighbourhoods over-policed, Asian and American "
        "Indian residents are arrested near their population shares, not at the FBI's 1.3% and 2.8%, and "
        "Hispanic residents below the FBI's 20.3%; obtained footage and face recognition add clearances on top "
        "of the FBI's 2019 rates, which already include them, so violent clearance reads high.",
        "Measure fear as surveys do. Fear is a 0-1 index driven by crime posts; the fear gap is checked in "
        "direction only.",
        "Give precise per-group counts of rare events from small runs. Wrongful stops and arrests are few in a city "
        "of tens of thousands; use more replicates and residents before quoting per-group ratios.",
        "Prove the mechanisms are right. Targets that pass show the model can reproduce the published figures, "
        "not that it is the only model that could; several were used to fit parameters (adoption, partnerships, "
        "arrest make-up, recognition errors), so passing them is by construction. The patterns above that were "
        "not fitted (acceleration of adoption, the fear gap, wrongful-stop disparities, clearance) are the "
        "stronger checks.",
        "Follow what happens after arrest (charges, courts), displacement of crime, or changes in prices and "
        "population during a run: these are not modelled.",
    ]
    li = lambda items: "".join(f"<li>{x}</li>" for x in items)  # noqa: E731 (trusted text, HTML on purpose)
    return (f'<section id="limits"><h2>What this model can and cannot tell you</h2>'
            f"<h3>It can</h3><ul>{li(can)}</ul><h3>It cannot</h3><ul>{li(cannot)}</ul></section>")


CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #ddd;padding:4px 6px;
text-align:left;vertical-align:top}th{background:#f4f4f4}.pass{color:#1a7f37;font-weight:600}
.fail{color:#c62828;font-weight:600}.check{border:1px solid #ddd;border-radius:6px;padding:0.8em 1em;margin:1.2em 0}
.src{color:#555;font-size:13px}code{background:#f4f4f4;padding:0 3px}.num{text-align:right;white-space:nowrap}
"""


def _seed_range(t: TargetRow) -> str:
    return f"{format_value(min(t.per_seed))} - {format_value(max(t.per_seed))}" if t.per_seed else "-"


def _verdict(passed: bool, evidence: str = "fitted") -> str:
    """A fitted row that misses is a failure of the fit; an independent check that misses is a
    finding about the model, shown as such and never tuned away."""
    if passed:
        return '<span class="pass">pass</span>'
    return '<span class="fail">FAIL</span>' if evidence == "fitted" else '<span class="fail">miss</span>'


def render(rows: ValidationRows) -> str:
    """The whole page as one HTML string (plotly.js inlined once, in the first chart)."""
    e = html.escape
    first = True

    def chart(fig: go.Figure) -> str:
        nonlocal first
        out = pio.to_html(fig, include_plotlyjs=first, full_html=False, config={"displaylogo": False})
        first = False
        return out

    meta = rows.meta
    fitted = [t for t in rows.targets if t.evidence == "fitted"]
    checked = [t for t in rows.targets if t.evidence == "check"]
    n_p, n_pp = len(rows.patterns), sum(p.passed for p in rows.patterns)
    trs = "".join(
        f"<tr><td>{e(t.name)}</td><td>{e(t.source)}</td><td class=num>{format_value(t.target)}</td>"
        f"<td class=num>{format_value(t.model)}</td>"
        f"<td class=num>{_seed_range(t)}</td>"
        f"<td class=num>{format_value(t.tolerance[0])} - {format_value(t.tolerance[1])}</td>"
        f"<td>{e(t.kind)}</td><td>{e(t.label)}</td><td>{_verdict(t.passed, t.evidence)}</td></tr>"
        for t in rows.targets)
    checks = "".join(
        f'<div class="check" id="{e(p.key)}"><h3>{e(p.title)} : {_verdict(p.passed)}</h3>'
        f'<p>{e(p.explanation)}</p>{_stability(p, meta)}<p class="src">Source: {e(p.source)}</p>'
        + (chart(p.figure) if p.figure is not None else "") + "</div>" for p in rows.patterns)
    target_chart = chart(targets_figure(rows.targets))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>survsim validation</title><style>{CSS}</style></head><body>
<h1>survsim: why believe this model?</h1>
<p>{sum(t.passed for t in fitted)} of {len(fitted)} fitted calibration targets within tolerance;
{sum(t.passed for t in checked)} of {len(checked)} independent checks pass; {n_pp} of {n_p} pattern checks pass.
Simulated checks use {meta['replicates']} replicate seeds spawned from seed {meta['seed']}
({', '.join(str(s) for s in meta['replicate_seeds'])}); pattern checks run the baseline scenario
({meta['days']} days from {meta['start_date']}) with {meta['residents']:,} residents; the disparity pattern,
which rests on rare wrongful stops, pools {meta.get('disparity_replicates', meta['replicates'])} replicates
(the first {meta['replicates']} are those of the other checks).
survsim {e(str(meta['survsim_version']))}, commit {e(str(meta['git_commit']))}, created {e(meta['created'])}
in {meta['seconds']} s. Reproduce with <code>sim.experiments.validation.validate(out, replicates={meta['replicates']},
seed={meta['seed']})</code>. The model is described in <code>docs/ODD.md</code>; every parameter with its
source or assumption range is in <code>docs/parameters.md</code>.</p>
<h2>1. Calibration targets</h2>
<p>Published figures (<code>docs/sources.md</code>) against the model. "model" targets are simulated
(mean over seeds, at the shipped scenarios' sizes; the seed column gives the range of single seeds where
recorded); "analytic" targets are exact expectations of the face-recognition score model. Tolerances are ours,
chosen from how precise each figure is. "evidence" says what a pass means: "fitted" rows were used to set
parameters (in sample: they cannot fail by much), "fitted: reproduces its input" rows hold by construction (no
evidence at all), and "check" rows were used for nothing (independent evidence; a miss is shown, not tuned away).</p>
<table><tr><th>target</th><th>source</th><th>published</th><th>model</th><th>single seeds</th>
<th>tolerance</th><th>kind</th><th>evidence</th><th>result</th></tr>{trs}</table>
{target_chart}
<h2>2. Pattern checks</h2>
<p>Qualitative patterns from published evidence that the model should show without being fitted to them
(except where a sentence says so). Each chart shows the median and 10-90% band over replicates. Under each
verdict, its stability: the share of {STABILITY_RESAMPLES} bootstrap resamples of the pattern's replicates
(drawn with replacement) that give the same verdict; below {STABLE:.0%} the verdict hangs on which seeds were run,
and a larger city or more replicates should be used before quoting it.</p>
{checks}
{limits_section(Params())}
</body></html>
"""
