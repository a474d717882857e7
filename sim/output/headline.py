"""The numbers an analyst quotes and an advocate charts, with the events behind them.

Works on a comparison's summary table (``summary.csv``; columns from
:mod:`sim.experiments.events`): per-group rates with their event counts and 95% intervals,
rate ratios to the reference group from pooled events (shown only when both groups have at
least ``MIN_EVENTS``), and the reforms' paired differences with a verdict. A ratio that rests on
too few events is not drawn: the chart says so and prints the command that would fix it.
"""

from __future__ import annotations

import html
import math
import textwrap
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.core.groups import label as group_label
from sim.core.intervals import LEVEL, MIN_EVENTS
from sim.core.metrics import BY_NAME
from sim.output.style import PALETTE, apply_style, caption

RATE_METRIC = "wrongful_stops"
DIFFERENCE_METRICS = ("wrongful_stops", "fr_searches", "footage_obtained_without_warrant", "clearances")
FIX = "too few events: run a larger city or more replicates"


def has_events(summary: pd.DataFrame | None) -> bool:
    return summary is not None and {"events", "ratio", "rate_per_100k_year", "diff_low"} <= set(summary.columns)


def fix_command(meta: dict[str, Any], fewest: float) -> str:
    """A ``survsim compare`` call whose city is large enough for ``MIN_EVENTS`` in the group
    that had ``fewest`` (events grow in proportion to residents x replicates)."""
    residents, reps = int(meta.get("residents") or 20_000), int(meta.get("replicates") or 1)
    factor = MIN_EVENTS / max(fewest, 1.0)
    bigger = int(math.ceil(residents * factor / 10_000) * 10_000)
    return f"survsim compare --residents {bigger} --replicates {reps}"


def rate_rows(summary: pd.DataFrame, scenario: str, metric: str = RATE_METRIC) -> pd.DataFrame:
    """Per group: events, rate per 100k residents per year with its interval, ratio to the reference."""
    s = summary[(summary.scenario == scenario) & (summary.metric == metric)].copy()
    s["group"] = s["group"].fillna("")
    scale = s["rate_per_100k_year"] / s["mean"].where(s["mean"] > 0)
    s["rate_low"], s["rate_high"] = s["mean_low"].clip(lower=0) * scale, s["mean_high"] * scale
    none = s["events"] == 0  # no event in any replicate: the rate and its interval are 0
    s.loc[none, ["rate_low", "rate_high"]] = 0.0
    return s


def rate_ratio_chart(summary: pd.DataFrame, meta: dict[str, Any], metric: str = RATE_METRIC) -> go.Figure:
    """Per-capita rate of ``metric`` relative to the reference group, by scenario: pooled over
    replicates with 95% intervals, each bar labelled with its group's events; groups with too
    few events get no bar and a note with the command that would give enough."""
    m = BY_NAME[metric]
    names = [s["name"] for s in meta.get("scenarios", [])] or list(dict.fromkeys(summary.scenario))
    fig = go.Figure()
    fewest, missing = math.inf, set()
    base = rate_rows(summary, meta.get("baseline", names[0]), metric)
    base_events = dict(zip(base.group, base.events))
    groups = [g for g in base.group if g]
    ticks = {g: f"{_tick(g)}<br><span style='font-size:10px'>{base_events.get(g, 0):,.0f} events</span>"
             for g in groups}
    for i, sc in enumerate(names):
        s = rate_rows(summary, sc, metric)
        s = s[s.group != ""]
        ok = s["ratio"].notna()
        missing |= set(s.group[~ok])
        fewest = min([fewest, *s.loc[~ok, "events"].tolist()])
        fig.add_bar(x=[ticks.get(g, _tick(g)) for g in s.group], y=s["ratio"].where(ok), name=sc,
                    meta={"scenario": sc}, marker=dict(color=PALETTE[i % len(PALETTE)], line=dict(width=0)),
                    error_y=dict(type="data", array=(s["ratio_high"] - s["ratio"]).where(ok),
                                 arrayminus=(s["ratio"] - s["ratio_low"]).where(ok), color="#333333", width=4),
                    customdata=s[["events", "ratio_low", "ratio_high"]].to_numpy(),
                    hovertemplate=f"{sc}<br>%{{x}}: %{{y:.2f}}x ({LEVEL:.0%} CI %{{customdata[1]:.2f}}-"
                                  "%{customdata[2]:.2f}); %{customdata[0]:,.0f} events<extra></extra>")
    fig.add_hline(y=1, line=dict(color="#222222", width=1.5, dash="dash"))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(title_text="Rate relative to White men (x)", rangemode="tozero")
    fig.update_xaxes(tickangle=0, tickfont_size=11)
    ref = group_label("white_m")
    extra = (f"Bars: {m.label[0].lower() + m.label[1:]} per resident in each group, events pooled over all "
             f"{meta.get('replicates')} replicates, divided by that of {ref}; error bars: {LEVEL:.0%} interval "
             f"(delta method, paired by replicate). Under each group: its events in {meta.get('baseline', names[0])} "
             f"(all replicates; other scenarios' on hover). A ratio is drawn only when both groups have at least "
             f"{MIN_EVENTS} events.")
    subtitle = ""
    if missing:
        shown = ", ".join(group_label(g) for g in groups if g in missing)
        note = f"No bar for {shown} in some or all scenarios: {FIX}, e.g. {fix_command(meta, fewest)}"
        subtitle = "<br>".join(html.escape(line) for line in textwrap.wrap(note, 110))
        if len(missing) == len(groups):
            fig.add_annotation(xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False, font=dict(size=15),
                               text=f"{FIX}:<br><i>{html.escape(fix_command(meta, fewest))}</i>")
    fig = apply_style(fig, f"{m.label}: per-capita rate relative to {ref}", caption(meta, names, extra, metric=metric),
                      subtitle=subtitle, axis_room=18 + 17 * max((t.count("<br>") + 1 for t in ticks.values()),
                                                                default=1))
    return fig.update_layout(margin_t=fig.layout.margin.t + 18 * subtitle.count("<br>"))  # room for its lines


