"""The charts and the headline table of a results page, from a :class:`~dashboard.data.Bundle`
and the page's view. Figures come from :mod:`sim.output.figures` (the same functions serve the
CLI report and notebooks); this module only picks the rows and the arguments.
"""

from __future__ import annotations

import html
import io
import math
import threading
from collections import OrderedDict
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard import rolling, whatif
from dashboard.data import Bundle
from dashboard.livefigures import placeholder
from dashboard.urlstate import WhatIfView
from sim.output import bygroup, figures
from sim.output.style import scenario_label
from sim.experiments.compare import HEADLINE
from sim.core.errors import InputError
from sim.core.metrics import BY_NAME

KINDS = ("timeseries", "difference", "disparity", "funnel")
HEIGHTS = {"timeseries": 560, "difference": 560, "disparity": 600, "funnel": 640}


_FIGURES: OrderedDict[tuple, tuple[Bundle, go.Figure]] = OrderedDict()
_FIGURES_LOCK = threading.Lock()
KEEP_FIGURES = 24   # recent charts, so a view drawn before (or warmed: the first visit's) is not redrawn


def figure(bundle: Bundle, view: Any, kind: str) -> go.Figure:
    """One chart of the view (kept for reuse: do not modify it; copy with ``go.Figure(fig)``)."""
    key = (id(bundle), kind, view.metric, view.group, view.flow, chart_meta(bundle, view).get("settings"))
    with _FIGURES_LOCK:
        hit = _FIGURES.get(key)
        if hit is not None and hit[0] is bundle:
            _FIGURES.move_to_end(key)
            return hit[1]
    fig = _figure(bundle, view, kind)
    with _FIGURES_LOCK:
        _FIGURES[key] = (bundle, fig)
        while len(_FIGURES) > KEEP_FIGURES:
            _FIGURES.popitem(last=False)
    return fig


def _figure(bundle: Bundle, view: Any, kind: str) -> go.Figure:
    """One chart of the view; a problem (e.g. nothing to compare) becomes a message figure."""
    meta = chart_meta(bundle, view)
    try:
        if kind == "timeseries" and view.flow == "rolling" and BY_NAME[view.metric].flow:
            fig = rolling.rolling_figure(bundle.frame(view.metric), view.metric, meta, view.group)
        elif kind == "timeseries":
            fig = figures.timeseries(bundle.frame(view.metric), view.metric, meta, view.group, flow=view.flow)
        elif kind == "difference":
            if len(bundle.scenarios) < 2:
                return placeholder("Pick at least one scenario to compare with the baseline.")
            fig = figures.difference(bundle.frame(view.metric), view.metric, meta, view.group)
        elif kind == "disparity":
            fig = bygroup.by_group(bundle.frame(view.metric), view.metric, meta)
        elif kind == "funnel":
            fig = figures.funnel(bundle.frame(*figures.FUNNEL_METRICS), meta)
        else:
            raise InputError(f"unknown chart {kind!r}")
    except InputError as e:
        return placeholder(str(e))
    _plain_names(fig, bundle.scenarios)
    _outline_bands(fig)
    _legend_on_top(fig)  # a right-hand legend squeezes the plot on a phone
    if kind == "funnel":
        _wrap_panel_notes(fig)
    if not fig.layout.height:
        fig.update_layout(height=HEIGHTS[kind])
    return fig


def chart_meta(bundle: Bundle, view: Any) -> dict[str, Any]:
    """The bundle's meta, plus the What-if's settings for the caption (laws, threshold, start, size)."""
    if isinstance(view, WhatIfView):
        return {**bundle.meta, "settings": whatif.settings(view)}
    return bundle.meta


def _plain_names(fig: go.Figure, names: list[str]) -> None:
    """Legends, hover text and panel titles in words ('Warrant required for footage'), not
    file names; the caption keeps both."""
    for t in fig.data:
        sc = (t.meta or {}).get("scenario") if isinstance(t.meta, dict) else None
        if sc in names and (t.meta.get("role") == "median"):
            t.name = scenario_label(sc)
        if sc in names and isinstance(t.hovertemplate, str) and t.hovertemplate.startswith(f"{sc}:"):
            t.hovertemplate = html.escape(scenario_label(sc)) + t.hovertemplate[len(sc):]
    for a in fig.layout.annotations:
        for sc in names:
            if a.text and a.text.startswith(f"<b>{html.escape(sc)}</b>"):
                a.text = f"<b>{html.escape(scenario_label(sc))}</b>" + a.text[len(f"<b>{html.escape(sc)}</b>"):]
    if fig.layout.title and fig.layout.title.text:
        for sc in names:
            if fig.layout.title.text.endswith(f"change vs {sc}"):
                fig.layout.title.text = fig.layout.title.text[:-len(sc)] + scenario_label(sc).lower()


def _outline_bands(fig: go.Figure) -> None:
    """Bands that stay attributable when they overlap: a lighter fill, and each band's
    edges drawn as thin lines in its scenario's colour and dash."""
    style = {t.meta["scenario"]: t.line for t in fig.data
             if t.type == "scatter" and isinstance(t.meta, dict) and t.meta.get("role") == "median"}
    for t in fig.data:
        meta = t.meta if isinstance(t.meta, dict) else {}
        line = style.get(meta.get("scenario"))
        if line is None or meta.get("role") not in ("p10", "p90"):
            continue
        t.line = dict(color=line.color, width=0.8, dash=line.dash)
        if meta["role"] == "p90" and isinstance(t.fillcolor, str) and t.fillcolor.startswith("rgba("):
            r, g, b, _ = t.fillcolor[5:-1].split(",")
            t.fillcolor = f"rgba({r},{g},{b},0.07)"


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


