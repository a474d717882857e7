"""Charts of the analyses: the benefit-harm frontier and the disparity decomposition.

Pure functions from an analysis table (``Frontier.table()`` / ``Decomposition.table()``,
or the same table read back from CSV by :func:`sim.experiments.analysis_output.read`) and its
manifest (:func:`sim.experiments.analysis_output.manifest`) to a styled plotly figure, in the house
style of :mod:`sim.output.figures` (fonts, Okabe-Ito colours, footer with provenance). Points
and bars are means over replicates; error bars are the confidence interval of the mean
(``low``/``high``, :mod:`sim.experiments.bands`).

Example:
    >>> meta, table = sim.experiments.analysis_output.read("results/frontier/baseline-threshold")   # doctest: +SKIP
    >>> frontier_chart(table, meta).show()                                           # doctest: +SKIP
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.errors import InputError
from sim.output.style import AXIS_ROOM, LINE_PX, NEUTRAL, PALETTE, TRUE_COLOUR, WRONG_COLOUR, apply_style, caption
from sim.core.groups import CENSUS_SHARES, GROUP_KEYS, REFERENCE_GROUP, label as group_label

HEIGHT = 700                 # px; the width follows the page (exports: 1100-1200 px)
CAPTION_CHARS = 165          # footer characters per line at 12 px in a 1100 px wide figure
MIN_SHARE = 0.05             # frontier: census groups shown by default make up at least this share
BENEFIT = "clearances_gained"
HARMS = {"wrongful_stops_caused": "Wrongful stops caused", "wrongful_arrests_caused": "Wrongful arrests caused"}
NUMERIC = ("mean", "low", "high", "p10", "p90", "replicates")
# Colour by race, line and marker by sex, so a legend of six groups reads as three pairs.
RACE_COLOURS = {"white": PALETTE[0], "black": PALETTE[1], "hispanic": PALETTE[2], "asian": PALETTE[3],
                "native": PALETTE[4]}
SEX_STYLE = {"f": ("solid", "circle"), "m": ("dash", "diamond")}
PANEL_PX = (440.0, 300.0)    # approximate plot size of one frontier panel at 1100 x 700 px, for label placement
WATERFALL_PX = 510.0         # approximate plot width of the waterfall panel at 1100 px, to fit its numbers
LABEL_PX = 19                # height of a point label's box (13 px text)
ALL_COLOUR = "#000000"
STEPS = ("neutral", "algorithm", "gallery", "cameras", "attention", "scenario")
SHORT = {"neutral": "All four factors neutral", "algorithm": "+ Algorithm error differences",
         "gallery": "+ Gallery make-up", "cameras": "+ Camera placement<br>(segregation x adoption)",
         "attention": "+ Patrol attention<br>(over-policing)", "scenario": "= Scenario (all four real)"}


# --- the frontier ---------------------------------------------------------------------------

def frontier_chart(table: pd.DataFrame, meta: dict[str, Any], groups: Sequence[str] | None = None) -> go.Figure:
    """Clearances gained (y) against wrongful stops caused (left) and wrongful arrests
    caused (right), one line per group through the lever's values in order, each point
    labelled on one line and with error bars in x and y.

    Args:
        table: ``Frontier.table()`` or its CSV (columns lever, value, label, quantity,
            group, mean, low, high, ...).
        meta: the folder's manifest (scenario, lever_label, replicates, residents, days, ...).
        groups: group keys to draw ("all" for every resident); default: census groups of at
            least 5% of the population (and the reference group), else every group.

    Example:
        >>> fig = frontier_chart(f.table(), meta, groups=["black_m", "white_m"])   # doctest: +SKIP
    """
    t = _numeric(table, ("quantity", "group", "label", "mean", "low", "high"))
    t["label"] = t["label"].astype(str)
    t["group"] = t["group"].astype(str)
    settings = list(dict.fromkeys(t["label"]))  # the lever's values, in the order they ran
    shown = _frontier_groups(t, meta, groups)
    gain = _rows(t, BENEFIT, "all", settings)
    if gain["mean"].isna().all():
        raise InputError("frontier table: no clearances_gained rows for all residents")
    n = _replicates(t, meta)
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.07)
    lever = str(meta.get("lever_label") or meta.get("lever") or "lever value")
    for col, (quantity, name) in enumerate(HARMS.items(), start=1):
        lines = {g: _rows(t, quantity, g, settings) for g in shown}
        carrier = "all" if "all" in shown else shown[0]  # the clearances band is the same for every group
        for g in shown:
            _frontier_line(fig, lines[g], gain, g, shown.index(g), name, lever, col, y_errors=g == carrier)
        _label_points(fig, lines, gain, col)
        harm = t[t["quantity"] == quantity]
        if len(harm) and np.nanmax(np.abs(harm[["mean", "low", "high"]].to_numpy(float)), initial=0) == 0:
            fig.add_annotation(text="None caused in any replicate", xref=f"x{col if col > 1 else ''} domain",
                               yref="y domain", x=0.5, y=0.5, showarrow=False, font=dict(size=13, color="#444444"))
        fig.update_xaxes(title_text=f"<b>{name}</b><br>per 100,000 residents of the group per year", row=1, col=col)
    fig.update_yaxes(title_text="Extra offences cleared per 100,000 residents per year", row=1, col=1)
    scenario = str(meta.get("scenario", "?"))
    title = f"{lever}: benefit and harm of face recognition, scenario {scenario}"
    subtitle = (f"Each point is one setting ({html.escape(lever.lower())}, labelled), compared with the same city "
                "without face recognition")
    extra = (f"Points: mean over {n} replicates of the difference from a paired run on the same seed with face "
             f"recognition off. Error bars: {_confidence(meta)} confidence interval of the mean over {n} paired "
             f"replicates (clearances: for all residents, the same for every group, so drawn once, on "
             f"{'all residents' if 'all' in shown else group_label(shown[0])}); harms are per 100,000 residents of "
             f"each group. {_city(meta)}" + _hidden_groups(t, shown, chosen=groups is not None) + _overrides(meta))
    footer = caption(_caption_meta(meta), [scenario], extra, width=CAPTION_CHARS)
    fig = apply_style(fig, title, footer, subtitle=subtitle, axis_room=AXIS_ROOM + LINE_PX, legend="top")
    rows = _legend_rows(shown)
    fig.update_layout(height=HEIGHT, hovermode="closest", meta=_provenance(meta),
                      margin_t=fig.layout.margin.t + 22 * (rows - 1), margin_r=40,
                      legend=dict(entrywidth=150, traceorder="normal", itemclick="toggle"))
    _zero_lines(fig)
    return fig


def _frontier_groups(t: pd.DataFrame, meta: dict[str, Any], groups: Sequence[str] | None) -> list[str]:
    present = list(dict.fromkeys(t.loc[t["quantity"].isin(list(HARMS)), "group"]))
    if groups is not None:
        missing = [g for g in groups if g not in present]
        if missing:
            raise InputError(f"frontier chart: group(s) {', '.join(map(repr, missing))} not in the table; "
                             f"present: {', '.join(present)}")
        return list(groups)
    keys = [g for g in meta.get("groups") or present if g in present and g != "all"]
    if keys and all(g in CENSUS_SHARES for g in keys):
        big = [g for g in keys if CENSUS_SHARES[g] >= MIN_SHARE or g == REFERENCE_GROUP]
        keys = [g for g in GROUP_KEYS if g in big]
    return keys + (["all"] if "all" in present else [])


def _rows(t: pd.DataFrame, quantity: str, group: str, settings: list[str]) -> pd.DataFrame:
    sel = t[(t["quantity"] == quantity) & (t["group"] == group)].drop_duplicates("label")
    return sel.set_index("label").reindex(settings)[["mean", "low", "high"]]


def group_style(key: str, i: int = 0) -> tuple[str, str, str]:
    """(colour, dash, marker symbol) of a group: colour by race, line by sex; "all" black;
    other keys (e.g. the educator's groups) the ``i``-th colour of the palette."""
    if key == "all":
        return ALL_COLOUR, "solid", "square"
    race, _, sex = key.rpartition("_")
    if race in RACE_COLOURS and sex in SEX_STYLE:
        return RACE_COLOURS[race], *SEX_STYLE[sex]
    return PALETTE[i % len(PALETTE)], "solid", "circle"


def _frontier_line(fig: go.Figure, harm: pd.DataFrame, gain: pd.DataFrame, g: str, i: int, harm_name: str,
                   lever: str, col: int, y_errors: bool) -> None:
    colour, dash, symbol = group_style(g, i)
    name = "All residents" if g == "all" else group_label(g)
    per = "residents" if g == "all" else html.escape(name)
    custom = np.column_stack([harm.index.to_numpy(object), harm["low"], harm["high"], gain["low"], gain["high"]])
    fig.add_scatter(
        x=harm["mean"], y=gain["mean"], mode="lines+markers", name=name, legendgroup=g, showlegend=col == 1,
        line=dict(color=colour, width=3 if g == "all" else 2, dash=dash),
        marker=dict(color=colour, size=9, symbol=symbol, line=dict(color="white", width=1)),
        error_x=_error(harm, colour), error_y=_error(gain, colour) if y_errors else None, customdata=custom,
        meta={"group": g, "quantity": list(HARMS)[col - 1], "role": "frontier"},
        hovertemplate=(f"<b>{html.escape(name)}</b>, {html.escape(lever.lower())} %{{customdata[0]}}<br>"
                       f"{harm_name}: %{{x:,.3~g}} per 100k {per} per year "
                       "(90% CI %{customdata[1]:,.3~g} to %{customdata[2]:,.3~g})<br>"
                       "Clearances gained: %{y:,.3~g} per 100k residents per year "
                       "(90% CI %{customdata[3]:,.3~g} to %{customdata[4]:,.3~g})<extra></extra>"),
        row=1, col=col)


def _error(d: pd.DataFrame, colour: str) -> dict[str, Any]:
    return dict(type="data", symmetric=False, array=(d["high"] - d["mean"]).clip(lower=0).tolist(),
                arrayminus=(d["mean"] - d["low"]).clip(lower=0).tolist(), color=colour, thickness=1.2, width=3)


def _label_points(fig: go.Figure, lines: dict[str, pd.DataFrame], gain: pd.DataFrame, col: int) -> None:
    """Label the lever values on one line: the group with the largest harms (its points are
    rightmost in their rows, so labels clear the other lines). In the pixel space of a
    1100 x 700 figure each label goes just above and right of its point or, if that box is
    taken (by a label, a marker or an error bar), at the end of its row of error bars, else
    in the nearest free row below (top points first, so the labels keep the points' order;
    above if nothing is free below); a thin leader joins label and point."""
    groups = [g for g in lines if g != "all"] or list(lines)
    g = max(groups, key=lambda k: np.nan_to_num(lines[k]["mean"].to_numpy(float), nan=-np.inf).max(initial=-np.inf))
    d = lines[g]
    ok = (d["mean"].notna() & gain["mean"].notna()).to_numpy()
    if not ok.any():
        return
    xs = np.r_[[v for k in lines for v in lines[k][["mean", "low", "high"]].to_numpy(float).ravel()], 0.0]
    ys = np.r_[gain[["mean", "low", "high"]].to_numpy(float).ravel(), 0.0]
    to_px = _pixels(xs, ys, PANEL_PX)
    px, py = to_px(d["mean"].to_numpy(float), gain["mean"].to_numpy(float))
    taken = [(px[i] - 7, py[i] - 7, px[i] + 7, py[i] + 7) for i in np.flatnonzero(ok)]
    row_end = px + 7  # where the row of every group's error bars at a point's height ends
    for k in lines.values():  # those rows are obstacles too
        lo_px, _ = to_px(k["low"].fillna(k["mean"]).to_numpy(float), gain["mean"].to_numpy(float))
        hi_px, row = to_px(k["high"].fillna(k["mean"]).to_numpy(float), gain["mean"].to_numpy(float))
        row_end = np.fmax(row_end, hi_px)
        taken += [(lo_px[i], row[i] - 2, hi_px[i], row[i] + 2)
                  for i in np.flatnonzero(np.isfinite(lo_px + hi_px + row))]
    for i in sorted(np.flatnonzero(ok), key=lambda i: (-py[i], px[i])):  # top first
        text = str(d.index[i])
        w, h = 7.5 * len(text) + 6, LABEL_PX
        side = 1 if px[i] + 8 + w <= PANEL_PX[0] + 30 else -1  # left of the point at the right edge
        beside = px[i] + side * (8 + w / 2)
        places = [(beside, py[i] + 16)]  # above and beside the point
        if row_end[i] + 8 + w <= PANEL_PX[0] + 30:
            places.append((row_end[i] + 8 + w / 2, py[i]))  # at the end of its row of error bars
        places += [(beside, py[i] + 16 + dy) for dy in (*(-k * h for k in range(1, 12)),
                                                         *(k * h for k in range(1, 12)))]
        for cx, cy in places:  # the first free place, else the last
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            inside = box[1] >= 2 and box[3] <= PANEL_PX[1] - 2  # not on the axes, not above the plot
            if inside and not any(_overlap(box, o) for o in taken):
                break
        taken.append(box)
        fig.add_annotation(x=d["mean"].iloc[i], y=gain["mean"].iloc[i], xref=f"x{col if col > 1 else ''}", yref="y",
                           text=html.escape(text), ax=cx - px[i], ay=-(cy - py[i]), showarrow=True, arrowhead=0,
                           arrowwidth=1, arrowcolor="#777777", standoff=4, font=dict(size=13, color="#222222"),
                           bgcolor="rgba(255,255,255,0.8)", borderpad=0, name=f"label-{g}")


def _pixels(xs: np.ndarray, ys: np.ndarray, size: tuple[float, float]):
    """A map from data to approximate pixels of a panel (x right, y up), from the values the
    axes will include (autorange with 0 in range, 5% padding)."""
    def span(v: np.ndarray) -> tuple[float, float]:
        v = v[np.isfinite(v)]
        lo, hi = min(float(v.min(initial=0)), 0.0), max(float(v.max(initial=0)), 0.0)
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        return lo - (pad if lo < 0 else 0), hi + pad

    (x0, x1), (y0, y1) = span(xs), span(ys)
    return lambda x, y: ((x - x0) / (x1 - x0) * size[0], (y - y0) / (y1 - y0) * size[1])


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _legend_rows(groups: Sequence[str]) -> int:
    return math.ceil(len(groups) * 150 / 900)


def _zero_lines(fig: go.Figure) -> None:
    """No change: a thin line at 0 on both axes; axes include 0 and any negative values."""
    fig.update_xaxes(rangemode="tozero", zeroline=True, zerolinecolor="#9A9A9A", zerolinewidth=1)
    fig.update_yaxes(rangemode="tozero", zeroline=True, zerolinecolor="#9A9A9A", zerolinewidth=1)


def _hidden_groups(t: pd.DataFrame, shown: Sequence[str], chosen: bool) -> str:
    hidden = [g for g in dict.fromkeys(t["group"]) if g not in shown and g != "all"]
    if not hidden:
        return ""
    why = "" if chosen else f" (under {MIN_SHARE:.0%} of residents, few events)"
    return (f" Not drawn{why}: "
            + ", ".join(group_label(g) for g in hidden) + "; their numbers are in the table.")


# --- the decomposition --------------------------------------------------------------------

def decomposition_chart(table: pd.DataFrame, meta: dict[str, Any]) -> go.Figure:
    """From the disparity with every factor neutral, through each factor's Shapley
    contribution, to the scenario's disparity (a horizontal waterfall with error bars and a
    parity line); beside it, the disparity with each factor alone real.

    Example:
        >>> fig = decomposition_chart(d.table(), meta)                      # doctest: +SKIP
    """
    t = _numeric(table, ("key", "mean", "low", "high"))
    t["key"] = t["key"].astype(str)
    t = t.drop_duplicates("key").set_index("key")
    missing = [k for k in STEPS if k not in t.index]
    if missing:
        raise InputError(f"decomposition table: missing row(s) {', '.join(missing)}")
    a, b = (list(meta.get("groups") or ["A", "B"]) + ["A", "B"])[:2]
    la, lb = group_label(a), group_label(b)
    n = _replicates(t.reset_index(), meta)
    rows = [SHORT[k] for k in STEPS]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, column_widths=[0.64, 0.36], horizontal_spacing=0.04)
    reach, texts = _waterfall(fig, t, rows)
    alone = _alone(fig, t, rows)
    lo, hi = _extent(reach)
    lo = min(lo, float(t["low"].min()))  # every band of the table stays on the main axis
    lo -= 0.05 * (hi - lo) if lo < 0 else 0
    # room for the numbers: a text of w px starting at x fits if (x - lo) / (right - lo) * P + w <= P
    right = max([hi + 0.05 * (hi - lo)] + [lo + (x - lo) * WATERFALL_PX / (WATERFALL_PX - w) for x, w in texts])
    fig.update_xaxes(range=[lo, right], row=1, col=1)
    lo, hi = _extent(alone)
    fig.update_xaxes(range=[lo - (0.05 * (hi - lo) if lo < 0 else 0), hi + 0.06 * (hi - lo)], row=1, col=2)
    for col in (1, 2):
        fig.add_vline(x=1, line=dict(color="#222222", width=1.5, dash="dash"), row=1, col=col)
        fig.add_annotation(text="parity", x=1, xref=f"x{col if col > 1 else ''}", y=1, yref="paper", yanchor="bottom",
                           xanchor="center", showarrow=False, font=dict(size=12, color="#222222"), name="parity")
    ratio = f"{la} \u00f7 {lb}"
    fig.update_xaxes(title_text=f"<b>From all neutral to the scenario</b><br>wrongful stops per resident, {ratio}",
                     row=1, col=1)
    fig.update_xaxes(title_text=f"<b>Each factor alone</b><br>(the other three neutral), {ratio}", row=1, col=2)
    fig.update_yaxes(autorange="reversed", type="category", categoryorder="array", categoryarray=rows,
                     tickfont=dict(size=13), ticklabelstandoff=6)
    title = f"What drives the wrongful-stop disparity between {la} and {lb}"
    subtitle = (f"Ratio of wrongful stops per resident, {html.escape(la)} to {html.escape(lb)} (1 = parity), "
                f"scenario {html.escape(str(meta.get('scenario', '?')))}")
    extra = (f"Four factors are each set real or neutral; the disparity is computed for all 16 combinations "
             f"on the same seeds (paired). A factor's Shapley value is its effect on the disparity averaged over the "
             f"orders in which the factors can be switched on; the four add up to the scenario minus all-neutral. "
             f"Bars and dots: mean over {n} replicates; error bars: {_confidence(meta)} confidence interval of the "
             f"mean over {n} paired replicates. {_city(meta)}" + _overrides(meta))
    footer = caption(_caption_meta(meta), [str(meta.get("scenario", "?"))], extra, width=CAPTION_CHARS)
    fig = apply_style(fig, title, footer, subtitle=subtitle, axis_room=AXIS_ROOM + LINE_PX, legend="right")
    rising = float(t.loc["scenario", "mean"]) >= float(t.loc["neutral", "mean"])  # the free corner of the waterfall
    fig.update_layout(height=HEIGHT, barmode="overlay", hovermode="closest", meta=_provenance(meta),
                      margin_l=220, margin_r=30, margin_t=fig.layout.margin.t + 10,
                      legend=dict(orientation="v", x=fig.layout.xaxis.domain[1], xanchor="right",
                                  y=1 if rising else 0, yanchor="top" if rising else "bottom",
                                  bgcolor="rgba(255,255,255,0.85)"))
    fig.for_each_annotation(lambda an: an.update(xshift=12 - 220) if an.name == "caption" else None)
    fig.update_yaxes(gridcolor="rgba(0,0,0,0)")
    return fig