def _tick(group: str) -> str:
    """'American Indian women' -> 'American<br>Indian<br>women': horizontal, narrow tick labels."""
    return "<br>".join(textwrap.wrap(group_label(group), 9))


def headline_html(summary: pd.DataFrame, meta: dict[str, Any]) -> str:
    """Tables for the report: baseline per-group rates and ratios with events, then each
    reform's paired difference with its interval, events and verdict."""
    e = html.escape
    base = meta.get("baseline", "baseline")
    rows = []
    for r in rate_rows(summary, base).itertuples():
        ratio = (f"{r.ratio:.2f} [{r.ratio_low:.2f}, {r.ratio_high:.2f}]" if r.ratio == r.ratio
                 else e(str(r.ratio_note or "")) if r.group else "")
        rows.append(f"<tr><td>{e(group_label(r.group) if r.group else 'Everyone')}</td><td>{r.events:,.0f}</td>"
                    f"<td>{r.rate_per_100k_year:,.3g} [{r.rate_low:,.3g}, {r.rate_high:,.3g}]</td><td>{ratio}</td></tr>")
    few = "" if all("too few" not in str(n) for n in summary.get("ratio_note", [])) else \
        f"<p>Ratios marked 'too few events' rest on fewer than {MIN_EVENTS}: {FIX}.</p>"
    out = [f"<h2>Headline numbers ({LEVEL:.0%} intervals over {meta.get('replicates')} paired replicates)</h2>",
           f"<h3>{e(base)}: wrongful stops by group</h3><table><tr><th class='l'>group</th><th>events (all "
           "replicates)</th><th>per 100,000 residents per year [CI]</th><th>ratio to White men [CI]</th></tr>"
           + "".join(rows) + "</table>" + few]
    d = summary[(summary.scenario != base) & summary.metric.isin(DIFFERENCE_METRICS)
                & (summary.group.fillna("") == "")]
    cells = []
    for r in d.itertuples():
        b = summary[(summary.scenario == base) & (summary.metric == r.metric) & (summary.group.fillna("") == "")]
        cells.append(f"<tr><td>{e(r.scenario)}</td><td class='l'>{e(r.metric)}</td>"
                     f"<td>{r.diff_mean:+,.4g} [{r.diff_low:+,.4g}, {r.diff_high:+,.4g}]</td>"
                     f"<td>{r.events:,.0f} vs {float(b.events.iloc[0]) if len(b) else float('nan'):,.0f}</td>"
                     f"<td class='l'>{e(str(r.verdict))}</td></tr>")
    out.append("<h3>Reforms: paired difference from the baseline (total over the run, mean per replicate)</h3>"
               "<table><tr><th class='l'>scenario</th><th class='l'>metric</th><th>difference [CI]</th>"
               "<th>events: reform vs baseline</th><th class='l'>verdict</th></tr>" + "".join(cells) + "</table>"
               "<p>'No detectable difference': the interval contains 0 at this city size and number of replicates.</p>")
    stop = meta.get("stopping")
    if stop:
        items = "".join(f"<li>{e(t['target'])}: {e(t['status'])}</li>" for t in stop["targets"])
        out.append(f"<h3>Stopping rule</h3><p>{e(stop['rule'])}. Ran {stop['replicates']} replicates: "
                   f"{e(stop['stopped'])}.</p><ul>{items}</ul>")
    return "".join(out)
