"""The charts and the headline table of a results page, from a :class:`~dashboard.data.Bundle`
and the page's view. Figures come from :mod:`sim.output.figures` (the same functions serve the
CLI report and notebooks); this module only picks the rows and the arguments.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import Bundle
from dashboard.livefigures import placeholder
from sim.output import figures
from sim.experiments.compare import HEADLINE
from sim.core.errors import InputError
from sim.core.metrics import BY_NAME

KINDS = ("timeseries", "difference", "disparity", "funnel")
HEIGHTS = {"timeseries": 560, "difference": 560, "disparity": 600, "funnel": 640}


def figure(bundle: Bundle, view: Any, kind: str) -> go.Figure:
    """One chart of the view; a problem (e.g. nothing to compare) becomes a message figure."""
    meta = bundle.meta
    try:
        if kind == "timeseries":
            fig = figures.timeseries(bundle.frame(view.metric), view.metric, meta, view.group, flow=view.flow)
        elif kind == "difference":
            if len(bundle.scenarios) < 2:
                return placeholder("Pick at least one scenario to compare with the baseline.")
            fig = figures.difference(bundle.frame(view.metric), view.metric, meta, view.group)
        elif kind == "disparity":
            fig = figures.disparity(bundle.frame("wrongful_stops", "disparity_wrongful_stops"), meta)
        elif kind == "funnel":
            fig = figures.funnel(bundle.frame(*figures.FUNNEL_METRICS), meta)
        else:
            raise InputError(f"unknown chart {kind!r}")
    except InputError as e:
        return placeholder(str(e))
    if kind == "disparity":
        _legend_on_top(fig)
    elif kind == "funnel":
        _wrap_panel_notes(fig)
    if not fig.layout.height:
        fig.update_layout(height=HEIGHTS[kind])
    return fig


def _legend_on_top(fig: go.Figure) -> None:
    """On a screen-wide chart a right-hand legend with long names squeezes the plot (tick
    labels collide); put it in one row above the plot instead."""
    entries = sum(1 for t in fig.data if t.showlegend is not False and t.name)
    rows = 1 + (entries > 3) + (entries > 6)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1.02, yanchor="bottom",
                                  entrywidth=0, font=dict(size=12)),
                      margin_t=(fig.layout.margin.t or 80) + 22 * rows)


def _wrap_panel_notes(fig: go.Figure) -> None:
    """Three funnel panels side by side leave each note ('for scale: all stops ..., all
    arrests ..., cleared ...') wider than its panel, so neighbours overlap: break it, and
    make a two-row funnel taller so the longer titles clear the row above."""
    notes = [a for a in fig.layout.annotations if a.text and "for scale:" in a.text and ", all arrests" in a.text]
    if len(notes) < 3:
        return
    for a in notes:
        a.text = a.text.replace(", all arrests", ",<br>all arrests")
    if fig.layout.height and len(notes) > 3:
        fig.update_layout(height=fig.layout.height + 170)


def fmt(x: float, signed: bool = False) -> str:
    """A number for the table: 3 significant figures, thousands separated."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    sign = "+" if signed and x > 0 else ""
    if abs(x) >= 1000:
        return f"{sign}{x:,.0f}"
    if x == 0:
        return "0"
    return f"{sign}{x:.3g}"


def headline(bundle: Bundle, group: str = "") -> pd.DataFrame:
    """The headline numbers: rows are metrics; per scenario a tuple (median, "[p10, p90]",
    paired difference, "[p10, p90]" of the difference); the baseline has no difference."""
    s = bundle.summary()
    s = s[(s["group"] == group) & s["metric"].isin(HEADLINE)]
    rows = []
    for metric in HEADLINE:
        m = BY_NAME[metric]
        mine = s[s.metric == metric]
        row: dict[str, Any] = {"metric": m.label, "unit": mine["unit"].iloc[0] if len(mine) else m.unit,
                               "statistic": "run total" if m.flow else "at the end"}
        for sc in bundle.scenarios:
            r = mine[mine.scenario == sc]
            if r.empty:
                row[sc] = ("–", "", "", "")
                continue
            r = r.iloc[0]
            band = f"[{fmt(r['p10'])}, {fmt(r['p90'])}]"
            if sc == bundle.cmp.baseline:
                row[sc] = (fmt(r["median"]), band, "", "")
            else:
                row[sc] = (fmt(r["median"]), band, fmt(r["diff_median"], True),
                           f"[{fmt(r['diff_p10'], True)}, {fmt(r['diff_p90'], True)}]")
        rows.append(row)
    return pd.DataFrame(rows)


def series_csv(bundle: Bundle, metric: str, group: str) -> str:
    """The chosen metric and group, one row per scenario, replicate and day (tidy CSV)."""
    t = bundle.frame(metric)
    t = t[t["group"] == group]
    return t.to_csv(index=False)


def summary_csv(bundle: Bundle) -> str:
    return bundle.summary().to_csv(index=False)
