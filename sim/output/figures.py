"""Charts of survsim results: pure functions from the tidy table to plotly figures.

Every function takes the tidy time series (``scenario, replicate, seed, day, metric, group,
value``; see :mod:`sim.output.results`) and a ``meta`` dict, and returns a styled
``plotly.graph_objects.Figure``; nothing is read or written, so the same functions serve
the report (:mod:`sim.output.report`), notebooks and the dashboard's callbacks.

``meta`` keys: ``scenarios`` (list of {"name", "description"}), ``baseline``, ``replicates``,
``seed``, ``replicate_seeds``, ``version``, ``git_commit``, ``assumptions`` (short strings),
optionally ``start_date`` (calendar date of day 0, default 2017-01-01).

Statistics: lines and bars are medians over replicates, bands and error bars the 10th-90th
percentiles. Replicate r of every scenario runs on the same seed, so differences are taken
per replicate before they are summarised.
"""

from __future__ import annotations

import difflib
import html
import math
import textwrap
from collections.abc import Sequence
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.core.errors import InputError
from sim.core.groups import GROUP_KEYS, REFERENCE_GROUP, label as group_label
from sim.core.metrics import BY_NAME, Metric
from sim.output.style import (CAPTION_WIDTH, LINE_PX, DASHES, FEW_EVENTS, NEUTRAL, PALETTE, QUANTILES, ROLL_DAYS, START_DATE, TRUE_COLOUR,
                              WRONG_COLOUR, apply_style, caption)


# --- shared style -------------------------------------------------------------------------


# --- figures ------------------------------------------------------------------------------

def timeseries(ts: pd.DataFrame, metric: str, meta: dict[str, Any], group: str = "",
               scenarios: Sequence[str] | None = None,
               flow: Literal["cumulative", "rolling"] = "cumulative") -> go.Figure:
    """One metric over time per scenario: median over replicates and a 10-90% band.
    Flows (daily counts) are shown as running totals from day 0 (``flow="cumulative"``,
    readable even for rare events) or as 30-day rolling sums (``flow="rolling"``).

    Example:
        >>> fig = timeseries(res.timeseries, "cameras", meta)          # doctest: +SKIP
        >>> fig = timeseries(ts, "wrongful_stops", meta, group="black_m", flow="rolling")  # doctest: +SKIP
    """
    m = _metric(metric)
    _check_group(m, group)
    if flow not in ("cumulative", "rolling"):
        raise InputError(f"flow = {flow!r}: use 'cumulative' or 'rolling'")
    kind = flow if m.flow else "level"
    names = _scenarios(ts, meta, scenarios)
    sel = _select(ts, metric, group)
    fig = go.Figure()
    for sc in names:
        wide = _wide(sel, sc)
        if kind == "cumulative":
            wide = wide.cumsum()
        elif kind == "rolling":  # day 0 holds no flow; a window is shown once it is full
            wide = wide.loc[wide.index >= 1].rolling(ROLL_DAYS, min_periods=ROLL_DAYS).sum()
        _add_band(fig, _quantiles(wide), meta, sc, *_style(meta, names, sc), _unit(m, kind), len(names))
    fig.update_yaxes(title_text=_unit(m, kind).capitalize(), rangemode="tozero")
    fig.update_xaxes(title_text="Date (simulated)")
    fig.update_layout(hovermode="x unified", meta=_provenance(meta, names))
    how = {"level": "", "cumulative": " Daily counts are added up from the start of the run.",
           "rolling": f" Daily counts are summed over the previous {ROLL_DAYS} days (first {ROLL_DAYS} not shown)."}
    extra = "Lines: median over replicates; bands: 10th-90th percentile." + how[kind]
    return apply_style(fig, m.label + _group_suffix(group), caption(meta, names, extra, metric=metric))