def _extent(values: Sequence[float]) -> tuple[float, float]:
    """(low, high) of the values, always including 0 and parity (1)."""
    v = [x for x in values if np.isfinite(x)]
    return min(0.0, *v), max(1.0, *v)


def _waterfall(fig: go.Figure, t: pd.DataFrame, rows: list[str]) -> tuple[list[float], list[tuple[float, float]]]:
    """The bars, their error bars and numbers; returns every x they reach, and where each
    number's text starts (x) with its approximate width in px."""
    reach: list[float] = []
    texts: list[tuple[float, float]] = []
    start = 0.0
    for key, row in zip(STEPS, rows):
        r = t.loc[key]
        mean, low, high = float(r["mean"]), float(r["low"]), float(r["high"])
        if key in ("neutral", "scenario"):
            base, end, colour, name = 0.0, mean, NEUTRAL if key == "neutral" else "#1F2A36", "Disparity"
            text = f"{mean:.2f}x"
            lo_end, hi_end = low, high
        else:
            base, end = start, start + mean
            up = mean >= 0
            colour = WRONG_COLOUR if up else TRUE_COLOUR
            name = "Widens the ratio" if up else "Narrows the ratio"
            text = f"{mean:+.2f}"
            lo_end, hi_end = start + low, start + high
        kind = "total" if key in ("neutral", "scenario") else "contribution"
        fig.add_bar(y=[row], x=[end - base], base=[base], orientation="h", marker=dict(color=colour, line_width=0),
                    width=0.62, name=name, showlegend=False,
                    meta={"key": key, "role": kind, "mean": mean, "low": low, "high": high},
                    customdata=[[mean, low, high]],
                    hovertemplate=(f"{html.escape(row.replace('<br>', ' '))}: "
                                   + ("%{customdata[0]:.3f}x" if kind == "total" else "%{customdata[0]:+.3f}")
                                   + " (90% CI %{customdata[1]:.3f} to %{customdata[2]:.3f})<extra></extra>"),
                    row=1, col=1)
        fig.add_scatter(x=[end], y=[row], mode="markers", marker=dict(size=1, color="rgba(0,0,0,0)"),
                        error_x=dict(type="data", symmetric=False, array=[max(hi_end - end, 0)],
                                     arrayminus=[max(end - lo_end, 0)], color="#222222", thickness=1.5, width=6),
                        showlegend=False, hoverinfo="skip", meta={"key": key, "role": "error"}, row=1, col=1)
        right = max(base, end, hi_end if np.isfinite(hi_end) else end)
        band = f"[{low:.2f}, {high:.2f}]"
        label = f"<b>{text}</b> <span style='font-size:12px;color:#555'>{band}</span>"
        width = 8 * len(text) + 6.2 * len(band) + 14
        if key == "scenario" and "total" in t.index:
            tot = t.loc["total"]
            more = f"{float(tot['mean']):+.2f} [{float(tot['low']):.2f}, {float(tot['high']):.2f}] vs all neutral"
            label += f"<br><span style='font-size:12px;color:#555'>{more}</span>"
            width = max(width, 6.2 * len(more) + 14)
        texts.append((right, width))
        fig.add_annotation(x=right, y=row, xref="x", yref="y", text=label, showarrow=False, xanchor="left",
                           align="left", xshift=6, font=dict(size=14, color="#222222"), name=f"value-{key}")
        if kind == "contribution" or key == "neutral":  # connector to the next bar
            fig.add_shape(type="line", x0=end, x1=end, y0=rows.index(row) + 0.31, y1=rows.index(row) + 0.69, xref="x",
                          yref="y", line=dict(color="#888888", width=1, dash="dot"), name="connector")
        start = end if key != "scenario" else start
        reach += [base, end, lo_end, hi_end]
    for name, colour in (("Widens the ratio", WRONG_COLOUR), ("Narrows the ratio", TRUE_COLOUR)):
        fig.add_bar(y=[None], x=[None], orientation="h", marker_color=colour, name=name, showlegend=True,
                    meta={"role": "legend"}, row=1, col=1)
    return reach, texts


