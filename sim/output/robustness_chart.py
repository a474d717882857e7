"""Charts of ``survsim compare --ensemble``: how often one scenario beats another across an
ensemble's accepted worlds (the robustness table), and each reform's replicate-only band next
to its parameter-inclusive band. Drawn from the CSV tables alone, so the dashboard can draw
them from a results folder."""

from __future__ import annotations

import html
import json
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.metrics import BETTER, BY_NAME
from sim.output.style import LINE_PX, NEUTRAL, PALETTE, apply_style, caption, scenario_label

ROW_PX = 44  # px per pair of scenarios and metric (two-line labels)
GAP = 90     # px between the panels of the bands chart (tick labels, then the next panel's title)


def _metric(name: str) -> str:
    return BY_NAME[name].label if name in BY_NAME else name


def robustness_chart(table: pd.DataFrame, meta: dict[str, Any]) -> go.Figure:
    """One dot per scenario pair and metric: the share of accepted worlds in which the first
    scenario is better, with its 95% Wilson interval over worlds; text: worlds won, lost and
    undetermined. ``meta``: the comparison's manifest (with its ``ensemble`` entry)."""
    ens = meta.get("ensemble") or {}
    t = table.reset_index(drop=True)
    labels = [f"<b>{r['metric'].replace('_', ' ')}</b><br>{scenario_label(r['first'])} vs "
              f"{scenario_label(r['second'])}" for _, r in t.iterrows()]
    ys = list(range(len(t)))  # numeric rows: two pairs may share a label's words
    fig = go.Figure()
    for k, metric in enumerate(dict.fromkeys(t["metric"])):
        rows = t.index[t["metric"] == metric]
        sub = t.loc[rows]
        text = [f"first {r.first_better}, second {r.second_better}" + (f", ties {r.ties}" if r.ties else "")
                + f" of {r.worlds}" + (f"; {r.undetermined} undetermined" if r.undetermined else "")
                for r in sub.itertuples()]
        fig.add_trace(go.Scatter(x=sub["share_high"] + 0.015, y=[ys[i] for i in rows], mode="text", text=text,
                                 textposition="middle right", textfont=dict(size=12, color="#444444"),
                                 showlegend=False, hoverinfo="skip"))
        fig.add_trace(go.Scatter(
            x=sub["share_first_better"], y=[ys[i] for i in rows], mode="markers", text=text,
            marker=dict(size=11, color=PALETTE[k % len(PALETTE)]),
            error_x=dict(type="data", symmetric=False, array=sub["share_high"] - sub["share_first_better"],
                         arrayminus=sub["share_first_better"] - sub["share_low"], thickness=2, width=5),
            name=f"{metric.replace('_', ' ')}: {sub['better'].iloc[0]} is better",
            customdata=sub[["share_low", "share_high", "deciding"]].fillna(""),
            hovertemplate="first better in %{x:.0%} of worlds [%{customdata[0]:.0%}, %{customdata[1]:.0%}]"
                          "<br>%{text}<br>deciding: %{customdata[2]}<extra></extra>"))
    fig.add_vline(x=0.5, line=dict(color=NEUTRAL, dash="dot", width=1))
    fig.update_xaxes(range=[-0.02, 1.72], tickformat=".0%", tickvals=[0, 0.25, 0.5, 0.75, 1],
                     title="share of accepted worlds in which the first scenario is better")
    fig.update_yaxes(tickvals=ys, ticktext=labels, range=[len(t) - 0.5, -0.5], tickfont=dict(size=12))
    worlds, reps = ens.get("worlds", "?"), meta.get("replicates", "?")
    extra = (f"Each dot: the share of {worlds} accepted worlds (parameter sets of the ensemble "
             f"{ens.get('folder', '?')}) in which the first scenario's mean over {reps} paired replicates is "
             "better (direction per metric in the legend; a tie, equal means, counts half); every world runs on the "
             "same replicate seeds. "
             "Bars: 95% Wilson interval over worlds, i.e. which worlds happened to be accepted; replicate noise "
             "within a world is not in the bar: a world whose own 95% interval of the difference contains 0 is "
             "counted as undetermined. Beside each dot: the worlds where the first is better, the second, ties.")
    cap = caption(meta, [s["name"] for s in meta.get("scenarios", [])], extra=extra, width=150)
    fig = apply_style(fig, "Which scenario is better, across the worlds the patterns leave open?", cap,
                      subtitle=f"{worlds} accepted worlds x {reps} paired replicates", legend="top")
    height = max(420, 180 + ROW_PX * len(t) + fig.layout.margin.b + fig.layout.margin.t)
    fig.update_yaxes(automargin=False, showgrid=False)  # the labels fit LEFT; the footer starts at the edge
    return _wide_left(fig.update_layout(width=1100, height=height, showlegend=True), LEFT)