def difference(ts: pd.DataFrame, metric: str, meta: dict[str, Any], group: str = "",
               scenarios: Sequence[str] | None = None) -> go.Figure:
    """Scenario minus baseline, paired by replicate (same seed), then summarised: median
    and 10-90% band over time; flows are cumulative from day 0. A zero line marks no change.

    Example:
        >>> fig = difference(ts, "footage_granted", meta, scenarios=["warrant_required"])  # doctest: +SKIP
    """
    m = _metric(metric)
    _check_group(m, group)
    base = _baseline(ts, meta)
    every = _scenarios(ts, meta, None)
    names = [s for s in _scenarios(ts, meta, scenarios) if scenarios is not None or s != base]
    sel = _select(ts, metric, group)
    ref = _wide(sel, base)
    fig = go.Figure()
    drawn, same = {}, []  # scenarios whose line lies exactly on an earlier one's (the reader sees one line)
    for sc in names:
        wide = _wide(sel, sc)
        _check_paired(sel, sc, base)
        reps = wide.columns.intersection(ref.columns)
        diff = wide[reps] - ref[reps]
        q = _quantiles(diff.cumsum() if m.flow else diff)
        twin = next((o for o, oq in drawn.items() if oq.equals(q)), None)
        if twin is not None:
            same.append(f"{sc} = {twin}")
        drawn[sc] = q
        _add_band(fig, q, meta, sc, *_style(meta, every, sc), _unit(m, "difference"), len(names))
    fig.add_hline(y=0, line=dict(color="#222222", width=1.2))
    fig.update_yaxes(title_text=_unit(m, "difference").capitalize())
    fig.update_xaxes(title_text="Date (simulated)")
    shown = list(dict.fromkeys([base, *names]))
    fig.update_layout(hovermode="x unified", meta=_provenance(meta, shown))
    extra = (f"Each replicate is compared with the {base} replicate run on the same seed; line: median of these "
             f"paired differences, band: their 10th-90th percentile."
             + (" Daily counts are accumulated from the start of the run." if m.flow else "")
             + (f" Identical, so drawn on top of each other: {'; '.join(same)}." if same else ""))
    title = f"{m.label}{_group_suffix(group)}: change vs {base}"
    subtitle = f"Scenario minus {html.escape(base)}, replicate by replicate (same seeds)"
    return apply_style(fig, title, caption(meta, shown, extra, metric=metric), subtitle=subtitle)


def disparity(ts: pd.DataFrame, meta: dict[str, Any], metric: str = "wrongful_stops",
              scenarios: Sequence[str] | None = None, reference: str | None = None,
              group_sizes: dict[str, float] | None = None) -> go.Figure:
    """Per-capita rate of ``metric`` over the run for each group, relative to the reference
    group (1 = parity), bars grouped by scenario with 10-90% error bars over replicates.

    Without ``group_sizes`` only ``wrongful_stops`` works: it uses the model's final-day
    ``disparity_wrongful_stops`` ratios, rescaled to ``reference``. With few events the
    subtitle warns that the ratios are very uncertain.

    Example:
        >>> fig = disparity(ts, meta)                                        # doctest: +SKIP
        >>> fig = disparity(ts, meta, "arrests", group_sizes={"white_m": 5900, ...})  # doctest: +SKIP
    """
    m = _metric(metric)
    if not m.per_group:
        raise InputError(f"disparity: metric {metric!r} has no per-group rows")
    names = _scenarios(ts, meta, scenarios)
    ratios = _ratios(ts, m, names, reference, group_sizes)  # scenario, replicate, group, ratio
    groups, ref = _group_order(ratios.group.unique()), ratios.attrs["reference"]
    stats = ratios.groupby(["scenario", "group"], observed=True)["ratio"].agg(
        p10=lambda s: s.quantile(0.1), median="median", p90=lambda s: s.quantile(0.9), n="count")
    ticks = [_wrap_label(group_label(g), 12 if len(groups) <= 6 else 8) for g in groups]
    fig = go.Figure()
    for sc in names:
        st = stats.loc[sc].reindex(groups) if sc in stats.index.get_level_values(0) else pd.DataFrame(
            index=groups, columns=["p10", "median", "p90", "n"], dtype=float)
        name = sc if st["n"].fillna(0).max() > 0 else f"{sc}: ratio undefined (none among {group_label(ref)})"
        fig.add_bar(x=ticks, y=st["median"], name=name, meta={"scenario": sc},
                    marker=dict(color=_style(meta, names, sc)[0], line=dict(width=0)),
                    error_y=dict(type="data", array=st["p90"] - st["median"], arrayminus=st["median"] - st["p10"],
                                 color="#333333", thickness=1.2, width=4),
                    customdata=st[["p10", "p90", "n"]].to_numpy(),
                    hovertemplate=f"{sc}<br>%{{x}}: %{{y:.2f}}x (10-90%: %{{customdata[0]:.2f}}-%{{customdata[1]:.2f}})"
                                  "<br>replicates with a defined ratio: %{customdata[2]}<extra></extra>")
    fig.add_hline(y=1, line=dict(color="#222222", width=1.5, dash="dash"))
    fig.add_annotation(xref="paper", x=1, xanchor="left", xshift=4, y=1, yref="y", text="parity<br>(1x)",
                       showarrow=False, align="left", font=dict(size=12, color="#222222"))
    fig.update_layout(barmode="group", bargap=0.25 if len(groups) > 3 else 0.5, meta=_provenance(meta, names))
    fig.update_yaxes(title_text=f"Rate relative to {group_label(ref)} (x)", rangemode="tozero")
    fig.update_xaxes(tickangle=0, tickfont_size=12)
    counts = _totals(ts, metric, "", names).groupby("scenario", observed=True)["value"].median()
    noun = m.unit.replace(" / day", "")
    scale = "; ".join(f"{sc} {counts.get(sc, float('nan')):,.0f}" for sc in names)
    extra = (f"Bars: per-capita {m.label[0].lower() + m.label[1:]} over the whole run in each group divided by that of "
             f"{group_label(ref)}, median over replicates (no bar: a median of 0); error bars: 10th-90th percentile. "
             f"A ratio is undefined in a replicate where {group_label(ref)} had none. Median total {noun} over the "
             f"run (all groups): {scale}.")
    few = counts.max() < FEW_EVENTS if len(counts) else True
    subtitle = (f"Few events (at most a median of {counts.max():,.0f} {noun} per run): these ratios are very "
                "uncertain." if few else "")
    fig = apply_style(fig, f"{m.label}: per-capita rate relative to {group_label(ref)}",
                      caption(meta, names, extra, metric=metric), subtitle=subtitle,
                      axis_room=18 + 17 * max(t.count("<br>") + 1 for t in ticks))
    return fig.update_layout(margin_r=70)  # room for the parity label


