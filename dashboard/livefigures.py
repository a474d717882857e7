"""Figures of the educator city, from a snapshot (plain arrays; see
:meth:`dashboard.educator.EducatorSession.snapshot`): the neighbourhood map (a grid of
squares for the grid city, one circle per table row for a city read from a table) and the
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
# One sequential scale per layer (ColorBrewer Blues, Purples, Greens: light to dark, readable
# by colour-blind viewers), each over a FIXED range: the same colour means the same value on
# every day, so a class can watch coverage grow instead of a scale that rescales each frame.
SCALES = {"coverage": [[0.0, "#F7FBFF"], [0.25, "#C6DBEF"], [0.5, "#6BAED6"], [0.75, "#2171B5"], [1.0, "#08306B"]],
          "attention": [[0.0, "#FCFBFD"], [0.25, "#DADAEB"], [0.5, "#9E9AC8"], [0.75, "#6A51A3"], [1.0, "#3F007D"]],
          "group_b": [[0.0, "#F7FCF5"], [0.25, "#C7E9C0"], [0.5, "#74C476"], [0.75, "#238B45"], [1.0, "#00441B"]]}
SCALE = SCALES["coverage"]
# Coverage: 0-60% of the street (the darkest colour means 60% or more); the others 0-100%.
RANGES = {"coverage": (0.0, 0.6), "attention": (0.0, 1.0), "group_b": (0.0, 1.0)}
# Stopped residents: colour AND shape by group (a colour-blind reader can tell them apart).
GROUP_MARKS = (("#000000", "circle"), ("#E69F00", "diamond"), ("#56B4E9", "square"), ("#009E73", "triangle-up"),
               ("#CC79A7", "triangle-down"))
# Census categories (a table city's groups without the sex split), as the map and charts name them.
CATEGORY_LABELS = {"white": "White", "black": "Black", "hispanic": "Hispanic", "asian": "Asian",
                   "native": "American Indian"}
MARKER_LINE = dict(color="white", width=1.2)
MAP_HEIGHT, CHARTS_HEIGHT = 600, 430


def date_of(day: int, start_date: str) -> str:
    """'Day 45 (15 Feb 2017)'."""
    d = dt.date.fromisoformat(start_date) + dt.timedelta(days=int(day))
    return f"Day {day} ({d.day} {d:%b %Y})"


def category_label(key: str) -> str:
    """'Black' for a census category, 'Group B' for an educator group."""
    return CATEGORY_LABELS.get(key) or group_label(key)


def _whom(key: str) -> str:
    """'a Black resident' for a census category; 'Group B' for an educator group."""
    if key not in CATEGORY_LABELS:
        return group_label(key)
    lab = CATEGORY_LABELS[key]
    return f"{'an' if lab[0] in 'AEIOU' else 'a'} {lab} resident"


def layer_title(layer: str, focus: str = "group_b") -> str:
    """The name of a map layer; the third names the group it shows the share of."""
    if layer == "group_b" and focus != "group_b":
        return f"Share of residents who are {category_label(focus)}"
    return LAYERS[layer][0]


def city_map(snap: dict[str, Any]) -> go.Figure:
    """The city: a grid city as cells coloured by the chosen layer with police
    jurisdictions outlined, a table city as one circle per neighbourhood (see
    :func:`table_map`); residents stopped in the last 30 days as points (larger for today),
    wrongful stops as orange crosses."""
    if snap.get("table") is not None:
        return table_map(snap)
    xy, values = snap["xy"], snap["values"]
    side_x, side_y = int(xy[:, 0].max()) + 1, int(xy[:, 1].max()) + 1
    z = np.full((side_y, side_x), np.nan)
    z[xy[:, 1].astype(int), xy[:, 0].astype(int)] = values
    title, unit = LAYERS[snap["layer"]]
    zmin, zmax = RANGES[snap["layer"]]
    fig = go.Figure(go.Heatmap(
        z=z, x=list(range(side_x)), y=list(range(side_y)), colorscale=SCALES[snap["layer"]], zmin=zmin, zmax=zmax,
        xgap=2, ygap=2,
        colorbar=dict(title=dict(text=unit + (" (60% or more: darkest)" if snap["layer"] == "coverage" else ""),
                                 side="right", font=dict(size=12)), thickness=14, len=0.85,
                      tickformat=".0%", tickfont=dict(size=12)),
        hovertemplate="neighbourhood (%{x}, %{y})<br>" + html.escape(title) + ": %{z:.0%}<extra></extra>",
        name=title, showlegend=False))
    _borders(fig, xy, snap["dept"])
    n_today = _stop_marks(fig, snap)
    fig.update_xaxes(visible=False, range=[-0.55, side_x - 0.45], constrain="domain", fixedrange=True)
    fig.update_yaxes(visible=False, range=[-0.55, side_y - 0.45], scaleanchor="x", fixedrange=True)
    partnered = ", ".join(f"dept {i + 1}: {'partnered' if p else 'not partnered'}"
                          for i, p in enumerate(snap["partnered"]))
    caption = (f"Squares: neighbourhoods coloured by {title.lower()} (the same colour means the same value on "
               f"every day); thick lines: the two police areas ({partnered}). Marks: people stopped by police in "
               f"the last 30 days, shape and colour by group, placed at random inside their neighbourhood "
               f"(larger: today, {n_today}); orange crosses: wrongful stops of innocent people "
               f"({int(snap['stop_wrongful'].sum())} in 30 days).")
    return _map_frame(fig, snap, caption, title)


def _stop_marks(fig: go.Figure, snap: dict[str, Any], short: bool = False) -> int:
    """Residents stopped in the last 30 days, by group (earlier and today), and wrongful
    stops; returns the number stopped today. ``short``: legend entries name the group only
    (the legend's title says they are stops), so five census groups fit a narrow map."""
    day = snap["day"]
    sx, sd, sw = snap["stop_xy"], snap["stop_day"], snap["stop_wrongful"]
    sg = snap.get("stop_group", np.zeros(len(sd), int))
    today = sd == day
    for g, key in enumerate(snap["groups"]):
        colour, symbol = GROUP_MARKS[g % len(GROUP_MARKS)]
        mine = (sg == g) & ~sw
        for when, sel, size, opacity in (("earlier", mine & ~today, 8, 0.6), ("today", mine & today, 12, 1.0)):
            fig.add_scatter(x=sx[sel, 0] if len(sx) else [], y=sx[sel, 1] if len(sx) else [], mode="markers",
                            name=(f"{category_label(key)}" + (" (today)" if when == "today" else "")) if short
                            else f"Stop of {_whom(key)} ({when})", opacity=opacity, hoverinfo="skip",
                            showlegend=when == "earlier", legendgroup=key,
                            marker=dict(size=size, color=colour, symbol=symbol, line=MARKER_LINE))
    fig.add_scatter(x=sx[sw, 0] if len(sx) else [], y=sx[sw, 1] if len(sx) else [], mode="markers",
                    name="Wrongful stop (innocent person)" if not short else "wrongful stop", hoverinfo="skip",
                    marker=dict(size=13, color=WRONG_COLOUR, symbol="x", line=MARKER_LINE))
    return int(today.sum())


def _map_frame(fig: go.Figure, snap: dict[str, Any], caption: str, subtitle: str, legend_rows: int = 1,
               legend_title: str = "") -> go.Figure:
    """Title (the day), caption, legend under the map (``legend_rows`` rows kept free for
    it, so a legend that wraps on a narrow map does not run into the caption), size."""
    when = date_of(snap["day"], snap["start_date"])
    fig = apply_style(fig, f"The city on {when[0].lower()}{when[1:]}", _wrap(caption, 80), subtitle=subtitle,
                      axis_room=12)
    extra = LEGEND_ROW * (legend_rows - 1)
    fig.update_layout(legend=dict(orientation="h", x=0, y=-0.01, yanchor="top", font=dict(size=12)),
                      margin=dict(l=20, r=20, t=80, b=150 + extra), uirevision="map", height=MAP_HEIGHT + extra)
    if legend_title:
        fig.update_layout(legend_title=dict(text=legend_title, side="top", font=dict(size=12)))
    for a in fig.layout.annotations:
        if a.name == "caption":
            a.update(xshift=0, yshift=-48 - extra)
    return fig


LEGEND_ROW = 24         # px per row of the map's legend
LEGEND_WIDTH = 440      # px a legend row may fill on the narrowest map card (the educator page's)


def _legend_rows(names: list[str]) -> int:
    """Rows a horizontal legend of these entries takes at :data:`LEGEND_WIDTH` (about
    40 px for the mark and gap plus 7 px per character)."""
    rows, used = 1, 0
    for n in names:
        w = 40 + 7 * len(n)
        if used and used + w > LEGEND_WIDTH:
            rows, used = rows + 1, 0
        used += w
    return rows


def table_map(snap: dict[str, Any]) -> go.Figure:
    """A city read from a table: one circle per table row at the row's x/y position, its
    area in proportion to the residents, coloured by the chosen layer on the same fixed
    scale as the grid's squares; each police area outlined; hover names the row's id."""
    t, xy, values, pop = snap["table"], snap["xy"], snap["values"], np.asarray(snap["population"], float)
    layer = snap["layer"]
    title, unit = layer_title(layer, snap.get("focus", "group_b")), LAYERS[layer][1]
    zmin, zmax = RANGES[layer]
    gap = _spacing(xy)
    lo, hi = xy.min(axis=0) - 0.6 * gap, xy.max(axis=0) + 0.6 * gap
    # Circle sizes in pixels: the biggest neighbourhood about 85% of the spacing on the plot's
    # (about 370 px) height or width, whichever is tighter; area in proportion to residents.
    extent = float(max((hi - lo).max() / gap, 1.0))
    biggest = float(np.clip(0.85 * 370 / extent, 8, 64))
    size = np.maximum(biggest * np.sqrt(pop / max(pop.max(), 1)), 4)
    area = [t.areas[d] if d < len(t.areas) else f"area {d + 1}" for d in snap["dept"]]
    fig = go.Figure()
    _area_outlines(fig, xy, snap["dept"], 0.5 * gap, t.areas)
    fig.add_scatter(
        x=xy[:, 0], y=xy[:, 1], mode="markers", name=title, showlegend=False, text=list(t.ids),
        customdata=[[int(n), a] for n, a in zip(pop, area)],
        marker=dict(size=size, color=values, colorscale=SCALES[layer], cmin=zmin, cmax=zmax, opacity=1.0,
                    line=dict(color="#555555", width=1),
                    colorbar=dict(title=dict(text=unit + (" (60% or more: darkest)" if layer == "coverage" else ""),
                                             side="right", font=dict(size=12)), thickness=14, len=0.85,
                                  tickformat=".0%", tickfont=dict(size=12))),
        hovertemplate="<b>%{text}</b> (police area %{customdata[1]})<br>" + html.escape(title)
                      + ": %{marker.color:.0%}<br>%{customdata[0]:,} residents<extra></extra>",
        meta={"role": "neighbourhoods"})
    n_today = _stop_marks(fig, snap, short=True)
    fig.update_xaxes(visible=False, range=[lo[0], hi[0]], constrain="domain", fixedrange=True)
    fig.update_yaxes(visible=False, range=[lo[1], hi[1]], scaleanchor="x", fixedrange=True)
    partnered = ", ".join(f"{a}: {'partnered' if p else 'not partnered'}"
                          for a, p in zip(t.areas, snap["partnered"]))
    caption = (f"Circles: the table's neighbourhoods at its x/y positions, area by residents, coloured by "
               f"{title[0].lower()}{title[1:]} (same colour, same value every day); thick lines: police areas "
               f"({partnered}). "
               f"Marks: people stopped in the last 30 days, by group, at random in their neighbourhood (larger: "
               f"today, {n_today}); orange crosses: wrongful stops ({int(snap['stop_wrongful'].sum())} in 30 days).")
    rows = 1 + _legend_rows([*(category_label(k) for k in snap["groups"]), "wrongful stop"])  # +1: its title
    return _map_frame(fig, snap, caption, f"{title} \u00b7 {len(t.ids)} neighbourhoods from {t.name}",
                      legend_rows=rows, legend_title="People stopped in the last 30 days (larger: today):")


def _spacing(xy: np.ndarray) -> float:
    from dashboard.educator import spacing
    return spacing(xy)


def _area_outlines(fig: go.Figure, xy: np.ndarray, dept: np.ndarray, pad: float, names: list[str]) -> None:
    """A thick line around each police area's neighbourhoods (the convex hull of squares of
    half the spacing around them), named on its top edge."""
    from scipy.spatial import ConvexHull, QhullError

    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * pad
    xs: list[float | None] = []
    ys: list[float | None] = []
    for d in np.unique(dept):
        pts = (xy[dept == d][:, None, :] + corners[None]).reshape(-1, 2)
        try:
            ring = pts[ConvexHull(pts).vertices]
        except QhullError:
            continue
        ring = np.vstack([ring, ring[:1]])
        xs += [*ring[:, 0].tolist(), None]
        ys += [*ring[:, 1].tolist(), None]
        top = ring[ring[:, 1] >= ring[:, 1].max() - 1e-9]
        name = names[d] if d < len(names) else f"area {d + 1}"
        fig.add_annotation(x=float(top[:, 0].min()) + pad * 0.3, y=float(top[:, 1].max()), xanchor="left",
                           yanchor="middle", showarrow=False, text=f"<b>police area: {html.escape(name)}</b>",
                           bgcolor="white", borderpad=2, font=dict(size=12, color="#111111"), name="area")
    fig.add_scatter(x=xs, y=ys, mode="lines", line=dict(color="#111111", width=4), hoverinfo="skip",
                    name="police area border", showlegend=False)


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
        "Homes with a camera", "Fear of crime (0 = none, 1 = most)",
        "Stops per 1,000 people of the group<br>(dashed: innocent people)"))
    cams = 100 * total[:, idx["cameras"]] / max(snap["households"], 1)
    fig.add_scatter(x=days, y=cams, name="all households", line=dict(color=PALETTE[6], width=2.5),
                    hovertemplate="day %{x}: %{y:.1f}%<extra></extra>", row=1, col=1)
    for g, key in enumerate(groups):
        colour = (TRUE_COLOUR, WRONG_COLOUR, *PALETTE[2:])[g % len(PALETTE)]
        name = category_label(key)
        fig.add_scatter(x=days, y=by_group[:, idx["fear_mean"], g], name=name, legendgroup=key,
                        line=dict(color=colour, width=2.5),
                        hovertemplate=f"{name}, day %{{x}}: %{{y:.3f}}<extra></extra>",
                        row=1, col=2)
        per = 1000 / max(int(snap["group_size"][g]), 1) if "group_size" in snap else 1.0
        fig.add_scatter(x=days, y=np.cumsum(by_group[:, idx["stops"], g]) * per, name=name, legendgroup=key,
                        showlegend=False, line=dict(color=colour, width=2.5),
                        hovertemplate=f"{name}, stops per 1,000 to day %{{x}}: %{{y:,.1f}}<extra></extra>",
                        row=1, col=3)
        fig.add_scatter(x=days, y=np.cumsum(by_group[:, idx["wrongful_stops"], g]) * per,
                        name=f"{name} (wrongful)", legendgroup=key, showlegend=False,
                        line=dict(color=colour, width=2, dash="dash"),
                        hovertemplate=f"{name}, wrongful stops per 1,000 to day %{{x}}: %{{y:,.2f}}<extra></extra>",
                        row=1, col=3)
    for day, loop, on in snap["switches"]:
        for col in (1, 2, 3):
            fig.add_vline(x=day, line=dict(color="#555555", width=1.2, dash="dot"), row=1, col=col)
    fig.update_xaxes(title_text="day", range=[0, max(snap["day"], 30)])
    fig.update_yaxes(rangemode="tozero")
    fig.update_yaxes(ticksuffix="%", row=1, col=1)
    log = "; ".join(f"day {d}: {k} loop {'on' if on else 'off'}" for d, k, on in snap["switches"])
    wrongful = int(total[:, idx["wrongful_stops"]].sum())
    so_far = total[: len(days)]
    posts = int(so_far[:, idx["crime_posts"]].sum()) if "crime_posts" in idx else 0
    free = int(so_far[-1, idx["free_cameras"]]) if "free_cameras" in idx and len(so_far) else 0
    gallery = int(so_far[-1, idx["gallery_size"]]) if "gallery_size" in idx and len(so_far) else 0
    caption = (f"{snap['residents']:,} people in {snap['households']:,} homes. So far: {posts:,} crime posts in the "
               f"app, {free:,} free cameras from police, {gallery:,} photos in the police photo gallery, "
               f"{wrongful} innocent people stopped. "
               + (f"Loop switches (dotted lines): {log}." if log else "All loops on."))
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
    return "<br>".join(html.escape(line) for line in textwrap.wrap(text, width))  # wrap first: "&#x27;" is one character