LEFT = 380  # px left of the plot: the scenario pairs' labels


def _wide_left(fig: go.Figure, left: int) -> go.Figure:
    """A left margin of ``left`` px, with the footer still starting at the figure's left edge."""
    fig.update_layout(margin=dict(l=left))
    fig.update_annotations(selector=dict(name="caption"), xshift=12 - left)
    return fig


def bands_chart(summary: pd.DataFrame, meta: dict[str, Any], metrics: list[str]) -> go.Figure:
    """Per metric (one panel each), each reform's mean paired difference from the baseline
    with the replicate-only 95% band (at the shipped defaults) and the parameter-inclusive
    95% band (accepted worlds and replicates). ``summary``: the ensemble comparison's
    summary rows for the whole population (columns diff_mean, diff_low, diff_high, ens_mean,
    ens_low, ens_high)."""
    ens = meta.get("ensemble") or {}
    s = summary[(summary["group"].fillna("") == "") & summary["ens_mean"].notna()]
    metrics = [m for m in metrics if m in set(s["metric"])]
    panel = 60 + 45 * max(s["scenario"].nunique(), 1)  # px per metric, and GAP px between panels
    plot = len(metrics) * panel + (len(metrics) - 1) * GAP
    fig = make_subplots(rows=len(metrics), cols=1, subplot_titles=[_metric(m) for m in metrics],
                        vertical_spacing=GAP / plot if len(metrics) > 1 else 0.0)
    for i, metric in enumerate(metrics, start=1):
        rows = s[s["metric"] == metric]
        names = [scenario_label(x) for x in rows["scenario"]]
        at = list(range(len(names)))
        fig.update_yaxes(tickvals=at, ticktext=names, range=[len(names) - 0.5, -0.5], row=i, col=1)
        for j, (kind, mean, lo, hi, colour) in enumerate((
                ("replicate-only (shipped defaults)", "diff_mean", "diff_low", "diff_high", PALETTE[0]),
                ("parameter-inclusive (accepted worlds)", "ens_mean", "ens_low", "ens_high", PALETTE[1]))):
            fig.add_trace(go.Scatter(
                x=rows[mean], y=[y + (0.17 if j else -0.17) for y in at], mode="markers", name=kind, text=names,
                legendgroup=kind, showlegend=i == 1,
                marker=dict(size=9, color=colour, symbol="circle" if j == 0 else "diamond"),
                error_x=dict(type="data", symmetric=False, array=rows[hi] - rows[mean],
                             arrayminus=rows[mean] - rows[lo], thickness=2, width=4, color=colour),
                hovertemplate="%{text}: %{x:,.4g}<extra>" + kind + "</extra>"), row=i, col=1)
        fig.add_vline(x=0, line=dict(color=NEUTRAL, width=1), row=i, col=1)
    fig.update_xaxes(title_text="difference from the baseline (run total)", row=len(metrics), col=1)
    extra = ("Replicate-only: 95% t interval of the mean paired difference at the shipped defaults. "
             f"Parameter-inclusive: over {ens.get('worlds', '?')} accepted worlds of {ens.get('folder', '?')} x "
             f"{meta.get('replicates', '?')} paired replicates, the spread of the mean effect between worlds plus the "
             "replicate error within them (law of total variance), widened where needed to contain the "
             "replicate-only band.")
    cap = caption(meta, [x["name"] for x in meta.get("scenarios", [])], extra=extra, width=150)
    fig = apply_style(fig, "Reform effects: chance alone, and chance with parameter uncertainty", cap,
                      subtitle="mean paired difference from the baseline with two 95% bands", legend="top")
    height = plot + fig.layout.margin.t + 30 + fig.layout.margin.b
    fig.update_layout(width=1100, height=height, margin=dict(t=fig.layout.margin.t + 30),
                      legend=dict(y=1 + 30 / plot))  # above the first panel's title
    return _wide_left(fig, 260)