FUNNEL_STAGES = ("Face<br>searches", "Candidates<br>returned", "Stops<br>(innocent)", "Arrests<br>(innocent)")
FUNNEL_METRICS = ("fr_searches", "fr_true_candidates", "fr_false_candidates", "wrongful_stops", "wrongful_arrests",
                  "stops", "arrests", "clearances")
# (legend name, colour, x offset, {stage: metric})
FUNNEL_SERIES = (("Searches run", NEUTRAL, 0.0, {0: "fr_searches"}),
                 ("Offender<br>(true match)", TRUE_COLOUR, -0.2, {1: "fr_true_candidates"}),
                 ("Innocent person<br>(false match)", WRONG_COLOUR, 0.2,
                  {1: "fr_false_candidates", 2: "wrongful_stops", 3: "wrongful_arrests"}))


def funnel(ts: pd.DataFrame, meta: dict[str, Any], scenarios: Sequence[str] | None = None) -> go.Figure:
    """The face-recognition funnel over the run, one panel per scenario: searches ->
    candidates (offender vs innocent) -> wrongful stops -> wrongful arrests. Bars are run
    totals (median over replicates) with 10-90% error bars. Stops and arrests of true
    matches are not recorded apart from patrol stops and conventional arrests, so only the
    wrongful ones are drawn; each panel's subtitle gives all stops, arrests and clearances
    for scale.

    Example:
        >>> fig = funnel(ts, meta, scenarios=["baseline", "warrant_required"])  # doctest: +SKIP
    """
    names = _scenarios(ts, meta, scenarios)
    q = {k: _totals(ts, k, "", names).groupby("scenario", observed=True)["value"].quantile(list(QUANTILES)).unstack()
         for k in FUNNEL_METRICS}
    cols = min(len(names), 3)
    rows = math.ceil(len(names) / cols)
    titles = [f"<b>{html.escape(sc)}</b><br><span style='font-size:12px'>for scale: all stops "
              f"{_num(q['stops'].loc[sc, 0.5])}, all arrests {_num(q['arrests'].loc[sc, 0.5])}, "
              f"cleared {_num(q['clearances'].loc[sc, 0.5])}</span>" for sc in names]
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, subplot_titles=titles,
                        horizontal_spacing=0.03, vertical_spacing=0.16)
    for i, sc in enumerate(names):
        _funnel_panel(fig, q, sc, divmod(i, cols), first=i == 0)
    fig.update_xaxes(tickvals=list(range(4)), ticktext=list(FUNNEL_STAGES), range=[-0.6, 3.6], tickfont_size=12,
                     tickangle=0)
    top = max(float(q[k].loc[names].to_numpy().max()) for k in FUNNEL_METRICS[:5])
    fig.update_yaxes(range=[0, 1.15 * top if top > 0 else 1], rangemode="tozero")  # room for the labels
    fig.update_yaxes(title_text="Count over the run", col=1)
    fig.update_layout(barmode="overlay", meta=_provenance(meta, names),
                      height=None if rows == 1 else 650 + 300 * (rows - 1))
    days = int(ts["day"].max())
    extra = (f"Bars: totals over the run (days 1-{days}), median over replicates, with the 10th-90th percentile. "
             "Candidates: people a search returned; one search can return several innocent people. Stops and "
             "arrests of true matches are not recorded apart from patrol stops and conventional arrests, so only "
             "those of innocent people are drawn (stops include emotion-flag stops when that policy is on). "
             "'Cleared': offences cleared by arrest, all routes.")
    fig = apply_style(fig, "Face recognition, from search to arrest", caption(meta, names, extra, metric="wrongful_stops"),
                      axis_room=50, legend="right")
    return fig.update_layout(margin_t=fig.layout.margin.t + 44)  # two-line panel titles