# The four numbers of the headline: what a reform does to the people and practices it targets.
HEADLINE_CARDS = (("wrongful_stops", "Wrongful stops (innocent people stopped)"),
                  ("fr_searches", "Face-recognition searches"),
                  ("footage_obtained_without_warrant", "Footage obtained without a warrant"),
                  ("clearances", "Offences cleared by arrest"))


def headline_numbers(bundle: Bundle, scenario: str | None = None) -> dict[str, Any] | None:
    """The headline of a comparison: for one reform (default: the first compared with the
    baseline), its paired change in each of :data:`HEADLINE_CARDS` over the run, with the
    10-90% band and the baseline's level; None if there is nothing to compare."""
    others = [s for s in bundle.scenarios if s != bundle.cmp.baseline]
    sc = scenario or (others[0] if others else None)
    if sc is None:
        return None
    s = bundle.summary()
    s = s[s["group"] == ""].set_index(["scenario", "metric"])
    cards = []
    for metric, what in HEADLINE_CARDS:
        if (sc, metric) not in s.index or (bundle.cmp.baseline, metric) not in s.index:
            continue
        r, base = s.loc[(sc, metric)], s.loc[(bundle.cmp.baseline, metric)]
        share = 100 * r["diff_median"] / base["median"] if base["median"] else None
        pct = ("" if share is None else " (no change)" if r["diff_median"] == 0
               else f" ({share:+.0f}%)" if abs(share) >= 1 else " (under 1%)")
        cards.append({"metric": metric, "what": what, "change": fmt(r["diff_median"], True) + pct,
                      "band": f"{fmt(r['diff_p10'], True)} to {fmt(r['diff_p90'], True)}",
                      "of": f"{scenario_label(bundle.cmp.baseline)}: {fmt(base['median'])} over the run"})
    days = bundle.last_day
    about = (f"{scenario_label(sc)} compared with {scenario_label(bundle.cmp.baseline).lower()}: change over "
             f"{days:,} days, median of {bundle.meta['replicates']} paired replicates"
             + ("; other reforms are in the table below" if len(others) > 1 else ""))
    return {"scenario": sc, "cards": cards, "about": about}


def provenance_lines(bundle: Bundle, view: Any, extra: str = "") -> list[str]:
    """What an exported CSV says about itself (the chart caption's facts, one per line)."""
    m = chart_meta(bundle, view)
    names = [f"{scenario_label(s)} ({s})" + (" = baseline" if s == m["baseline"] else "") for s in bundle.scenarios]
    lines = [extra] if extra else []
    lines += [f"Scenarios: {'; '.join(names)}",
              f"City of {m['residents']:,} residents; days 0-{bundle.last_day} from {m.get('start_date', '')}",
              f"{m['replicates']} replicates per scenario; run seed {m['seed']}; replicate seeds "
              + " ".join(str(x) for x in m["replicate_seeds"]),
              f"survsim {m['version']} (git {(m.get('git_commit') or 'unknown')[:12]})"]
    if m.get("settings"):
        lines.append(m["settings"])
    decides = (m.get("drivers") or {}).get(getattr(view, "metric", None))
    lines += [f"What decides it: {a}" for a in decides] if decides else [f"Assumption: {a}" for a in m.get("assumptions", [])]
    return ["# " + line.replace("\n", " ") for line in lines]


def figure_csv(fig: go.Figure, bundle: Bundle, view: Any) -> str:
    """The numbers a chart draws, one row per point of each series, after '#' lines that
    describe it (read with ``pandas.read_csv(path, comment="#")``)."""
    rows = []
    for t in fig.data:
        if t.x is None or t.y is None or getattr(t, "mode", None) == "text":
            continue
        meta = t.meta if isinstance(t.meta, dict) else {}
        err = t.error_y if t.error_y is not None and t.error_y.array is not None else None
        for i, (x, y) in enumerate(zip(t.x, t.y)):
            row = {"series": t.name or "", "scenario": meta.get("scenario", ""), "x": x, "y": y}
            if err is not None:
                row["y_p90"] = y + err.array[i] if y is not None else None
                row["y_p10"] = y - (err.arrayminus if err.arrayminus is not None else err.array)[i] \
                    if y is not None else None
            rows.append(row)
    title = fig.layout.title.text.replace("<br>", " ") if fig.layout.title and fig.layout.title.text else ""
    out = io.StringIO()
    out.write("\n".join(provenance_lines(bundle, view, f"Chart: {title}")) + "\n")
    pd.DataFrame(rows).to_csv(out, index=False)
    return out.getvalue()


def summary_csv(bundle: Bundle, view: Any = None) -> str:
    """Every metric and group (header first, as before); its description follows as '#' lines."""
    table = bundle.summary().assign(scenario_label=lambda d: d["scenario"].map(scenario_label))
    return table.to_csv(index=False) + "\n".join(provenance_lines(bundle, view)) + "\n"