def _alone(fig: go.Figure, t: pd.DataFrame, rows: list[str]) -> list[float]:
    keys = [k for k in STEPS[1:-1] if f"alone_{k}" in t.index]
    if not keys:
        return []
    d = t.loc[[f"alone_{k}" for k in keys]]
    ys = [rows[STEPS.index(k)] for k in keys]
    neutral = float(t.loc["neutral", "mean"])
    fig.add_scatter(x=d["mean"], y=ys, mode="markers", name="One factor real, others neutral", showlegend=False,
                    marker=dict(color="#1F2A36", size=11, symbol="diamond"),
                    error_x=dict(type="data", symmetric=False, array=(d["high"] - d["mean"]).clip(lower=0).tolist(),
                                 arrayminus=(d["mean"] - d["low"]).clip(lower=0).tolist(), color="#222222",
                                 thickness=1.5, width=6),
                    customdata=d[["low", "high"]].to_numpy(), meta={"role": "alone", "keys": keys},
                    hovertemplate="Only this factor real: %{x:.3f}x (90% CI %{customdata[0]:.3f} to "
                                  "%{customdata[1]:.3f})<extra></extra>", row=1, col=2)
    fig.add_scatter(x=[neutral, neutral], y=[ys[0], ys[-1]], mode="lines", showlegend=False, hoverinfo="skip",
                    line=dict(color=NEUTRAL, width=2, dash="dot"), meta={"role": "neutral-reference"}, row=1, col=2)
    fig.add_annotation(text="all<br>neutral", x=neutral, xref="x2", y=rows[-1], yref="y", showarrow=False,
                       font=dict(size=12, color=NEUTRAL), name="neutral-reference")
    return [*d["low"], *d["high"], neutral]