def _funnel_panel(fig: go.Figure, q: dict[str, pd.DataFrame], sc: str, rc: tuple[int, int], first: bool) -> None:
    """One scenario's bars; each labelled with its median above the error bar."""
    row, col = rc[0] + 1, rc[1] + 1
    for name, colour, dx, stages in FUNNEL_SERIES:
        x = [s + dx for s in stages]
        lo, med, hi = ([float(q[k].loc[sc, p]) for k in stages.values()] for p in QUANTILES)
        plain = name.replace("<br>", " ")
        fig.add_bar(x=x, y=med, width=0.38 if dx else 0.5, name=name, legendgroup=name, showlegend=first,
                    marker=dict(color=colour, line=dict(width=0)), meta={"scenario": sc, "series": plain},
                    error_y=dict(type="data", array=[h - v for h, v in zip(hi, med)],
                                 arrayminus=[v - lo_ for v, lo_ in zip(med, lo)], color="#333333", width=4),
                    customdata=list(zip(lo, hi)), row=row, col=col,
                    hovertemplate=f"{sc}: {plain}<br>%{{y:,.4~g}} (10-90%: %{{customdata[0]:,.4~g}}-"
                                  "%{customdata[1]:,.4~g})<extra></extra>")
        fig.add_scatter(x=x, y=[max(h, v) for h, v in zip(hi, med)], mode="text", text=[_num(v) for v in med],
                        textposition="top center", textfont=dict(size=12, color="#222222"), showlegend=False,
                        hoverinfo="skip", cliponaxis=False, row=row, col=col)


# --- helpers ------------------------------------------------------------------------------

def _metric(name: str) -> Metric:
    if name not in BY_NAME:
        hint = difflib.get_close_matches(name, list(BY_NAME), n=1)
        raise InputError(f"metric {name!r} is not in the catalogue" + (f"; did you mean {hint[0]!r}?" if hint else "")
                         + f" Known: {', '.join(BY_NAME)}")
    return BY_NAME[name]


def _check_group(m: Metric, group: str) -> None:
    if group and not m.per_group:
        raise InputError(f"metric {m.name!r} has no per-group rows; use group=''")
    if not group and not m.population_row:
        raise InputError(f"metric {m.name!r} is per group only ({m.label}); pick a group")


def _scenarios(ts: pd.DataFrame, meta: dict[str, Any], scenarios: Sequence[str] | None) -> list[str]:
    """Requested scenarios (checked against ts), or all in meta's order, then any others in ts."""
    present = _present(ts)
    if scenarios is not None:
        missing = [s for s in scenarios if s not in present]
        if missing:
            raise InputError(f"scenario(s) {', '.join(missing)} not in the results; present: {', '.join(present)}")
        return list(scenarios)
    order = [s["name"] for s in meta.get("scenarios", []) if s["name"] in present]
    return order + [s for s in present if s not in order]