def section(robustness: pd.DataFrame, bands: pd.DataFrame, meta: dict[str, Any], figs: dict[str, go.Figure]) -> str:
    """The report's section on the ensemble: what ran and what each band covers, each reform's
    two bands, the robustness table and both charts (HTML)."""
    e = html.escape
    ens = meta.get("ensemble") or {}
    covers = ens.get("covers", {})

    def cell(mean: float, low: float, high: float) -> str:
        return f"{mean:+,.4g} [{low:+,.4g}, {high:+,.4g}]"

    rows = "".join(
        f"<tr><td class='l'>{e(scenario_label(r.scenario))}</td><td class='l'>{e(r.metric)}</td>"
        f"<td>{cell(r.diff_mean, r.diff_low, r.diff_high)}</td><td>{cell(r.ens_mean, r.ens_low, r.ens_high)}</td>"
        f"<td>{r.world_min:+,.4g} to {r.world_max:+,.4g}</td><td>{'yes' if r.widened else ''}</td></tr>"
        for r in bands.itertuples() if r.metric in BETTER)
    bands_html = ("<table><tr><th class='l'>reform</th><th class='l'>metric</th><th>replicate-only (defaults)</th>"
                  "<th>parameter-inclusive</th><th>world means</th><th>widened</th></tr>" + rows + "</table>")
    rob = "".join(
        f"<tr><td class='l'>{e(scenario_label(r.first))} vs {e(scenario_label(r.second))}</td>"
        f"<td class='l'>{e(r.metric)} ({e(r.better)} is better)</td><td>{r.first_better} of {r.worlds}</td>"
        f"<td>{r.ties}</td><td>{r.undetermined}</td>"
        f"<td>{r.share_first_better:.0%} [{r.share_low:.0%}, {r.share_high:.0%}]</td>"
        f"<td class='l'>{e(str(r.deciding) if isinstance(r.deciding, str) and r.deciding else '')}"
        f"{e(str(r.note)) if isinstance(r.note, str) else ''}</td></tr>" for r in robustness.itertuples())
    rob_html = ("<table><tr><th class='l'>first vs second</th><th class='l'>metric</th><th>first better</th>"
                "<th>ties</th><th>undetermined</th><th>share [95% Wilson]</th>"
                "<th class='l'>deciding parameters (rho)</th></tr>"
                + rob + "</table>")
    divs = "".join(f'<section class="figure">{fig.to_html(full_html=False, include_plotlyjs=False, div_id=stem)}'
                   "</section>" for stem, fig in figs.items())
    kept = ens.get("kept_by_scenario") or {}
    return (f"<h2>Across the ensemble's accepted worlds</h2><p>{ens.get('worlds', '?')} accepted worlds (draws "
            f"{e(', '.join(map(str, ens.get('draws', [])[:20])))}{' ...' if len(ens.get('draws', [])) > 20 else ''}"
            f") of the ensemble <code>{e(str(ens.get('folder', '?')))}</code>, varying "
            f"{e(', '.join(ens.get('parameters', [])))}; every scenario ran in every world on the same "
            f"{meta.get('replicates', '?')} replicate seeds as the defaults above.</p>"
            + (f"<p>Kept as the scenario sets them: {e(json.dumps(kept))}.</p>" if kept else "")
            + "<ul>" + "".join(f"<li><b>{e(k.replace('_', ' '))}</b>: {e(v)}</li>" for k, v in covers.items())
            + "</ul><h3>Reform differences from the baseline: two bands</h3>" + bands_html
            + "<h3>Robustness: how often one scenario beats another</h3>" + rob_html + divs)