# --- shared -------------------------------------------------------------------------------

def _numeric(table: pd.DataFrame, needed: Sequence[str]) -> pd.DataFrame:
    """A copy with the numeric columns as floats (a CSV read back may hold strings)."""
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InputError(f"analysis table: missing column(s) {', '.join(missing)}; columns: {', '.join(table.columns)}")
    t = table.copy()
    for c in NUMERIC:
        if c in t.columns:
            t[c] = pd.to_numeric(t[c], errors="coerce")
    return t


def _replicates(t: pd.DataFrame, meta: dict[str, Any]) -> int | str:
    n = meta.get("replicates")
    if n is None and "replicates" in t.columns and t["replicates"].notna().any():
        n = int(t["replicates"].max())
    return n if n is not None else "?"


def _confidence(meta: dict[str, Any]) -> str:
    c = meta.get("confidence", 0.9)
    try:
        return f"{float(c):.0%}"
    except (TypeError, ValueError):
        return str(c)


def _city(meta: dict[str, Any]) -> str:
    res, days = meta.get("residents"), meta.get("days")
    size = f"{res:,} residents" if isinstance(res, int) else "residents: ?"
    span = f"{days:,} days" if isinstance(days, int) else "days: ?"
    start = f" from {meta['start_date']}" if meta.get("start_date") else ""
    return f"City of {size}, {span}{start}."


def _overrides(meta: dict[str, Any]) -> str:
    o = meta.get("overrides") or {}
    if not isinstance(o, dict) or not o:
        return ""
    return " Parameter overrides: " + ", ".join(f"{k} = {v}" for k, v in o.items()) + "."


def _caption_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """The manifest's keys under the names :func:`sim.output.style.caption` reads."""
    return {"replicates": meta.get("replicates", "?"), "seed": meta.get("seed", "?"),
            "replicate_seeds": meta.get("replicate_seeds", []),
            "version": meta.get("survsim_version", meta.get("version", "?")), "git_commit": meta.get("git_commit"),
            "assumptions": list(meta.get("key_assumptions", meta.get("assumptions", [])))}


def _provenance(meta: dict[str, Any]) -> dict[str, Any]:
    keys = ("analysis", "scenario", "lever", "groups", "replicates", "seed", "replicate_seeds", "residents", "days",
            "survsim_version", "git_commit", "created")
    return {k: meta[k] for k in keys if k in meta}