def _present(ts: pd.DataFrame) -> list[str]:
    """Scenario names in the results, in order of appearance."""
    return [str(s) for s in ts["scenario"].unique()]


def _baseline(ts: pd.DataFrame, meta: dict[str, Any]) -> str:
    base = meta.get("baseline")
    if base is None or base not in _present(ts):
        raise InputError(f"meta['baseline'] = {base!r} is not a scenario in the results")
    return base


def _style(meta: dict[str, Any], names: Sequence[str], sc: str) -> tuple[str, str]:
    """(colour, dash) of a scenario, the same in every chart: keyed on its position in
    meta['scenarios'] (then in ``names``)."""
    order = [s["name"] for s in meta.get("scenarios", [])]
    i = order.index(sc) if sc in order else len(order) + list(names).index(sc)
    return PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]


def _select(ts: pd.DataFrame, metric: str, group: str) -> pd.DataFrame:
    sel = ts[(ts["metric"] == metric) & (ts["group"] == group)]
    if sel.empty:
        raise InputError(f"no rows for metric {metric!r}, group {group!r} in the results")
    return sel


def _wide(sel: pd.DataFrame, sc: str) -> pd.DataFrame:
    """Days x replicates for one scenario (rows already filtered to one metric and group)."""
    return sel[sel["scenario"] == sc].pivot_table(index="day", columns="replicate", values="value",
                                                  aggfunc="first", observed=True, dropna=False).sort_index()


def _quantiles(wide: pd.DataFrame) -> pd.DataFrame:
    """10th, 50th, 90th percentile over replicates (columns) for each day; NaN days dropped."""
    q = wide.quantile(list(QUANTILES), axis=1).T
    q.columns = ["p10", "median", "p90"]
    return q.dropna(subset=["median"])


def _dates(days: pd.Index, meta: dict[str, Any]) -> pd.DatetimeIndex:
    start = pd.Timestamp(meta.get("start_date", START_DATE))
    return start + pd.to_timedelta(days.to_numpy(), unit="D")


def _add_band(fig: go.Figure, q: pd.DataFrame, meta: dict[str, Any], sc: str, colour: str, dash: str,
              unit: str, n_scenarios: int = 1) -> None:
    """Three traces: 10th percentile (invisible), 90th filled down to it, then the median.
    Bands get lighter as scenarios are added, so overlaps stay readable."""
    x = _dates(q.index, meta)
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    alpha = 0.2 if n_scenarios <= 2 else 0.12
    common = dict(x=x, mode="lines", legendgroup=sc, showlegend=False, hoverinfo="skip", line=dict(width=0))
    fig.add_scatter(y=q["p10"], name=f"{sc} 10th percentile", meta={"scenario": sc, "role": "p10"}, **common)
    fig.add_scatter(y=q["p90"], name=f"{sc} 90th percentile", meta={"scenario": sc, "role": "p90"},
                    fill="tonexty", fillcolor=f"rgba({r},{g},{b},{alpha})", **common)
    fig.add_scatter(x=x, y=q["median"], name=sc, legendgroup=sc, mode="lines", meta={"scenario": sc, "role": "median"},
                    line=dict(color=colour, width=2.5, dash=dash), customdata=q[["p10", "p90"]].to_numpy(),
                    hovertemplate=f"{sc}: %{{y:,.3~g}} (10-90%: %{{customdata[0]:,.3~g}}-%{{customdata[1]:,.3~g}})"
                                  f" {html.escape(unit)}<extra></extra>")


def _unit(m: Metric, kind: str) -> str:
    """Axis text by kind: 'level' -> 'households'; 'rolling' -> 'offences per 30 days';
    'cumulative' -> 'offences, running total'; 'difference' -> 'change in offences, running total'."""
    noun = m.unit.replace(" / day", "")
    if kind == "rolling":
        return f"{noun} per {ROLL_DAYS} days"
    if kind == "cumulative":
        return f"{noun}, running total"
    if kind == "difference":
        return f"change in {noun}, running total" if m.flow else f"change in {m.unit}"
    return m.unit


