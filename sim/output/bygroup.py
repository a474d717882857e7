"""The "By group" chart: any per-group metric as a rate per 1,000 residents of each group,
one bar per scenario with 10-90% error bars over replicates, and a warning naming the
groups whose counts are too few for a stable rate.

Flows are totalled over the run, stocks taken on the last day; intensive metrics (a mean
or share, e.g. fear) are shown as they are. Group sizes are the run's residents times the
census shares (:data:`sim.core.groups.CENSUS_SHARES`), the shares the city is built from.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.core.errors import InputError
from sim.core.groups import CENSUS_SHARES, GROUP_KEYS, label as group_label
from sim.core.metrics import BY_NAME
from sim.output.style import FEW_EVENTS, PALETTE, apply_style, caption, scenario_label

PER = 1000   # rates per this many residents of the group


def group_sizes(residents: int, shares: dict[str, float] = CENSUS_SHARES) -> dict[str, float]:
    """Expected residents per group in a city of ``residents``."""
    return {g: residents * s for g, s in shares.items()}


def totals(ts: pd.DataFrame, metric: str, names: Sequence[str]) -> pd.DataFrame:
    """Per scenario, replicate and group: run total (flows) or last-day value (stocks)."""
    sel = ts[(ts["metric"] == metric) & (ts["group"] != "") & ts["scenario"].astype(str).isin(list(names))]
    if not BY_NAME[metric].flow:
        sel = sel[sel["day"] == sel["day"].max()]
    out = sel.groupby(["scenario", "replicate", "group"], observed=True)["value"].sum().reset_index()
    out["scenario"], out["group"] = out["scenario"].astype(str), out["group"].astype(str)
    return out


def by_group(ts: pd.DataFrame, metric: str, meta: dict[str, Any], scenarios: Sequence[str] | None = None,
             sizes: dict[str, float] | None = None) -> go.Figure:
    """Bars per group (x) and scenario (colour, in legend order): the metric per 1,000 residents
    of the group (intensive metrics as they are), median over replicates, 10-90% error bars.

    Example:
        >>> fig = by_group(res.timeseries, "arrests", meta)     # doctest: +SKIP
    """
    if metric not in BY_NAME:
        raise InputError(f"metric {metric!r} is not in the catalogue")
    m = BY_NAME[metric]
    if not m.per_group:
        raise InputError(f"{m.label} is not recorded by group; pick a metric such as wrongful stops or arrests.")
    present = [str(s) for s in ts["scenario"].unique()]
    names = [s for s in (scenarios or [s["name"] for s in meta.get("scenarios", [])] or present) if s in present]
    sizes = sizes or group_sizes(int(meta.get("residents", 0)) or 1)
    t = totals(ts, metric, names)
    t = t[t["group"].isin(list(sizes))]
    if t.empty:
        raise InputError(f"no per-group rows of {metric!r} in the results")
    rate = t["value"] if m.intensive else t["value"] / t["group"].map(sizes) * PER
    t = t.assign(rate=rate)
    groups = [g for g in GROUP_KEYS if g in set(t["group"])]
    fig = go.Figure()
    for i, sc in enumerate(names):
        q = t[t["scenario"] == sc].groupby("group")["rate"].quantile([0.1, 0.5, 0.9]).unstack().reindex(groups)
        fig.add_bar(x=[group_label(g) for g in groups], y=q[0.5], name=scenario_label(sc),
                    marker=dict(color=PALETTE[i % len(PALETTE)], line=dict(color="#222222", width=0.6)),
                    error_y=dict(type="data", symmetric=False, array=q[0.9] - q[0.5], arrayminus=q[0.5] - q[0.1],
                                 color="#333333", thickness=1.2, width=3),
                    meta={"scenario": sc, "role": "median"},
                    hovertemplate=f"{html.escape(scenario_label(sc))}, %{{x}}: %{{y:,.3~g}}<extra></extra>")
    unit = m.unit.replace(" / day", "")
    ytitle = (m.unit if m.intensive else f"{unit} per {PER:,} residents of the group"
              + (", run total" if m.flow else ", last day"))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title_text=ytitle, rangemode="tozero")
    few = []
    if not m.intensive:
        med = t.groupby("group")["value"].median()  # a typical run's count
        few = [group_label(g) for g in groups if med.get(g, 0) < FEW_EVENTS]
    extra = ("Bars: median over replicates; whiskers: 10th-90th percentile. "
             + ("" if m.intensive else f"Rates use group sizes of {int(meta.get('residents', 0)):,} residents "
                "times the census shares. "))
    if few:
        extra += (f"Few events: fewer than {FEW_EVENTS} {unit} in a typical run for "
                  f"{', '.join(few)}; their rates are noisy, compare them with care.")
    fig.update_layout(meta={"scenarios": list(names), "metric": metric, "few_events": few})
    subtitle = f"Few events for {len(few)} group(s): noisy rates (see the note below)" if few else ""
    return apply_style(fig, f"{m.label}, by group", caption(meta, names, extra, metric=metric), legend="top", subtitle=subtitle)
