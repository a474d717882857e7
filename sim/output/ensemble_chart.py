"""The chart of an ensemble: each varied parameter's prior range and the range of its
accepted draws, on one axis (each parameter's prior range scaled to 0-1)."""

from __future__ import annotations

import textwrap
from typing import Any

import plotly.graph_objects as go


def ranges_chart(parameters: dict[str, dict[str, Any]], title: str) -> go.Figure:
    """One row per parameter: the prior (grey, 0 to 1), the accepted draws' 10-90% range
    (thick), min-max (thin) and median (dot), and the shipped default (diamond). Hover
    shows the values in the parameter's own units."""
    names = list(parameters)[::-1]  # first parameter on top
    fig = go.Figure()

    def scaled(name: str, x: float) -> float:
        lo, hi = parameters[name]["prior"]
        return (x - lo) / (hi - lo) if hi > lo else 0.5

    def add(x0: list, x1: list, ys: list, width: int, colour: str, label: str, texts: list) -> None:
        xs, yy, tt = [], [], []
        for a, b, y, t in zip(x0, x1, ys, texts):
            xs += [a, b, None]
            yy += [y, y, None]
            tt += [t, t, None]
        fig.add_trace(go.Scatter(x=xs, y=yy, mode="lines", line=dict(width=width, color=colour), name=label,
                                 text=tt, hovertemplate="%{y}: %{text}<extra>" + label + "</extra>"))

    prior_text = [f"{parameters[n]['prior'][0]:.4g} to {parameters[n]['prior'][1]:.4g}" for n in names]
    add([0.0] * len(names), [1.0] * len(names), names, 10, "#dddddd", "prior (declared assumption range)", prior_text)
    acc = [n for n in names if parameters[n]["accepted"]]
    if acc:
        a = {n: parameters[n]["accepted"] for n in acc}
        add([scaled(n, a[n]["min"]) for n in acc], [scaled(n, a[n]["max"]) for n in acc], acc, 2, "#1f77b4",
            "accepted: min to max", [f"{a[n]['min']:.4g} to {a[n]['max']:.4g}" for n in acc])
        add([scaled(n, a[n]["q10"]) for n in acc], [scaled(n, a[n]["q90"]) for n in acc], acc, 6, "#1f77b4",
            "accepted: 10% to 90%", [f"{a[n]['q10']:.4g} to {a[n]['q90']:.4g}" for n in acc])
        fig.add_trace(go.Scatter(x=[scaled(n, a[n]["q50"]) for n in acc], y=acc, mode="markers", name="accepted: median",
                                 marker=dict(color="#0b3c5d", size=7), text=[f"{a[n]['q50']:.4g}" for n in acc],
                                 hovertemplate="%{y}: %{text}<extra>median</extra>"))
    dflt = [n for n in names if parameters[n].get("default") is not None]
    fig.add_trace(go.Scatter(x=[scaled(n, parameters[n]["default"]) for n in dflt], y=dflt, mode="markers",
                             name="shipped default", marker=dict(symbol="diamond-open", color="#d62728", size=8),
                             text=[f"{parameters[n]['default']:.4g}" for n in dflt],
                             hovertemplate="%{y}: %{text}<extra>default</extra>"))
    fig.update_xaxes(range=[-0.05, 1.05], title="position in the declared range (0 = low end, 1 = high end)",
                     tickformat=".0%")
    fig.update_yaxes(categoryorder="array", categoryarray=names, tickfont_size=10)
    height = 230 + 18 * len(names)
    sub = "<br>".join(textwrap.wrap(title, 150))  # a long list of patterns must not run off the image
    fig.update_layout(title=dict(text=f"Prior and accepted ranges<br><sup>{sub}</sup>", yref="container",
                                 y=1 - 20 / height, yanchor="top"),
                      template="plotly_white", width=1100, height=height, margin=dict(l=260, t=150),
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"))
    return fig
