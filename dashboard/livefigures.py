"""Figures of the educator city, from a snapshot (plain arrays; see
:meth:`dashboard.educator.EducatorSession.snapshot`): the neighbourhood map and the
running charts. Pure functions, styled with :func:`sim.output.style.apply_style` and its
colour-blind-safe palette, like the charts of results.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.output.style import FONT, PALETTE, TRUE_COLOUR, WRONG_COLOUR, apply_style
from sim.core.groups import label as group_label

LAYERS = {"coverage": ("Camera coverage", "share of street covered"),
          "attention": ("Patrol attention", "relative to the most patrolled"),
          "group_b": ("Share of residents in Group B", "share of residents")}
# Light-to-dark blue (sequential, readable by colour-blind viewers; markers stay visible on it).
SCALE = [[0.0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1.0, "#08306B"]]
MARKER_LINE = dict(color="white", width=1.2)
MAP_HEIGHT, CHARTS_HEIGHT = 600, 430


def date_of(day: int, start_date: str) -> str:
    """'Day 45 (15 Feb 2017)'."""
    d = dt.date.fromisoformat(start_date) + dt.timedelta(days=int(day))
    return f"Day {day} ({d.day} {d:%b %Y})"


def city_map(snap: dict[str, Any]) -> go.Figure:
    """The city as a grid: cells coloured by the chosen layer, police jurisdictions
    outlined, residents stopped in the last 30 days as points (larger for today), wrongful
    stops as orange crosses."""
    xy, values = snap["xy"], snap["values"]
    side_x, side_y = int(xy[:, 0].max()) + 1, int(xy[:, 1].max()) + 1
    z = np.full((side_y, side_x), np.nan)
    z[xy[:, 1].astype(int), xy[:, 0].astype(int)] = values
    title, unit = LAYERS[snap["layer"]]
    zmax = 1.0 if snap["layer"] != "coverage" else max(0.25, float(np.nanmax(values)) if len(values) else 0.25)
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(side_x)), y=list(range(side_y)), colorscale=SCALE, zmin=0, zmax=zmax, xgap=2, ygap=2,
        colorbar=dict(title=dict(text=unit, side="right", font=dict(size=12)), thickness=14, len=0.85,
                      tickformat=".0%", tickfont=dict(size=12)),
        hovertemplate="neighbourhood (%{x}, %{y})<br>" + html.escape(title) + ": %{z:.0%}<extra></extra>",
        name=title, showlegend=False))
    _borders(fig, xy, snap["dept"])
    day = snap["day"]
    sx, sd, sw = snap["stop_xy"], snap["stop_day"], snap["stop_wrongful"]
    today = sd == day
    for name, sel, size, colour, symbol, opacity in (
            ("Stop, earlier (30 days)", ~today & ~sw, 7, "#222222", "circle", 0.55),
            ("Stop today", today & ~sw, 11, "#222222", "circle", 1.0),
            ("Wrongful stop, earlier", ~today & sw, 10, WRONG_COLOUR, "x", 0.7),
            ("Wrongful stop today", today & sw, 15, WRONG_COLOUR, "x", 1.0)):
        fig.add_scatter(x=sx[sel, 0] if len(sx) else [], y=sx[sel, 1] if len(sx) else [], mode="markers",
                        name=name, opacity=opacity, hoverinfo="skip",
                        marker=dict(size=size, color=colour, symbol=symbol, line=MARKER_LINE))
    fig.update_xaxes(visible=False, range=[-0.55, side_x - 0.45], constrain="domain", fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.55, side_y - 0.45], scaleanchor="x", fixedrange=True)
    n_today = int(today.sum())
    partnered = ", ".join(f"dept {i + 1}: {'partnered' if p else 'not partnered'}"
                          for i, p in enumerate(snap["partnered"]))
    caption = (f"Cells: neighbourhoods coloured by {title.lower()}; thick lines: police jurisdictions "
               f"({partnered}). Dots: residents stopped in the last 30 days, placed at random inside their "
               f"neighbourhood (larger: today, {n_today}); orange crosses: wrongful stops "
               f"({int(sw.sum())} in 30 days).")
    when = date_of(day, snap["start_date"])
    fig = apply_style(fig, f"The city on {when[0].lower()}{when[1:]}", _wrap(caption, 80), subtitle=title,
                      axis_room=12)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.01, yanchor="top", font=dict(size=12)),
                      margin=dict(l=20, r=20, t=80, b=150), uirevision="map", height=MAP_HEIGHT)
    for a in fig.layout.annotations:
        if a.name == "caption":
            a.update(xshift=0, yshift=-48)
    return fig


def _borders(fig: go.Figure, xy: np.ndarray, dept: np.ndarray) -> None:
    """Thick lines on cell edges between jurisdictions."""
    pos = {(int(x), int(y)): int(d) for (x, y), d in zip(xy, dept)}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for (x, y), d in pos.items():
        if pos.get((x + 1, y), d) != d:
            xs += [x + 0.5, x + 0.5, None]
            ys += [y - 0.5, y + 0.5, None]
        if pos.get((x, y + 1), d) != d:
            xs += [x - 0.5, x + 0.5, None]
            ys += [y + 0.5, y + 0.5, None]
    fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color="#111111", width=4), hoverinfo="skip",
                    name="jurisdiction border", showlegend=False)


def running_charts(snap: dict[str, Any]) -> go.Figure:
    """Three panels so far: households with a camera, mean fear by group, stops by group
    (wrongful ones dashed); dotted lines where a loop was switched."""
    total, by_group, idx, groups = snap["total"], snap["by_group"], snap["index"], snap["groups"]
    days = np.arange(len(total))
    fig = make_subplots(rows=1, cols=3, horizontal_spacing=0.09, subplot_titles=(
        "Households with a camera", "Mean fear of crime (0-1)", "Stops so far (dashed: wrongful)"))
    cams = 100 * total[:, idx["cameras"]] / max(snap["households"], 1)
    fig.add_scatter(x=days, y=cams, name="all households", line=dict(color=PALETTE[6], width=2.5),
                    hovertemplate="day %{x}: %{y:.1f}%<extra></extra>", row=1, col=1)
    for g, key in enumerate(groups):
        colour = (TRUE_COLOUR, WRONG_COLOUR, *PALETTE[2:])[g % len(PALETTE)]
        name = group_label(key)
        fig.add_scatter(x=days, y=by_group[:, idx["fear_mean"], g], name=name, legendgroup=key,
                        line=dict(color=colour, width=2.5),
                        hovertemplate=f"{name}, day %{{x}}: %{{y:.3f}}<extra></extra>",
                        row=1, col=2)
        fig.add_scatter(x=days, y=np.cumsum(by_group[:, idx["stops"], g]), name=name, legendgroup=key,
                        showlegend=False, line=dict(color=colour, width=2.5),
                        hovertemplate=f"{name}, stops to day %{{x}}: %{{y:,.0f}}<extra></extra>", row=1, col=3)
        fig.add_scatter(x=days, y=np.cumsum(by_group[:, idx["wrongful_stops"], g]), name=f"{name} (wrongful)",
                        legendgroup=key, showlegend=False, line=dict(color=colour, width=2, dash="dash"),
                        hovertemplate=f"{name}, wrongful stops to day %{{x}}: %{{y:,.0f}}<extra></extra>", row=1, col=3)
    for day, loop, on in snap["switches"]:
        for col in (1, 2, 3):
            fig.add_vline(x=day, line=dict(color="#555555", width=1.2, dash="dot"), row=1, col=col)
    fig.update_xaxes(title_text="day", range=[0, max(snap["day"], 30)])
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(ticksuffix="%", row=1, col=1)
    log = "; ".join(f"day {d}: {k} loop {'on' if on else 'off'}" for d, k, on in snap["switches"])
    wrongful = int(total[:, idx["wrongful_stops"]].sum())
    caption = (f"{snap['residents']:,} residents in {snap['households']:,} households. Wrongful stops so far: "
               f"{wrongful}. " + (f"Loop switches (dotted lines): {log}." if log else "All loops on."))
    fig = apply_style(fig, "So far", _wrap(caption, 110), axis_room=55)
    fig.update_layout(legend=dict(orientation="h", x=0.36, xanchor="left", y=1.13, yanchor="bottom"),
                      margin=dict(t=105), uirevision="charts", height=CHARTS_HEIGHT)
    fig.update_annotations(font_size=13, selector=dict(name=None))
    return fig


def placeholder(text: str, height: int = 320) -> go.Figure:
    """An empty figure with a message (while results are computed, or on an error)."""
    fig = go.Figure()
    fig.add_annotation(text=html.escape(text), x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font=dict(family=FONT, size=16, color="#444444"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(template="none", height=height, margin=dict(l=20, r=20, t=20, b=20),
                      paper_bgcolor="white", plot_bgcolor="white")
    return fig


def _wrap(text: str, width: int) -> str:
    return "<br>".join(textwrap.wrap(html.escape(text), width))