def _num(v: float) -> str:
    """A count for a bar label: 1,234 / 12.5 / 0.25 (blank when missing)."""
    if v != v:
        return ""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _wrap_label(text: str, width: int = 12) -> str:
    """'American Indian women' -> 'American<br>Indian women' (width 12) for horizontal tick labels."""
    return "<br>".join(textwrap.wrap(text, width)) if len(text) > width else text


def _group_suffix(group: str) -> str:
    return f" \u2014 {group_label(group)}" if group else ""


def _group_order(groups: Sequence[str]) -> list[str]:
    known = [g for g in GROUP_KEYS if g in set(groups)]
    return known + sorted(g for g in groups if g not in known)


def _check_paired(sel: pd.DataFrame, sc: str, base: str) -> None:
    """Replicate r of both scenarios must have run on the same seed."""
    seeds = sel[sel["scenario"].isin([sc, base])].groupby(["scenario", "replicate"], observed=True)["seed"].first()
    a, b = seeds.loc[sc], seeds.loc[base]
    common = a.index.intersection(b.index)
    if not (a[common] == b[common]).all() or common.empty:
        raise InputError(f"{sc} and {base} did not run on the same replicate seeds; differences would not be paired. "
                         "Run both with the same --seed and --replicates.")


def _totals(ts: pd.DataFrame, metric: str, group: str | None, names: Sequence[str]) -> pd.DataFrame:
    """Per scenario, replicate (and group): run total of a flow or final level of a stock."""
    sel = ts[(ts["metric"] == metric) & ts["scenario"].isin(names)]
    sel = sel[sel["group"] == group] if group is not None else sel[sel["group"] != ""]
    keys = ["scenario", "replicate"] + ([] if group is not None else ["group"])
    if not BY_NAME[metric].flow:
        sel = sel[sel["day"] == sel.groupby("scenario", observed=True)["day"].transform("max")]
    out = sel.groupby(keys, observed=True)["value"].sum().reset_index()
    out["scenario"] = out["scenario"].astype(str)
    return out


def _ratios(ts: pd.DataFrame, m: Metric, names: Sequence[str], reference: str | None,
            group_sizes: dict[str, float] | None) -> pd.DataFrame:
    """Per scenario, replicate and group: per-capita rate over the run / that of the reference."""
    if group_sizes is None:
        if m.name != "wrongful_stops":
            raise InputError(f"disparity of {m.name!r} needs group_sizes (residents per group); only "
                             "'wrongful_stops' has a recorded per-capita ratio")
        t = _totals(ts, "disparity_wrongful_stops", None, names).rename(columns={"value": "rate"})
    else:
        t = _totals(ts, m.name, None, names)
        t = t[t["group"].isin(list(group_sizes))]
        t["rate"] = t["value"] / t["group"].map(group_sizes)
    t["group"] = t["group"].astype(str)
    groups = set(t["group"])
    if not groups:
        raise InputError(f"no per-group rows for {m.name!r} (or for the groups in group_sizes) in the results")
    ref = reference or (REFERENCE_GROUP if REFERENCE_GROUP in groups else _group_order(list(groups))[0])
    if ref not in groups:
        raise InputError(f"reference group {ref!r} not in the results; groups: {', '.join(sorted(groups))}")
    ref_rate = t[t["group"] == ref].set_index(["scenario", "replicate"])["rate"]
    den = pd.MultiIndex.from_frame(t[["scenario", "replicate"]]).map(ref_rate.get)
    t["ratio"] = t["rate"] / pd.Series(den, index=t.index, dtype=float).where(lambda s: s > 0)
    t.attrs["reference"] = ref
    return t[["scenario", "replicate", "group", "ratio"]]


def _provenance(meta: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """Stored in ``layout.meta`` so a saved or exported figure says where it came from."""
    return {"scenarios": list(names), "baseline": meta.get("baseline"), "seed": meta.get("seed"),
            "replicate_seeds": list(meta.get("replicate_seeds", [])), "survsim_version": meta.get("version"),
            "git_commit": meta.get("git_commit")}


__all__ = ["CAPTION_WIDTH", "FUNNEL_METRICS", "LINE_PX", "apply_style", "caption", "difference", "disparity", "funnel",
           "timeseries"]
