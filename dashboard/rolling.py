"""Rolling sums that read for rare events: the window is chosen from the event rate.

A 30-day sum of an event that happens a few times a year (wrongful stops in a city of
20,000) is a barcode of 0s and 1s. Here the window is the shortest of 30 days, 3, 6 or 12
months in which the baseline has about :data:`EVENTS` events or more, so each point is a
count worth reading; the chart says which window it uses and why.

The figure is drawn with the same pieces as :func:`sim.output.figures.timeseries` (its
bands, styles and caption), only the window differs.

Example:
    >>> window(rate_per_day=2.0, days=730)       # common events: a month is enough
    (30, '30 days')
    >>> window(rate_per_day=0.03, days=730)      # about 11 a year
    (365, '12 months')
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.core.metrics import BY_NAME
from sim.output import figures
from sim.output.style import apply_style, caption

WINDOWS = ((30, "30 days"), (91, "3 months"), (182, "6 months"), (365, "12 months"))
EVENTS = 10   # events a window should hold (on the baseline's average) to read as a count, not a barcode


def window(rate_per_day: float, days: int) -> tuple[int, str]:
    """(days, words) of the shortest window holding about :data:`EVENTS` events at this rate,
    among those that leave at least half the run to draw (30 days always fits)."""
    fitting = [w for w in WINDOWS if w[0] <= max(days // 2, WINDOWS[0][0])]
    for w in fitting:
        if rate_per_day * w[0] >= EVENTS:
            return w
    return fitting[-1]


def baseline_rate(sel: pd.DataFrame, baseline: str) -> float:
    """Mean events per day of the baseline (every replicate, days 1 on: day 0 holds no flow)."""
    rows = sel[(sel["scenario"] == baseline) & (sel["day"] >= 1)]
    if rows.empty:
        rows = sel[sel["day"] >= 1]
    return float(rows["value"].mean()) if len(rows) else 0.0


def rolling_figure(ts: pd.DataFrame, metric: str, meta: dict[str, Any], group: str = "") -> go.Figure:
    """One flow metric over time as sums over a window fitted to its rate (median and 10-90%
    band over replicates per scenario); the title, axis and caption name the window."""
    m = BY_NAME[metric]
    figures._check_group(m, group)
    names = figures._scenarios(ts, meta, None)
    sel = figures._select(ts, metric, group)
    last = int(sel["day"].max())
    rate = baseline_rate(sel, str(meta.get("baseline") or names[0]))
    days, words = window(rate, last)
    noun = m.unit.replace(" / day", "")
    unit = f"{noun} in the previous {words}"
    fig = go.Figure()
    for sc in names:
        wide = figures._wide(sel, sc)
        wide = wide.loc[wide.index >= 1].rolling(days, min_periods=days).sum()
        colour, dash = figures._style(meta, names, sc)
        figures._add_band(fig, figures._quantiles(wide), meta, sc, colour, dash, unit, len(names))
    fig.update_yaxes(title_text=unit[0].upper() + unit[1:], rangemode="tozero")
    fig.update_xaxes(title_text="Date (simulated)")
    fig.update_layout(hovermode="x unified", meta={**figures._provenance(meta, names), "window_days": days})
    extra = ("Lines: median over replicates; bands: 10th-90th percentile. " + explain(rate, days, words))
    return apply_style(fig, m.label + figures._group_suffix(group), caption(meta, names, extra, metric=metric),
                       subtitle=f"Rolling sums over {words}" + subtitle_note(rate, days))


def subtitle_note(rate: float, days: int) -> str:
    if days == WINDOWS[0][0]:
        return ""
    return " (rare events)" if rate * days >= EVENTS else " (rare events: the running total may read better)"


def explain(rate: float, days: int, words: str) -> str:
    """The caption's sentence on the window: what each point is, and why this long."""
    what = (f"Each point is the count over the previous {words}" + (f" ({days} days)" if "month" in words else "")
            + f"; the first {days} days are not shown.")
    per_30 = rate * 30
    if days == WINDOWS[0][0]:
        return what
    why = (f" The baseline averages {per_30:.2g} per 30 days, so 30-day sums would be mostly 0s and 1s; "
           f"the window is the shortest (30 days, 3, 6 or 12 months) with about {EVENTS} events or more")
    if rate * days < EVENTS:
        why += f" (even {words} hold only about {rate * days:.2g}: the running total reads better)"
    return what + why + "."
